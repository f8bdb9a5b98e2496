import Dexie, { type Table } from 'dexie';
import type { Ask, Connection, Contact, Event, MetaRow, Note, OutboxEntry, Referral, RejectedEntry, Reminder, Entity, Suggestion } from './types';

/** Table name for each synced entity. */
export const TABLE = {
  contact: 'contacts',
  event: 'events',
  note: 'notes',
  ask: 'asks',
  referral: 'referrals',
  reminder: 'reminders',
  connection: 'connections',
  suggestion: 'suggestions',
} as const satisfies Record<Entity, string>;
export const ENTITIES = Object.keys(TABLE) as Entity[];
export const RECORD_TABLES = Object.values(TABLE);

/** The local store: synced records (server state with pending local changes on top), the outbox and meta. */
export class AskwellDB extends Dexie {
  contacts!: Table<Contact, string>;
  events!: Table<Event, string>;
  notes!: Table<Note, string>;
  asks!: Table<Ask, string>;
  referrals!: Table<Referral, string>;
  reminders!: Table<Reminder, string>;
  connections!: Table<Connection, string>;
  suggestions!: Table<Suggestion, string>;
  outbox!: Table<OutboxEntry, number>;
  rejected!: Table<RejectedEntry, number>;
  meta!: Table<MetaRow, string>;

  constructor(name = 'askwell', opts?: ConstructorParameters<typeof Dexie>[1]) {
    super(name, opts);
    this.version(1).stores({
      contacts: 'id, version, name, stage, kind',
      events: 'id, version, starts_at, *contact_ids',
      notes: 'id, version, meeting_at, event_id, *contact_ids',
      asks: 'id, version, contact_id, due_at, status',
      referrals: 'id, version, contact_id, direction, at',
      reminders: 'id, version, due_at, status, [subject.entity+subject.id]',
      outbox: '++seq, &id, record_id',
      rejected: '++seq, record_id',
      meta: 'key',
    });
    // Who knows whom, and the coach's next steps. Records of these kinds pulled by an older
    // build were skipped, so the next sync starts from the beginning (the outbox stays).
    this.version(2)
      .stores({ connections: 'id, version, contact_id, other_contact_id', suggestions: 'id, version, kind, contact_id, status' })
      .upgrade((tx) => tx.table('meta').delete('cursor'));
  }
}

const RETRYABLE = new Set([Dexie.errnames.DatabaseClosed, Dexie.errnames.InvalidState, 'InvalidStateError']);

/** True for the errors a lost IndexedDB connection produces (Safari drops it in the background). */
export function isConnectionLost(err: unknown): boolean {
  const e = err as { name?: string; inner?: { name?: string } } | null;
  return !!e && (RETRYABLE.has(e.name ?? '') || RETRYABLE.has(e.inner?.name ?? ''));
}

/** Runs op; when the connection was lost, reopens the database and runs it once more. */
export async function withReopen<T>(db: AskwellDB, op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (err) {
    if (!isConnectionLost(err)) throw err;
    if (!db.isOpen()) await db.open();
    return op();
  }
}

export async function getMeta<T>(db: AskwellDB, key: string): Promise<T | undefined> {
  const row = await db.meta.get(key);
  return row?.value as T | undefined;
}

export async function setMeta(db: AskwellDB, key: string, value: unknown): Promise<void> {
  await db.meta.put({ key, value });
}
