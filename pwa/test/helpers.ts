import { Auth } from '../src/api/client';
import { AskwellDB, setMeta } from '../src/db/db';
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
