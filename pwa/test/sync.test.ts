import { describe, expect, it } from 'vitest';
import { getMeta } from '../src/db/db';
import { put, remove, write } from '../src/db/store';
import { uuidv7 } from '../src/db/uuid';
import { PULL_LIMIT, PUSH_BATCH } from '../src/sync/engine';
import { FakeServer } from './fake-server';
import { device, putOnBoth, twoDevices } from './helpers';

describe('sync engine', () => {
  it('pushes only changed fields and converges two devices', async () => {
    const { server, a, b } = await twoDevices();
    const id = await putOnBoth(a, b, 'contact', { name: 'Dana', stage: 'met' });
    expect(await b.db.contacts.get(id)).toMatchObject({ name: 'Dana', stage: 'met', version: 1 });
    await put(b.db, 'contact', id, { stage: 'trust' });
    await b.engine.sync();
    const push = server.requests.filter((r) => r.path === '/sync/push').at(-1)!;
    expect(push.body.mutations).toEqual([
      { id: 1, entity: 'contact', record_id: id, op: 'put', fields: { stage: 'trust' }, base_version: 1 },
    ]);
    await a.engine.sync();
    expect(await a.db.contacts.get(id)).toMatchObject({ stage: 'trust', version: 2 });
    expect(await a.db.outbox.count()).toBe(0);
  });

  it('re-applies pending local edits on top of pulled server state', async () => {
    const { a, b } = await twoDevices();
    const id = await putOnBoth(a, b, 'contact', { name: 'Dana', stage: 'met', company: 'Acme' });
    // b edits the company offline; a changes the stage and syncs
    await put(b.db, 'contact', id, { company: 'Acme Ltd' });
    await put(a.db, 'contact', id, { stage: 'like' });
    await a.engine.sync();
    // b pulls only (its push has not happened yet): it sees a's stage and keeps its own company
    await b.engine.pull();
    expect(await b.db.contacts.get(id)).toMatchObject({ stage: 'like', company: 'Acme Ltd', version: 2 });
    expect(await b.db.outbox.count()).toBe(1);
    await b.engine.sync();
    await a.engine.sync();
    const ra = await a.db.contacts.get(id);
    const rb = await b.db.contacts.get(id);
    expect(ra).toEqual(rb);
    expect(ra).toMatchObject({ stage: 'like', company: 'Acme Ltd' });
  });

  it('keeps the outbox on reset and re-downloads everything', async () => {
    const { server, a, b } = await twoDevices();
    const old = await putOnBoth(a, b, 'note', { body: 'first' });
    // b goes quiet for a long time; meanwhile the server purges tombstones past its cursor
    for (let i = 0; i < 3; i++) {
      await put(a.db, 'note', uuidv7(), { body: `more ${i}` });
      await a.engine.sync();
    }
    server.purgeHorizon = server.version;
    const mine = uuidv7();
    await put(b.db, 'note', mine, { body: 'written offline on b' });
    await put(b.db, 'note', old, { body: 'first, edited on b' });
    await b.engine.pull();
    expect(server.requests.some((r) => r.path === '/sync/pull' && r.body.cursor === 0)).toBe(true);
    expect(await b.db.outbox.count()).toBe(2);
    expect((await b.db.notes.get(mine))?.body).toBe('written offline on b');
    expect((await b.db.notes.get(old))?.body).toBe('first, edited on b');
    expect((await b.db.notes.toArray()).length).toBe(5);
    await b.engine.sync();
    expect(server.record(mine)?.body).toBe('written offline on b');
    expect(await b.db.outbox.count()).toBe(0);
  });

  it('replays safely when a push response is lost', async () => {
    const server = new FakeServer();
    const a = await device(server);
    await put(a.db, 'note', uuidv7(), { body: 'one' });
    await put(a.db, 'note', uuidv7(), { body: 'two' });
    server.loseNextPushResponse = true;
    await expect(a.engine.push()).rejects.toThrow();
    expect(await a.db.outbox.count()).toBe(2); // not acknowledged, so kept
    await put(a.db, 'note', uuidv7(), { body: 'three' });
    await a.engine.sync();
    expect(await a.db.outbox.count()).toBe(0);
    expect(server.records.size).toBe(3);
    expect(server.version).toBe(2); // the replayed ids were skipped, not applied twice
  });

  it('drops entries below expected_id on mutation_gap and resends from there', async () => {
    const server = new FakeServer();
    server.strictGaps = true;
    const a = await device(server);
    const ids = [uuidv7(), uuidv7(), uuidv7()];
    for (const id of ids) await put(a.db, 'note', id, { body: id });
    // the server already applied 1 and 2 (their response was lost)
    server.push({
      client_id: await a.engine.clientId(),
      mutations: (await a.engine.nextBatch()).slice(0, 2).map((e) => ({ ...e, base_version: 0 })),
    });
    await a.engine.push();
    const pushes = server.requests.filter((r) => r.path === '/sync/push');
    expect(pushes.map((p) => p.body.mutations.map((m: { id: number }) => m.id))).toEqual([[1, 2, 3], [3]]);
    expect(await a.db.outbox.count()).toBe(0);
    expect(await getMeta(a.db, 'last_mutation_id')).toBe(3);
  });

  it('renumbers the outbox when the server expects a lower id', async () => {
    const server = new FakeServer();
    const a = await device(server);
    await a.db.meta.put({ key: 'next_mutation_id', value: 7 }); // ids 1..6 never reached the server
    await put(a.db, 'note', uuidv7(), { body: 'x' });
    await put(a.db, 'note', uuidv7(), { body: 'y' });
    await a.engine.push();
    const pushes = server.requests.filter((r) => r.path === '/sync/push');
    expect(pushes.map((p) => p.body.mutations.map((m: { id: number }) => m.id))).toEqual([[7, 8], [1, 2]]);
    expect(await a.db.outbox.count()).toBe(0);
    await put(a.db, 'note', uuidv7(), { body: 'z' });
    expect((await a.engine.nextBatch())[0].id).toBe(3);
  });

  it(`pushes in batches of at most ${PUSH_BATCH}`, async () => {
    const server = new FakeServer();
    const a = await device(server);
    await write(a.db, async (w) => {
      for (let i = 0; i < 1201; i++) await w.put('contact', uuidv7(), { name: `Person ${i}` });
    });
    await a.engine.push();
    const sizes = server.requests.filter((r) => r.path === '/sync/push').map((p) => p.body.mutations.length);
    expect(sizes).toEqual([500, 500, 201]);
    expect(server.lastMutation.get(await a.engine.clientId())).toBe(1201);
  });

  it(`pages through a long pull, ${PULL_LIMIT} records a page`, async () => {
    const { server, a, b } = await twoDevices();
    const n = 2 * PULL_LIMIT + 500;
    await write(a.db, async (w) => {
      for (let i = 0; i < n; i++) await w.put('contact', uuidv7(), { name: `P${i}` });
    });
    await a.engine.sync();
    await b.engine.pull();
    expect(await b.db.contacts.count()).toBe(n);
    expect(server.requests.filter((r) => r.path === '/sync/pull' && r.body.client_id.includes(b.name.replace(/[^A-Za-z0-9_-]/g, ''))).length).toBe(3); // two full pages and 500
  });

  it('keeps fields it does not know', async () => {
    const server = new FakeServer();
    const a = await device(server);
    const id = uuidv7();
    server.records.set(id, {
      entity: 'contact',
      rec: { id, name: 'Lee', future_field: { nested: [1, 2] }, created_at: '2026-01-01T00:00:00Z' },
      fieldVersion: { name: 1, future_field: 1 },
      version: 1,
      deleted: false,
    });
    server.version = 1;
    await a.engine.sync();
    await put(a.db, 'contact', id, { company: 'Lee & Co' });
    expect(await a.db.contacts.get(id)).toMatchObject({ future_field: { nested: [1, 2] }, company: 'Lee & Co' });
    await a.engine.sync();
    const push = server.requests.filter((r) => r.path === '/sync/push').at(-1)!;
    expect(push.body.mutations[0].fields).toEqual({ company: 'Lee & Co' });
    expect(await a.db.contacts.get(id)).toMatchObject({ future_field: { nested: [1, 2] }, company: 'Lee & Co', version: 2 });
  });

  it('keeps both texts of a concurrent note edit and lets the user resolve it', async () => {
    const { a, b } = await twoDevices();
    const id = await putOnBoth(a, b, 'note', { body: 'Coffee with Dana' });
    await put(a.db, 'note', id, { body: 'Coffee with Dana — she praised the audit' });
    await put(b.db, 'note', id, { body: 'Coffee with Dana, wants intro to Lee' });
    await a.engine.sync();
    await b.engine.sync();
    await a.engine.sync();
    const na = await a.db.notes.get(id);
    const nb = await b.db.notes.get(id);
    expect(na).toEqual(nb);
    expect(na?.body).toBe('Coffee with Dana, wants intro to Lee');
    expect(na?.conflicts).toEqual([expect.objectContaining({ field: 'body', value: 'Coffee with Dana — she praised the audit' })]);
    await put(a.db, 'note', id, { body: `${na!.conflicts![0].value}\n${na!.body}`, conflicts: [] });
    await a.engine.sync();
    await b.engine.sync();
    expect((await b.db.notes.get(id))?.conflicts).toEqual([]);
  });

  it('shows a delete at once and sends it', async () => {
    const server = new FakeServer();
    const a = await device(server);
    const id = uuidv7();
    await put(a.db, 'note', id, { body: 'x' });
    await a.engine.sync();
    await remove(a.db, 'note', id);
    await a.engine.sync();
    expect(server.records.get(id)?.deleted).toBe(true);
    expect((await a.db.notes.get(id))?.deleted_at).toBeTruthy();
  });

  it('refreshes the access token once on 401 and retries', async () => {
    const server = new FakeServer();
    const a = await device(server);
    await put(a.db, 'note', uuidv7(), { body: 'x' });
    await a.engine.sync(); // first call refreshes (no token yet)
    server.token = 'rotated-elsewhere';
    server.failNextWith401 = true;
    await put(a.db, 'note', uuidv7(), { body: 'y' });
    await a.engine.sync();
    expect(await a.db.outbox.count()).toBe(0);
    expect(server.requests.filter((r) => r.path === '/auth/refresh').length).toBe(2);
  });

  it('reports offline and keeps everything when the network is gone', async () => {
    const server = new FakeServer();
    const a = await device(server);
    await a.engine.sync();
    server.offline = true;
    await put(a.db, 'note', uuidv7(), { body: 'on the train' });
    await expect(a.engine.sync()).rejects.toThrow();
    expect(a.engine.state).toMatchObject({ status: 'offline', pending: 1 });
    server.offline = false;
    await a.engine.sync();
    expect(a.engine.state).toMatchObject({ status: 'synced', pending: 0 });
  });

  it('keeps receiving and says the account is full when the server refuses the outbox over quota', async () => {
    const server = new FakeServer();
    const { a, b } = await twoDevices(server);
    await a.engine.sync();
    await b.engine.sync();
    server.quotaFull = true;
    await put(a.db, 'note', uuidv7(), { body: 'one note too many' });
    const fromB = uuidv7();
    server.quotaFull = false;
    await put(b.db, 'contact', fromB, { name: 'Lee Park' });
    await b.engine.sync();
    server.quotaFull = true;
    await expect(a.engine.sync()).rejects.toThrow(/quota/);
    expect(a.engine.state).toMatchObject({ status: 'full', pending: 1 });
    expect(await a.db.contacts.get(fromB)).toMatchObject({ name: 'Lee Park' }); // pulled all the same
    server.quotaFull = false;
    await a.engine.sync();
    expect(a.engine.state).toMatchObject({ status: 'synced', pending: 0 });
  });
});
