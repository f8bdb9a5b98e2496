import { useMemo, useState } from 'preact/hooks';
import { adviceFor, EVENT_KINDS, EVENT_LABEL, SIGNAL_LABEL, SIGNALS, STAGE_LABEL } from '../../domain/playbook';
import { RULES } from '../../domain/readiness';
import type { AskTrigger, EventKind, SignalKind } from '../../db/types';
import { uuidv7 } from '../../db/uuid';
import { save, toast } from '../../session';
import { Chips, Title } from '../components';
import { useData, when } from '../data';
import { back, type Route } from '../router';
import { PhoneContactsButton } from '../PhoneContacts';

type When = 'today' | 'week' | 'month' | 'trust';
const WHEN_LABEL: Record<When, string> = { today: 'Today', week: 'In a week', month: 'In 30 days', trust: 'When they trust me' };

function trigger(w: When): AskTrigger {
  if (w === 'today') return { kind: 'date', value: new Date().toISOString().slice(0, 10) };
  if (w === 'week') return { kind: 'after_days', value: '7' };
  if (w === 'month') return { kind: 'after_days', value: '30' };
  return { kind: 'stage', value: 'trust' };
}

interface Person {
  id: string;
  name: string;
  isNew: boolean;
}

type AskAgain = 'default' | 'tomorrow' | 'monday' | 'two_weeks' | 'day';
const ASK_AGAIN: AskAgain[] = ['default', 'tomorrow', 'monday', 'two_weeks', 'day'];
const ASK_AGAIN_LABEL: Record<AskAgain, string> = {
  default: `In ${RULES.holds.busy} days`,
  tomorrow: 'Tomorrow',
  monday: 'Next Monday',
  two_weeks: 'In 2 weeks',
  day: 'Pick a day',
};

/** A day from today in the device's calendar, as the date input wants it. */
function dayISO(offset: number): string {
  const d = new Date();
  d.setDate(d.getDate() + offset);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** The convenient time picked for a busy contact, at the morning hour; null for the default hold. */
function askAgainAt(choice: AskAgain, day: string): string | null {
  const d = new Date();
  d.setHours(RULES.day_due_hour, 0, 0, 0);
  if (choice === 'tomorrow') d.setDate(d.getDate() + 1);
  else if (choice === 'monday') d.setDate(d.getDate() + (((8 - d.getDay()) % 7) || 7));
  else if (choice === 'two_weeks') d.setDate(d.getDate() + 14);
  else if (choice === 'day' && /^\d{4}-\d{2}-\d{2}$/.test(day)) {
    const [y, m, dd] = day.split('-').map(Number);
    d.setFullYear(y, m - 1, dd);
  } else return null;
  return d.getTime() > Date.now() ? d.toISOString() : null;
}

export function Capture({ route }: { route: Route }) {
  const d = useData();
  const preset = route.query.get('contact');
  const [people, setPeople] = useState<Person[] | null>(null);
  const [query, setQuery] = useState('');
  const [body, setBody] = useState(route.query.get('note') ?? ''); // text shared to the app lands here
  const [signals, setSignals] = useState<SignalKind[]>([]);
  const [eventKind, setEventKind] = useState<EventKind | null>(null);
  const [eventTitle, setEventTitle] = useState('');
  const [planAsk, setPlanAsk] = useState(false);
  const [askTarget, setAskTarget] = useState('');
  const [askWhen, setAskWhen] = useState<When>('today');
  const [saving, setSaving] = useState(false);
  const [askAgain, setAskAgain] = useState<AskAgain>('default');
  const [askAgainDay, setAskAgainDay] = useState('');

  // the person the screen was opened for is picked once the contacts have loaded
  const picked: Person[] = people ?? (preset && d?.byId.get(preset) ? [{ id: preset, name: d.byId.get(preset)!.name ?? '', isNew: false }] : []);

  const recent = useMemo(() => {
    if (!d) return [];
    const seen = new Map<string, number>();
    for (const n of d.notes) for (const id of n.contact_ids ?? []) if (!seen.has(id)) seen.set(id, when(n));
    return [...d.contacts].filter((c) => !c.archived).sort((a, b) => (seen.get(b.id) ?? 0) - (seen.get(a.id) ?? 0) || (a.name ?? '').localeCompare(b.name ?? ''));
  }, [d]);

  const q = query.trim().toLowerCase();
  const suggestions = recent
    .filter((c) => !picked.some((p) => p.id === c.id))
    .filter((c) => !q || (c.name ?? '').toLowerCase().includes(q) || (c.company ?? '').toLowerCase().includes(q))
    .slice(0, q ? 8 : 6);
  const exact = recent.some((c) => (c.name ?? '').toLowerCase() === q) || picked.some((p) => p.name.toLowerCase() === q);

  const toggle = (p: Person) => {
    const has = picked.some((x) => x.id === p.id);
    setPeople(has ? picked.filter((x) => x.id !== p.id) : [...picked, p]);
  };
  const addNew = () => {
    const name = query.trim();
    if (!name) return;
    setPeople([...picked, { id: uuidv7(), name, isNew: true }]);
    setQuery('');
  };
  const flip = (s: SignalKind) => setSignals(signals.includes(s) ? signals.filter((x) => x !== s) : [...signals, s]);

  const firstStage = picked[0] && !picked[0].isNew ? d?.byId.get(picked[0].id)?.stage : picked[0] ? 'met' : undefined;
  const advice = adviceFor(signals, firstStage);
  const canSave = !saving && (body.trim() !== '' || picked.length > 0 || signals.length > 0);

  async function onSave(e?: Event) {
    e?.preventDefault();
    if (!canSave) return;
    setSaving(true);
    const t0 = performance.now();
    const now = new Date().toISOString();
    const noteId = uuidv7();
    const holdUntil = signals.includes('busy') ? askAgainAt(askAgain, askAgainDay) : null;
    const contactIds = picked.map((p) => p.id);
    try {
      await save(async (w) => {
        for (const p of picked) if (p.isNew) await w.put('contact', p.id, { name: p.name, stage: 'met', how_met: eventTitle || null }, { fresh: true });
        let eventId: string | null = null;
        if (eventKind) {
          eventId = uuidv7();
          const title = eventTitle.trim() || `${EVENT_LABEL[eventKind]}${picked.length ? ` with ${picked.map((p) => p.name).join(', ')}` : ''}`;
          await w.put('event', eventId, { title, kind: eventKind, starts_at: now, contact_ids: contactIds }, { fresh: true });
        }
        await w.put('note', noteId, {
          body: body.trim(),
          meeting_at: now,
          event_id: eventId,
          contact_ids: contactIds,
          // at the meeting's time; a busy signal may carry the convenient time the user picked
          signals: contactIds.flatMap((cid) => signals.map((kind) => (kind === 'busy' && holdUntil ? { contact_id: cid, kind, hold_until: holdUntil } : { contact_id: cid, kind }))),
        }, { fresh: true });
        if (planAsk && contactIds[0]) {
          await w.put('ask', uuidv7(), {
            contact_id: contactIds[0],
            target: askTarget.trim() || null,
            trigger: trigger(askWhen),
            status: 'planned',
          }, { fresh: true });
        }
      });
      performance.measure('askwell:save-note', { start: t0, end: performance.now() });
      toast(planAsk && contactIds[0] ? 'Note saved and ask planned' : 'Note saved');
      back('/today');
    } finally {
      setSaving(false);
    }
  }

  return (
    <form class="stack" onSubmit={onSave}>
      <Title
        backTo="/today"
        action={
          <button type="submit" class="btn primary" disabled={!canSave}>
            Save
          </button>
        }
      >
        New note
      </Title>

      <section class="stack-sm">
        <label class="field" for="who-q">
          Who did you meet?
        </label>
        {picked.length > 0 && (
          <div class="chips" role="group" aria-label="Picked people">
            {picked.map((p) => (
              <button key={p.id} type="button" class="chip" aria-pressed="true" onClick={() => toggle(p)} aria-label={`${p.name}, picked. Tap to remove`}>
                {p.name}
                {p.isNew && <span class="tag accent">new</span>}
              </button>
            ))}
          </div>
        )}
        <input
          id="who-q"
          type="search"
          placeholder="Search or type a new name"
          autoComplete="off"
          value={query}
          onInput={(e) => setQuery(e.currentTarget.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') {
              e.preventDefault();
              if (suggestions[0] && q) {
                toggle({ id: suggestions[0].id, name: suggestions[0].name ?? '', isNew: false });
                setQuery('');
              } else addNew();
            }
          }}
        />
        <div class="chips" role="group" aria-label={q ? 'Matching people' : 'Recent people'}>
          {suggestions.map((c) => (
            <button
              key={c.id}
              type="button"
              class="chip"
              aria-pressed="false"
              onClick={() => {
                toggle({ id: c.id, name: c.name ?? '', isNew: false });
                setQuery('');
              }}
            >
              {c.name}
            </button>
          ))}
          {q && !exact && (
            <button type="button" class="chip" onClick={addNew}>
              + Add “{query.trim()}”
            </button>
          )}
          <PhoneContactsButton known={recent} onPick={(more) => setPeople([...picked, ...more.filter((m) => !picked.some((p) => p.id === m.id))])} />
        </div>
      </section>

      <label class="field">
        What happened?
        <textarea
          name="body"
          placeholder="Coffee with Dana. She loved the audit we did and mentioned her friend Lee is hiring…"
          value={body}
          onInput={(e) => setBody(e.currentTarget.value)}
          rows={5}
        />
      </label>

      <Chips label="Signals" options={SIGNALS} labels={SIGNAL_LABEL} value={signals} onChange={flip} />

      {signals.includes('busy') && (
        <div class="stack-sm">
          <Chips label="When is a better time to ask?" options={ASK_AGAIN} labels={ASK_AGAIN_LABEL} value={askAgain} onChange={setAskAgain} />
          {askAgain === 'day' && (
            <label class="field">
              From this day
              <input type="date" value={askAgainDay} min={dayISO(1)} max={dayISO(RULES.busy_max_days - 1)} onInput={(e) => setAskAgainDay(e.currentTarget.value)} />
            </label>
          )}
        </div>
      )}

      {advice && (
        <div class={`advice ${advice.tone}`} role="status">
          <strong>{advice.title}</strong>
          <span>{advice.text}</span>
          {advice.tone === 'ask' && !planAsk && picked.length > 0 && (
            <div>
              <button type="button" class="btn" style={{ marginTop: '8px' }} onClick={() => setPlanAsk(true)}>
                Plan an ask now
              </button>
            </div>
          )}
        </div>
      )}

      <details open={eventKind !== null}>
        <summary>Where was it?</summary>
        <div class="stack-sm">
          <Chips label="Kind of meeting" hideLegend options={EVENT_KINDS} labels={EVENT_LABEL} value={eventKind} onChange={(k) => setEventKind(eventKind === k ? null : k)} />
          {eventKind && (
            <label class="field">
              Event name <span class="hint">optional</span>
              <input type="text" value={eventTitle} onInput={(e) => setEventTitle(e.currentTarget.value)} placeholder="Tuesday chapter breakfast" />
            </label>
          )}
        </div>
      </details>

      <label class="check">
        <input type="checkbox" checked={planAsk} onChange={(e) => setPlanAsk(e.currentTarget.checked)} />
        Plan an ask
      </label>
      {planAsk && (
        <div class="card stack-sm">
          {picked.length === 0 ? (
            <p class="muted">Pick the person you will ask first.</p>
          ) : (
            <>
              <p>
                Ask <strong>{picked[0].name}</strong>
                {firstStage && <span class="muted"> ({STAGE_LABEL[firstStage]})</span>} for an introduction to…
              </p>
              <label class="field">
                <span class="sr-only">Who you want to meet</span>
                <input type="text" value={askTarget} onInput={(e) => setAskTarget(e.currentTarget.value)} placeholder="One specific person or company" />
              </label>
              <Chips label="When" options={['today', 'week', 'month', 'trust'] as When[]} labels={WHEN_LABEL} value={askWhen} onChange={setAskWhen} />
            </>
          )}
        </div>
      )}

      <button type="submit" class="btn primary big block" disabled={!canSave}>
        Save note
      </button>
      <p class="muted small" style={{ textAlign: 'center' }}>
        Saved on this device at once, synced when you are online.
      </p>
    </form>
  );
}
