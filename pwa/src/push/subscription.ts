import type { ApiClient } from '../api/client';
import { isIOS, standalone } from '../platform';

// Callers hand in the API client, so this module does not import the session (which loads it).

/** What this device can do about reminders. */
export type PushState = 'unsupported' | 'needs-install' | 'denied' | 'off' | 'on' | 'failed';

/** The outcome of turning reminders on; why says what went wrong, in words for the user. */
export interface PushOutcome {
  state: PushState;
  why?: string;
}

/** Setting up never takes longer than this after the permission answer: no endless "One moment…". */
export const SETUP_TIMEOUT_MS = 6000;

class Timeout extends Error {}

/** p, or a Timeout once the deadline has passed. */
function before<T>(p: Promise<T>, deadline: number): Promise<T> {
  return new Promise((res, rej) => {
    const t = setTimeout(() => rej(new Timeout()), Math.max(0, deadline - Date.now()));
    p.then(
      (v) => (clearTimeout(t), res(v)),
      (e) => (clearTimeout(t), rej(e)),
    );
  });
}


function b64urlToBytes(s: string): Uint8Array<ArrayBuffer> {
  const pad = '='.repeat((4 - (s.length % 4)) % 4);
  const bin = atob((s + pad).replace(/-/g, '+').replace(/_/g, '/'));
  const out = new Uint8Array(new ArrayBuffer(bin.length));
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

async function registration(): Promise<ServiceWorkerRegistration | null> {
  if (!('serviceWorker' in navigator)) return null;
  return (await navigator.serviceWorker.getRegistration()) ?? null;
}

export async function pushState(): Promise<PushState> {
  if (!('PushManager' in window) || !('Notification' in window) || !('serviceWorker' in navigator)) {
    return isIOS() && !standalone() ? 'needs-install' : 'unsupported';
  }
  if (Notification.permission === 'denied') return 'denied';
  const reg = await registration();
  const sub = await reg?.pushManager.getSubscription();
  return sub && Notification.permission === 'granted' ? 'on' : 'off';
}

async function send(api: ApiClient, sub: PushSubscription): Promise<void> {
  const json = sub.toJSON() as { endpoint: string; expirationTime?: number | null; keys: { p256dh: string; auth: string } };
  const { error } = await api.POST('/push/subscriptions', {
    body: { endpoint: json.endpoint, expirationTime: json.expirationTime ?? null, keys: json.keys, user_agent: navigator.userAgent.slice(0, 300) },
  });
  if (error) throw new Error(error.error?.message ?? 'could not register for reminders');
}

/**
 * Asks for permission (call only from a tap) and subscribes this device. Always settles with an
 * outcome within SETUP_TIMEOUT_MS of the answer: on, blocked, not possible here, or failed and why.
 */
export async function enablePush(api: ApiClient, timeoutMs = SETUP_TIMEOUT_MS): Promise<PushOutcome> {
  if (!('PushManager' in window) || !('Notification' in window) || !('serviceWorker' in navigator)) {
    return { state: isIOS() && !standalone() ? 'needs-install' : 'unsupported' };
  }
  const perm = await Notification.requestPermission();
  if (perm === 'denied') return { state: 'denied' };
  if (perm !== 'granted') return { state: 'off', why: 'You closed the question without an answer. Tap the button again to choose.' };
  const deadline = Date.now() + timeoutMs;
  let step = 'worker';
  try {
    const reg = await before(navigator.serviceWorker.ready, deadline);
    step = 'key';
    const { data } = await before(api.GET('/push/vapid-public-key'), deadline);
    if (!data) return { state: 'failed', why: 'Askwell’s server did not answer. Check your connection and try again.' };
    step = 'subscribe';
    const sub =
      (await before(reg.pushManager.getSubscription(), deadline)) ??
      (await before(reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: b64urlToBytes(data.public_key) }), deadline));
    step = 'send';
    await before(send(api, sub), deadline);
    return { state: 'on' };
  } catch (e) {
    return { state: step === 'subscribe' ? 'unsupported' : 'failed', why: failure(step, e) };
  }
}

/** Why setting up failed, in the user's words, by the step it stopped at. */
function failure(step: string, e: unknown): string {
  const slow = e instanceof Timeout;
  switch (step) {
    case 'worker':
      return 'Askwell is still setting up offline use in this browser. Reload the page and try again.';
    case 'key':
    case 'send':
      return slow || !navigator.onLine ? 'Askwell’s server could not be reached. Check your connection and try again.' : 'Askwell’s server refused this device. Try again later.';
  }
  return slow
    ? 'This browser did not answer when asked for a push channel. It may have no push service (some privacy browsers and private windows turn it off).'
    : `This browser has no push service available (${(e as Error)?.message || 'no reason given'}).`;
}

export async function disablePush(api: ApiClient): Promise<void> {
  const sub = await (await registration())?.pushManager.getSubscription();
  if (!sub) return;
  await api.DELETE('/push/subscriptions', { body: { endpoint: sub.endpoint } }).catch(() => undefined);
  await sub.unsubscribe();
}

/** On every start: the server keeps subscriptions fresh only if we send them again. */
export async function resendPush(api: ApiClient): Promise<void> {
  if (!('Notification' in window) || Notification.permission !== 'granted') return;
  const sub = await (await registration())?.pushManager.getSubscription();
  if (sub) await send(api, sub);
}
