import { meetingEnd, workingMorning } from '../domain/meeting';
import { followUpTitle } from '../domain/meetingwords';
import { askDueAt, askTitle, isDue, isOpenAsk, userZone } from '../domain/playbook';
import type { Reminder } from '../db/types';
import type { Data } from './data';
import { eventPeople, isOpenReminder, reminderText } from './due';

/** How far ahead Today's "Upcoming" looks. */
export const UPCOMING_DAYS = 14;

export interface Upcoming {
  key: string;
  at: number;
  title: string;
  href: string;
  what: 'ask' | 'meeting' | 'follow_up' | 'thanks' | 'partner';
}

const remAt = (r: Reminder) => Date.parse((r.status === 'snoozed' ? r.snoozed_until : r.due_at) ?? '');

/**
 * What is planned for the next two weeks and not yet due: asks, meetings, follow-ups (the
 * server's, else worked out here by the same working-morning rule), referral follow-ups.
 */
export function upcoming(d: Data, now = Date.now(), tz?: string | null): Upcoming[] {
  const until = now + UPCOMING_DAYS * 86400_000;
  const soon = (t: number) => t > now && t <= until;
  const out: Upcoming[] = [];
  const followed = new Set<string>();
  for (const r of d.reminders) {
    if (r.kind !== 'follow_up' && r.kind !== 'partner_meeting') continue;
    if (r.subject) followed.add(`${r.subject.entity}:${r.subject.id}`);
    if (r.status === 'done' || r.status === 'cancelled' || isOpenReminder(r, now) || !soon(remAt(r))) continue;
    const t = reminderText(r, d);
    if (t) out.push({ key: r.id, at: remAt(r), title: t.title, href: t.href, what: r.kind === 'partner_meeting' ? 'partner' : 'follow_up' });
  }
  for (const a of d.asks) {
    if (!isOpenAsk(a) || isDue(a, now, tz)) continue;
    const at = askDueAt(a, tz, now);
    if (at !== null && soon(at)) out.push({ key: a.id, at, title: askTitle(a, d.byId), href: `#/asks/${a.id}`, what: 'ask' });
  }
  const zone = userZone(tz);
  for (const e of d.events) {
    const start = Date.parse(e.starts_at ?? '');
    if (soon(start)) out.push({ key: e.id, at: start, title: e.title || 'Meeting', href: e.contact_ids?.[0] ? `#/contacts/${e.contact_ids[0]}` : '#/today', what: 'meeting' });
    // a meeting logged on this device before the server planned its follow-up
    const end = meetingEnd(e);
    if (!e.contact_ids?.length || end === null || followed.has(`event:${e.id}`)) continue;
    const at = workingMorning(end, zone);
    if (soon(at) && at - 12 * 3600_000 > now) {
      out.push({ key: `f${e.id}`, at, title: followUpTitle(e.title, eventPeople(e.contact_ids, d)), href: `#/contacts/${e.contact_ids[0]}`, what: 'follow_up' });
    }
  }
  for (const ref of d.referrals) {
    const at = Date.parse(ref.follow_up_at ?? '');
    if (soon(at) && !followed.has(`referral:${ref.id}`)) {
      out.push({ key: `r${ref.id}`, at, title: `Tell ${d.byId.get(ref.contact_id ?? '')?.name ?? 'them'} how the referral went`, href: `#/referrals/${ref.id}`, what: 'follow_up' });
    }
  }
  return out.sort((a, b) => a.at - b.at);
}
