// Browser tests: the built PWA served by the real Go server, driven in the system Chromium.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  apiLogin,
  apiPullAll,
  haveChromium,
  launch,
  launchPersistent,
  loginUI,
  pollPage,
  PWA_DIR,
  readTable,
  registerUI,
  spawnBrowser,
  startServer,
  swReady,
  synced,
} from './lib.mjs';
import { seed } from './seed.mjs';

const require = createRequire(import.meta.url);
const AXE = require.resolve('axe-core/axe.min.js');
const OUT = join(PWA_DIR, 'test-output');
const VIEWPORT = { width: 390, height: 844 };
const ok = haveChromium();
const email = (tag) => `${tag}-${Date.now()}-${Math.random().toString(36).slice(2, 7)}@example.com`;

describe('askwell in the browser', { skip: !ok && 'chromium missing (apt-get install -y chromium)' }, () => {
  let server;
  let browser;

  before(async () => {
    server = await startServer();
    browser = await launch();
    mkdirSync(OUT, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('captures a note offline, keeps it across an offline reload, and syncs it when back online', async () => {
    const ctx = await browser.newContext({ viewport: VIEWPORT });
    const page = await ctx.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => m.type() === 'error' && /Content Security Policy/i.test(m.text()) && errors.push(m.text()));
    const who = email('offline');
    await registerUI(page, server.url, { email: who });
    await swReady(page);
    await synced(page);

    await ctx.setOffline(true);
    await page.getByRole('link', { name: 'New note' }).click();
    await page.getByLabel('Who did you meet?').fill('Noor Haddad');
    await page.getByRole('button', { name: /Add “Noor Haddad”/ }).click();
    const text = `Lunch with Noor — she praised the rollout ${Date.now()}`;
    await page.getByLabel('What happened?').fill(text);
    await page.getByRole('button', { name: 'Praised my work' }).click();
    await page.getByText('A good window to ask').waitFor();
    await page.getByRole('button', { name: 'Save note' }).click();
    await page.getByText('Note saved').waitFor();
    await page.locator('.sync.offline').waitFor();

    await page.reload(); // offline: the shell comes from the service worker, the note from IndexedDB
    await page.getByRole('heading', { level: 1, name: /Good/ }).waitFor();
    await page.getByRole('link', { name: 'Contacts' }).click();
    await page.getByRole('link', { name: /Noor Haddad/ }).click();
    await page.getByText(text).waitFor();
    assert.equal((await readTable(page, 'outbox')).length, 2); // the new contact and the note, waiting

    await ctx.setOffline(false);
    await synced(page);
    const token = await apiLogin(server.url, who);
    const all = await apiPullAll(server.url, token);
    const note = all.find((c) => c.entity === 'note' && c.record.body === text);
    assert.ok(note, 'the server has the note written offline');
    const contact = all.find((c) => c.entity === 'contact' && c.record.name === 'Noor Haddad');
    assert.deepEqual(note.record.contact_ids, [contact.record_id]);
    assert.equal(note.record.signals[0].kind, 'praised');
    assert.deepEqual(errors, [], 'no page errors and no Content-Security-Policy violations');
    await ctx.close();
  });

  it('two devices editing the same note offline converge and lose no text', async () => {
    const who = email('devices');
    const a = await browser.newContext({ viewport: VIEWPORT });
    const b = await browser.newContext({ viewport: VIEWPORT });
    const pa = await a.newPage();
    const pb = await b.newPage();
    await registerUI(pa, server.url, { email: who });
    await swReady(pa);
    await pa.getByRole('link', { name: 'New note' }).click();
    await pa.getByLabel('What happened?').fill('Coffee with Lee.');
    await pa.getByRole('button', { name: 'Save note' }).click();
    await pa.getByText('Note saved').waitFor();
    await synced(pa);

    await loginUI(pb, server.url, { email: who });
    await swReady(pb);
    await synced(pb);
    const [note] = await readTable(pb, 'notes');
    assert.equal(note.body, 'Coffee with Lee.');

    // a change on one device shows on the other by itself (the server's poke), within seconds
    await pb.goto(`${server.url}/#/contacts`);
    await pa.goto(`${server.url}/#/contacts/new`);
    await pa.getByLabel('Name').fill('Lee Park');
    await pa.getByRole('button', { name: 'Save' }).first().click();
    await pb.getByRole('link', { name: /Lee Park/ }).waitFor({ timeout: 5000 });

    await a.setOffline(true);
    await b.setOffline(true);
    const textA = 'Coffee with Lee. She wants an intro to the Northwind COO.';
    const textB = 'Coffee with Lee. Follow up about the audit next Tuesday.';
    for (const [p, t] of [
      [pa, textA],
      [pb, textB],
    ]) {
      await p.goto(`${server.url}/#/notes/${note.id}`);
      await p.getByLabel('Note', { exact: true }).fill(t);
      await p.getByRole('button', { name: 'Save changes' }).click();
      await p.getByText('Saved', { exact: true }).waitFor();
    }
    await a.setOffline(false);
    await synced(pa);
    await b.setOffline(false);
    await synced(pb);
    // a learns about b's edit through the server's poke (or its next sync)
    await pollPage(
      pa,
      async (id) => {
        const db = await new Promise((r) => {
          const o = indexedDB.open('askwell');
          o.onsuccess = () => r(o.result);
        });
        const n = await new Promise((r) => {
          const q = db.transaction('notes').objectStore('notes').get(id);
          q.onsuccess = () => r(q.result);
        });
        db.close();
        return n && n.conflicts && n.conflicts.length > 0;
      },
      note.id,
      { timeout: 15_000, interval: 250, message: 'the other device’s edit' },
    );
    const na = (await readTable(pa, 'notes')).find((n) => n.id === note.id);
    const nb = (await readTable(pb, 'notes')).find((n) => n.id === note.id);
    assert.deepEqual(na, nb, 'both devices hold the same record');
    const texts = [na.body, ...na.conflicts.map((c) => c.value)];
    assert.ok(texts.includes(textA) && texts.includes(textB), `no text lost: ${JSON.stringify(texts)}`);
    for (const p of [pa, pb]) {
      await p.getByText('was edited on two devices').waitFor();
      await p.screenshot({ path: join(OUT, `conflict-${p === pa ? 'a' : 'b'}.png`) });
    }
    // resolving on one device clears it on both
    await pa.getByRole('button', { name: 'Keep both' }).click();
    await synced(pa);
    await pb.getByText('was edited on two devices').waitFor({ state: 'detached', timeout: 15_000 });
    const resolved = (await readTable(pb, 'notes')).find((n) => n.id === note.id);
    assert.ok(resolved.body.includes(textA) && resolved.body.includes(textB));
    await a.close();
    await b.close();
  });

  it('shows a delivered push as a notification with Done and Snooze', async () => {
    const ctx = await browser.newContext({ viewport: VIEWPORT });
    await ctx.grantPermissions(['notifications'], { origin: server.url });
    const page = await ctx.newPage();
    const cdp = await ctx.newCDPSession(page);
    const regs = [];
    cdp.on('ServiceWorker.workerRegistrationUpdated', (e) => regs.push(...e.registrations));
    await cdp.send('ServiceWorker.enable');
    await registerUI(page, server.url, { email: email('push') });
    await swReady(page);
    let reg;
    for (let i = 0; i < 50 && !reg; i++) {
      reg = regs.find((r) => r.scopeURL === `${server.url}/` && !r.isDeleted);
      if (!reg) await page.waitForTimeout(100);
    }
    assert.ok(reg, `the service worker registration is known: ${JSON.stringify(regs)}`);
    const payload = {
      title: 'Ask Ana for an intro to Jordan',
      body: 'She praised your work yesterday.',
      url: `${server.url}/#/asks`,
      reminder_id: '0190a0a0-0000-7000-8000-0000000000aa',
      kind: 'ask',
      token: 'x',
      actions: [
        { action: 'done', title: 'Done' },
        { action: 'snooze', title: 'Snooze 1 h' },
      ],
      tag: '0190a0a0-0000-7000-8000-0000000000aa',
      api: `${server.url}/api/v1/reminders/0190a0a0-0000-7000-8000-0000000000aa`,
    };
    const deliver = () => cdp.send('ServiceWorker.deliverPushMessage', { origin: server.url, registrationId: reg.registrationId, data: JSON.stringify(payload) });
    await deliver();
    const none = async () => (await page.evaluate(async () => (await (await navigator.serviceWorker.ready).getNotifications()).length)) === 0;
    await page.waitForTimeout(1000);
    if (await none()) await deliver(); // a worker that was still starting can miss the first one
    const shown = await pollPage(
      page,
      async () => {
        const r = await navigator.serviceWorker.ready;
        const ns = await r.getNotifications();
        return ns.length ? ns.map((n) => ({ title: n.title, body: n.body, tag: n.tag, actions: (n.actions ?? []).map((a) => a.action) })) : null;
      },
      null,
      { interval: 200, message: 'the notification' },
    );
    assert.deepEqual(shown, [{ title: payload.title, body: payload.body, tag: payload.tag, actions: ['done', 'snooze'] }]);
    await ctx.close();
  });

  it('a reminder push: Snooze and Done reach the server from the notification, even offline, and a tap opens the deep link', async () => {
    const ctx = await browser.newContext({ viewport: VIEWPORT });
    await ctx.grantPermissions(['notifications'], { origin: server.url });
    // watch the app badge (the Badging API has nothing to read it back with)
    await ctx.addInitScript(() => {
      window.__badges = [];
      const record = (v) => (window.__badges.push(v), Promise.resolve());
      Object.defineProperty(navigator, 'setAppBadge', { value: (n) => record(n ?? 'flag'), configurable: true });
      Object.defineProperty(navigator, 'clearAppBadge', { value: () => record(0), configurable: true });
    });
    const page = await ctx.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    const cdp = await ctx.newCDPSession(page);
    const regs = [];
    cdp.on('ServiceWorker.workerRegistrationUpdated', (e) => regs.push(...e.registrations));
    await cdp.send('ServiceWorker.enable');
    const who = email('reminder');
    await registerUI(page, server.url, { email: who });
    await swReady(page);

    // a referral received: the server derives a thank-you reminder for it
    await page.goto(`${server.url}/#/contacts/new`);
    await page.getByLabel('Name').fill('Bob Meyer');
    await page.getByRole('button', { name: 'Save' }).first().click();
    await page.getByRole('heading', { level: 1, name: 'Bob Meyer' }).waitFor();
    await page.goto(`${server.url}/#/referrals/new`);
    await page.getByLabel('Referred by').selectOption({ label: 'Bob Meyer' });
    await page.getByLabel('The lead').fill('Hansen Logistics');
    await page.getByRole('button', { name: 'Save' }).first().click();
    await page.getByText('Recorded. Now thank them!').waitFor();
    const token = await apiLogin(server.url, who);
    const reminderOf = async (refId) => (await apiPullAll(server.url, token)).find((c) => c.entity === 'reminder' && c.record.subject?.id === refId);
    const [ref] = (await readTable(page, 'referrals')).filter((r) => r.direction === 'received');
    let rem;
    for (let i = 0; i < 50 && !rem; i++) {
      rem = await reminderOf(ref.id); // once the referral is pushed (the sync waits a moment after a save)
      if (!rem) await page.waitForTimeout(200);
    }
    assert.ok(rem, 'the server derived a reminder for the referral');
    assert.equal(rem.record.kind, 'thank_you');
    const rid = rem.record_id;
    // the badge counts what Today shows: one thank-you owed
    await page.waitForFunction(() => window.__badges.at(-1) === 1, null, { timeout: 10_000 });

    let reg;
    for (let i = 0; i < 50 && !reg; i++) {
      reg = regs.find((r) => r.scopeURL === `${server.url}/` && !r.isDeleted);
      if (!reg) await page.waitForTimeout(100);
    }
    assert.ok(reg, 'the service worker registration is known');
    const deep = `${server.url}/#/referrals/${ref.id}`;
    const payload = {
      title: 'Thank Bob Meyer for the referral',
      body: 'A handwritten card is remembered.',
      url: deep,
      reminder_id: rid,
      kind: 'thank_you',
      token, // the endpoint takes the access token as well as the action token
      actions: [
        { action: 'done', title: 'Done' },
        { action: 'snooze', title: 'Snooze 1 h' },
      ],
      tag: rid,
      api: `${server.url}/api/v1/reminders/${rid}`,
    };
    const notifications = () =>
      page.evaluate(async () =>
        (await (await navigator.serviceWorker.ready).getNotifications()).map((n) => ({ title: n.title, tag: n.tag, actions: (n.actions ?? []).map((a) => a.action) })),
      );
    const deliver = async () => {
      const send = () => cdp.send('ServiceWorker.deliverPushMessage', { origin: server.url, registrationId: reg.registrationId, data: JSON.stringify(payload) });
      await send();
      for (let i = 0; i < 100; i++) {
        const ns = await notifications();
        if (ns.some((n) => n.title === payload.title)) return ns;
        if (i === 10) await send(); // a worker that was still starting can miss the first one
        await page.waitForTimeout(100);
      }
      assert.fail('the push was not shown');
    };
    // Chromium's CDP cannot click a notification, so the test dispatches a NotificationEvent for
    // the notification shown, inside the worker: its own notificationclick listener runs (and
    // Chromium lets it call waitUntil), the same path a real tap takes.
    const click = (action) =>
      worker().evaluate(
        async ({ tag, action }) => {
          const [n] = await self.registration.getNotifications({ tag });
          if (!n) throw new Error(`no notification tagged ${tag}`);
          self.dispatchEvent(new NotificationEvent('notificationclick', { notification: n, action }));
        },
        { tag: rid, action },
      );
    const worker = () => ctx.serviceWorkers().find((w) => w.url().startsWith(server.url));
    const queued = () =>
      page.evaluate(
        () =>
          new Promise((res, rej) => {
            const o = indexedDB.open('askwell-push');
            o.onerror = () => rej(o.error);
            o.onsuccess = () => {
              const q = o.result.transaction('queue').objectStore('queue').getAll();
              q.onsuccess = () => (o.result.close(), res(q.result));
            };
          }),
      );
    const serverStatus = async (want, timeout = 10_000) => {
      const end = Date.now() + timeout;
      let r;
      while (Date.now() < end) {
        r = await reminderOf(ref.id);
        if (r?.record.status === want) return r.record;
        await new Promise((res) => setTimeout(res, 200));
      }
      assert.fail(`reminder status on the server: ${r?.record.status}, want ${want}`);
    };

    assert.ok(worker(), 'the service worker is running');
    // the worker flags the icon on a push (it cannot count what Today shows)
    await worker().evaluate(() => {
      self.__flags = 0;
      Object.defineProperty(self.navigator, 'setAppBadge', { value: () => (self.__flags++, Promise.resolve()), configurable: true });
    });
    const shown = await deliver();
    assert.deepEqual(shown, [{ title: payload.title, tag: rid, actions: ['done', 'snooze'] }]);
    assert.ok((await worker().evaluate(() => self.__flags)) >= 1, 'the worker set the app badge');

    // Snooze: the worker calls the API with the token from the payload and closes the notification
    await click('snooze');
    const snoozed = await serverStatus('snoozed');
    const mins = (Date.parse(snoozed.snoozed_until) - Date.now()) / 60_000;
    assert.ok(mins > 55 && mins <= 60, `snoozed for an hour: ${mins} min`);
    await pollPage(page, async (tag) => (await (await navigator.serviceWorker.ready).getNotifications({ tag })).length === 0, rid, { message: 'the notification to close' });

    // Done while offline: queued in IndexedDB, the notification says so, sent once back online
    await deliver();
    await ctx.setOffline(true);
    await click('done');
    // queued first, then the send fails, then the notification is replaced by a quiet note
    await pollPage(page, async (tag) => (await (await navigator.serviceWorker.ready).getNotifications({ tag })).some((n) => n.title === 'Marked done'), rid, {
      message: 'the “Marked done” note',
    });
    assert.deepEqual(await notifications(), [{ title: 'Marked done', tag: rid, actions: [] }]);
    assert.equal((await reminderOf(ref.id)).record.status, 'snoozed', 'nothing reached the server while offline');
    await ctx.setOffline(false); // the app flushes the queue on `online`
    await serverStatus('done');
    assert.deepEqual(await queued(), []);

    // A plain tap: the open window goes to the deep link
    await page.goto(`${server.url}/#/today`);
    await page.getByRole('heading', { level: 1, name: /Good/ }).waitFor();
    await deliver();
    await click('');
    await page.waitForURL(deep);
    await page.getByRole('heading', { level: 1, name: 'Referral' }).waitFor();
    assert.deepEqual(await notifications(), []);

    // Where a platform opens the app at its start URL instead, the app goes to the stored target
    await page.evaluate(
      (url) =>
        new Promise((res, rej) => {
          const o = indexedDB.open('askwell-push');
          o.onsuccess = () => {
            const t = o.result.transaction('kv', 'readwrite');
            t.objectStore('kv').put({ url, at: Date.now() }, 'target');
            t.oncomplete = () => (o.result.close(), res());
            t.onerror = () => rej(t.error);
          };
        }),
      deep,
    );
    const fresh = await ctx.newPage();
    await fresh.goto(`${server.url}/`);
    await fresh.waitForURL(deep);
    await fresh.getByRole('heading', { level: 1, name: 'Referral' }).waitFor();
    // taken once: the next start stays where it is
    await fresh.goto(`${server.url}/#/today`);
    await fresh.reload();
    await fresh.getByRole('heading', { level: 1, name: /Good/ }).waitFor();
    await fresh.waitForTimeout(300);
    assert.equal(fresh.url(), `${server.url}/#/today`);
    assert.deepEqual(errors, []);
    await ctx.close();
  });

  it('is installable', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'askwell-profile-'));
    const ctx = await launchPersistent(dir, { viewport: VIEWPORT });
    try {
      const page = ctx.pages()[0] ?? (await ctx.newPage());
      await page.goto(server.url + '/');
      await swReady(page);
      const cdp = await ctx.newCDPSession(page);
      const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
      assert.deepEqual(installabilityErrors, []);
      const { errors } = await cdp.send('Page.getAppManifest');
      assert.deepEqual(errors, [], 'no page errors and no Content-Security-Policy violations');
    } finally {
      await ctx.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stays signed in when the app is killed a moment after it starts, twice', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'askwell-profile-'));
    const who = email('killed');
    try {
      let b = await spawnBrowser(dir);
      let page = await b.context.newPage();
      await registerUI(page, server.url, { email: who });
      await swReady(page);
      await synced(page);
      await b.close(); // a clean exit: the refresh cookie is on disk

      for (let i = 0; i < 2; i++) {
        // The app refreshes its access token at start; the browser keeps the rotated cookie in
        // memory for a while, and the kill loses it, so the next start presents the old one.
        b = await spawnBrowser(dir);
        page = await b.context.newPage();
        const refreshed = page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/refresh'));
        await page.goto(server.url + '/');
        assert.equal((await refreshed).status(), 200, `refresh at start ${i + 1}`);
        await b.kill();
      }

      b = await spawnBrowser(dir);
      page = await b.context.newPage();
      await page.goto(server.url + '/');
      await synced(page);
      assert.equal(await page.getByText('Your session ended').count(), 0);
      await b.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('every screen passes axe (no serious or critical issues) and is photographed light and dark', async () => {
    const who = email('screens');
    // axe is injected as a script tag, which the server's strict CSP rightly refuses; the other
    // tests run under the real CSP and check it is never violated.
    const ctx = await browser.newContext({ viewport: VIEWPORT, deviceScaleFactor: 1, bypassCSP: true });
    const page = await ctx.newPage();
    for (const scheme of ['light', 'dark']) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.goto(server.url + '/#/register');
      await page.getByRole('button', { name: 'Create account' }).waitFor();
      await check(page, `register-${scheme}`);
      await page.goto(server.url + '/#/login');
      await page.getByRole('button', { name: 'Sign in' }).waitFor();
      await check(page, `login-${scheme}`);
    }
    await page.emulateMedia({ colorScheme: 'light' });
    await registerUI(page, server.url, { email: who, name: 'Sam Rivera' });
    await swReady(page);
    const token = await apiLogin(server.url, who);
    const ids = await seed(server.url, token);
    await synced(page);
    await page.getByText('Ask Ana Costa for an intro to Jordan').first().waitFor({ timeout: 15_000 });
    const [note] = (await readTable(page, 'notes')).filter((n) => n.body.startsWith('Ana loved'));
    const [ask] = (await readTable(page, 'asks')).filter((x) => x.contact_id === ids.ana);
    const [ref] = (await readTable(page, 'referrals')).filter((x) => x.direction === 'received');
    const screens = [
      ['today', '/#/today', 'Good'],
      ['capture', '/#/capture', 'New note'],
      ['contacts', '/#/contacts', 'Contacts'],
      ['contact', `/#/contacts/${ids.ana}`, 'Ana Costa'],
      ['contact-edit', `/#/contacts/${ids.ana}/edit`, 'Edit contact'],
      ['contact-new', '/#/contacts/new', 'New contact'],
      ['asks', '/#/asks', 'Asks'],
      ['ask', `/#/asks/${ask.id}`, 'Ask'],
      ['ask-new', '/#/asks/new', 'Plan an ask'],
      ['referrals', '/#/referrals', 'Referrals'],
      ['referral', `/#/referrals/${ref.id}`, 'Referral'],
      ['referral-new', '/#/referrals/new', 'Record a referral'],
      ['note', `/#/notes/${note.id}`, 'With Ana Costa'],
      ['settings', '/#/settings', 'Settings'],
    ];
    for (const scheme of ['light', 'dark']) {
      await page.emulateMedia({ colorScheme: scheme });
      for (const [name, path, heading] of screens) {
        await page.goto(server.url + path);
        await page.getByRole('heading', { level: 1, name: heading }).first().waitFor();
        await check(page, `${name}-${scheme}`);
      }
    }
    // text enlarged to 200 %: nothing may need sideways scrolling
    await page.emulateMedia({ colorScheme: 'light' });
    for (const [name, path, heading] of screens.filter(([n]) => ['today', 'capture', 'contact', 'asks', 'referrals', 'settings', 'ask'].includes(n))) {
      await page.goto(server.url + path);
      await page.getByRole('heading', { level: 1, name: heading }).first().waitFor();
      await page.addStyleTag({ content: 'html { font-size: 200% !important; }' });
      await page.screenshot({ path: join(OUT, `large-text-${name}.png`) });
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `${name} scrolls sideways at 200 % text by ${overflow}px`);
    }
    // desktop width, normal text
    await page.evaluate(() => document.querySelectorAll('style').forEach((el) => el.textContent.includes('200%') && el.remove()));
    await page.setViewportSize({ width: 1280, height: 800 });
    for (const [name, path, heading] of screens.filter(([n]) => ['today', 'contact'].includes(n))) {
      await page.goto(server.url + path);
      await page.getByRole('heading', { level: 1, name: heading }).first().waitFor();
      await page.screenshot({ path: join(OUT, `desktop-${name}.png`) });
    }
    await page.setViewportSize(VIEWPORT);

    // the capture screen with advice showing, and a fresh account's empty states
    await page.emulateMedia({ colorScheme: 'light' });
    await page.goto(server.url + '/#/capture');
    await page.getByRole('button', { name: 'Ana Costa' }).click();
    await page.getByRole('button', { name: 'I helped them' }).click();
    await page.getByRole('button', { name: 'Offered help' }).click();
    await page.getByText('Mixed advice').waitFor();
    await check(page, 'capture-mixed-light');
    await page.screenshot({ path: join(OUT, 'capture-mixed-full-light.png'), fullPage: true });
    await ctx.close();

    const fresh = await browser.newContext({ viewport: VIEWPORT, bypassCSP: true });
    const fp = await fresh.newPage();
    await registerUI(fp, server.url, { email: email('empty'), name: 'Kim' });
    for (const [name, path, heading] of [
      ['today', '/#/today', 'Good'],
      ['contacts', '/#/contacts', 'Contacts'],
      ['asks', '/#/asks', 'Asks'],
      ['referrals', '/#/referrals', 'Referrals'],
    ]) {
      await fp.goto(server.url + path);
      await fp.getByRole('heading', { level: 1, name: heading }).first().waitFor();
      await check(fp, `empty-${name}-light`);
    }
    await fresh.close();
  });
});

/** Screenshot plus an axe-core scan; fails on serious or critical violations. */
async function check(page, name) {
  await page.waitForTimeout(50);
  await page.screenshot({ path: join(OUT, `${name}.png`) });
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: AXE });
  const violations = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  });
  assert.deepEqual(violations, [], `axe on ${name}: ${JSON.stringify(violations, null, 1)}`);
}
