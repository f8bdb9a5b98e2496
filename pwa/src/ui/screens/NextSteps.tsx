import { useState } from 'preact/hooks';
import { actionFor, nextSteps, snoozeUntil } from '../../domain/nextsteps';
import { RULES } from '../../domain/readiness';
import type { Suggestion } from '../../db/types';
import { uuidv7 } from '../../db/uuid';
import { save, toast } from '../../session';
import { Empty, Reasons, Section } from '../components';
import { FormError, Title } from '../parts';
import { type Data, useData } from '../../state/data';

/** Marks a suggestion as the user left it; the server keeps that through re-derivations. */
const setStatus = (id: string, fields: Pick<Suggestion, 'status' | 'snoozed_until'>) => save((w) => w.put('suggestion', id, fields));

/** Shares words through the phone's share sheet, else copies them. */
async function share(text: string): Promise<boolean> {
  const nav = navigator as Navigator & { share?: (d: { text: string }) => Promise<void> };
  try {
    if (nav.share) {
      await nav.share({ text });
      return true;
    }
    await navigator.clipboard.writeText(text);
    toast('Copied: paste it into a message');
    return true;
  } catch {
    return false; // the share sheet was closed
  }
}

/** One next step: what to do and why, one tap to do it, later, or not at all. */
export function SuggestionItem({ s, now }: { s: Suggestion; now: number }) {
  const a = actionFor(s);
  const [open, setOpen] = useState(false);
  const done = () => setStatus(s.id, { status: 'done' });
  return (
    <li class="card stack-sm" data-kind={s.kind}>
      <h3>{s.title}</h3>
      <Reasons reasons={s.reasons ?? []} now={now} />
      {s.text && <p class="small pre quote">“{s.text}”</p>}
      <div class="row tight">
        {a && 'href' in a && (
          <a class="btn primary" href={a.href}>
            {a.label}
          </a>
        )}
        {a && 'share' in a && (
          <button type="button" class="btn primary" onClick={() => share(a.share).then((ok) => ok && done())}>
            {a.label}
          </button>
        )}
        <button type="button" class="btn quiet" aria-expanded={open} onClick={() => setOpen(!open)}>
          Later
        </button>
        <button type="button" class="btn quiet" onClick={() => setStatus(s.id, { status: 'dismissed' }).then(() => toast('Dismissed'))}>
          Dismiss
        </button>
      </div>
      {open && (
        <div class="chips" role="group" aria-label="Remind me">
          {(['tomorrow', 'week'] as const).map((c) => (
            <button
              key={c}
              type="button"
              class="chip"
              onClick={() => setStatus(s.id, { status: 'snoozed', snoozed_until: snoozeUntil(c) }).then(() => toast(c === 'tomorrow' ? 'Back tomorrow' : 'Back in a week'))}
            >
              {c === 'tomorrow' ? 'Tomorrow' : 'Next week'}
            </button>
          ))}
        </div>
      )}
    </li>
  );
}

/** Today's card: the top next steps, and the way to the rest. */
export function NextStepsCard({ d, now }: { d: Data; now: number }) {
  const all = nextSteps(d.suggestions, now);
  if (!all.length) return null;
  return (
    <Section title="Next steps" count={all.length}>
      <ul class="list">
        {all.slice(0, RULES.suggest.top).map((s) => (
          <SuggestionItem key={s.id} s={s} now={now} />
        ))}
      </ul>
      {all.length > RULES.suggest.top && (
        <a class="btn quiet" href="#/next">
          All {all.length} next steps
        </a>
      )}
    </Section>
  );
}

/** Every next step, and an event to host (the coach then suggests whom to invite). */
export function NextStepsPage() {
  const d = useData();
  const now = Date.now();
  if (!d) return <div class="skeleton" aria-busy="true" />;
  const all = nextSteps(d.suggestions, now);
  return (
    <div class="stack">
      <Title backTo="/today">Next steps</Title>
      {all.length ? (
        <ul class="list">
          {all.map((s) => (
            <SuggestionItem key={s.id} s={s} now={now} />
          ))}
        </ul>
      ) : (
        <Empty title="Nothing to suggest right now">
          <p>Log your meetings, mark your partners, champions and dream customers, and say who knows whom: the coach works from that.</p>
        </Empty>
      )}
      <HostEvent />
    </div>
  );
}

/** Plan an event you host; the coach suggests inviting clients and champions with the people they could bring. */
function HostEvent() {
  const [title, setTitle] = useState('');
  const [day, setDay] = useState('');
  const [time, setTime] = useState('18:00');
  const [place, setPlace] = useState('');
  const [err, setErr] = useState('');
  const submit = async (e: Event) => {
    e.preventDefault();
    const at = new Date(`${day}T${time || '18:00'}`);
    if (!title.trim()) return setErr('Give the event a name.');
    if (Number.isNaN(at.getTime()) || at.getTime() <= Date.now()) return setErr('Pick a day and time ahead.');
    await save((w) =>
      w.put('event', uuidv7(), { title: title.trim(), kind: 'group', hosted: true, starts_at: at.toISOString(), place: place.trim() || null, contact_ids: [] }, { fresh: true }),
    );
    setTitle('');
    setDay('');
    setPlace('');
    setErr('');
    toast('Event planned. The coach will suggest whom to invite.');
  };
  return (
    <form class="card stack-sm" onSubmit={submit} aria-labelledby="host">
      <h2 id="host">Host an event</h2>
      <p class="muted small">Invite clients and champions together with the people they could introduce you to.</p>
      <FormError text={err} />
      <label class="field">
        What
        <input type="text" value={title} onInput={(e) => setTitle(e.currentTarget.value)} placeholder="Autumn open house" maxLength={300} />
      </label>
      <div class="row">
        <label class="field grow">
          Day
          <input type="date" value={day} onInput={(e) => setDay(e.currentTarget.value)} />
        </label>
        <label class="field">
          Time
          <input type="time" value={time} onInput={(e) => setTime(e.currentTarget.value)} />
        </label>
      </div>
      <label class="field">
        Where <span class="hint">optional</span>
        <input type="text" value={place} onInput={(e) => setPlace(e.currentTarget.value)} maxLength={300} />
      </label>
      <button type="submit" class="btn">
        Plan the event
      </button>
    </form>
  );
}
