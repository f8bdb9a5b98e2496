import { describe, expect, it } from 'vitest';
import { AskwellDB, getMeta, setMeta, withReopen } from '../src/db/db';
import { SyncEngine } from '../src/sync/engine';
import { put, remove, write } from '../src/db/store';
import { uuidv7 } from '../src/db/uuid';

const fresh = () => new AskwellDB(`store-${Math.random().toString(36).slice(2)}`);

describe('local store', () => {
  it('writes the record and its outbox entry together, in order', async () => {
    const db = fresh();
    const id = uuidv7();
    await put(db, 'contact', id, { name: 'Dana', stage: 'met' });
    await put(db, 'contact', id, { name: 'Dana', stage: 'know' });
    const rec = await db.contacts.get(id);
    expect(rec).toMatchObject({ id, name: 'Dana', stage: 'know', version: 0 });
    const out = await db.outbox.orderBy('seq').toArray();
    expect(out.map((e) => [e.op, e.record_id, e.base_version])).toEqual([
      ['put', id, 0],
      ['put', id, 0],
    ]);
    expect(out[0].fields).toEqual({ name: 'Dana', stage: 'met' });
    expect(out[1].fields).toEqual({ stage: 'know' }); // only the changed field
  });

  it('gives mutation ids in outbox order when a batch is first pushed, and keeps them', async () => {
    const db = fresh();
    await setMeta(db, 'client_id', 'client_test_ids');
    for (const b of ['a', 'b', 'c']) await put(db, 'note', uuidv7(), { body: b });
    const engine = new SyncEngine({ db, api: null as never });
    expect((await engine.nextBatch()).map((e) => e.id)).toEqual([1, 2, 3]);
    await put(db, 'note', uuidv7(), { body: 'd' });
    expect((await engine.nextBatch()).map((e) => e.id)).toEqual([1, 2, 3, 4]); // a resend repeats them
    expect(await getMeta(db, 'next_mutation_id')).toBe(5);
  });

  it('skips a write that changes nothing', async () => {
    const db = fresh();
    const id = uuidv7();
    await put(db, 'note', id, { body: 'coffee' });
    expect(await put(db, 'note', id, { body: 'coffee' })).toBe(false);
    expect(await db.outbox.count()).toBe(1);
  });

  it('keeps the outbox across a crash in the middle of a transaction', async () => {
    const name = `crash-${Math.random().toString(36).slice(2)}`;
    let db = new AskwellDB(name);
    const ids = [uuidv7(), uuidv7(), uuidv7()];
    for (const id of ids) await put(db, 'note', id, { body: `note ${id}` });
    // A write that dies halfway: the record was put, then the tab "crashes" before the
    // outbox entry commits. The transaction aborts, so neither half survives.
    const lost = uuidv7();
    await expect(
      write(db, async (w) => {
        await w.put('note', lost, { body: 'half written' });
        db.close(); // the connection goes away mid-transaction
        throw new Error('crash');
      }),
    ).rejects.toThrow();
    // The app starts again with a new connection.
    db = new AskwellDB(name);
    await db.open();
    const out = await db.outbox.orderBy('seq').toArray();
    expect(out.map((e) => e.record_id)).toEqual(ids);
    expect(await db.notes.get(lost)).toBeUndefined();
    expect((await db.notes.toArray()).length).toBe(3);
    // and writing goes on after them
    const after = uuidv7();
    await put(db, 'note', after, { body: 'after the crash' });
    expect((await db.outbox.orderBy('seq').last())?.record_id).toBe(after);
  });

  it('reopens a closed connection and retries once', async () => {
    const db = fresh();
    await db.open();
    db.close();
    const id = uuidv7();
    await put(db, 'contact', id, { name: 'Lee' });
    expect((await db.contacts.get(id))?.name).toBe('Lee');
    let calls = 0;
    const r = await withReopen(db, async () => {
      calls++;
      if (calls === 1) {
        const e = new Error('closed');
        e.name = 'DatabaseClosedError';
        throw e;
      }
      return 'ok';
    });
    expect([r, calls]).toEqual(['ok', 2]);
  });

  it('deletes as a tombstone and queues a delete mutation', async () => {
    const db = fresh();
    const id = uuidv7();
    await put(db, 'ask', id, { contact_id: uuidv7(), trigger: { kind: 'after_days', value: '7' } });
    await remove(db, 'ask', id);
    expect((await db.asks.get(id))?.deleted_at).toBeTruthy();
    const last = await db.outbox.orderBy('seq').last();
    expect(last).toMatchObject({ op: 'delete', record_id: id, base_version: 0 });
  });

  it('makes time-ordered UUIDv7 ids', () => {
    const a = uuidv7(), b = uuidv7();
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(a < b).toBe(true);
  });
});
