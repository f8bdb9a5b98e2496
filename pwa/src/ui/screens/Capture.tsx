import { useState } from 'preact/hooks';
import { checkMeetingAt } from '../../domain/meeting';
import { fmtDate, STAGE_LABEL } from '../../domain/playbook';
import { adviceFor, EVENT_KINDS, EVENT_LABEL, SIGNAL_LABEL, SIGNALS } from '../../domain/words';
import { RULES } from '../../domain/readiness';
import type { AskTrigger, EventKind, SignalKind } from '../../db/types';
import { uuidv7 } from '../../db/uuid';
import { save, toast } from '../../session';
import { Chips, FormError, FormHeader } from '../parts';
import { joinNames, useData } from '../../state/data';
import { DraftBar } from '../draftbar';
import { useDraft } from '../../state/drafts';
import { type Person, PersonPicker, asPerson, putNewPeople, useRecent } from '../quickadd';
import { back, type Route } from '../router';
import { PhoneContactsButton } from '../PhoneContacts';

/** The most a note's text may hold (openapi.yaml Note.body). */
export const NOTE_MAX = 100_000;

type When = 'today' | 'week' | 'month' | 'trust';
const WHEN_LABEL: Record<When, string> = { today: 'Today', week: 'In a week', month: 'In 30 days', trust: 'When they trust me' };

function trigger(w: When): AskTrigger {
  if (w === 'today') return { kind: 'date', value: new Date().toISOString().slice(0, 10) };
  if (w === 'week') return { kind: 'after_days', value: '7' };
  if (w === 'month') return { kind: 'after_days', value: '30' };
  return { kind: 'stage', value: 'trust' };
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

/** When the meeting was: one tap for the usual cases, a picker for the rest. */
type WhenMet = 'now' | 'earlier' | 'yesterday' | 'pick';
const WHEN_MET: WhenMet[] = ['now', 'earlier', 'yesterday', 'pick'];
const WHEN_MET_LABEL: Record<WhenMet, string> = { now: 'Just now', earlier: 'Earlier today', yesterday: 'Yesterday', pick: 'Pick a time' };

/** A local date-time as the datetime-local input wants it. */
function localInput(t: number): string {
  const d = new Date(t);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** The time a when-chip stands for: earlier today is two hours back (not before midnight), yesterday the same hour. */
function whenAt(w: WhenMet, now = Date.now()): string {
  const quarter = 15 * 60_000;
  if (w === 'earlier') {
    const midnight = new Date(now).setHours(0, 0, 0, 0);
    return localInput(Math.max(midnight, Math.floor((now - 2 * 3600_000) / quarter) * quarter));
  }
  if (w === 'yesterday') {
    const d = new Date(now);
    d.setDate(d.getDate() - 1);
    return localInput(Math.floor(d.getTime() / quarter) * quarter);
  }
  return localInput(now);
}

interface CaptureDraft {
  /** null until the user picks: the person or event the screen was opened for counts then. */
  people: Person[] | null;
  query: string;
  body: string;
  signals: SignalKind[];
  eventKind: EventKind | null;
  eventTitle: string;
  planAsk: boolean;
  askTarget: string;
  askWhen: When;
  askAgain: AskAgain;
  askAgainDay: string;
  when: WhenMet;
  at: string;
}

const BLANK: CaptureDraft = {
  people: null,
  query: '',
  body: '',
  signals: [],
  eventKind: null,
  eventTitle: '',
  planAsk: false,
  askTarget: '',
  askWhen: 'today',
  askAgain: 'default',
  askAgainDay: '',
  when: 'now',
  at: '',
};

export function Capture({ route }: { route: Route }) {
  const d = useData();
  const preset = route.query.get('contact');
  const eventParam = route.query.get('event') ?? '';
  const eventId = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(eventParam) ? eventParam : null;
  const shared = route.query.get('note'); // text shared to the app lands here
  const draft = useDraft<CaptureDraft>(eventId ? `capture:event:${eventId}` : 'capture', shared ? { ...BLANK, body: shared } : BLANK);
  const f = draft.value;
  const set = draft.set;
  const [saving, setSaving] = useState(false);
  const [err, setErr] = useState('');

  // "How was it?": the note is about a meeting already on the calendar, with its people
  const event = eventId ? d?.events.find((e) => e.id === eventId) : undefined;
  const presetPeople: Person[] = event
    ? (event.contact_ids ?? []).map((id) => d?.byId.get(id)).filter((c) => !!c).map((c) => asPerson(c!))
    : preset && d?.byId.get(preset)
      ? [asPerson(d.byId.get(preset)!)]
      : [];
  const picked: Person[] = f.people ?? presetPeople;
  const recent = useRecent(d);

  const flip = (s: SignalKind) => set({ signals: f.signals.includes(s) ? f.signals.filter((x) => x !== s) : [...f.signals, s] });

  const firstStage = picked[0] && !picked[0].isNew ? d?.byId.get(picked[0].id)?.stage : picked[0] ? 'met' : undefined;
  const advice = adviceFor(f.signals, firstStage);
  const canSave = !saving && (f.body.trim() !== '' || picked.length > 0 || f.signals.length > 0);
  const eventStart = event?.starts_at ? Date.parse(event.starts_at) : NaN;

  /** The meeting's time, or why it cannot be used. */
  function meetingAt(now: number): { at: string } | { error: string } {
    if (f.when === 'now') return { at: new Date(Number.isNaN(eventStart) ? now : Math.min(eventStart, now)).toISOString() };
    const t = new Date(f.at || whenAt(f.when, now)).getTime();
    const why = checkMeetingAt(t, now);
    if (why === 'future') return { error: 'That time is still ahead. Pick when the meeting was, up to now.' };
    if (why === 'too_old') return { error: `Pick a time after 1 January ${RULES.signal_min_year}.` };
    return { at: new Date(t).toISOString() };
  }

  async function onSave(e?: Event) {
    e?.preventDefault();
    if (!canSave) return;
    const t0 = performance.now();
    const now = Date.now();
    const m = meetingAt(now);
    if ('error' in m) return setErr(m.error);
    if (f.body.length > NOTE_MAX) {
      return setErr(`This note is ${f.body.length.toLocaleString()} characters; a note holds up to ${NOTE_MAX.toLocaleString()}. Move part of it into a second note. Your text stays here as a draft.`);
    }
    setErr('');
    setSaving(true);
    const noteId = uuidv7();
    const holdUntil = f.signals.includes('busy') ? askAgainAt(f.askAgain, f.askAgainDay) : null;
    const contactIds = picked.map((p) => p.id);
    try {
      await save(async (w) => {
        await putNewPeople(w, picked, { how_met: f.eventTitle || event?.title });
        // opened for a meeting not synced to this device yet: the note still belongs to it
        let evId: string | null = eventId;
        if (!eventId && f.eventKind) {
          evId = uuidv7();
          const title = f.eventTitle.trim() || `${EVENT_LABEL[f.eventKind]}${picked.length ? ` with ${joinNames(picked.map((p) => p.name))}` : ''}`;
          await w.put('event', evId, { title, kind: f.eventKind, starts_at: m.at, contact_ids: contactIds }, { fresh: true });
        }
        await w.put('note', noteId, {
          body: f.body.trim(),
          meeting_at: m.at,
          event_id: evId,
          contact_ids: contactIds,
          // at the meeting's time; a busy signal may carry the convenient time the user picked
          signals: contactIds.flatMap((cid) => f.signals.map((kind) => (kind === 'busy' && holdUntil ? { contact_id: cid, kind, hold_until: holdUntil } : { contact_id: cid, kind }))),
        }, { fresh: true });
        if (f.planAsk && contactIds[0]) {
          await w.put('ask', uuidv7(), {
            contact_id: contactIds[0],
            target: f.askTarget.trim() || null,
            trigger: trigger(f.askWhen),
            status: 'planned',
          }, { fresh: true });
        }
      });
      performance.measure('askwell:save-note', { start: t0, end: performance.now() });
      await draft.discard();
      toast(f.planAsk && contactIds[0] ? 'Note saved and ask planned' : 'Note saved');
      back('/today');
    } finally {
      setSaving(false);
    }
  }

  if (!d || !draft.ready) return <div class="skeleton" aria-busy="true" />;

  return (
    <form class="stack" onSubmit={onSave} noValidate>
      <FormHeader backTo="/today" disabled={!canSave}>
        {eventId ? 'How was it?' : 'New note'}
      </FormHeader>

      {event && (
        <p class="card tint small">
          About <strong>{event.title}</strong>
          {event.starts_at ? `, ${fmtDate(event.starts_at)}` : ''}
        </p>
      )}

      <DraftBar draft={draft} />

      <FormError text={err} />

      <PersonPicker id="who-q" label="Who did you meet?" d={d} picked={picked} onPick={(people) => set({ people })} query={f.query} onQuery={(query) => set({ query })}>
        <PhoneContactsButton known={recent} onPick={(more) => set({ people: [...picked, ...more.filter((x) => !picked.some((p) => p.id === x.id))] })} />
      </PersonPicker>

      <label class="field">
        What happened?
        <textarea
          name="body"
          placeholder="Coffee with Dana. She loved the audit we did and mentioned her friend Lee is hiring…"
          value={f.body}
          onInput={(e) => set({ body: e.currentTarget.value })}
          rows={5}
        />
      </label>

      {!eventId && (
        <div class="stack-sm">
          <Chips label="When was it?" options={WHEN_MET} labels={WHEN_MET_LABEL} value={f.when} onChange={(w) => set({ when: w, at: w === 'now' ? '' : w === 'pick' && f.at ? f.at : whenAt(w) })} />
          {f.when !== 'now' && (
            <label class="field">
              Meeting time
              <input type="datetime-local" value={f.at} min={`${RULES.signal_min_year}-01-01T00:00`} max={localInput(Date.now())} onInput={(e) => set({ at: e.currentTarget.value })} />
            </label>
          )}
        </div>
      )}

      <Chips label="Signals" options={SIGNALS} labels={SIGNAL_LABEL} value={f.signals} onChange={flip} />

      {f.signals.includes('busy') && (
        <div class="stack-sm">
          <Chips label="When is a better time to ask?" options={ASK_AGAIN} labels={ASK_AGAIN_LABEL} value={f.askAgain} onChange={(askAgain) => set({ askAgain })} />
          {f.askAgain === 'day' && (
            <label class="field">
              From this day
              <input type="date" value={f.askAgainDay} min={dayISO(1)} max={dayISO(RULES.busy_max_days - 1)} onInput={(e) => set({ askAgainDay: e.currentTarget.value })} />
            </label>
          )}
        </div>
      )}

      {advice && (
        <div class={`advice ${advice.tone}`} role="status">
          <strong>{advice.title}</strong>
          <span>{advice.text}</span>
          {advice.tone === 'ask' && !f.planAsk && picked.length > 0 && (
            <div>
              <button type="button" class="btn gap-above" onClick={() => set({ planAsk: true })}>
                Plan an ask now
              </button>
            </div>
          )}
        </div>
      )}

      {!eventId && (
        <details open={f.eventKind !== null}>
          <summary>Where was it?</summary>
          <div class="stack-sm">
            <Chips label="Kind of meeting" hideLegend options={EVENT_KINDS} labels={EVENT_LABEL} value={f.eventKind} onChange={(k) => set({ eventKind: f.eventKind === k ? null : k })} />
            {f.eventKind && (
              <label class="field">
                Event name <span class="hint">optional</span>
                <input type="text" value={f.eventTitle} onInput={(e) => set({ eventTitle: e.currentTarget.value })} placeholder="Tuesday chapter breakfast" />
              </label>
            )}
          </div>
        </details>
      )}

      <label class="check">
        <input type="checkbox" checked={f.planAsk} onChange={(e) => set({ planAsk: e.currentTarget.checked })} />
        Plan an ask
      </label>
      {f.planAsk && (
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
                <input type="text" value={f.askTarget} onInput={(e) => set({ askTarget: e.currentTarget.value })} placeholder="One specific person or company" />
              </label>
              <Chips label="When" options={['today', 'week', 'month', 'trust'] as When[]} labels={WHEN_LABEL} value={f.askWhen} onChange={(askWhen) => set({ askWhen })} />
            </>
          )}
        </div>
      )}

      <button type="submit" class="btn primary big block" disabled={!canSave}>
        Save note
      </button>
      <p class="muted small center">
        Saved on this device at once, synced when you are online.
      </p>
    </form>
  );
}
