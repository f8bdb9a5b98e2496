import type { Ask, Contact, ContactKind, Event, EventKind, Medium, Referral, Stage } from '../db/types';
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

/** Meetings with one person count toward the weekly one-to-one goal; the rest are events (rules.json). */
export const ONE_TO_ONE_KINDS = new Set<EventKind>(RULES.one_to_one_kinds as EventKind[]);

export const MEDIUM_LABEL: Record<Medium, string> = { card: 'Card', email: 'Email', call: 'Call', gift: 'Gift' };

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
