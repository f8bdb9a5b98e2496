import { useState } from 'preact/hooks';
import { askDueAt, askTitle, fmtDate, isDue, isOpenAsk, reasonLine, STAGE_LABEL, STAGES } from '../../domain/playbook';
import { SIGNAL_LABEL, SIGNALS, triggerText } from '../../domain/words';
import type { Ask, AskStatus, AskTrigger, SignalKind, Stage } from '../../db/types';
import { uuidv7 } from '../../db/uuid';
import { app, save, toast } from '../../session';
import { readinessOf } from '../../state/due';
import { useStore } from '../../state/store';
import { Empty, READINESS_TAG, Reasons } from '../components';
import { Chips, FormError, FormHeader, ListSection, ListTitle, NotFound, Segmented } from '../parts';
import { Conflicts } from '../conflicts';
import { type Data, useData } from '../../state/data';
import { DraftBar } from '../draftbar';
import { useDraft } from '../../state/drafts';
import { markIntroduced } from '../../state/outcomes';
import { ContactSelect, type Person, pickedOr, putNewPeople } from '../quickadd';
import { back, type Route } from '../router';

const OUTCOME_LABEL: Record<'introduced' | 'declined' | 'later', string> = { introduced: 'Introduced', declined: 'Declined', later: 'Later' };
const STATUS_LABEL: Record<AskStatus, string> = { planned: 'Planned', due: 'Due', asked: 'Asked', introduced: 'Introduced', declined: 'Declined', later: 'Later' };

/** "An introduction! Thank Dana — it is on Today." */
function introducedToast(a: Ask, d: Data) {
  toast(`An introduction! Thank ${d.byId.get(a.contact_id ?? '')?.name?.split(' ')[0] ?? 'them'}: it is on Today.`);
}

function AskCard({ a, d }: { a: Ask; d: Data }) {
  const { user, sync } = useStore(app);
  const now = Date.now();
  const r = readinessOf(a, d, now, { tz: user?.timezone, pending: sync.pending });
  const status = a.status ?? 'planned';
  const due = isDue(a, now, user?.timezone);
  const first = r?.reasons[0];
  const setStatus = (s: AskStatus) => {
    if (s === 'introduced') return save((w) => markIntroduced(w, a, d)).then(() => introducedToast(a, d));
    return save((w) => w.put('ask', a.id, s === 'asked' ? { status: s, asked_at: new Date().toISOString() } : { status: s })).then(() =>
      toast(s === 'asked' ? 'Marked as asked' : 'Noted'),
    );
  };
  return (
    <li class="card stack-sm">
      <a href={`#/asks/${a.id}`} class="plain stack-sm">
        <div class="spread">
          <h3 class="grow">{askTitle(a, d.byId)}</h3>
          <span class={`tag${r?.state === 'ready' ? ' ok' : r?.state === 'needs_work' || due ? ' accent' : status === 'introduced' ? ' ok' : ''}`}>
            {r ? READINESS_TAG[r.state][0] : STATUS_LABEL[status]}
          </span>
        </div>
        {first && <p class="muted small">{reasonLine(first, now)}</p>}
        {(status === 'planned' || status === 'due') && !due && <p class="muted small">Ask {triggerText(a.trigger, a.created_at)}</p>}
        {status === 'asked' && a.asked_at && <p class="muted small">Asked {fmtDate(a.asked_at)}</p>}
      </a>
      {(status === 'planned' || status === 'due') && (
        <div class="row">
          <button type="button" class={`btn${due ? ' primary' : ''}`} onClick={() => setStatus('asked')}>
            I asked
          </button>
        </div>
      )}
      {(status === 'asked' || status === 'later') && (
        <div class="chips" role="group" aria-label="How did it go?">
          {(['introduced', 'declined', 'later'] as const).map((s) => (
            <button key={s} type="button" class="chip" aria-pressed={status === s ? 'true' : 'false'} onClick={() => setStatus(s)}>
              {OUTCOME_LABEL[s]}
            </button>
          ))}
        </div>
      )}
    </li>
  );
}

export function AskList() {
  const d = useData();
  if (!d) return <div class="skeleton" aria-busy="true" />;
  const open = d.asks.filter((a) => isOpenAsk(a) && a.status !== 'later');
  const due = open.filter((a) => isDue(a)).sort((a, b) => (askDueAt(a) ?? 0) - (askDueAt(b) ?? 0));
  const planned = open.filter((a) => !isDue(a)).sort((a, b) => (askDueAt(a) ?? Infinity) - (askDueAt(b) ?? Infinity));
  const waiting = d.asks.filter((a) => a.status === 'asked' || a.status === 'later');
  const done = d.asks.filter((a) => a.status === 'introduced' || a.status === 'declined');
  return (
    <div class="stack">
      <ListTitle href="#/asks/new" add="Plan">
        Asks
      </ListTitle>
      {d.asks.length === 0 && (
        <Empty
          title="No asks planned yet"
          action={
            <a class="btn primary" href="#/asks/new">
              Plan an ask
            </a>
          }
        >
          <p>Pick someone who trusts you and one specific person you would like to meet. Decide now when you will ask; Askwell reminds you.</p>
        </Empty>
      )}
      {(
        [
          ['Due now', due],
          ['Planned', planned],
          ['Waiting for an answer', waiting],
        ] as const
      ).map(([title, list]) => (
        <ListSection key={title} title={title} items={list}>
          {(a) => <AskCard key={a.id} a={a} d={d} />}
        </ListSection>
      ))}
      {done.length > 0 && (
        <details>
          <summary>
            Done ({done.length}, {done.filter((a) => a.status === 'introduced').length} introductions)
          </summary>
          <ul class="list">{done.map((a) => <AskCard key={a.id} a={a} d={d} />)}</ul>
        </details>
      )}
    </div>
  );
}

type TriggerKind = AskTrigger['kind'];
const TRIGGER_LABEL: Record<TriggerKind, string> = { date: 'Date', after_days: 'Days', stage: 'Stage', milestone: 'Moment' };
const TRIGGER_HINT: Record<TriggerKind, string> = {
  date: 'On a day you choose.',
  after_days: 'A number of days from now, e.g. 30 days after you start working together.',
  stage: 'When the relationship reaches a stage. Trust comes before asks.',
  milestone: 'Right after a good moment, such as your first delivery or a solved problem.',
};
const STARTER = 'Who else do you know who… could use the same help? Would you be open to introducing me to ';

interface AskDraft {
  f: Partial<Ask> | null;
  who: Person[] | null;
  whoQ: string;
  target: Person[] | null;
  /** null until typed: the ask's stored free-text target shows then. */
  targetQ: string | null;
}
const ASK_BLANK: AskDraft = { f: null, who: null, whoQ: '', target: null, targetQ: null };

export function AskForm({ id, route }: { id?: string; route: Route }) {
  const d = useData();
  const { user } = useStore(app);
  const draft = useDraft<AskDraft>(id ? `ask:${id}` : 'ask:new', ASK_BLANK);
  const f = draft.value.f;
  const setF = (x: Partial<Ask>) => draft.set({ f: x });
  const [err, setErr] = useState('');
  if (!d || !draft.ready) return <div class="skeleton" aria-busy="true" />;
  const existing = id ? d.asks.find((a) => a.id === id) : undefined;
  if (id && !existing) {
    return <NotFound title="Ask" what="ask" backTo="/asks" />;
  }
  const targetParam = route.query.get('target');
  const v: Partial<Ask> = f ??
    existing ?? {
      contact_id: route.query.get('contact') ?? undefined,
      ...(targetParam && d.byId.get(targetParam) ? { target_contact_id: targetParam, target: d.byId.get(targetParam)!.name } : {}),
      trigger: { kind: 'after_days', value: '7' },
      status: 'planned',
    };
  const offer = user?.special_offer?.text && user.special_offer.until && user.special_offer.until >= new Date().toISOString().slice(0, 10) ? user.special_offer.text : null;
  const set = (p: Partial<Ask>) => setF({ ...v, ...p });
  const t = v.trigger ?? { kind: 'after_days', value: '7' };
  const setTrigger = (kind: TriggerKind) => {
    const value = kind === 'date' ? new Date(Date.now() + 86400_000).toISOString().slice(0, 10) : kind === 'after_days' ? '7' : kind === 'stage' ? 'trust' : 'problem_solved';
    set({ trigger: { kind, value } });
  };
  const contact = v.contact_id ? d.byId.get(v.contact_id) : undefined;
  const who = pickedOr(draft.value.who, d, v.contact_id);
  const target = pickedOr(draft.value.target, d, v.target_contact_id);
  // The coach's view of the ask as it stands in the form, by the same rules as Today.
  const coach = v.contact_id ? readinessOf({ ...(existing ?? { created_at: new Date().toISOString() }), ...v, trigger: t } as Ask, d, Date.now(), { tz: user?.timezone }) : null;
  const script = coach?.reasons.find((x) => x.script)?.script;

  const submit = async (e: Event) => {
    e.preventDefault();
    if (!who[0]) return setErr('Pick who you will ask.');
    if (!t.value) return setErr('Say when you will ask.');
    const aid = id ?? uuidv7();
    const clean = (s: string | null | undefined) => (s && s.trim() ? s.trim() : null);
    // a target typed but not picked is kept as a name
    const targetName = target[0]?.name ?? clean(draft.value.targetQ ?? (draft.value.target ? null : v.target));
    const introduced = v.status === 'introduced' && existing?.status !== 'introduced';
    let linked = false;
    await save(async (w) => {
      await putNewPeople(w, [...who, ...target]);
      const fields = {
        contact_id: who[0].id,
        target: targetName,
        target_contact_id: target[0]?.id ?? null,
        why: clean(v.why),
        script: clean(v.script),
        trigger: t,
        status: introduced ? existing?.status : (v.status ?? 'planned'),
        outcome: clean(v.outcome),
      };
      await w.put('ask', aid, fields);
      if (introduced) linked = await markIntroduced(w, { ...(existing as Ask), ...fields, id: aid } as Ask, d);
    });
    await draft.discard();
    if (linked) introducedToast({ contact_id: who[0].id } as Ask, d);
    else toast(id ? 'Saved' : 'Ask planned. You will be reminded.');
    back('/asks');
  };
  const del = async () => {
    await draft.discard();
    await save((w) => w.remove('ask', id!));
    toast('Ask deleted');
    back('/asks');
  };

  return (
    <form class="stack" onSubmit={submit} noValidate>
      <FormHeader backTo="/asks">{id ? 'Ask' : 'Plan an ask'}</FormHeader>
      {existing && <Conflicts entity="ask" rec={existing} />}
      {coach && (
        <section class="card tint stack-sm" aria-label="The coach" data-readiness={coach.state}>
          <div class="spread">
            <h2>{coach.state === 'ready' ? 'Now is a good moment' : coach.state === 'hold' ? 'Not now' : coach.state === 'needs_work' ? 'Before you ask' : coach.state === 'mixed' ? 'Your call' : 'Not yet'}</h2>
            <span class={READINESS_TAG[coach.state][1]}>{READINESS_TAG[coach.state][0]}</span>
          </div>
          <Reasons reasons={coach.reasons} />
          {script && !v.script && (
            <div>
              <button type="button" class="btn quiet" onClick={() => set({ script })}>
                Use “{script}”
              </button>
            </div>
          )}
        </section>
      )}
      <DraftBar draft={draft} />
      <FormError text={err} />
      <ContactSelect
        id="ask-who"
        label="Who will you ask?"
        d={d}
        picked={who}
        onPick={(p) => draft.set({ who: p, f: { ...v, contact_id: p[0]?.id } })}
        query={draft.value.whoQ}
        onQuery={(whoQ) => draft.set({ whoQ })}
      />
      {contact && (contact.stage === 'met' || contact.stage === 'know') && (
        <p class="hint">
          {contact.name} is at “{STAGE_LABEL[contact.stage]}”. Trust comes before asks; a later trigger may suit.
        </p>
      )}
      <ContactSelect
        id="ask-target"
        lead
        label="Who do you want to meet?"
        d={d}
        picked={target}
        onPick={(p) => draft.set({ target: p, f: { ...v, target: p[0]?.name ?? null, target_contact_id: p[0]?.id ?? null } })}
        query={draft.value.targetQ ?? (target.length ? '' : (v.target ?? ''))}
        onQuery={(targetQ) => draft.set({ targetQ, f: { ...v, target: targetQ, target_contact_id: null } })}
        placeholder="One named person or company, e.g. Lee Park at Northwind"
      />
      <label class="field">
        Why they would benefit
        <textarea rows={3} value={v.why ?? ''} onInput={(e) => set({ why: e.currentTarget.value })} />
      </label>
      <label class="field">
        What you will say
        <textarea rows={4} value={v.script ?? ''} onInput={(e) => set({ script: e.currentTarget.value })} placeholder="A short script in your own words" />
      </label>
      {(!v.script || (offer && !v.script.includes(offer))) && (
        <div class="row">
          {!v.script && (
            <button type="button" class="btn quiet" onClick={() => set({ script: STARTER })}>
              Use a starter script
            </button>
          )}
          {offer && !(v.script ?? '').includes(offer) && (
            <button type="button" class="btn quiet" onClick={() => set({ script: `${(v.script ?? '').trim()}${v.script?.trim() ? ' ' : ''}${offer}` })}>
              Add your offer
            </button>
          )}
        </div>
      )}
      <fieldset class="stack-sm">
        <legend>When will you ask?</legend>
        <Segmented label="Kind of trigger" options={['date', 'after_days', 'stage', 'milestone'] as TriggerKind[]} labels={TRIGGER_LABEL} value={t.kind} onChange={setTrigger} />
        <p class="muted small">{TRIGGER_HINT[t.kind]}</p>
        {t.kind === 'date' && (
          <label class="field">
            Date
            <input type="date" value={t.value.slice(0, 10)} onInput={(e) => set({ trigger: { kind: 'date', value: e.currentTarget.value } })} />
          </label>
        )}
        {t.kind === 'after_days' && (
          <label class="field">
            Days from {existing?.created_at ? fmtDate(existing.created_at) : 'today'}
            <input type="number" inputMode="numeric" min={1} max={3650} value={t.value} onInput={(e) => set({ trigger: { kind: 'after_days', value: e.currentTarget.value } })} />
          </label>
        )}
        {t.kind === 'stage' && (
          <Chips label="When they reach" options={STAGES.slice(1)} labels={STAGE_LABEL} value={t.value as Stage} onChange={(s) => set({ trigger: { kind: 'stage', value: s } })} />
        )}
        {t.kind === 'milestone' && (
          <Chips
            label="Right after a note logs"
            options={SIGNALS.filter((s) => s !== 'bad_news' && s !== 'busy')}
            labels={SIGNAL_LABEL}
            value={t.value as SignalKind}
            onChange={(s) => set({ trigger: { kind: 'milestone', value: s } })}
          />
        )}
      </fieldset>
      {existing && (
        <>
          <Chips
            label="Status"
            options={['planned', 'asked', 'introduced', 'declined', 'later'] as AskStatus[]}
            labels={STATUS_LABEL}
            value={v.status}
            onChange={(s) => set({ status: s })}
          />
          <label class="field">
            How it went
            <textarea rows={3} value={v.outcome ?? ''} onInput={(e) => set({ outcome: e.currentTarget.value })} />
          </label>
        </>
      )}
      <button type="submit" class="btn primary big block">
        {id ? 'Save' : 'Plan this ask'}
      </button>
      {id && (
        <button type="button" class="btn quiet" onClick={del}>
          Delete ask
        </button>
      )}
    </form>
  );
}
