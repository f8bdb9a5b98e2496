/**
 * A tiny IndexedDB store shared by the service worker and the app, kept apart from the synced
 * records (its own database, raw IndexedDB, no Dexie in the worker):
 * - `target`: the deep link of the last tapped notification, for platforms that open the app
 *   at its start URL whatever `openWindow`/`navigate` were asked for;
 * - `queue`: Done/Snooze taps that have not reached the server yet, one per reminder.
 */

/** Where a tapped notification wants the app to go. */
export interface Target {
  url: string;
  /** When it was tapped (ms since the epoch). */
  at: number;
}

/** A notification action waiting to reach the server. */
export interface QueuedAction {
  reminder_id: string;
  action: 'done' | 'snooze';
  /** The reminder's resource, e.g. https://askwell.example/api/v1/reminders/<id>. */
  api: string;
  /** The action token from the push payload, scoped to this reminder. */
  token: string;
  /** When it was tapped (ms since the epoch); also tells two taps apart. */
  at: number;
}

export interface PushStore {
  setTarget(t: Target): Promise<void>;
  /** Returns the target and deletes it, in one transaction; null when none or older than maxAgeMs. */
  takeTarget(now: number, maxAgeMs: number): Promise<Target | null>;
  /** Deletes the target only if it is still the one tapped at `at`. */
  clearTarget(at: number): Promise<void>;
  /** Queues an action. A queued Done is never replaced by a later Snooze of the same reminder. */
  enqueue(a: QueuedAction): Promise<void>;
  /** Every queued action, oldest tap first. */
  queued(): Promise<QueuedAction[]>;
  /** Removes an action once sent, unless a newer tap for that reminder replaced it meanwhile. */
  dequeue(a: QueuedAction): Promise<void>;
}

const KV = 'kv';
const QUEUE = 'queue';
const TARGET_KEY = 'target';

const done = <T>(req: IDBRequest<T>) =>
  new Promise<T>((res, rej) => {
    req.onsuccess = () => res(req.result);
    req.onerror = () => rej(req.error);
  });

/**
 * Opens `name` for each operation and closes it after: the worker can be stopped at any time
 * and Safari drops idle connections, so a cached connection would only add failure modes.
 */
export function openPushStore(name = 'askwell-push', factory: IDBFactory = indexedDB): PushStore {
  const open = () =>
    new Promise<IDBDatabase>((res, rej) => {
      const req = factory.open(name, 1);
      req.onupgradeneeded = () => {
        req.result.createObjectStore(KV);
        req.result.createObjectStore(QUEUE, { keyPath: 'reminder_id' });
      };
      req.onsuccess = () => {
        const db = req.result;
        db.onversionchange = () => db.close();
        res(db);
      };
      req.onerror = () => rej(req.error);
      req.onblocked = () => rej(new Error('push store blocked'));
    });

  /** Runs fn in one transaction and resolves with its result once the transaction commits. */
  const tx = async <T>(stores: string[], mode: IDBTransactionMode, fn: (t: IDBTransaction) => Promise<T> | T): Promise<T> => {
    const db = await open();
    try {
      const t = db.transaction(stores, mode);
      const committed = new Promise<void>((res, rej) => {
        t.oncomplete = () => res();
        t.onerror = () => rej(t.error);
        t.onabort = () => rej(t.error ?? new Error('push store transaction aborted'));
      });
      const out = await fn(t);
      await committed;
      return out;
    } finally {
      db.close();
    }
  };

  return {
    setTarget: (t) => tx([KV], 'readwrite', (x) => void x.objectStore(KV).put(t, TARGET_KEY)),
    takeTarget: (now, maxAgeMs) =>
      tx([KV], 'readwrite', async (x) => {
        const s = x.objectStore(KV);
        const t = (await done(s.get(TARGET_KEY))) as Target | undefined;
        if (t) s.delete(TARGET_KEY);
        return t && typeof t.url === 'string' && now - t.at <= maxAgeMs && t.at <= now + 60_000 ? t : null;
      }),
    clearTarget: (at) =>
      tx([KV], 'readwrite', async (x) => {
        const s = x.objectStore(KV);
        const t = (await done(s.get(TARGET_KEY))) as Target | undefined;
        if (t?.at === at) s.delete(TARGET_KEY);
      }),
    enqueue: (a) =>
      tx([QUEUE], 'readwrite', async (x) => {
        const s = x.objectStore(QUEUE);
        const prev = (await done(s.get(a.reminder_id))) as QueuedAction | undefined;
        if (prev?.action === 'done' && a.action !== 'done') return; // never lose a tapped Done
        s.put(a);
      }),
    queued: () =>
      tx([QUEUE], 'readonly', async (x) => ((await done(x.objectStore(QUEUE).getAll())) as QueuedAction[]).sort((a, b) => a.at - b.at)),
    dequeue: (a) =>
      tx([QUEUE], 'readwrite', async (x) => {
        const s = x.objectStore(QUEUE);
        const cur = (await done(s.get(a.reminder_id))) as QueuedAction | undefined;
        if (cur && cur.at === a.at && cur.action === a.action) s.delete(a.reminder_id);
      }),
  };
}
