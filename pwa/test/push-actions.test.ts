import { describe, expect, it } from 'vitest';
import {
  type ActionDeps,
  flushQueue,
  notificationFor,
  onNotificationClick,
  onPush,
  readPush,
  type ReminderPush,
  snoozeMinutes,
  SYNC_TAG,
  takeTarget,
  TARGET_MAX_AGE_MS,
  type WindowLike,
} from '../src/push/actions';
import { tokenSubject } from '../src/push/bridge';
import { openPushStore, type QueuedAction } from '../src/push/store';

const ORIGIN = 'https://askwell.test';
const RID = '0190a0a0-0000-7000-8000-0000000000aa';
const REF = '0190a0a0-0000-7000-8000-0000000000bb';
const T0 = Date.parse('2025-03-04T10:00:00Z');

const payload = (over: Partial<ReminderPush> = {}): ReminderPush => ({
  title: 'Thank Bob for the referral',
  body: 'A handwritten card is remembered.',
  url: `${ORIGIN}/#/referrals/${REF}`,
  reminder_id: RID,
  kind: 'thank_you',
  token: 'action-token-1',
  actions: [
    { action: 'done', title: 'Done' },
    { action: 'snooze', title: 'Snooze 1 h' },
  ],
  tag: RID,
  api: `${ORIGIN}/api/v1/reminders/${RID}`,
  ...over,
});

class FakeNotification {
  closed = false;
  constructor(
    readonly title: string,
    readonly data: unknown,
    readonly tag: string,
  ) {}
  close() {
    this.closed = true;
  }
}

class FakeWindow implements WindowLike {
  focusedCalls = 0;
  navigations: string[] = [];
  messages: unknown[] = [];
  constructor(
    public url: string,
    readonly focused = false,
    readonly visibilityState = 'visible',
    private readonly canNavigate = true,
  ) {}
  async focus() {
    this.focusedCalls++;
    return this;
  }
  async navigate(url: string) {
    if (!this.canNavigate) throw new TypeError('This service worker is not the client’s active service worker.');
    this.navigations.push(url);
    this.url = url;
    return { url };
  }
  postMessage(m: unknown) {
    this.messages.push(m);
  }
}

type Call = { url: string; method?: string; headers: Record<string, string>; body?: string };

/** A world for one test: its own store, a scripted fetch, windows and a notification tray. */
function world(opts: { windows?: FakeWindow[]; respond?: (c: Call) => Response | Promise<Response>; now?: () => number } = {}) {
  const store = openPushStore(`push-test-${Math.random().toString(36).slice(2)}`);
  const calls: Call[] = [];
  const opened: string[] = [];
  const shown: FakeNotification[] = [];
  const syncTags: string[] = [];
  let now = T0;
  const deps: ActionDeps = {
    origin: ORIGIN,
    store,
    now: opts.now ?? (() => now),
    fetch: (async (input: RequestInfo | URL, init?: RequestInit) => {
      const c: Call = { url: String(input), method: init?.method, headers: { ...(init?.headers as Record<string, string>) }, body: init?.body as string | undefined };
      calls.push(c);
      return opts.respond ? opts.respond(c) : new Response('{}', { status: 200 });
    }) as typeof fetch,
    clients: {
      matchAll: async () => opts.windows ?? [],
      openWindow: async (url) => {
        opened.push(url);
        return { url };
      },
    },
    registration: {
      showNotification: async (title, o) => {
        // a notification with the same tag replaces the one shown
        for (const n of shown) if (n.tag === o?.tag) n.close();
        shown.push(new FakeNotification(title, o?.data, o?.tag ?? ''));
      },
      getNotifications: async (f) => shown.filter((n) => !n.closed && (!f?.tag || n.tag === f.tag)),
      sync: { register: async (tag) => void syncTags.push(tag) },
    },
  };
  const show = async (p: ReminderPush) => {
    await onPush(p, deps);
    return shown.filter((n) => !n.closed).at(-1)!;
  };
  return { deps, store, calls, opened, shown, syncTags, show, tick: (ms: number) => (now += ms) };
}

const offline = () => Promise.reject(new TypeError('Failed to fetch'));

describe('notification tap', () => {
  it('focuses an open window and navigates it to the deep link', async () => {
    const other = new FakeWindow(`${ORIGIN}/#/contacts`, false, 'hidden');
    const front = new FakeWindow(`${ORIGIN}/#/today`, true);
    const w = world({ windows: [other, front] });
    const n = await w.show(payload());
    expect(await onNotificationClick(n, '', w.deps)).toBe('navigated');
    expect(n.closed).toBe(true);
    expect(front.focusedCalls).toBe(1);
    expect(front.navigations).toEqual([`${ORIGIN}/#/referrals/${REF}`]);
    expect(other.navigations).toEqual([]);
    expect(w.opened).toEqual([]);
    // the window is there already: nothing left for the app to pick up
    expect(await takeTarget(w.store, ORIGIN, T0)).toBeNull();
  });

  it('opens a window when none is open, and keeps the target for the app', async () => {
    const w = world();
    const n = await w.show(payload());
    // some platforms open the start URL whatever they were asked
    w.deps.clients!.openWindow = async (url) => (w.opened.push(url), { url: `${ORIGIN}/` });
    expect(await onNotificationClick(n, '', w.deps)).toBe('opened');
    expect(w.opened).toEqual([`${ORIGIN}/#/referrals/${REF}`]);
    expect(await takeTarget(w.store, ORIGIN, T0 + 5_000)).toBe(`${ORIGIN}/#/referrals/${REF}`);
    expect(await takeTarget(w.store, ORIGIN, T0 + 6_000)).toBeNull(); // taking it cleared it
  });

  it('stores the target and tells the page when the window cannot be navigated', async () => {
    const win = new FakeWindow(`${ORIGIN}/#/today`, true, 'visible', false);
    const w = world({ windows: [win] });
    const n = await w.show(payload());
    expect(await onNotificationClick(n, '', w.deps)).toBe('focused');
    expect(win.focusedCalls).toBe(1);
    expect(win.messages).toEqual([{ type: 'askwell:target' }]);
    expect(await takeTarget(w.store, ORIGIN, T0 + 1_000)).toBe(`${ORIGIN}/#/referrals/${REF}`);
  });

  it('ignores a target older than two minutes, and links to other sites', async () => {
    const w = world();
    await onNotificationClick(await w.show(payload()), '', w.deps);
    expect(await takeTarget(w.store, ORIGIN, T0 + TARGET_MAX_AGE_MS + 1)).toBeNull();

    const evil = world();
    await onNotificationClick(await evil.show(payload({ url: 'https://evil.example/#/x' })), '', evil.deps);
    expect(evil.opened).toEqual([`${ORIGIN}/#/today`]);
  });

  it('a plain tap on a Done/Snooze-less notification opens the app too', async () => {
    const w = world();
    const n = await w.show({ title: 'Askwell', body: 'hello' });
    expect(await onNotificationClick(n, 'done', w.deps)).toBe('opened'); // no token: nothing to call
    expect(w.calls).toEqual([]);
    expect(w.opened).toEqual([`${ORIGIN}/#/today`]);
  });
});

describe('Done and Snooze from the notification', () => {
  it('Done posts with the action token, closes the notification and its duplicates', async () => {
    const w = world();
    const n = await w.show(payload());
    const dup = new FakeNotification('dup', payload(), RID);
    w.shown.push(dup);
    expect(await onNotificationClick(n, 'done', w.deps)).toBe('done');
    expect(w.calls).toHaveLength(1);
    expect(w.calls[0]).toMatchObject({ url: `${ORIGIN}/api/v1/reminders/${RID}/done`, method: 'POST', body: undefined });
    expect(w.calls[0].headers.Authorization).toBe('Bearer action-token-1');
    expect(n.closed && dup.closed).toBe(true);
    expect(await w.store.queued()).toEqual([]);
    expect(w.opened).toEqual([]); // an action does not open the app
  });

  it('Snooze posts {minutes: 60}', async () => {
    const w = world();
    expect(await onNotificationClick(await w.show(payload()), 'snooze', w.deps)).toBe('snoozed');
    expect(w.calls).toHaveLength(1);
    expect(w.calls[0].url).toBe(`${ORIGIN}/api/v1/reminders/${RID}/snooze`);
    expect(w.calls[0].headers['Content-Type']).toBe('application/json');
    expect(JSON.parse(w.calls[0].body!)).toEqual({ minutes: 60 });
  });

  it('offline: the tap is queued, Background Sync asked, and the notification says so', async () => {
    const w = world({ respond: offline });
    const n = await w.show(payload());
    expect(await onNotificationClick(n, 'done', w.deps)).toBe('queued');
    const q = await w.store.queued();
    expect(q).toEqual([{ reminder_id: RID, action: 'done', api: `${ORIGIN}/api/v1/reminders/${RID}`, token: 'action-token-1', at: T0 }]);
    expect(w.syncTags).toEqual([SYNC_TAG]);
    const open = await w.deps.registration!.getNotifications({ tag: RID });
    expect(open).toHaveLength(1);
    expect((open[0] as FakeNotification).title).toBe('Marked done');
    expect((open[0].data as ReminderPush).actions).toBeUndefined(); // nothing to tap twice
  });

  it('a server error queues it too; a vanished reminder is dropped', async () => {
    const busy = world({ respond: () => new Response('', { status: 503 }) });
    expect(await onNotificationClick(await busy.show(payload()), 'done', busy.deps)).toBe('queued');
    expect(await busy.store.queued()).toHaveLength(1);

    const gone = world({ respond: () => new Response('', { status: 404 }) });
    expect(await onNotificationClick(await gone.show(payload()), 'done', gone.deps)).toBe('dropped');
    expect(await gone.store.queued()).toEqual([]);
  });

  it('flush sends a queued action once and removes it', async () => {
    let up = false;
    const w = world({ respond: () => (up ? new Response('{}', { status: 200 }) : offline()) as Promise<Response> });
    await onNotificationClick(await w.show(payload()), 'done', w.deps);
    expect(w.calls).toHaveLength(1);
    up = true;
    // the worker (on a push) and a tab (on `online`) flush at the same moment; a lock makes them take turns
    let chain = Promise.resolve<unknown>(undefined);
    w.deps.lock = <T>(fn: () => Promise<T>) => {
      const run = chain.then(fn);
      chain = run.catch(() => undefined);
      return run;
    };
    const [a, b] = await Promise.all([flushQueue(w.deps), flushQueue(w.deps)]);
    expect(a.sent + b.sent).toBe(1);
    expect(w.calls).toHaveLength(2);
    expect(w.calls[1].url).toBe(`${ORIGIN}/api/v1/reminders/${RID}/done`);
    expect(w.calls[1].headers.Authorization).toBe('Bearer action-token-1');
    expect(await w.store.queued()).toEqual([]);
    expect(await flushQueue(w.deps)).toEqual({ sent: 0, left: 0, results: {} });
    expect(w.calls).toHaveLength(2);
  });

  it('the next push retries what is queued', async () => {
    let up = false;
    const w = world({ respond: () => (up ? new Response('{}', { status: 200 }) : offline()) as Promise<Response> });
    await onNotificationClick(await w.show(payload()), 'snooze', w.deps);
    up = true;
    w.tick(50 * 60_000); // 50 minutes later another reminder arrives
    await onPush(payload({ reminder_id: 'other', tag: 'other' }), w.deps);
    expect(w.calls.map((c) => [c.url, c.body])).toEqual([
      [`${ORIGIN}/api/v1/reminders/${RID}/snooze`, '{"minutes":60}'],
      [`${ORIGIN}/api/v1/reminders/${RID}/snooze`, '{"minutes":10}'], // still an hour after the tap
    ]);
    expect(await w.store.queued()).toEqual([]);
  });

  it('never loses a tapped Done: a later Snooze does not replace it, a send in flight does not remove a newer tap', async () => {
    const w = world({ respond: offline });
    const done: QueuedAction = { reminder_id: RID, action: 'done', api: payload().api!, token: 't', at: T0 };
    await w.store.enqueue(done);
    await w.store.enqueue({ ...done, action: 'snooze', at: T0 + 1000 });
    expect((await w.store.queued()).map((a) => a.action)).toEqual(['done']);

    const snooze: QueuedAction = { ...done, reminder_id: 'r2', action: 'snooze' };
    await w.store.enqueue(snooze);
    await w.store.enqueue({ ...snooze, action: 'done', at: T0 + 2000 }); // tapped while the snooze was being sent
    await w.store.dequeue(snooze); // the snooze's answer arrives
    expect((await w.store.queued()).map((a) => [a.reminder_id, a.action])).toEqual([
      [RID, 'done'],
      ['r2', 'done'],
    ]);
  });

  it('an expired action token stays queued in the worker and is applied by the app', async () => {
    const w = world({ respond: () => new Response('', { status: 401 }) });
    await onNotificationClick(await w.show(payload()), 'done', w.deps);
    expect(await w.store.queued()).toHaveLength(1);
    const applied: QueuedAction[] = [];
    const r = await flushQueue({ ...w.deps, onUnauthorized: async (a) => (applied.push(a), true) });
    expect(r).toMatchObject({ sent: 1, left: 0 });
    expect(applied.map((a) => a.action)).toEqual(['done']);
    expect(await w.store.queued()).toEqual([]);
  });

  it('still tries once when the queue cannot be written', async () => {
    const w = world();
    w.deps.store = { ...w.store, enqueue: () => Promise.reject(new Error('QuotaExceededError')) };
    expect(await onNotificationClick(await w.show(payload()), 'done', w.deps)).toBe('done');
    expect(w.calls.map((c) => c.url)).toEqual([`${ORIGIN}/api/v1/reminders/${RID}/done`]);
  });

  it('the app reads which account an action token belongs to', () => {
    const b64 = (o: object) => btoa(JSON.stringify(o)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    expect(tokenSubject(`${b64({ alg: 'HS256' })}.${b64({ sub: 'user-1', rid: RID })}.sig`)).toBe('user-1');
    expect(tokenSubject('not a token')).toBeNull();
  });

  it('refuses an API outside the origin', async () => {
    const w = world();
    const n = await w.show(payload({ api: 'https://evil.example/api/v1/reminders/x' }));
    expect(await onNotificationClick(n, 'done', w.deps)).toBe('opened');
    expect(w.calls).toEqual([]);
  });
});

describe('push', () => {
  it('shows the reminder with its tag, actions and payload, and flags the icon', async () => {
    const w = world();
    let badges = 0;
    await onPush(payload(), w.deps, async () => void badges++);
    const [n] = await w.deps.registration!.getNotifications();
    expect((n as FakeNotification).title).toBe('Thank Bob for the referral');
    expect(n.tag).toBe(RID);
    expect((n.data as ReminderPush).reminder_id).toBe(RID);
    expect(badges).toBe(1);
    const o = notificationFor(payload()).options as NotificationOptions & { actions: Array<{ action: string }> };
    expect(o.actions.map((a) => a.action)).toEqual(['done', 'snooze']);
  });

  it('makes a notification out of anything', () => {
    expect(readPush({ json: () => JSON.parse('not json'), text: () => 'not json' })).toEqual({ title: 'Askwell', body: 'not json' });
    expect(readPush(null)).toEqual({ title: 'Askwell' });
    expect(readPush({ json: () => ({ body: 'x' }), text: () => '' })).toEqual({ title: 'Askwell', body: 'x' });
  });

  it('a late snooze still ends an hour after the tap, never under the server minimum', () => {
    expect(snoozeMinutes({ at: T0 }, T0)).toBe(60);
    expect(snoozeMinutes({ at: T0 }, T0 + 30 * 60_000)).toBe(30);
    expect(snoozeMinutes({ at: T0 }, T0 + 3 * 3600_000)).toBe(5);
  });
});
