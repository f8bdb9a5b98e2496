import { isDue } from '../domain/playbook';
import type { Ask, Referral, Reminder } from '../db/types';
import { type Data, names } from './data';

/** What Today lists as due; the app badge shows the same count. */
export interface DueToday {
  dueAsks: Ask[];
  owed: Referral[];
  followUps: Array<{ r: Reminder; t: { title: string; href: string } }>;
}

/** A follow-up reminder in words, with where it leads; null when its subject is not here (yet). */
export function reminderText(r: Reminder, d: Data): { title: string; href: string } | null {
  const subj = r.subject;
  if (!subj) return null;
  if (subj.entity === 'event') {
    const e = d.events.find((x) => x.id === subj.id);
    if (!e) return null;
    const who = names(e.contact_ids, d.byId);
    return { title: `Follow up${who ? ` with ${who}` : ''} after ${e.title}`, href: e.contact_ids?.[0] ? `#/contacts/${e.contact_ids[0]}` : '#/contacts' };
  }
  if (subj.entity === 'referral') {
    const ref = d.referrals.find((x) => x.id === subj.id);
    if (!ref) return null;
    const who = d.byId.get(ref.contact_id ?? '')?.name ?? 'them';
    if (r.kind === 'thank_you') return null; // shown from the referral itself below
    return { title: `Tell ${who} how the referral${ref.prospect ? ` to ${ref.prospect}` : ''} went`, href: `#/referrals/${ref.id}` };
  }
  if (subj.entity === 'contact') {
    const c = d.byId.get(subj.id);
    if (!c) return null;
    return {
      title: r.kind === 'partner_meeting' ? `Time for your monthly meeting with ${c.name}` : `Follow up with ${c.name}`,
      href: `#/contacts/${c.id}`,
    };
  }
  if (subj.entity === 'note') {
    const n = d.notes.find((x) => x.id === subj.id);
    if (!n) return null;
    return { title: `Follow up with ${names(n.contact_ids, d.byId) || 'the people you met'}`, href: `#/notes/${n.id}` };
  }
  return null;
}

/** Open and due within the next 12 hours, or snoozed until now or earlier. */
export function isOpenReminder(r: Reminder, now: number) {
  if (r.status === 'done' || r.status === 'cancelled') return false;
  if (r.status === 'snoozed') return !!r.snoozed_until && Date.parse(r.snoozed_until) <= now;
  return !!r.due_at && Date.parse(r.due_at) <= now + 12 * 3600_000;
}

/** The asks due, the thank-yous owed and the open follow-ups, in the order Today shows them. */
export function dueToday(d: Data, now = Date.now()): DueToday {
  const dueAsks = d.asks.filter((a) => isDue(a, now)).sort((a, b) => (a.due_at ?? '').localeCompare(b.due_at ?? ''));
  const owed = d.referrals.filter((r) => r.direction === 'received' && !r.thanks?.sent_at);
  const followUps: DueToday['followUps'] = [];
  for (const r of d.reminders) {
    if (r.kind === 'ask' || r.kind === 'thank_you' || !isOpenReminder(r, now)) continue;
    const t = reminderText(r, d);
    if (t) followUps.push({ r, t });
  }
  return { dueAsks, owed, followUps };
}

/** How many items Today shows as due. */
export function dueCount(d: Data, now = Date.now()): number {
  const x = dueToday(d, now);
  return x.dueAsks.length + x.owed.length + x.followUps.length;
}
