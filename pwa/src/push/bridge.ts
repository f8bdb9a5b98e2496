/**
 * The app's side of notification taps: go where a tapped notification pointed when the platform
 * opened the app somewhere else, and send Done/Snooze taps the service worker could not.
 */
import { flushQueue, queueLock, takeTarget } from './actions';
import { openPushStore, type PushStore, type QueuedAction } from './store';

export interface BridgeOptions {
  /** True while someone is signed in (the queue waits for a session to fall back on). */
  signedIn(): boolean;
  /**
   * Applies a queued action through the synced outbox, for when the server refused its action
   * token (it expires after days offline). Resolves true once saved.
   */
  applyLocally(a: QueuedAction): Promise<boolean>;
  store?: PushStore;
}

/** Moves the app to a same-origin URL: a hash change when only the hash differs. */
function goTo(url: string): void {
  const u = new URL(url);
  if (u.pathname === location.pathname && u.search === location.search) {
    if (u.hash !== location.hash) location.hash = u.hash;
  } else location.assign(url);
}

/** Starts listening; checks for a waiting target and queued actions right away. */
export function startPushBridge(o: BridgeOptions): void {
  if (typeof indexedDB === 'undefined') return;
  const store = o.store ?? openPushStore();
  const origin = location.origin;

  const follow = () =>
    void takeTarget(store, origin)
      .then((url) => url && goTo(url))
      .catch(() => undefined);
  let flushing = false;
  const flush = () => {
    if (flushing || !o.signedIn()) return;
    flushing = true;
    void flushQueue({
      origin,
      fetch: (...a) => fetch(...a),
      store,
      lock: queueLock(navigator.locks),
      onUnauthorized: o.applyLocally,
    })
      .catch(() => undefined)
      .finally(() => (flushing = false));
  };

  addEventListener('focus', follow);
  addEventListener('online', flush);
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState !== 'visible') return;
    follow();
    flush();
  });
  // the worker says so when navigate() was refused and the target waits in the store
  navigator.serviceWorker?.addEventListener('message', (e) => e.data?.type === 'askwell:target' && follow());
  follow();
  flush();
}

/** The account an action token was issued for (its `sub`), or null if it cannot be read. */
export function tokenSubject(token: string): string | null {
  try {
    const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const sub = (JSON.parse(atob(part + '='.repeat((4 - (part.length % 4)) % 4))) as { sub?: unknown }).sub;
    return typeof sub === 'string' ? sub : null;
  } catch {
    return null;
  }
}
