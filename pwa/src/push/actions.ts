/**
 * What happens when a reminder notification arrives or is tapped, written against injected
 * fetch, storage and clients so it runs the same in the service worker, in the app and in tests.
 *
 * A tapped Done or Snooze is written to the queue before it is sent and removed only once the
 * server answered, so it survives no signal, a failing server and the worker being stopped
 * mid-request. The queue is retried on the next push, by Background Sync where it exists, and by
 * the app when it starts or comes back online.
 */
import type { PushStore, QueuedAction } from './store';

/** What the server puts in a reminder push (see the reminder dispatcher). */
export interface ReminderPush {
  title: string;
  body?: string;
  /** A deep link inside the app, e.g. https://askwell.example/#/referrals/<id>. */
  url?: string;
  reminder_id?: string;
  kind?: string;
  /** Action token scoped to this reminder: lets Done/Snooze work with the app closed. */
  token?: string;
  actions?: Array<{ action: string; title?: string }>;
  tag?: string;
  /** The reminder's resource: POST `${api}/done` or `${api}/snooze`. */
  api?: string;
}

/** The Background Sync tag that retries queued actions. */
export const SYNC_TAG = 'askwell-reminder-actions';
/** The Web Lock the worker and the app's tabs take turns on to send queued actions. */
export const QUEUE_LOCK = 'askwell-reminder-actions';
/** Serializes queue flushes with a Web Lock where the platform has them (window or worker). */
export function queueLock(locks: unknown): ActionDeps['lock'] {
  const l = locks as { request?: (name: string, fn: () => Promise<unknown>) => Promise<unknown> } | undefined;
  return l?.request ? <T>(fn: () => Promise<T>) => l.request!(QUEUE_LOCK, fn) as Promise<T> : undefined;
}
/** A tapped notification's target older than this is ignored: the user has moved on. */
export const TARGET_MAX_AGE_MS = 2 * 60_000;
/** How long Snooze snoozes. */
export const SNOOZE_MINUTES = 60;
/** How long one send may take before it counts as failed (and stays queued). */
const SEND_TIMEOUT_MS = 10_000;
/** The server's smallest snooze. */
const MIN_SNOOZE_MINUTES = 5;

/** The slice of a notification the handlers use. */
export interface NotificationLike {
  readonly data?: unknown;
  readonly tag?: string;
  close(): void;
}

/** The slice of a window client the handlers use. */
export interface WindowLike {
  readonly url: string;
  readonly focused?: boolean;
  readonly visibilityState?: string;
  focus(): Promise<unknown>;
  navigate(url: string): Promise<{ url: string } | null>;
  postMessage(msg: unknown): void;
}

export interface ActionDeps {
  /** The app's origin; links and API calls anywhere else are refused. */
  origin: string;
  fetch: typeof fetch;
  store: PushStore;
  now?: () => number;
  /** The worker's clients (service worker only). */
  clients?: {
    matchAll(o: { type: 'window'; includeUncontrolled: boolean }): Promise<readonly WindowLike[]>;
    openWindow(url: string): Promise<{ url: string } | null>;
  };
  /** The worker's registration (service worker only): replaces or closes notifications. */
  registration?: {
    showNotification(title: string, options?: NotificationOptions): Promise<void>;
    getNotifications(filter?: { tag?: string }): Promise<readonly NotificationLike[]>;
    sync?: { register(tag: string): Promise<void> };
  };
  /** Serializes queue flushes across the worker and open tabs (a Web Lock where there is one). */
  lock?: <T>(fn: () => Promise<T>) => Promise<T>;
  /**
   * Called when the server refuses the action token (expired after a long time offline). The
   * app applies the change through its synced outbox instead and returns true; the worker has
   * no session, so it leaves the action queued for the app.
   */
  onUnauthorized?: (a: QueuedAction) => Promise<boolean>;
}

/** A same-origin absolute URL, or null for anything else (the payload never sends us elsewhere). */
export function sameOrigin(u: string | undefined, origin: string): string | null {
  if (!u) return null;
  try {
    const url = new URL(u, origin);
    return url.origin === origin ? url.href : null;
  } catch {
    return null;
  }
}

/** Reads a push message's data; anything that is not our JSON still makes a notification. */
export function readPush(data: { json(): unknown; text(): string } | null | undefined): ReminderPush {
  let p: ReminderPush | null = null;
  try {
    p = data ? (data.json() as ReminderPush) : null;
  } catch {
    p = { title: 'Askwell', body: data?.text() ?? '' };
  }
  if (!p || typeof p !== 'object') p = { title: 'Askwell' };
  return typeof p.title === 'string' && p.title ? p : { ...p, title: 'Askwell' };
}

/** The notification for a reminder push: collapsed by tag, with Done and Snooze where supported. */
export function notificationFor(p: ReminderPush): { title: string; options: NotificationOptions } {
  return {
    title: p.title,
    options: {
      body: p.body,
      tag: p.tag ?? p.reminder_id,
      icon: '/icons/icon-192.png',
      badge: '/icons/icon-192.png',
      data: p,
      // actions are not in every lib.dom version; browsers without them ignore the field
      ...({ actions: (p.actions ?? []).slice(0, 2).map((a) => ({ action: a.action, title: a.title ?? a.action })) } as object),
    },
  };
}

/** Shows a push, retries anything queued and flags the app icon. */
export async function onPush(p: ReminderPush, deps: ActionDeps, setBadge?: () => Promise<void>): Promise<void> {
  const n = notificationFor(p);
  await Promise.all([
    deps.registration?.showNotification(n.title, n.options),
    setBadge?.().catch(() => undefined),
    // a push means the network is back: a good moment to send what is waiting
    flushQueue(deps).catch(() => undefined),
  ]);
}

/** A snooze sent late still ends an hour after the tap, but never sooner than the server allows. */
export function snoozeMinutes(a: Pick<QueuedAction, 'at'>, now: number): number {
  const left = Math.ceil((a.at + SNOOZE_MINUTES * 60_000 - now) / 60_000);
  return Math.max(MIN_SNOOZE_MINUTES, Math.min(SNOOZE_MINUTES, left));
}

export type SendResult = 'ok' | 'gone' | 'unauthorized' | 'retry';

/** One POST for a queued action, with the action token. Never throws. */
export async function sendAction(a: QueuedAction, deps: Pick<ActionDeps, 'origin' | 'fetch' | 'now'>): Promise<SendResult> {
  const api = sameOrigin(a.api, deps.origin);
  if (!api || !a.token) return 'gone';
  const body = a.action === 'snooze' ? JSON.stringify({ minutes: snoozeMinutes(a, (deps.now ?? Date.now)()) }) : undefined;
  try {
    const res = await deps.fetch(`${api.replace(/\/+$/, '')}/${a.action}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${a.token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
      body,
      credentials: 'omit',
      cache: 'no-store',
      // a request hanging on a poor connection would keep the tapped notification waiting
      signal: typeof AbortSignal.timeout === 'function' ? AbortSignal.timeout(SEND_TIMEOUT_MS) : undefined,
    });
    if (res.ok) return 'ok';
    if (res.status === 401 || res.status === 403) return 'unauthorized';
    // the reminder is gone, or the request can never succeed: retrying would not help
    if (res.status === 404 || res.status === 410 || res.status === 400 || res.status === 422) return 'gone';
    return 'retry'; // 408, 429, 5xx
  } catch {
    return 'retry'; // offline or the server is unreachable
  }
}

/**
 * Sends every queued action once, oldest first, removing each the server answered (or that can
 * never succeed). Resolves with how many were sent, how many remain, and each one's result.
 */
export async function flushQueue(deps: ActionDeps): Promise<{ sent: number; left: number; results: Record<string, SendResult> }> {
  const run = async () => {
    let sent = 0;
    const results: Record<string, SendResult> = {};
    const queue = await deps.store.queued();
    let left = queue.length;
    for (const a of queue) {
      let r = await sendAction(a, deps);
      if (r === 'unauthorized' && deps.onUnauthorized && (await deps.onUnauthorized(a).catch(() => false))) r = 'ok';
      results[a.reminder_id] = r;
      if (r === 'ok' || r === 'gone') {
        await deps.store.dequeue(a);
        left--;
        if (r === 'ok') sent++;
      }
    }
    return { sent, left, results };
  };
  return deps.lock ? deps.lock(run) : run();
}

export type ClickResult = 'done' | 'snoozed' | 'queued' | 'dropped' | 'navigated' | 'focused' | 'opened';

/**
 * Handles a tap on a reminder notification. Done/Snooze: queue, send, and close the
 * notification (or, when it could not be sent yet, replace it with a quiet note saying so).
 * Anything else: remember the deep link, then bring a window there (or open one).
 */
export async function onNotificationClick(n: NotificationLike, action: string, deps: ActionDeps): Promise<ClickResult> {
  const p = (n.data ?? {}) as Partial<ReminderPush>;
  const now = deps.now ?? Date.now;
  if ((action === 'done' || action === 'snooze') && p.reminder_id && p.token && sameOrigin(p.api, deps.origin)) {
    // The notification stays up until the server answered; then it is closed, or replaced by a
    // note that the tap is waiting.
    const a: QueuedAction = { reminder_id: p.reminder_id, action, api: p.api!, token: p.token, at: now() };
    let r: SendResult;
    if (await deps.store.enqueue(a).then(() => true, () => false)) {
      // queued first: a Done tapped here must never be lost, even if the worker is stopped mid-send
      const flushed = await flushQueue(deps).catch(() => null);
      // not in the results: another flush (the app, a push) had the queue; it was sent if it is gone
      r = flushed?.results[a.reminder_id] ?? ((await deps.store.queued().catch(() => [a])).some((q) => q.reminder_id === a.reminder_id) ? 'retry' : 'ok');
    } else r = await sendAction(a, deps); // no storage: one direct try is all there is
    const tag = n.tag || p.tag || p.reminder_id;
    if (r === 'ok' || r === 'gone') {
      n.close();
      // a duplicate of this reminder (a resend after a crash) goes too
      for (const other of (await deps.registration?.getNotifications({ tag }).catch(() => [])) ?? []) other.close();
      return r === 'gone' ? 'dropped' : action === 'done' ? 'done' : 'snoozed';
    }
    await deps.registration?.sync?.register(SYNC_TAG).catch(() => undefined);
    await deps.registration
      ?.showNotification(action === 'done' ? 'Marked done' : 'Snoozed for an hour', {
        body: `${p.title ? `${p.title}. ` : ''}Askwell will tell the server as soon as it can reach it.`,
        tag,
        silent: true,
        icon: '/icons/icon-192.png',
        badge: '/icons/icon-192.png',
        data: { title: p.title, url: p.url, tag }, // a tap opens the app; no actions to repeat
      })
      .catch(() => undefined);
    return 'queued';
  }
  n.close();
  return openTarget(sameOrigin(p.url, deps.origin) ?? `${deps.origin}/#/today`, deps);
}

/** Brings a window to `url`: the focused or visible one first, else any, else a new one. */
export async function openTarget(url: string, deps: ActionDeps): Promise<ClickResult> {
  const at = (deps.now ?? Date.now)();
  // Written first, so the app finds it however it gets opened (some platforms ignore the URL).
  await deps.store.setTarget({ url, at }).catch(() => undefined);
  const wins = (await deps.clients?.matchAll({ type: 'window', includeUncontrolled: true })) ?? [];
  const w = wins.find((c) => c.focused) ?? wins.find((c) => c.visibilityState === 'visible') ?? wins[0];
  if (w) {
    await w.focus().catch(() => undefined);
    const moved = await w.navigate(url).catch(() => null);
    if (moved?.url === url) {
      await deps.store.clearTarget(at).catch(() => undefined);
      return 'navigated';
    }
    // navigate() refused (e.g. a window this worker does not control): the page reads the target
    w.postMessage({ type: 'askwell:target' });
    return 'focused';
  }
  const opened = await deps.clients?.openWindow(url).catch(() => null);
  if (opened?.url === url) await deps.store.clearTarget(at).catch(() => undefined);
  return 'opened';
}

/** The tapped notification's deep link, if one is waiting and fresh; taking it clears it. */
export async function takeTarget(store: PushStore, origin: string, now = Date.now()): Promise<string | null> {
  const t = await store.takeTarget(now, TARGET_MAX_AGE_MS);
  return t ? sameOrigin(t.url, origin) : null;
}
