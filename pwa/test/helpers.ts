import { Auth } from '../src/api/client';
import { AskwellDB, setMeta } from '../src/db/db';
import { put } from '../src/db/store';
import type { Entity, RecordByEntity } from '../src/db/types';
import { uuidv7 } from '../src/db/uuid';
import { SyncEngine } from '../src/sync/engine';
import { FakeServer } from './fake-server';

let n = 0;

/** A fresh device: its own database and client id, talking to `server`. */
export async function device(server: FakeServer, name = `dev${++n}-${Math.random().toString(36).slice(2)}`) {
  const db = new AskwellDB(name);
  await db.open();
  await setMeta(db, 'client_id', `client_${name.replace(/[^A-Za-z0-9_-]/g, '')}`);
  const auth = new Auth({ baseUrl: 'http://askwell.test/api/v1', fetch: server.fetch as typeof fetch });
  const engine = new SyncEngine({ db, api: auth.api });
  return { db, auth, engine, name };
}

/** Two devices of one account, talking to the same server. */
export async function twoDevices(server = new FakeServer()) {
  return { server, a: await device(server), b: await device(server) };
}

type Device = Awaited<ReturnType<typeof device>>;

/** Writes a new record on device a and syncs a, then b, so both hold it; returns its id. */
export async function putOnBoth<E extends Entity>(a: Device, b: Device, entity: E, fields: Partial<RecordByEntity[E]>): Promise<string> {
  const id = uuidv7();
  await put(a.db, entity, id, fields);
  await a.engine.sync();
  await b.engine.sync();
  return id;
}
