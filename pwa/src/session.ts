import { Auth, type AuthResponse } from './api/client';
import { AskwellDB, getMeta, setMeta } from './db/db';
import { write, type Writer } from './db/store';
import type { User } from './db/types';
import { randomClientId } from './db/uuid';
import { SyncEngine, type SyncState } from './sync/engine';
import { SyncRunner } from './sync/runner';
import { createStore } from './state/store';
import { snoozeMinutes } from './push/actions';
import { startPushBridge, tokenSubject } from './push/bridge';
import type { QueuedAction } from './push/store';

export const API = `${location.origin}/api/v1`;

export interface AppState {
  ready: boolean;
  user: User | null;
  /** The refresh token was refused: local data stays, sync waits for a new sign-in. */
  sessionEnded: boolean;
  sync: SyncState & { leader: boolean };
  online: boolean;
  toast: string | null;
  /** Set when a new version waits: activates it (the page reloads once it has taken over). */
  applyUpdate: (() => void) | null;
  installEvent: (Event & { prompt?: () => Promise<void> }) | null;
}

export const app = createStore<AppState>({
  ready: false,
  user: null,
  sessionEnded: false,
  sync: { status: 'idle', pending: 0, leader: false },
  online: navigator.onLine,
  toast: null,
  applyUpdate: null,
  installEvent: null,
});

// The query cache's optimistic updates clone every live result on each write; our screens
// re-read after the commit anyway, and a save stays well under a frame without it.
export const db = new AskwellDB('askwell', { cache: 'disabled' });
export const auth = new Auth({
  baseUrl: API,
  onSignedOut: () => app.set({ sessionEnded: true }),
  onUser: (u) => {
    app.set({ user: u, sessionEnded: false });
    void setMeta(db, 'user', u);
  },
});
export const engine = new SyncEngine({ db, api: auth.api });
export const runner = new SyncRunner({
  engine,
  auth,
  baseUrl: API,
  onState: (s) => {
    app.set({ sync: s });
    if (s.status === 'synced' && s.leader) followMergesSoon();
  },
});

let following = false;
/** After a sync, moves what still names a merged contact to its survivor (see io/follow). */
function followMergesSoon(): void {
  if (following) return;
  following = true;
  void import('./io/follow')
    .then((m) => m.followMerges(db))
    .then((n) => n > 0 && runner.requestFlush())
    .catch((e) => console.error('following merges failed', e))
    .finally(() => (following = false));
}

export async function boot(): Promise<void> {
  addEventListener('online', () => app.set({ online: true }));
  addEventListener('offline', () => app.set({ online: false }));
  let user: User | null = null;
  try {
    user = (await getMeta<User>(db, 'user')) ?? null;
  } catch (e) {
    console.error('local store unavailable', e);
  }
  app.set({ user, ready: true });
  startPushBridge({ signedIn: () => !!app.get().user, applyLocally: applyReminderAction });
  if (user) {
    runner.start();
    resendPushLater();
  }
  // Ask the browser to keep our data under storage pressure (granted silently for installed apps).
  void navigator.storage?.persist?.().catch(() => undefined);
}

/**
 * Applies a notification's Done/Snooze through the synced outbox, for when the server refused its
 * action token. A tap made for another account that was signed in here before is dropped: its
 * data and session are gone from this device.
 */
async function applyReminderAction(a: QueuedAction): Promise<boolean> {
  const user = app.get().user;
  if (!user) return false;
  const sub = tokenSubject(a.token);
  if (sub && sub !== user.id) return true;
  await save((w) =>
    w.put(
      'reminder',
      a.reminder_id,
      a.action === 'done'
        ? { status: 'done', snoozed_until: null }
        : { status: 'snoozed', snoozed_until: new Date(Date.now() + snoozeMinutes(a, Date.now()) * 60_000).toISOString() },
    ),
  );
  return true;
}

/** Re-sends this device's push subscription once the app is up (loaded only when granted). */
function resendPushLater(): void {
  if (typeof Notification === 'undefined' || Notification.permission !== 'granted') return;
  setTimeout(() => void import('./push/subscription').then((m) => m.resendPush(auth.api)).catch(() => undefined), 2000);
}

/** Signs in or registers. A different account than the one stored here starts from a clean store. */
export async function signIn(kind: 'login' | 'register', body: { email: string; password: string; name?: string; timezone?: string }): Promise<AuthResponse> {
  const prev = await getMeta<User>(db, 'user');
  const res = await auth.login(kind, body);
  if (prev && prev.id !== res.user.id) await wipe();
  if (!(await getMeta(db, 'client_id'))) await setMeta(db, 'client_id', randomClientId());
  await setMeta(db, 'user', res.user);
  app.set({ user: res.user, sessionEnded: false });
  runner.stop();
  runner.start();
  resendPushLater();
  return res;
}

export async function signOut(): Promise<void> {
  runner.stop();
  try {
    await (await import('./push/subscription')).disablePush(auth.api);
  } catch {
    // offline: the server drops the subscription when the push service says it is gone
  }
  try {
    await auth.logout();
  } catch {
    // offline: the cookie expires on its own; the local data goes now
  }
  await wipe();
  app.set({ user: null, sessionEnded: false, sync: { status: 'idle', pending: 0, leader: false } });
  location.hash = '#/login';
}

/**
 * Clears every table, including the client id, so the next account gets a fresh sequence, and
 * the drafts this tab holds in memory and in sessionStorage, so no one sees another's draft.
 */
async function wipe(): Promise<void> {
  await (await import('./state/drafts')).forgetDrafts();
  await db.transaction('rw', db.tables, async () => {
    for (const t of db.tables) await t.clear();
  });
}

/** Saves local changes in one transaction and asks the sync leader to push soon. */
export async function save<T>(fn: (w: Writer) => Promise<T>): Promise<T> {
  const r = await write(db, fn);
  runner.requestFlush();
  return r;
}

let toastTimer: ReturnType<typeof setTimeout> | undefined;
export function toast(msg: string): void {
  app.set({ toast: msg });
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => app.set({ toast: null }), 2600);
}
