import type { Ask, AskTrigger, Contact, ContactKind, Event, EventKind, Medium, Referral, SignalKind, Stage } from '../db/types';
import { askIsOpen, meetingClass, planDue, type Reason, RULES } from './readiness';

export const STAGES = RULES.stages as Stage[];
export const STAGE_LABEL: Record<Stage, string> = { met: 'Met', know: 'Know', like: 'Like', trust: 'Trust', champion: 'Champion' };

export const KINDS: ContactKind[] = ['client', 'prospect', 'partner', 'connector', 'friend'];
export const KIND_LABEL: Record<ContactKind, string> = {
  client: 'Client',
  prospect: 'Prospect',
  partner: 'Partner',
  connector: 'Connector',
  friend: 'Friend',
};

export const EVENT_KINDS: EventKind[] = ['coffee', 'one_to_one', 'lunch', 'call', 'group', 'conference', 'other'];
export const EVENT_LABEL: Record<EventKind, string> = {
  coffee: 'Coffee',
  one_to_one: 'One-to-one',
  lunch: 'Lunch',
  call: 'Call',
  group: 'Chapter / group',
  conference: 'Conference',
  other: 'Other',
};
/** Meetings with one person count toward the weekly one-to-one goal; the rest are events (rules.json). */
export const ONE_TO_ONE_KINDS = new Set<EventKind>(RULES.one_to_one_kinds as EventKind[]);

export const SIGNALS: SignalKind[] = [
  'praised',
  'good_news',
  'problem_solved',
  'delivered_similar',
  'offered_help',
  'we_helped',
  'bad_news',
  'busy',
];
export const SIGNAL_LABEL: Record<SignalKind, string> = {
  praised: 'Praised my work',
  good_news: 'Good news',
  bad_news: 'Bad news',
  offered_help: 'Offered help',
  we_helped: 'I helped them',
  problem_solved: 'Solved a problem',
  delivered_similar: 'Delivered for a similar client',
  busy: 'Busy',
};
export type AdviceTone = 'ask' | 'wait' | 'mixed' | 'share';
export interface Advice {
  tone: AdviceTone;
  title: string;
  text: string;
}

/**
 * What the coach says about one meeting's signals on the capture screen, from the same rules as
 * readiness: a hold wins over a window; "I helped them" plus "offered help" is mixed, because
 * coaches disagree; an offer counts only from someone close.
 */
export function adviceFor(signals: Iterable<SignalKind>, stage?: Stage | null): Advice | null {
  const s = new Set<string>(signals);
  const holds = RULES.holds as Record<string, number>;
  const windows = RULES.windows as Record<string, number>;
  if (s.has('bad_news')) {
    return { tone: 'wait', title: 'Not the moment to ask', text: `They just had bad news. Listen and help now; asks to them wait ${holds.bad_news} days, or until good news.` };
  }
  if (s.has('busy')) {
    return { tone: 'wait', title: 'Wait for a calmer time', text: `They are in the middle of something. Asks to them wait ${holds.busy} days; find a convenient time instead.` };
  }
  if (s.has(RULES.mixed.with) && s.has(RULES.offer.kind)) {
    return {
      tone: 'mixed',
      title: 'Mixed advice',
      text: 'They offered help because you helped them. Some coaches say take it; others say decline any repayment. Your call.',
    };
  }
  const open = [...s].find((k) => windows[k] > 0);
  if (open) {
    return { tone: 'ask', title: 'A good window to ask', text: `They are glad about you right now. Asks to them are ready for ${windows[open]} days: name one specific person while it is fresh.` };
  }
  if (s.has(RULES.offer.kind)) {
    const close = STAGES.indexOf(stage ?? 'met') >= STAGES.indexOf(RULES.offer.min_stage as Stage);
    return close
      ? { tone: 'ask', title: 'Take them up on it', text: 'They sincerely asked how to help. Name one person you would like to meet.' }
      : { tone: 'wait', title: 'Maybe just politeness', text: 'An offer from someone you just met is often polite. Build trust first.' };
  }
  if (s.has('delivered_similar')) {
    return { tone: 'share', title: 'Share the win', text: 'Tell your network you can help others in the same position.' };
  }
  if (s.has('we_helped')) {
    return { tone: 'mixed', title: 'You helped them', text: 'Good for trust. Whether to ask for something back is your call.' };
  }
  return null;
}

export interface ChampionChecks {
  trusts_me?: boolean;
  understands_offer?: boolean;
  has_opportunity?: boolean;
  knows_what_to_say?: boolean;
}
export const CHAMPION_CHECKS: Array<[keyof ChampionChecks, string]> = [
  ['trusts_me', 'Trusts me'],
  ['understands_offer', 'Understands what I offer'],
  ['has_opportunity', 'Has the opportunity to refer me'],
  ['knows_what_to_say', 'Knows what to say'],
];

/**
 * The champion checklist in a coach's words, consistent with the stage: a contact marked
 * champion needs all four checks, and the coach names what is missing (rules.json phrases).
 */
export function championCoach(c: ChampionChecks | undefined, stage?: Stage | null): string {
  const missing = CHAMPION_CHECKS.filter(([k]) => !c?.[k]).map(([k]) => (RULES.check_phrases as Record<string, string>)[k]);
  const done = 4 - missing.length;
  if (done === 4) return 'A champion. Keep them close and thank them often.';
  const list = missing.length > 1 ? `${missing.slice(0, -1).join(', ')} and ${missing[missing.length - 1]}` : missing[0];
  if (stage === 'champion') return `Marked champion, but they don't yet ${list}. Asks to them need work until they do.`;
  if (done === 0) return 'Start with trust: deliver something small, well and on time.';
  return `${done} of 4. Next: make sure they ${missing[0]}.`;
}

export const MEDIUM_LABEL: Record<Medium, string> = { card: 'Card', email: 'Email', call: 'Call', gift: 'Gift' };

export function triggerText(t: AskTrigger | undefined, createdAt?: string): string {
  if (!t) return '';
  switch (t.kind) {
    case 'date':
      return `on ${fmtDate(t.value)}`;
    case 'after_days': {
      const n = Number(t.value);
      const due = createdAt ? new Date(Date.parse(createdAt) + n * 86400_000) : null;
      return `${n} day${n === 1 ? '' : 's'} after planning${due ? ` (${fmtDate(due.toISOString())})` : ''}`;
    }
    case 'stage':
      return `when they reach ${STAGE_LABEL[t.value as Stage]?.toLowerCase() ?? t.value}`;
    case 'milestone':
      return `after "${SIGNAL_LABEL[t.value as SignalKind]?.toLowerCase() ?? t.value}"`;
  }
}

/** The user's time zone: their setting, else this device's. */
export function userZone(tz?: string | null): string {
  return tz || Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/**
 * When an ask is due: the server's due_at, else what can be known locally from its trigger
 * (a day falls due at the same morning hour in the user's zone as on the server).
 */
export function askDueAt(a: Ask, tz?: string | null, now = Date.now()): number | null {
  if (a.due_at) return Date.parse(a.due_at);
  if (a.trigger?.kind !== 'date' && a.trigger?.kind !== 'after_days') return null;
  return planDue(a.trigger, Date.parse(a.created_at ?? '') || now, now, null, userZone(tz));
}

export function isOpenAsk(a: Ask): boolean {
  return !a.deleted_at && askIsOpen(a.status);
}

export function isDue(a: Ask, now = Date.now(), tz?: string | null): boolean {
  if (!isOpenAsk(a)) return false;
  if (a.status === 'due') return true;
  const at = askDueAt(a, tz, now);
  return at !== null && at <= now;
}

/** "Ask Dana for an intro to Lee". */
export function askTitle(a: Ask, contacts: Map<string, Contact>): string {
  const who = contacts.get(a.contact_id ?? '')?.name ?? 'them';
  const target = a.target_contact_id ? contacts.get(a.target_contact_id)?.name : a.target;
  return target ? `Ask ${who} for an intro to ${target}` : `Ask ${who} for an introduction`;
}

/** Codes whose reason is a moment: said with its day ("Dana praised your work yesterday"). */
const MOMENTS = new Set(['praised', 'problem_solved', 'good_news', 'offered_help', 'bad_news', 'busy']);

/** A readiness reason as a line: the coach's words, with the day for a logged moment. */
export function reasonLine(r: Reason, now = Date.now()): string {
  if (!r.at || !MOMENTS.has(r.code)) return r.text;
  const [head, ...rest] = r.text.split(':');
  const day = relDay(Date.parse(r.at), now);
  return rest.length ? `${head} ${day}:${rest.join(':')}` : `${r.text} ${day}`;
}

export function thankLine(r: Referral, contacts: Map<string, Contact>): string {
  const who = contacts.get(r.contact_id ?? '')?.name ?? 'them';
  const how = r.thanks?.medium ? ` (${MEDIUM_LABEL[r.thanks.medium].toLowerCase()})` : '';
  return `Thank ${who} for the referral${r.prospect ? ` to ${r.prospect}` : ''}${how}`;
}

export function relDay(at: number, now = Date.now()): string {
  const day = (t: number) => Math.floor((t - new Date(t).getTimezoneOffset() * 60_000) / 86400_000);
  const d = day(now) - day(at);
  if (d === 0) return 'today';
  if (d === 1) return 'yesterday';
  if (d === -1) return 'tomorrow';
  if (d > 1 && d < 7) return `${d} days ago`;
  if (d < -1 && d > -7) return `in ${-d} days`;
  return `on ${fmtDate(new Date(at).toISOString())}`;
}

export function fmtDate(iso: string): string {
  const d = new Date(iso.length === 10 ? `${iso}T12:00:00` : iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleDateString(undefined, { weekday: 'short', day: 'numeric', month: 'short' });
}

/** Monday 00:00 local time of the week containing `now`. */
export function weekStart(now = new Date()): number {
  const d = new Date(now);
  d.setHours(0, 0, 0, 0);
  d.setDate(d.getDate() - ((d.getDay() + 6) % 7));
  return d.getTime();
}

/**
 * The week's rhythm: one-to-ones are meetings of a one-to-one kind with a person (coffee, lunch,
 * call, one-to-one: the same kinds the server counts), events are the other kinds. A note alone
 * is not a meeting.
 */
export function weekRhythm(events: Event[], now = new Date()): { oneToOnes: number; events: number } {
  const from = weekStart(now);
  const to = from + 7 * 86400_000;
  let oneToOnes = 0;
  let groups = 0;
  for (const e of events) {
    const t = e.starts_at ? Date.parse(e.starts_at) : NaN;
    if (e.deleted_at || !(t >= from && t < to)) continue;
    const c = meetingClass(e.kind, e.contact_ids?.length ?? 0);
    if (c === 'one_to_one') oneToOnes++;
    else if (c === 'event') groups++;
  }
  return { oneToOnes, events: groups };
}

export function initials(name: string | undefined): string {
  const parts = (name ?? '').trim().split(/\s+/).filter(Boolean);
  if (!parts.length) return '?';
  return (parts[0][0] + (parts.length > 1 ? parts[parts.length - 1][0] : '')).toUpperCase();
}
