// Shared helpers for the browser tests and the bench: build and start the real Go server on a
// random loopback port with a temporary data dir, and launch the system Chromium.
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { after, before } from 'node:test';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export const PWA_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const REPO_DIR = resolve(PWA_DIR, '..');
/** Screenshots of the browser tests go here (not committed). */
export const OUT = join(PWA_DIR, 'test-output');
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
/** The system Chromium: $ASKWELL_CHROMIUM, else the first chromium on PATH. */
export const CHROMIUM =
  process.env.ASKWELL_CHROMIUM ??
  (process.env.PATH ?? '')
    .split(delimiter)
    .flatMap((d) => ['chromium', 'chromium-browser'].map((n) => join(d, n)))
    .find((f) => existsSync(f));
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
];

/** True when the system Chromium is there; otherwise prints why the browser tests skip. */
export function haveChromium() {
  if (CHROMIUM && existsSync(CHROMIUM)) return true;
  const line = '!'.repeat(78);
  console.error(`\n${line}\n!! Chromium not found: browser tests SKIPPED.\n!! Install the Debian package: apt-get install -y chromium\n${line}\n`);
  return false;
}

function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.unref();
    s.on('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

/** `npm run build`, quiet unless it fails. */
export function buildPwa() {
  try {
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: PWA_DIR, stdio: 'pipe' });
  } catch (e) {
    process.stderr.write(`${e.stdout ?? ''}${e.stderr ?? ''}`);
    throw e;
  }
}

/** Builds the PWA (unless ASKWELL_SKIP_PWA_BUILD is set) and then the server binary that embeds it. */
export function buildAll(tmp) {
  if (!process.env.ASKWELL_SKIP_PWA_BUILD) buildPwa();
  const bin = join(tmp, 'askwell');
  execFileSync('go', ['build', '-o', bin, './server'], { cwd: REPO_DIR, stdio: 'inherit' });
  return bin;
}

/** Starts `askwell serve` on a random loopback port and waits for /healthz. */
export async function startServer() {
  const tmp = mkdtempSync(join(tmpdir(), 'askwell-e2e-'));
  const bin = buildAll(tmp);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const dataDir = join(tmp, 'data');
  const proc = spawn(bin, ['serve'], {
    env: {
      ...process.env,
      ASKWELL_ADDR: `127.0.0.1:${port}`,
      ASKWELL_DATA_DIR: dataDir,
      ASKWELL_BASE_URL: url,
      ASKWELL_AUTH_RATE_PER_MIN: '1000',
      ASKWELL_PUSH_ALLOW_INSECURE: '127.0.0.1', // the loopback push service of e2e/pushservice.mjs
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  proc.stdout.on('data', (b) => (log += b));
  proc.stderr.on('data', (b) => (log += b));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`server exited early:\n${log}`);
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.ok) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) {
      proc.kill();
      throw new Error(`server did not become healthy:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    log: () => log,
    async stop() {
      if (proc.exitCode === null) {
        proc.kill('SIGTERM');
        await new Promise((r) => {
          const t = setTimeout(() => (proc.kill('SIGKILL'), r()), 5000);
          proc.on('exit', () => (clearTimeout(t), r()));
        });
      }
      rmSync(tmp, { recursive: true, force: true });
    },
  };
}

export async function launch() {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

export async function launchPersistent(dir, opts = {}) {
  const { chromium } = await import('playwright-core');
  return chromium.launchPersistentContext(dir, { executablePath: CHROMIUM, args: CHROMIUM_ARGS, ...opts });
}

/** Browsers started by spawnBrowser and still running; the suite's end kills them. */
const spawned = new Set();

/**
 * Starts the system Chromium as its own process on a profile dir and connects to it, so a test
 * can kill it the way a phone kills an app (SIGKILL: nothing is flushed). Returns the browser
 * and kill(); close() shuts it down gracefully.
 */
export async function spawnBrowser(profileDir) {
  const { chromium } = await import('playwright-core');
  const proc = spawn(CHROMIUM, [...CHROMIUM_ARGS, `--user-data-dir=${profileDir}`, '--remote-debugging-port=0', 'about:blank'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  spawned.add(proc);
  const exited = new Promise((r) => proc.once('exit', r));
  proc.once('exit', () => spawned.delete(proc));
  const ws = await new Promise((res, rej) => {
    let err = '';
    const t = setTimeout(() => rej(new Error(`chromium did not start:\n${err}`)), 30_000);
    proc.stderr.on('data', (b) => {
      err += b;
      const m = /DevTools listening on (ws:\/\/\S+)/.exec(err);
      if (m) (clearTimeout(t), res(m[1]));
    });
    proc.once('exit', () => (clearTimeout(t), rej(new Error(`chromium exited:\n${err}`))));
  });
  const browser = await chromium.connectOverCDP(ws);
  return {
    browser,
    context: browser.contexts()[0],
    async kill() {
      proc.kill('SIGKILL');
      await exited;
    },
    async close() {
      const cdp = await browser.newBrowserCDPSession();
      await cdp.send('Browser.close').catch(() => undefined);
      const t = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    },
  };
}

/** The browser tests' phone. */
export const VIEWPORT = { width: 390, height: 844 };

/** A fresh address for each account a test signs up. */
export const email = (tag) => `${tag}-${Date.now()}-${Math.random().toString(36).slice(2, 7)}@example.com`;

/** Record ids for one test: ids are unique across users, so each test draws its own. */
export const idsFor = () => {
  const run = Math.floor(Math.random() * 0xffff).toString(16).padStart(4, '0');
  return (n) => `0192f3a0-${run}-7000-8000-${String(n).padStart(12, '0')}`;
};

/** Seeds records for a user straight through the sync API. */
export async function seedRecords(url, token, mutations) {
  const res = await fetch(`${url}/api/v1/sync/push`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ client_id: `seed-${Date.now()}-${Math.random().toString(36).slice(2, 6)}`, mutations: mutations.map((m, i) => ({ id: i + 1, op: 'put', base_version: 0, ...m })) }),
  });
  assert.equal(res.status, 200, await res.text());
}

/**
 * A new phone (a browser context at 390×844) signed up through the UI as email, its service
 * worker in control. `context` adds to the context's options; `prepare(ctx)` runs before the page
 * opens (permissions, init scripts), `opened(page, errors)` before signing up; `worker` watches the
 * service worker (watchWorker). errors collects the page's uncaught errors.
 */
export async function newPhone(browser, url, email, { context = {}, prepare, opened, worker = false, name } = {}) {
  const ctx = await browser.newContext({ viewport: VIEWPORT, ...context });
  await prepare?.(ctx);
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  opened?.(page, errors);
  const watched = worker ? await watchWorker(ctx, page, url) : null;
  await registerUI(page, url, { email, name });
  await swReady(page);
  return { ctx, page, errors, worker: watched };
}

/** A new phone (newPhone) whose account the test seeds through the API: also its token and record ids. */
export async function phoneToSeed(browser, url, tag, opts) {
  const who = email(tag);
  const phone = await newPhone(browser, url, who, opts);
  return { ...phone, who, token: await apiLogin(url, who), id: idsFor() };
}

/** Signs up through the UI and waits for Today. */
export async function registerUI(page, url, { email, password = 'correct horse battery', name = 'Dana Fox' }) {
  await page.goto(url + '/#/register');
  await page.getByLabel('Your name').fill(name);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('heading', { level: 1, name: /Good (morning|afternoon|evening)/ }).waitFor();
}

export async function loginUI(page, url, { email, password = 'correct horse battery' }) {
  await page.goto(url + '/#/login');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { level: 1, name: /Good (morning|afternoon|evening)/ }).waitFor();
}

/** Waits until the service worker controls the page, so the shell is cached. */
export async function swReady(page) {
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller) {
      await new Promise((r) => navigator.serviceWorker.addEventListener('controllerchange', r, { once: true }));
    }
  });
}

/** Waits for the sync badge to say "Synced". */
export async function synced(page, timeout = 15_000) {
  await page.locator('.sync.synced').waitFor({ timeout });
}

export async function apiLogin(url, email, password = 'correct horse battery') {
  const r = await fetch(`${url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (!r.ok) throw new Error(`login: ${r.status} ${await r.text()}`);
  return (await r.json()).access_token;
}

/** Everything the server holds for a user, via a full pull with a throwaway client id. */
export async function apiPullAll(url, token) {
  const clientId = `e2echeck_${Math.random().toString(36).slice(2, 12)}`;
  const records = [];
  let cursor = 0;
  for (;;) {
    const r = await fetch(`${url}/api/v1/sync/pull`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
      body: JSON.stringify({ client_id: clientId, cursor, limit: 1000 }),
    });
    if (!r.ok) throw new Error(`pull: ${r.status} ${await r.text()}`);
    const page = await r.json();
    records.push(...page.changes);
    cursor = page.cursor;
    if (!page.has_more) return records;
  }
}

/** Reads one table of the page's IndexedDB (raw, without the app's code). */
export function readTable(page, table) {
  return page.evaluate(
    (t) =>
      new Promise((res, rej) => {
        const open = indexedDB.open('askwell');
        open.onerror = () => rej(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const req = db.transaction(t).objectStore(t).getAll();
          req.onsuccess = () => (db.close(), res(req.result));
          req.onerror = () => rej(req.error);
        };
      }),
    table,
  );
}

/**
 * Evaluates fn(arg) in the page every `interval` ms until it resolves to something truthy, and
 * returns that. (Playwright's waitForFunction takes a returned Promise itself as truthy, so it
 * does not wait for async checks such as IndexedDB reads or getNotifications().)
 */
export async function pollPage(page, fn, arg, { timeout = 10_000, interval = 100, message = 'condition' } = {}) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    last = await page.evaluate(fn, arg);
    if (last) return last;
    if (Date.now() > end) throw new Error(`timed out after ${timeout} ms waiting for ${message}; last: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, interval));
  }
}

/**
 * Watches the page's service worker registrations over CDP (for ServiceWorker.deliverPushMessage);
 * registration() waits for the app's own and returns its id.
 */
export async function watchWorker(ctx, page, url) {
  const cdp = await ctx.newCDPSession(page);
  const regs = [];
  cdp.on('ServiceWorker.workerRegistrationUpdated', (e) => regs.push(...e.registrations));
  await cdp.send('ServiceWorker.enable');
  return {
    cdp,
    regs,
    async registration() {
      for (let i = 0; i < 50; i++) {
        const reg = regs.find((r) => r.scopeURL === `${url}/` && !r.isDeleted);
        if (reg) return reg;
        await page.waitForTimeout(100);
      }
      throw new Error(`the service worker registration is not known: ${JSON.stringify(regs)}`);
    },
  };
}

/**
 * Hands a push payload to the app's service worker (CDP) and returns the first notification it
 * showed, as {title, body}. A worker still starting can miss the first message: sent again then.
 */
export async function deliverPush(page, worker, url, payload) {
  const reg = await worker.registration();
  const deliver = () => worker.cdp.send('ServiceWorker.deliverPushMessage', { origin: url, registrationId: reg.registrationId, data: JSON.stringify(payload) });
  await deliver();
  await page.waitForTimeout(1000);
  if (!(await page.evaluate(async () => (await (await navigator.serviceWorker.ready).getNotifications()).length))) await deliver();
  return pollPage(
    page,
    async () => (await (await navigator.serviceWorker.ready).getNotifications()).map((n) => ({ title: n.title, body: n.body }))[0] ?? null,
    null,
    { interval: 200, message: 'the notification' },
  );
}

/**
 * A new phone at 390×844 signed up as email, allowed to show notifications, with its service
 * worker watched, pushes from the server going to a loopback push service (pushservice.mjs), and
 * no quiet hours (whatever the hour the tests run at). api(method, path, body) calls the API as
 * that user.
 */
export async function pushPhone(browser, url, email, startPushService) {
  const pushes = await startPushService();
  const { ctx, page, errors, worker } = await newPhone(browser, url, email, {
    prepare: (ctx) => ctx.grantPermissions(['notifications'], { origin: url }),
    worker: true,
  });
  const token = await apiLogin(url, email);
  const api = (method, path, body) =>
    fetch(`${url}/api/v1${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const r = await api('PATCH', '/me', { quiet_hours: { start: '00:00', end: '00:00' } });
  if (r.status !== 200) throw new Error(`quiet hours: ${r.status} ${await r.text()}`);
  return { ctx, page, errors, worker, pushes, token, api };
}

/** The suite's server and Chromium, there once serverAndBrowser's before hook has run. */
export let server;
export let browser;

/** Starts the server and Chromium before a suite's tests and stops both after; screenshots go to OUT. */
export function serverAndBrowser() {
  before(async () => {
    server = await startServer();
    browser = await launch();
    mkdirSync(OUT, { recursive: true });
  });
  after(async () => {
    for (const proc of spawned) proc.kill('SIGKILL'); // left by a test that failed midway
    await browser?.close();
    await server?.stop();
  });
}

/** Screenshot plus an axe-core scan; fails on serious or critical violations. */
export async function check(page, name) {
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
