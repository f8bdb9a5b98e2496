import { liveQuery } from 'dexie';
import { useEffect, useState } from 'preact/hooks';
import { RECORD_TABLES } from '../db/db';
import { db } from '../session';
import type { Ask, Connection, Contact, Event, Note, Referral, Reminder, Suggestion } from '../db/types';

export interface Data {
  contacts: Contact[];
  byId: Map<string, Contact>;
  events: Event[];
  notes: Note[];
  asks: Ask[];
  referrals: Referral[];
  reminders: Reminder[];
  connections: Connection[];
  suggestions: Suggestion[];
}

const alive = <T extends { deleted_at?: string | null }>(xs: T[]) => xs.filter((x) => !x.deleted_at);

/** Everything the screens show, read in one transaction. */
export async function loadData(): Promise<Data> {
  // one read transaction instead of six
  const [contacts, events, notes, asks, referrals, reminders, connections, suggestions] = await db.transaction('r', RECORD_TABLES, () =>
    Promise.all([
      db.contacts.toArray(),
      db.events.toArray(),
      db.notes.toArray(),
      db.asks.toArray(),
      db.referrals.toArray(),
      db.reminders.toArray(),
      db.connections.toArray(),
      db.suggestions.toArray(),
    ]),
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
    connections: alive(connections),
    suggestions: alive(suggestions),
  };
}

let latest: Data | undefined;
const watchers = new Set<(d: Data) => void>();
let live: { unsubscribe(): void } | null = null;

/**
 * Calls fn with the data now (if already read) and whenever a table changes (locally, by sync,
 * or in another tab). One query serves every watcher: the open screen and the app badge.
 */
export function watchData(fn: (d: Data) => void): () => void {
  watchers.add(fn);
  if (latest) fn(latest);
  live ??= liveQuery(loadData).subscribe({
    next: (d) => {
      latest = d;
      watchers.forEach((w) => w(d));
    },
    error: (e) => console.error('query failed', e),
  });
  return () => {
    watchers.delete(fn);
    if (watchers.size === 0) {
      live?.unsubscribe();
      live = null;
      latest = undefined;
    }
  };
}

/** Everything the screens show, live. */
export function useData(): Data | undefined {
  const [d, setD] = useState(latest);
  useEffect(() => watchData(setD), []);
  return d;
}

export function when(n: Note): number {
  return Date.parse(n.meeting_at ?? n.created_at ?? '') || 0;
}

export function names(ids: readonly string[] | undefined, byId: Map<string, Contact>): string {
  return joinNames((ids ?? []).map((id) => byId.get(id)?.name).filter(Boolean) as string[]);
}

/** "Dana", "Dana and Lee", "Dana, Lee and Sam". */
export function joinNames(ns: string[]): string {
  if (ns.length <= 2) return ns.join(' and ');
  return `${ns.slice(0, -1).join(', ')} and ${ns[ns.length - 1]}`;
}
