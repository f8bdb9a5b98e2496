import { AskwellDB, RECORD_TABLES, TABLE, withReopen } from './db';
import type { Entity, OutboxEntry, RecordByEntity } from './types';

type Fields = Record<string, unknown>;
type Row = Fields & { id: string };

/** Fields a client never sends: the server owns them. */
const SERVER_FIELDS = new Set(['id', 'version', 'created_at', 'updated_at', 'deleted_at']);

function same(a: unknown, b: unknown): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

/** Applies one outbox entry to a record (or to nothing, for a record only known locally). */
export function applyEntry(rec: Row | undefined, e: OutboxEntry): Row {
  const base: Row = rec ? { ...rec } : { id: e.record_id, version: 0 };
  if (e.op === 'delete') {
    base.deleted_at = base.deleted_at ?? e.at;
    return base;
  }
  Object.assign(base, e.fields);
  if (!base.created_at) base.created_at = e.at;
  base.updated_at = e.at;
  return base;
}

/**
 * A writer used inside one Dexie transaction: each put or remove updates the record and adds
 * its outbox entry in that same transaction, so a crash never leaves one without the other.
 */
export interface Writer {
  /**
   * Puts the changed fields of a record, creating it when new. `fresh: true` says the id was
   * just made (no read needed), which keeps a save to one round trip plus the commit.
   */
  put<E extends Entity>(entity: E, id: string, fields: Partial<RecordByEntity[E]>, opts?: { fresh?: boolean }): Promise<boolean>;
  remove(entity: Entity, id: string): Promise<void>;
}

export interface WriteOptions {
  now?: () => Date;
}

/**
 * Runs fn in one read-write transaction over all records and the outbox. Writes are not
 * awaited one by one (each await is a round trip to the storage process); the transaction
 * waits for all of them and fails as a whole if any fails.
 */
export async function write<T>(db: AskwellDB, fn: (w: Writer) => Promise<T>, opts: WriteOptions = {}): Promise<T> {
  const now = opts.now ?? (() => new Date());
  return withReopen(db, () =>
    db.transaction('rw', [...RECORD_TABLES, 'outbox'], async () => {
      const at = now().toISOString();
      const writes: Array<Promise<unknown>> = [];
      const add = (e: Omit<OutboxEntry, 'id' | 'at'>) => {
        const entry: OutboxEntry = { ...e, at };
        writes.push(db.outbox.add(entry));
        return entry;
      };
      const w: Writer = {
        async put(entity, id, fields, o) {
          const table = db.table(TABLE[entity]);
          const rec = o?.fresh ? undefined : ((await table.get(id)) as Row | undefined);
          const changed: Fields = {};
          for (const [k, v] of Object.entries(fields as Fields)) {
            if (SERVER_FIELDS.has(k) || v === undefined) continue;
            if (!rec || !same(rec[k], v)) changed[k] = v;
          }
          if (Object.keys(changed).length === 0) return false;
          const entry = add({
            entity,
            record_id: id,
            op: 'put',
            fields: changed,
            base_version: Number(rec?.version ?? 0),
          });
          writes.push(table.put(applyEntry(rec, entry)));
          return true;
        },
        async remove(entity, id) {
          const table = db.table(TABLE[entity]);
          const rec = (await table.get(id)) as Row | undefined;
          if (!rec || rec.deleted_at) return;
          const entry = add({ entity, record_id: id, op: 'delete', base_version: Number(rec.version ?? 0) });
          writes.push(table.put(applyEntry(rec, entry)));
        },
      };
      const result = await fn(w);
      await Promise.all(writes);
      return result;
    }),
  );
}

/** Puts one record's changed fields (creating it when new) with its outbox entry. */
export function put<E extends Entity>(db: AskwellDB, entity: E, id: string, fields: Partial<RecordByEntity[E]>, opts?: WriteOptions) {
  return write(db, (w) => w.put(entity, id, fields), opts);
}

/** Deletes a record (a tombstone locally, a delete mutation for the server). */
export function remove(db: AskwellDB, entity: Entity, id: string, opts?: WriteOptions) {
  return write(db, (w) => w.remove(entity, id), opts);
}
