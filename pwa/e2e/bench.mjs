// Prints the PWA's budget figures (design notes §10). Figures only: nothing here asserts a time.
//   first load: JS + CSS the entry HTML pulls in, gzipped (budget 60 KB)
//   note save:  median time from tapping Save to the note and its outbox entry committed (budget 16 ms)
//   offline shell: reload with no network until the first screen's heading is there (budget 500 ms)
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { buildPwa, haveChromium, launch, PWA_DIR, registerUI, startServer, swReady, synced } from './lib.mjs';

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;

async function main() {
  buildPwa();
  process.env.ASKWELL_SKIP_PWA_BUILD = '1';
  const server = haveChromium() ? await startServer() : null;
  const dist = join(PWA_DIR, 'dist');
  const html = readFileSync(join(dist, 'index.html'), 'utf8');
  const first = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1]);
  const gz = (f) => gzipSync(readFileSync(join(dist, f)), { level: 9 }).length;
  const firstBytes = first.reduce((n, f) => n + gz(f), 0);
  const all = readdirSync(join(dist, 'assets')).filter((f) => /\.(js|css)$/.test(f));
  const allBytes = all.reduce((n, f) => n + gz(join('assets', f)), 0);
  console.log(`first load JS+CSS gzipped: ${kb(firstBytes)} (budget 60 KB) [${first.join(', ')}]`);
  console.log(`all JS+CSS chunks gzipped: ${kb(allBytes)} (screens after Today and New note load on first use)`);
  if (!server) return;

  const browser = await launch();
  try {
    const ctx = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await ctx.newPage();
    await registerUI(page, server.url, { email: `bench-${Date.now()}@example.com` });
    await swReady(page);
    await synced(page);

    // A tap is a click event on Save; the figure is the app's own time from the handler to the
    // note and its outbox entry committed (a performance.measure the screen records).
    const saveNotes = async (n, { steady, viaMouse }) => {
      await page.evaluate(() => performance.clearMeasures('askwell:save-note'));
      for (let i = 0; i < n; i++) {
        await page.goto(`${server.url}/#/capture`);
        await page.getByLabel('What happened?').fill(`Bench note ${i}: coffee, good talk, follow up next week.`);
        await page.getByRole('button', { name: 'Praised my work' }).click();
        if (steady) {
          await synced(page); // a person types for a while, so sync is idle when they tap Save
          await page.waitForTimeout(300);
        }
        if (viaMouse) await page.locator('button.big[type=submit]').click();
        else await page.evaluate(() => document.querySelector('button.big[type=submit]').click());
        // wait cheaply: a role query polled every frame would compete with the save
        await page.waitForFunction((k) => performance.getEntriesByName('askwell:save-note').length > k, i, { polling: 100 });
        await page.locator('main h1').filter({ hasText: 'Good' }).waitFor();
      }
      return page.evaluate(() => performance.getEntriesByName('askwell:save-note').map((e) => e.duration));
    };
    const tap = await saveNotes(30, { steady: true });
    console.log(`note saved locally: median ${median(tap).toFixed(2)} ms over ${tap.length} saves (budget 16 ms; max ${Math.max(...tap).toFixed(2)} ms)`);
    const mouse = await saveNotes(20, { steady: true, viaMouse: true });
    console.log(`  with the test driver's synthetic mouse input running alongside: median ${median(mouse).toFixed(2)} ms (max ${Math.max(...mouse).toFixed(2)} ms)`);
    const rapid = await saveNotes(20, { steady: false });
    console.log(`  rapid-fire, while the previous notes sync: median ${median(rapid).toFixed(2)} ms (max ${Math.max(...rapid).toFixed(2)} ms)`);

    await ctx.setOffline(true);
    const shell = [];
    const fcp = [];
    for (let i = 0; i < 10; i++) {
      await page.goto(`${server.url}/#/today`, { waitUntil: 'commit' }).catch(() => page.reload({ waitUntil: 'commit' }));
      await page.reload({ waitUntil: 'commit' });
      const t = await page.waitForFunction(() => document.querySelector('main h1') && performance.now(), null, { polling: 'raf' });
      shell.push(await t.jsonValue());
      const paint = await page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime);
      if (typeof paint === 'number') fcp.push(paint); // headless Chromium does not always record paints
    }
    const paintNote = fcp.length ? `, first contentful paint median ${median(fcp).toFixed(0)} ms` : '';
    console.log(`offline shell to first screen: median ${median(shell).toFixed(0)} ms${paintNote} (budget 500 ms)`);
    await ctx.close();
  } finally {
    await browser.close();
    await server.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
