import { RECORD_TABLES } from '../db/db';
import { db } from '../session';
import type { Ask, Contact, Event, Note, Referral, Reminder } from '../db/types';
import { useLive } from './store';

export interface Data {
  contacts: Contact[];
  byId: Map<string, Contact>;
  events: Event[];
  notes: Note[];
  asks: Ask[];
  referrals: Referral[];
  reminders: Reminder[];
}

const alive = <T extends { deleted_at?: string | null }>(xs: T[]) => xs.filter((x) => !x.deleted_at);

/** Everything the screens show, live: re-read whenever a table changes (locally, by sync, or in another tab). */
export function useData(): Data | undefined {
  return useLive(async () => {
    // one read transaction instead of six
    const [contacts, events, notes, asks, referrals, reminders] = await db.transaction('r', RECORD_TABLES, () =>
      Promise.all([db.contacts.toArray(), db.events.toArray(), db.notes.toArray(), db.asks.toArray(), db.referrals.toArray(), db.reminders.toArray()]),
    );
    const c = alive(contacts).sort((a, b) => (a.name ?? '').localeCompare(b.name ?? ''));
    return {
      contacts: c,
      byId: new Map(c.map((x) => [x.id, x])),
      events: alive(events),
      notes: alive(notes).sort((a, b) => when(b) - when(a)),
      asks: alive(asks),
      referrals: alive(referrals).sort((a, b) => Date.parse(b.at ?? b.created_at ?? '') - Date.parse(a.at ?? a.created_at ?? '')),
      reminders: alive(reminders),
    };
  }, []);
}

export function when(n: Note): number {
  return Date.parse(n.meeting_at ?? n.created_at ?? '') || 0;
}

export function names(ids: readonly string[] | undefined, byId: Map<string, Contact>): string {
  const ns = (ids ?? []).map((id) => byId.get(id)?.name).filter(Boolean) as string[];
  if (ns.length <= 2) return ns.join(' and ');
  return `${ns.slice(0, -1).join(', ')} and ${ns[ns.length - 1]}`;
}
