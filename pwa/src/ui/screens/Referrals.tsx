import { useState } from 'preact/hooks';
import { fmtDate, MEDIUM_LABEL } from '../../domain/playbook';
import type { Medium, Referral } from '../../db/types';
import { uuidv7 } from '../../db/uuid';
import { save, toast } from '../../session';
import { Empty, ThanksChips } from '../components';
import { Chips, FormError, FormHeader, ListTitle, Segmented } from '../parts';
import { Conflicts } from '../conflicts';
import { type Data, useData } from '../../state/data';
import { owesBack, partnerBalances } from '../../domain/nextsteps';
import { DraftBar } from '../draftbar';
import { useDraft } from '../../state/drafts';
import { ContactSelect, type Person, pickedOr, putNewPeople } from '../quickadd';
import { ReferralStatus } from '../referralstatus';
import { back, type Route } from '../router';

type Dir = 'received' | 'given';
type Status = NonNullable<Referral['status']>;
const DIR_LABEL: Record<Dir, string> = { received: 'Received', given: 'Given' };
const STATUSES: Status[] = ['open', 'contacted', 'met', 'won', 'lost'];
const STATUS_LABEL: Record<Status, string> = { open: 'Open', contacted: 'Contacted', met: 'Met', won: 'Won', lost: 'Lost' };

function balanceLine(given: number, received: number): string {
  if (given === 0 && received === 0) return 'Give first: who in your network could use one of your contacts?';
  if (given >= received) return `You have given ${given - received === 0 ? 'as many as' : `${given - received} more than`} you received. Partners notice.`;
  return 'You have received more than you gave. Who could you refer to your best sources this week?';
}

function RefCard({ r, d }: { r: Referral; d: Data }) {
  const who = d.byId.get(r.contact_id ?? '')?.name ?? 'Someone';
  const thank = (m: Medium) =>
    save((w) => w.put('referral', r.id, { thanks: { ...(r.thanks ?? {}), sent_at: new Date().toISOString(), medium: m } })).then(() =>
      toast(`Thank-you by ${MEDIUM_LABEL[m].toLowerCase()} noted`),
    );
  return (
    <li class="card stack-sm">
      <a href={`#/referrals/${r.id}`} class="plain stack-sm">
        <div class="spread">
          <h3 class="grow">
            {r.direction === 'received' ? `${who} referred ${r.prospect || 'someone'} to you` : `You referred ${r.prospect || 'someone'} to ${who}`}
          </h3>
          <span class={`tag${r.status === 'won' ? ' ok' : ''}`}>{STATUS_LABEL[r.status ?? 'open']}</span>
        </div>
        <p class="muted small">
          {r.at ? fmtDate(r.at) : fmtDate(r.created_at ?? new Date().toISOString())}
          {r.value ? ` · ${new Intl.NumberFormat(undefined, { style: 'currency', currency: r.value.currency, maximumFractionDigits: 0 }).format(r.value.amount)}` : ''}
        </p>
      </a>
      {r.direction === 'received' &&
        (r.thanks?.sent_at ? (
          <p class="small">
            <span class="tag ok">Thanked</span> by {MEDIUM_LABEL[r.thanks.medium ?? 'card'].toLowerCase()} {fmtDate(r.thanks.sent_at)}
          </p>
        ) : (
          <div class="stack-sm">
            <p class="small">Thank {who.split(' ')[0]} promptly. A handwritten card is remembered.</p>
            <ThanksChips onPick={thank} />
          </div>
        ))}
    </li>
  );
}

export function ReferralList() {
  const d = useData();
  const [dir, setDir] = useState<Dir>('received');
  if (!d) return <div class="skeleton" aria-busy="true" />;
  const given = d.referrals.filter((r) => r.direction === 'given');
  const received = d.referrals.filter((r) => r.direction === 'received');
  const list = dir === 'given' ? given : received;
  return (
    <div class="stack">
      <ListTitle href={`#/referrals/new?direction=${dir}`} add="Record">
        Referrals
      </ListTitle>
      <section class="card stack-sm" aria-label="Balance">
        <div class="balance">
          <div>
            <div class="num">{given.length}</div>
            <div class="muted">given</div>
          </div>
          <div>
            <div class="num">{received.length}</div>
            <div class="muted">received</div>
          </div>
        </div>
        <p class="small">{balanceLine(given.length, received.length)}</p>
        <PartnerBalances d={d} />
      </section>
      <Segmented label="Show" options={['received', 'given'] as Dir[]} labels={DIR_LABEL} value={dir} onChange={setDir} />
      {list.length === 0 ? (
        <Empty
          title={dir === 'received' ? 'No referrals received yet' : 'No referrals given yet'}
          action={
            <a class="btn primary" href={`#/referrals/new?direction=${dir}`}>
              Record one
            </a>
          }
        >
          <p>
            {dir === 'received'
              ? 'When someone sends you a lead, record it here so you remember to thank them and tell them how it went.'
              : 'Giving comes first. Record the introductions you make, and keep the balance healthy.'}
          </p>
        </Empty>
      ) : (
        <ul class="list">{list.map((r) => <RefCard key={r.id} r={r} d={d} />)}</ul>
      )}
    </div>
  );
}

interface ReferralDraft {
  f: Partial<Referral> | null;
  amount: string | null;
  party: Person[] | null;
  partyQ: string;
  prospect: Person[] | null;
  /** null until typed: the stored free-text lead shows then. */
  prospectQ: string | null;
}
const REF_BLANK: ReferralDraft = { f: null, amount: null, party: null, partyQ: '', prospect: null, prospectQ: null };

export function ReferralForm({ id, route }: { id?: string; route: Route }) {
  const d = useData();
  const draft = useDraft<ReferralDraft>(id ? `referral:${id}` : 'referral:new', REF_BLANK);
  const [err, setErr] = useState('');
  if (!d || !draft.ready) return <div class="skeleton" aria-busy="true" />;
  const { f, amount } = draft.value;
  const existing = id ? d.referrals.find((r) => r.id === id) : undefined;
  const v: Partial<Referral> = f ??
    existing ?? {
      direction: (route.query.get('direction') as Dir) || 'received',
      contact_id: route.query.get('contact') ?? undefined,
      status: 'open',
      at: new Date().toISOString(),
    };
  const set = (p: Partial<Referral>) => draft.set({ f: { ...v, ...p } });
  const amt = amount ?? (v.value?.amount != null ? String(v.value.amount) : '');
  const party = pickedOr(draft.value.party, d, v.contact_id);
  const prospect = pickedOr(draft.value.prospect, d, v.prospect_contact_id);
  const prospectQ = draft.value.prospectQ ?? (prospect.length ? '' : (v.prospect ?? ''));
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!party[0]) return setErr(v.direction === 'given' ? 'Pick who you referred someone to.' : 'Pick who referred you.');
    const rid = id ?? uuidv7();
    const n = Number(amt.replace(',', '.'));
    await save(async (w) => {
      await putNewPeople(w, [...party, ...prospect]);
      await w.put('referral', rid, {
        direction: v.direction ?? 'received',
        contact_id: party[0].id,
        prospect: prospect[0]?.name ?? (prospectQ.trim() || null),
        prospect_contact_id: prospect[0]?.id ?? null,
        status: v.status ?? 'open',
        at: v.at ?? new Date().toISOString(),
        value: amt && Number.isFinite(n) && n >= 0 ? { amount: n, currency: v.value?.currency ?? 'EUR' } : null,
        notes: v.notes?.trim() || null,
      });
    });
    await draft.discard();
    toast(v.direction === 'received' && !id ? 'Recorded. Now thank them!' : 'Saved');
    back('/referrals');
  };
  return (
    <form class="stack" onSubmit={submit} noValidate>
      <FormHeader backTo="/referrals">{id ? 'Referral' : 'Record a referral'}</FormHeader>
      {existing && <Conflicts entity="referral" rec={existing} />}
      {existing && <ReferralStatus r={existing} d={d} />}
      <DraftBar draft={draft} />
      <FormError text={err} />
      {existing && <h2>Details</h2>}
      <Segmented label="Direction" options={['received', 'given'] as Dir[]} labels={DIR_LABEL} value={(v.direction as Dir) ?? 'received'} onChange={(x) => set({ direction: x })} />
      <ContactSelect
        id="ref-party"
        label={v.direction === 'given' ? 'Referred to' : 'Referred by'}
        d={d}
        picked={party}
        onPick={(p) => draft.set({ party: p, f: { ...v, contact_id: p[0]?.id } })}
        query={draft.value.partyQ}
        onQuery={(partyQ) => draft.set({ partyQ })}
      />
      <ContactSelect
        id="ref-prospect"
        lead
        label={v.direction === 'given' ? 'Who you introduced' : 'The lead'}
        d={d}
        picked={prospect}
        onPick={(p) => draft.set({ prospect: p, prospectQ: '', f: { ...v, prospect: p[0]?.name ?? null, prospect_contact_id: p[0]?.id ?? null } })}
        query={prospectQ}
        onQuery={(q) => draft.set({ prospectQ: q })}
        placeholder="Name or company"
      />
      <Chips label="Status" options={STATUSES} labels={STATUS_LABEL} value={v.status} onChange={(s) => set({ status: s })} />
      <div class="row fields">
        <label class="field amount">
          Value (optional)
          <input type="text" inputMode="decimal" value={amt} onInput={(e) => draft.set({ amount: e.currentTarget.value })} />
        </label>
        <label class="field currency">
          Currency
          <select value={v.value?.currency ?? 'EUR'} onChange={(e) => set({ value: { amount: Number(amt) || 0, currency: e.currentTarget.value } })}>
            {['EUR', 'USD', 'GBP', 'CHF', 'CAD', 'AUD', 'SEK', 'NOK', 'DKK', 'PLN', 'JPY'].map((c) => (
              <option key={c}>{c}</option>
            ))}
          </select>
        </label>
      </div>
      <label class="field">
        Notes
        <textarea rows={3} value={v.notes ?? ''} onInput={(e) => set({ notes: e.currentTarget.value })} />
      </label>
      <button type="submit" class="btn primary big block">
        Save
      </button>
      {id && (
        <button
          type="button"
          class="btn quiet"
          onClick={async () => {
            await draft.discard();
            await save((w) => w.remove('referral', id));
            back('/referrals');
          }}
        >
          Delete referral
        </button>
      )}
    </form>
  );
}

/** Give and get with each partner over the last 12 months; a partner ahead by the rules' gap is flagged. */
function PartnerBalances({ d }: { d: Data }) {
  const rows = partnerBalances(d.contacts, d.referrals);
  if (!rows.length) return null;
  return (
    <table class="small partners">
      <caption class="sr-only">Partners: referrals in the last 12 months</caption>
      <thead>
        <tr>
          <th scope="col">Partner</th>
          <th scope="col">From them</th>
          <th scope="col">From you</th>
        </tr>
      </thead>
      <tbody>
        {rows.map(({ c, given, received }) => (
          <tr key={c.id}>
            <th scope="row">
              <a href={`#/contacts/${c.id}`}>{c.name}</a> {owesBack({ given, received }) && <span class="tag accent">Give back</span>}
            </th>
            <td>{received}</td>
            <td>{given}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
