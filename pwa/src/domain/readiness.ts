/**
 * The coach's readiness of an ask, computed on the phone with the same rules file and the same
 * shared test vectors as the server (server/internal/playbook; docs/coach.md). The server is
 * the authority: its readiness replaces this one once the device is in sync.
 */
import * as rulesFile from '../../../server/internal/playbook/rules.json';

import type { components } from '../api/schema';

/** The readiness the server syncs on every open ask (openapi.yaml), and one of its reasons. */
export type Readiness = components['schemas']['Readiness'];
export type Reason = components['schemas']['ReadinessReason'];
type Check = NonNullable<Readiness['missing']>[number];

export interface AskInput {
  id?: string;
  contact_id?: string | null;
  status?: string | null;
  target?: string | null;
  target_contact_id?: string | null;
  trigger?: { kind: string; value: string } | null;
  due_at?: string | null;
  created_at?: string | null;
  deleted?: boolean;
}

export interface ContactInput {
  id?: string;
  name?: string | null;
  stage?: string | null;
  champion?: Record<string, boolean | undefined> | null;
}

export interface NoteInput {
  id: string;
  deleted?: boolean;
  meeting_at?: string | null;
  created_at?: string | null;
  signals?: Array<{ contact_id: string; kind: string; at?: string | null; hold_until?: string | null }> | null;
}

interface Signal {
  contact_id: string;
  kind: string;
  note_id: string;
  at: number;
  hold_until?: number;
}

export interface Assessment {
  readiness: Readiness | null;
  /** The next instant at which time alone changes the readiness. */
  recheck_at?: number;
}

/**
 * The rules as data: the same file the server embeds, the parts the phone uses (named, so the
 * server-only words, such as the suggestions' texts, stay out of the app's bundle).
 */
export const RULES = {
  stages: rulesFile.stages,
  champion_checks: rulesFile.champion_checks,
  one_to_one_kinds: rulesFile.one_to_one_kinds,
  open_ask_statuses: rulesFile.open_ask_statuses,
  day_due_hour: rulesFile.day_due_hour,
  ask_min_stage: rulesFile.ask_min_stage,
  windows: rulesFile.windows,
  offer: rulesFile.offer,
  mixed: rulesFile.mixed,
  holds: rulesFile.holds,
  hold_breakers: rulesFile.hold_breakers,
  busy_max_days: rulesFile.busy_max_days,
  signal_min_year: rulesFile.signal_min_year,
  future_skew_minutes: rulesFile.future_skew_minutes,
  vague_targets: rulesFile.vague_targets,
  vague_prefixes: rulesFile.vague_prefixes,
  check_phrases: rulesFile.check_phrases,
  stage_labels: rulesFile.stage_labels,
  milestone_phrases: rulesFile.milestone_phrases,
  texts: rulesFile.texts,
  assumptive_script: rulesFile.assumptive_script,
  fallback_name: rulesFile.fallback_name,
  suggest: rulesFile.suggest,
  via_phrases: rulesFile.via_phrases,
  working_days: rulesFile.working_days,
  meeting_minutes: rulesFile.meeting_minutes,
  event_words: rulesFile.event_words,
  meeting_texts: rulesFile.meeting_texts,
};

const DAY = 86400_000;
const days = (n: number) => n * DAY;
const iso = (t: number) => new Date(t).toISOString();
const parse = (s?: string | null) => (s ? Date.parse(s) : NaN);

export function stageRank(stage?: string | null): number {
  return RULES.stages.indexOf(stage ?? '');
}

export function askIsOpen(status?: string | null): boolean {
  return !status || RULES.open_ask_statuses.includes(status);
}

export function capitalize(s: string): string {
  return s ? s[0].toUpperCase() + s.slice(1) : s;
}

function say(code: string, vars: Record<string, string> = {}): string {
  let s = (RULES.texts as Record<string, string>)[code] ?? '';
  for (const [k, v] of Object.entries(vars)) s = s.split(`{${k}}`).join(v);
  return capitalize(s);
}

function joinAnd(xs: string[]): string {
  if (xs.length <= 1) return xs[0] ?? '';
  return `${xs.slice(0, -1).join(', ')} and ${xs[xs.length - 1]}`;
}

const stageLabel = (stage?: string | null) => (RULES.stage_labels as Record<string, string>)[stage ?? ''] ?? stage ?? '';

/** A note's signals as they count: none when deleted; each at its own time, else the meeting's, else the note's. */
export function noteSignals(n: NoteInput): Signal[] {
  if (n.deleted) return [];
  const base = parse(n.meeting_at) || parse(n.created_at) || 0;
  return (n.signals ?? []).map((s) => ({
    contact_id: s.contact_id,
    kind: s.kind,
    note_id: n.id,
    at: s.at ? parse(s.at) : base,
    hold_until: s.hold_until ? parse(s.hold_until) : undefined,
  }));
}

/** Offset of a time zone from UTC at an instant, in milliseconds. */
function zoneOffset(t: number, tz: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: tz,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(t));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second')) - Math.floor(t / 1000) * 1000;
}

/** The instant of a wall-clock time in a zone (the earlier one when a clock change repeats it). */
export function zonedTime(y: number, m: number, d: number, hour: number, tz: string): number {
  const guess = Date.UTC(y, m - 1, d, hour);
  let t = guess - zoneOffset(guess, tz);
  t = guess - zoneOffset(t, tz);
  return t;
}

/** The calendar day of an instant in a zone. */
export function zonedDay(t: number, tz: string): [number, number, number] {
  const local = new Date(t + zoneOffset(t, tz));
  return [local.getUTCFullYear(), local.getUTCMonth() + 1, local.getUTCDate()];
}

/** When a trigger falls due (the server's PlanAsk): a day at the morning hour in the user's zone. */
export function planDue(trigger: AskInput['trigger'], createdAt: number, now: number, stage: string | null | undefined, tz: string): number | null {
  if (!trigger) return null;
  switch (trigger.kind) {
    case 'date': {
      const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(trigger.value);
      if (m) return zonedTime(+m[1], +m[2], +m[3], RULES.day_due_hour, tz);
      const t = Date.parse(trigger.value);
      return Number.isNaN(t) ? null : t;
    }
    case 'after_days': {
      const n = Number(trigger.value);
      const [y, mo, d] = zonedDay(createdAt, tz);
      const due = zonedTime(y, mo, d + n, RULES.day_due_hour, tz);
      return n === 0 || due < createdAt ? createdAt : due;
    }
    case 'stage':
      return stageRank(stage) >= 0 && stageRank(stage) >= stageRank(trigger.value) ? now : null;
  }
  return null;
}

/**
 * Whether now is the moment to make an ask, and why. Only signals about the asked contact
 * count, from their moment until their window or hold ends. tz is the user's zone.
 */
export function assess(a: AskInput, c: ContactInput, notes: NoteInput[], now: number, tz: string): Assessment {
  if (a.deleted || !askIsOpen(a.status)) return { readiness: null };
  const cid = a.contact_id ?? '';
  const name = (c.name ?? '').trim() || RULES.fallback_name;
  const stage = stageLabel(c.stage);
  const sigs: Signal[] = [];
  for (const n of notes) for (const s of noteSignals(n)) if (s.contact_id && s.contact_id === cid) sigs.push(s);
  sigs.sort((x, y) => y.at - x.at || (x.note_id < y.note_id ? -1 : x.note_id > y.note_id ? 1 : 0));

  let recheck: number | undefined;
  const later = (t: number) => {
    if (t > now && (recheck === undefined || t < recheck)) recheck = t;
  };
  const seen = new Set<string>();
  const once = (code: string) => (seen.has(code) ? false : (seen.add(code), true));
  const reason = (code: string, s: Signal, vars: Record<string, string>): Reason => ({
    code,
    text: say(code, vars),
    contact_id: s.contact_id,
    note_id: s.note_id,
    at: iso(s.at),
  });
  const holds: Reason[] = [];
  const windows: Reason[] = [];
  const mixed: Reason[] = [];
  const polite: Reason[] = [];
  let holdUntil: number | undefined;
  let windowUntil: number | undefined;
  let windowStart: number | undefined;
  const max = (x: number | undefined, y: number) => (x === undefined || y > x ? y : x);
  const close = stageRank(c.stage) >= stageRank(RULES.offer.min_stage);
  const windowDays = RULES.windows as Record<string, number>;
  const holdDays = RULES.holds as Record<string, number>;
  const breakers = RULES.hold_breakers as Record<string, string[]>;

  for (const s of sigs) {
    if (s.at > now) {
      later(s.at);
      continue;
    }
    if (windowDays[s.kind] > 0) {
      const end = s.at + days(windowDays[s.kind]);
      if (now >= end) continue;
      later(end);
      windowUntil = max(windowUntil, end);
      windowStart = max(windowStart, s.at);
      if (once(s.kind)) windows.push(reason(s.kind, s, { name }));
    } else if (s.kind === RULES.offer.kind) {
      const w = sigs.find((w) => w.kind === RULES.mixed.with && w.at <= now && (w.note_id === s.note_id || Math.abs(w.at - s.at) <= days(RULES.mixed.within_days)));
      if (w) {
        const end = s.at + days(RULES.mixed.days);
        if (now < end) {
          later(end);
          if (once('mixed')) mixed.push(reason('mixed', s, { name }));
        }
        continue;
      }
      const end = s.at + days(RULES.offer.days);
      if (now >= end) continue;
      later(end);
      if (!close) {
        if (once('polite_offer')) polite.push(reason('polite_offer', s, { name, stage }));
        continue;
      }
      windowUntil = max(windowUntil, end);
      windowStart = max(windowStart, s.at);
      if (once(s.kind)) windows.push(reason(s.kind, s, { name }));
    } else if (s.kind === 'bad_news' || s.kind === 'busy') {
      let end = s.at + days(holdDays[s.kind]);
      if (s.kind === 'busy' && s.hold_until !== undefined) end = s.hold_until;
      const broken = sigs.some((b) => b.at > s.at && b.at <= now && (breakers[s.kind] ?? []).includes(b.kind));
      if (now >= end || broken) continue;
      later(end);
      holdUntil = max(holdUntil, end);
      if (once(s.kind)) holds.push(reason(s.kind, s, { name }));
    }
  }

  // When it falls due, and what will say so.
  const trig = a.trigger ?? null;
  const dueCode = trig?.kind === 'stage' ? 'due_stage' : trig?.kind === 'milestone' ? 'due_milestone' : 'due_date';
  const createdAt = parse(a.created_at) || now;
  let due: number | null = null;
  if (a.due_at) due = parse(a.due_at);
  else if (a.status === 'due') due = now;
  else if (trig?.kind === 'milestone') {
    for (const s of sigs) if (s.kind === trig.value && s.at >= createdAt && s.at <= now && (due === null || s.at < due)) due = s.at;
  } else due = planDue(trig, createdAt, now, c.stage, tz);
  const reached = due !== null && due <= now;
  if (due !== null && !reached) later(due);

  const vars: Record<string, string> = { name, stage };
  if (trig?.kind === 'stage') vars.stage = stageLabel(trig.value);
  if (trig?.kind === 'milestone') vars.milestone = ((RULES.milestone_phrases as Record<string, string>)[trig.value] ?? '').split('{name}').join(name);

  const { fixes, missing } = fixesFor(a, c, name);
  const out: Readiness = { state: 'not_yet', reasons: [] };
  if (holdUntil !== undefined) {
    out.state = 'hold';
    out.hold_until = iso(holdUntil);
    out.reasons.push(...holds);
  } else if (windowUntil !== undefined || reached) {
    out.state = 'ready';
    if (fixes.length) {
      out.state = 'needs_work';
      out.missing = missing;
      out.reasons.push(...fixes);
    }
    out.reasons.push(...windows);
    if (windowUntil !== undefined) {
      out.window_until = iso(windowUntil);
      if (!reached) out.reasons.push({ code: 'brought_forward', text: say('brought_forward'), ...(due !== null ? { at: iso(due) } : {}) });
    }
    if (reached) out.reasons.push({ code: dueCode, text: say(dueCode, vars), contact_id: cid, at: iso(due!) });
    out.reasons.push(...mixed);
  } else if (mixed.length) {
    out.state = 'mixed';
    out.reasons.push(...mixed);
  } else {
    const wait = waiting(trig, due, vars, cid);
    out.reasons.push(wait);
    for (const f of fixes) if (!(wait.code === 'waiting_stage' && f.code === 'build_trust')) out.reasons.push(f);
    out.missing = missing;
  }
  out.reasons.push(...polite);
  if (!out.missing?.length) delete out.missing;
  return { readiness: out, recheck_at: recheck };
}

function fixesFor(a: AskInput, c: ContactInput, name: string): { fixes: Reason[]; missing: Check[] } {
  const fixes: Reason[] = [];
  const missing: Check[] = [];
  const vars: Record<string, string> = { name, stage: stageLabel(c.stage) };
  if (stageRank(c.stage) < stageRank(RULES.ask_min_stage)) {
    fixes.push({ code: 'build_trust', text: say('build_trust', vars), contact_id: c.id });
  } else if (c.stage === 'champion' || (a.trigger?.kind === 'stage' && a.trigger.value === 'champion')) {
    const phrases: string[] = [];
    for (const k of RULES.champion_checks as Check[]) {
      if (!c.champion?.[k]) {
        missing.push(k);
        phrases.push((RULES.check_phrases as Record<string, string>)[k]);
      }
    }
    if (missing.length) fixes.push({ code: 'champion_checks', text: say('champion_checks', { ...vars, missing: joinAnd(phrases) }), contact_id: c.id });
  }
  if (!a.target_contact_id) {
    const t = (a.target ?? '').trim();
    if (normTarget(t) === '') fixes.push({ code: 'no_target', text: say('no_target'), script: RULES.assumptive_script });
    else if (isVague(t)) fixes.push({ code: 'vague_target', text: say('vague_target', { target: t }), script: RULES.assumptive_script });
  }
  return { fixes, missing };
}

function normTarget(s: string): string {
  return s.toLowerCase().split(/\s+/).filter(Boolean).join(' ').replace(/[.,;:!?…]+$/u, '');
}

/** Whether a target names nobody in particular ("anyone", "someone who…"). */
export function isVague(target: string): boolean {
  const t = normTarget(target);
  if (t === '' || RULES.vague_targets.includes(t)) return true;
  return RULES.vague_prefixes.some((p) => `${t} `.startsWith(p));
}

function waiting(trig: AskInput['trigger'], due: number | null, vars: Record<string, string>, cid: string): Reason {
  if (trig && due === null) {
    if (trig.kind === 'stage') return { code: 'waiting_stage', text: say('waiting_stage', vars), contact_id: cid };
    if (trig.kind === 'milestone') return { code: 'waiting_milestone', text: say('waiting_milestone', vars), contact_id: cid };
  }
  return { code: 'waiting_date', text: say('waiting_date'), ...(due !== null ? { at: iso(due) } : {}) };
}

/** How an event counts toward the week (the server's playbook.MeetingClass): a one-to-one is a meeting of a one-to-one kind with someone. */
export function meetingClass(kind: string | null | undefined, people: number): 'one_to_one' | 'event' | '' {
  if (kind && RULES.one_to_one_kinds.includes(kind)) return people > 0 ? 'one_to_one' : '';
  return kind ? 'event' : '';
}
