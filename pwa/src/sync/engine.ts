import type { ApiClient } from '../api/client';
import { ApiError, SignedOutError } from '../api/client';
import type { components } from '../api/schema';
import { AskwellDB, ENTITIES, RECORD_TABLES, TABLE, getMeta, setMeta, withReopen } from '../db/db';
import { applyEntry } from '../db/store';
import type { Entity, OutboxEntry } from '../db/types';

type Change = components['schemas']['Change'];
type PullResponse = components['schemas']['PullResponse'];
type ErrorBody = components['schemas']['Error'];
type Row = Record<string, unknown> & { id: string };

/** Most mutations in one push (the server accepts up to 1000). */
export const PUSH_BATCH = 500;
/** Most records in one pull page; the server also ends a page after about 4 MiB. Fewer, larger pages spare a new phone round trips and re-reads of its data between them. */
export const PULL_LIMIT = 5000;

/** `full`: the server refused the outbox because the account is at its storage quota. */
export type SyncStatus = 'idle' | 'syncing' | 'synced' | 'offline' | 'error' | 'signed-out' | 'full';

/** The account is at its storage quota: nothing more is stored until something is removed. */
function isQuotaFull(err: unknown): err is ApiError {
  return err instanceof ApiError && err.code === 'quota_exceeded';
}

export interface SyncState {
  status: SyncStatus;
  pending: number;
  error?: string;
  lastSyncedAt?: number;
}

function httpError(res: Response, body: unknown): ApiError {
  const e = (body as ErrorBody | undefined)?.error;
  return new ApiError(res.status, e?.code ?? 'http_error', e?.message ?? `HTTP ${res.status}`, e?.details);
}

export interface EngineOptions {
  db: AskwellDB;
  api: ApiClient;
  onState?: (s: SyncState) => void;
}

/**
 * The client half of the sync protocol: push the outbox in order, pull pages of whole records,
 * re-apply pending local changes on top of what the server sent. One instance per tab; only
 * the tab holding the Web Lock runs the loop (see leader.ts).
 */
export class SyncEngine {
  readonly db: AskwellDB;
  private readonly api: ApiClient;
  private running: Promise<void> | null = null;
  private again = false;
  state: SyncState = { status: 'idle', pending: 0 };
  /** Told about every state change (the runner relays it to the UI and other tabs). */
  onState?: (s: SyncState) => void;

  constructor(opts: EngineOptions) {
    this.db = opts.db;
    this.api = opts.api;
    this.onState = opts.onState;
  }

  private setState(patch: Partial<SyncState>) {
    this.state = { ...this.state, ...patch };
    this.onState?.(this.state);
  }

  async clientId(): Promise<string> {
    const id = await getMeta<string>(this.db, 'client_id');
    if (!id) throw new Error('sync: no client id (not signed in)');
    return id;
  }

  /** Push then pull until both are done. Concurrent calls coalesce into one more round. */
  sync(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        let full: ApiError | undefined;
        do {
          this.again = false;
          this.setState({ status: 'syncing' });
          // A full account still receives: the outbox waits, other devices' changes come in.
          full = await this.push().then(
            () => undefined,
            (err: unknown) => {
              if (isQuotaFull(err)) return err;
              throw err;
            },
          );
          await this.pull();
          if (!full) await this.push(); // writes made while pulling
        } while (this.again && !full);
        if (full) throw full;
        this.setState({ status: 'synced', error: undefined, lastSyncedAt: Date.now(), pending: await this.db.outbox.count() });
      } catch (err) {
        const status: SyncStatus = isQuotaFull(err)
          ? 'full'
          : err instanceof SignedOutError
            ? 'signed-out'
            : err instanceof ApiError
              ? 'error'
              : 'offline';
        this.setState({ status, error: (err as Error).message, pending: await this.db.outbox.count().catch(() => 0) });
        throw err;
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }

  /** Sends the outbox in order, in batches, until it is empty. */
  async push(): Promise<void> {
    const clientId = await this.clientId();
    let guard = 0;
    for (;;) {
      if (++guard > 10_000) throw new Error('sync: push loop did not settle');
      const batch = await this.nextBatch();
      if (batch.length === 0) return;
      const { data, error, response } = await this.api.POST('/sync/push', {
        body: {
          client_id: clientId,
          mutations: batch.map((e) => ({
            id: e.id,
            entity: e.entity,
            record_id: e.record_id,
            op: e.op,
            ...(e.op === 'put' ? { fields: e.fields ?? {} } : {}),
            base_version: e.base_version,
          })),
        },
      });
      if (data) {
        await this.acknowledge(data.last_mutation_id);
        this.setState({ pending: await this.db.outbox.count() });
        continue;
      }
      const err = httpError(response, error);
      if (response.status === 409 && err.code === 'mutation_gap') {
        await this.resolveGap(Number(err.details?.expected_id), batch);
        continue;
      }
      if (response.status === 422 && err.code === 'invalid_mutation') {
        if (await this.setAside(err, batch)) continue;
      }
      throw err;
    }
  }

  /**
   * The first entries of the outbox, in order, with mutation ids: entries that never had one get
   * the next ids now, stored before anything is sent, so a resend always repeats the same ids.
   */
  async nextBatch(): Promise<Array<OutboxEntry & { id: number }>> {
    return withReopen(this.db, () =>
      this.db.transaction('rw', ['outbox', 'meta'], async () => {
        const batch = await this.db.outbox.orderBy('seq').limit(PUSH_BATCH).toArray();
        if (batch.some((e) => e.id === undefined)) {
          let next = (await getMeta<number>(this.db, 'next_mutation_id')) ?? 1;
          for (const e of batch) {
            if (e.id !== undefined) continue;
            e.id = next++;
            await this.db.outbox.update(e.seq!, { id: e.id });
          }
          await this.db.meta.put({ key: 'next_mutation_id', value: next });
        }
        return batch as Array<OutboxEntry & { id: number }>;
      }),
    );
  }

  /** Drops outbox entries the server has applied. */
  async acknowledge(lastMutationId: number): Promise<void> {
    await withReopen(this.db, () =>
      this.db.transaction('rw', ['outbox', 'meta'], async () => {
        await this.db.outbox.where('id').belowOrEqual(lastMutationId).delete();
        await this.db.meta.put({ key: 'last_mutation_id', value: lastMutationId });
        const next = (await getMeta<number>(this.db, 'next_mutation_id')) ?? 1;
        if (next <= lastMutationId) await this.db.meta.put({ key: 'next_mutation_id', value: lastMutationId + 1 });
      }),
    );
  }

  /**
   * The server expects `expected` next. Entries below it were applied already (a lost
   * response): drop them. Entries that start above it were never applied (ids were lost, e.g.
   * the meta row was restored): renumber them from `expected`, which is safe because the server
   * has never seen those ids.
   */
  async resolveGap(expected: number, batch: Array<OutboxEntry & { id: number }>): Promise<void> {
    if (!Number.isFinite(expected) || expected < 1) throw new Error('sync: mutation_gap without expected_id');
    const first = batch[0].id;
    if (expected > first) {
      await this.acknowledge(expected - 1);
    } else if (expected < first) {
      await this.renumber(expected);
    } else {
      throw new Error(`sync: server expects ${expected}, which is what was sent`);
    }
  }

  /** Gives the entries that have ids consecutive ones from `start`, keeping their order. */
  async renumber(start: number): Promise<void> {
    await withReopen(this.db, () =>
      this.db.transaction('rw', ['outbox', 'meta'], async () => {
        const all = (await this.db.outbox.orderBy('seq').toArray()).filter((e) => e.id !== undefined);
        // Two passes: ids are unique, so move them out of the way first.
        for (const e of all) await this.db.outbox.update(e.seq!, { id: -e.seq! });
        let id = start;
        for (const e of all) await this.db.outbox.update(e.seq!, { id: id++ });
        await this.db.meta.put({ key: 'next_mutation_id', value: id });
      }),
    );
  }

  /**
   * The server refused a mutation as invalid, and nothing in the batch was applied. When the
   * error says which one, move it to the `rejected` table (kept, never lost) and close the id
   * gap so the rest can go through. Without that detail the outbox stays as it is.
   */
  private async setAside(err: ApiError, batch: Array<OutboxEntry & { id: number }>): Promise<boolean> {
    const d = err.details ?? {};
    let bad: OutboxEntry | undefined;
    if (typeof d.mutation_id === 'number') bad = batch.find((e) => e.id === d.mutation_id);
    else if (typeof d.index === 'number') bad = batch[d.index];
    if (!bad) return false;
    await withReopen(this.db, () =>
      this.db.transaction('rw', ['outbox', 'rejected', 'meta'], async () => {
        await this.db.rejected.add({ ...bad!, seq: undefined, error: err.message });
        await this.db.outbox.delete(bad!.seq!);
      }),
    );
    await this.renumber(batch[0].id);
    return true;
  }

  /** Pulls pages of changes until the server has no more, rebasing pending local changes. */
  async pull(): Promise<void> {
    const clientId = await this.clientId();
    let cursor = (await getMeta<number>(this.db, 'cursor')) ?? 0;
    let lastMutation = (await getMeta<number>(this.db, 'last_mutation_id')) ?? 0;
    let resets = 0;
    for (let pages = 0; pages < 100_000; pages++) {
      const { data, error, response } = await this.api.POST('/sync/pull', {
        body: { client_id: clientId, cursor, limit: PULL_LIMIT },
      });
      if (!data) throw httpError(response, error);
      if (data.reset) {
        if (++resets > 2) throw new Error('sync: server keeps asking for a reset');
        await this.resetLocal();
        if (data.changes.length === 0) {
          cursor = 0;
          continue;
        }
      }
      // A page with nothing new (often the echo of our own push) needs no write transaction,
      // which would only make a note being saved wait.
      const noop = data.changes.length === 0 && data.cursor === cursor && data.last_mutation_id === lastMutation && !data.reset;
      if (!noop) await this.applyPage(data);
      cursor = data.cursor;
      lastMutation = data.last_mutation_id;
      if (!data.has_more) return;
    }
  }

  /** Drops every local record but keeps the outbox, whose changes are re-applied at once. */
  async resetLocal(): Promise<void> {
    await withReopen(this.db, () =>
      this.db.transaction('rw', [...RECORD_TABLES, 'outbox', 'meta'], async () => {
        for (const t of RECORD_TABLES) await this.db.table(t).clear();
        await setMeta(this.db, 'cursor', 0);
        const pending = await this.db.outbox.orderBy('seq').toArray();
        const rows = new Map<string, Row>();
        const entityOf = new Map<string, Entity>();
        for (const e of pending) {
          rows.set(e.record_id, applyEntry(rows.get(e.record_id), e));
          entityOf.set(e.record_id, e.entity);
        }
        for (const [id, row] of rows) await this.db.table(TABLE[entityOf.get(id)!]).put(row);
      }),
    );
  }

  /**
   * Stores one page: each record as the server has it, then the still-pending local changes
   * for it on top (so a local edit never flickers away), all in one transaction with the cursor.
   */
  async applyPage(page: PullResponse): Promise<void> {
    await withReopen(this.db, () =>
      this.db.transaction('rw', [...RECORD_TABLES, 'outbox', 'meta'], async () => {
        if (!page.has_more) {
          // Only at the last page: the server state we hold now includes those mutations.
          await this.db.outbox.where('id').belowOrEqual(page.last_mutation_id).delete();
          await this.db.meta.put({ key: 'last_mutation_id', value: page.last_mutation_id });
        }
        const ids = page.changes.map((c) => c.record_id);
        const pending = await this.db.outbox.where('record_id').anyOf(ids).sortBy('seq');
        const byRecord = new Map<string, OutboxEntry[]>();
        for (const e of pending) {
          const list = byRecord.get(e.record_id) ?? [];
          list.push(e);
          byRecord.set(e.record_id, list);
        }
        // One bulk write per table: a request per record made a full page take seconds.
        const rows = new Map<string, Row[]>();
        for (const c of page.changes) {
          if (!ENTITIES.includes(c.entity)) continue; // an entity this build does not know yet
          let row = toRow(c);
          for (const e of byRecord.get(c.record_id) ?? []) row = applyEntry(row, e);
          const table = TABLE[c.entity];
          const list = rows.get(table) ?? [];
          list.push(row);
          rows.set(table, list);
        }
        for (const [table, list] of rows) await this.db.table(table).bulkPut(list);
        await this.db.meta.put({ key: 'cursor', value: page.cursor });
      }),
    );
  }
}

function toRow(c: Change): Row {
  const rec = { ...(c.record as Record<string, unknown>) };
  rec.id = c.record_id;
  rec.version = c.version;
  if (c.deleted && !rec.deleted_at) rec.deleted_at = new Date().toISOString();
  if (!c.deleted && rec.deleted_at) rec.deleted_at = null;
  return rec as Row;
}
