import { useState } from 'preact/hooks';
import { balance, owesBack } from '../../domain/nextsteps';
import { assess, RULES } from '../../domain/readiness';
import { userZone } from '../../domain/playbook';
import type { Connection, Contact } from '../../db/types';
import { uuidv7 } from '../../db/uuid';
import { app, save, toast } from '../../session';
import type { Data } from '../../state/data';
import { useStore } from '../../state/store';

type Via = NonNullable<Connection['via']>;
const VIAS: Via[] = ['board', 'alumni', 'club', 'colleague', 'family', 'client', 'neighbour', 'other'];
const VIA_LABEL: Record<Via, string> = {
  board: 'Board',
  alumni: 'Alumni',
  club: 'Club',
  colleague: 'Colleague',
  family: 'Family',
  client: 'Client',
  neighbour: 'Neighbour',
  other: 'Other',
};

/** "from the Harbor Museum board", else how they know each other (rules.json words). */
const howTheyKnow = (k: Connection) => (k.detail?.trim() ? `from ${k.detail.trim()}` : ((RULES.via_phrases as Record<string, string>)[k.via ?? 'other'] ?? ''));

/** The dream-customer flag: someone you want to be introduced to. */
export function DreamToggle({ c }: { c: Contact }) {
  return (
    <label class="check">
      <input type="checkbox" checked={!!c.dream} onChange={(e) => save((w) => w.put('contact', c.id, { dream: e.currentTarget.checked }))} />
      Dream customer: someone I want to be introduced to
    </label>
  );
}

/** Referrals given and received over the last 12 months, and a nudge when a partner is ahead. */
export function BalanceLine({ c, d }: { c: Contact; d: Data }) {
  const b = balance(d.referrals, c.id);
  if (!b.given && !b.received) return null;
  return (
    <p class="small">
      Last 12 months: <strong>{b.received}</strong> referral{b.received === 1 ? '' : 's'} from them, <strong>{b.given}</strong> from you.
      {c.kind === 'partner' && owesBack(b) && <span class="tag accent">Give back</span>}
    </p>
  );
}

/** Who this contact knows (and who knows them), editable: the way to a dream customer. */
export function KnowsSection({ c, d }: { c: Contact; d: Data }) {
  const mine = d.connections.filter((k) => k.contact_id === c.id);
  const knownBy = d.connections.filter((k) => k.other_contact_id === c.id);
  const name = (k: Connection) => (k.other_contact_id ? d.byId.get(k.other_contact_id)?.name : k.other_name) ?? 'someone';
  return (
    <section class="card stack-sm" aria-labelledby="knows">
      <h2 id="knows">Knows…</h2>
      {mine.length === 0 && <p class="muted small">Who does {c.name} know? Boards, alumni, clubs: that is how you find a way to the people you want to meet.</p>}
      <ul class="list plain-list">
        {mine.map((k) => (
          <li key={k.id} class="spread nowrap">
            <span>
              {k.other_contact_id ? <a href={`#/contacts/${k.other_contact_id}`}>{name(k)}</a> : name(k)}{' '}
              <span class="muted small">{howTheyKnow(k)}</span>
              {k.other_contact_id && d.byId.get(k.other_contact_id)?.dream && <span class="tag accent">Dream</span>}
            </span>
            <button type="button" class="btn quiet icon" aria-label={`Remove ${name(k)}`} onClick={() => save((w) => w.remove('connection', k.id))}>
              ×
            </button>
          </li>
        ))}
      </ul>
      <AddConnection c={c} d={d} />
      {knownBy.length > 0 && (
        <p class="muted small">
          Known by{' '}
          {knownBy.map((k, i) => (
            <span key={k.id}>
              {i > 0 && ', '}
              <a href={`#/contacts/${k.contact_id}`}>{d.byId.get(k.contact_id ?? '')?.name ?? 'someone'}</a> {howTheyKnow(k)}
            </span>
          ))}
        </p>
      )}
    </section>
  );
}

function AddConnection({ c, d }: { c: Contact; d: Data }) {
  const [who, setWho] = useState('');
  const [via, setVia] = useState<Via>('club');
  const [detail, setDetail] = useState('');
  const others = d.contacts.filter((x) => x.id !== c.id);
  const submit = async (e: Event) => {
    e.preventDefault();
    const n = who.trim();
    if (!n) return;
    const match = others.find((x) => (x.name ?? '').toLowerCase() === n.toLowerCase());
    await save((w) =>
      w.put(
        'connection',
        uuidv7(),
        { contact_id: c.id, ...(match ? { other_contact_id: match.id } : { other_name: n }), via, detail: detail.trim() || null },
        { fresh: true },
      ),
    );
    setWho('');
    setDetail('');
    toast(`Noted: ${c.name} knows ${match?.name ?? n}`);
  };
  const list = `knows-${c.id}`;
  return (
    <form class="stack-sm" onSubmit={submit}>
      <div class="row">
        <label class="field grow">
          <span class="sr-only">Whom they know</span>
          <input type="text" list={list} value={who} onInput={(e) => setWho(e.currentTarget.value)} placeholder="A contact or a name" maxLength={200} />
          <datalist id={list}>
            {others.map((x) => (
              <option key={x.id} value={x.name} />
            ))}
          </datalist>
        </label>
        <label class="field">
          <span class="sr-only">How they know each other</span>
          <select value={via} onChange={(e) => setVia(e.currentTarget.value as Via)}>
            {VIAS.map((v) => (
              <option key={v} value={v}>
                {VIA_LABEL[v]}
              </option>
            ))}
          </select>
        </label>
      </div>
      <label class="field">
        <span class="sr-only">Where from</span>
        <input type="text" value={detail} onInput={(e) => setDetail(e.currentTarget.value)} placeholder="e.g. the Harbor Museum board (optional)" maxLength={500} />
      </label>
      <div>
        <button type="submit" class="btn" disabled={!who.trim()}>
          Add who they know
        </button>
      </div>
    </form>
  );
}

/** The ways to a dream customer: who knows them, and whether now is the moment to ask. */
export function PathsSection({ c, d }: { c: Contact; d: Data }) {
  const { user } = useStore(app);
  if (!c.dream) return null;
  const now = Date.now();
  const paths = d.connections.filter((k) => k.other_contact_id === c.id && d.byId.get(k.contact_id ?? ''));
  return (
    <section class="card tint stack-sm" aria-labelledby="paths">
      <h2 id="paths">Paths to {c.name}</h2>
      {paths.length === 0 && <p class="muted small">No one you know is linked to {c.name} yet. Add it on the page of whoever knows them.</p>}
      <ul class="list plain-list">
        {paths.map((k) => {
          const a = d.byId.get(k.contact_id ?? '')!;
          const r = assess(
            { contact_id: a.id, target_contact_id: c.id, status: 'planned', due_at: new Date(now).toISOString(), created_at: new Date(now).toISOString() },
            { id: a.id, name: a.name, stage: a.stage, champion: a.champion as Record<string, boolean> },
            d.notes,
            now,
            userZone(user?.timezone),
          ).readiness!;
          const why = r.state === 'ready' ? `${a.name} is ready to ask` : r.reasons.find((x) => !x.code.startsWith('due_'))?.text ?? '';
          return (
            <li key={k.id} class="stack-sm" data-readiness={r.state}>
              <p>
                <a href={`#/contacts/${a.id}`}>{a.name}</a> knows {c.name} {howTheyKnow(k)} — {why}
              </p>
              <div>
                <a class={`btn${r.state === 'ready' ? ' primary' : ''}`} href={`#/asks/new?contact=${a.id}&target=${c.id}`}>
                  Plan the ask
                </a>
              </div>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
