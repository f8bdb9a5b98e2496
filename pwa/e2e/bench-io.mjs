// Prints the import budget figures (design notes §10): a generated 5,000-card vCard file and a
// 5,000-row LinkedIn Connections.csv, imported through Settings in headless Chromium.
//   preview: from picking the file to the preview on screen (budget 3 s)
//   stored:  from tapping Import to every contact and its outbox entry committed (budget 5 s)
// Figures only: nothing here asserts a time.
import { buildPwa, haveChromium, launch, readTable, registerUI, startServer, swReady, synced } from './lib.mjs';

const N = 5000;

function vcards(n) {
  const out = [];
  for (let i = 0; i < n; i++) {
    out.push(
      `BEGIN:VCARD\r\nVERSION:3.0\r\nN:Person${i};Alex;;;\r\nFN:Alex Person${i}\r\nORG:Company ${i % 700}\r\nTITLE:Director\r\n` +
        `EMAIL;TYPE=WORK:alex.${i}@example.com\r\nTEL;TYPE=CELL:+1 415 ${String(1000000 + i)}\r\n` +
        `NOTE:Met at the spring conference; interested in audits for mid-size firms and \r\n knows several CFOs in the area.\r\nCATEGORIES:Conference,Finance\r\nEND:VCARD\r\n`,
    );
  }
  return out.join('');
}

function linkedin(n) {
  const rows = ['Notes:', '"When exporting your connection data, you may notice that some of the email addresses are missing."', '', 'First Name,Last Name,URL,Email Address,Company,Position,Connected On'];
  for (let i = 0; i < n; i++) rows.push(`Sam,Linked${i},https://www.linkedin.com/in/sam-${i},${i % 3 ? '' : `sam.${i}@example.com`},"Firm ${i % 500}, Inc.",Partner,12 Mar 2024`);
  return rows.join('\n') + '\n';
}

async function importOnce(page, name, text, count) {
  await page.evaluate(() => performance.clearMeasures());
  const input = page.locator('input[type=file]');
  const t0 = Date.now();
  await input.setInputFiles({ name, mimeType: name.endsWith('.csv') ? 'text/csv' : 'text/vcard', buffer: Buffer.from(text) });
  const button = page.getByRole('button', { name: `Import ${count.toLocaleString('en-US')} contacts` });
  await button.waitFor({ timeout: 60_000 });
  const preview = Date.now() - t0;
  const t1 = Date.now();
  await button.click();
  await page.getByRole('status').filter({ hasText: 'Imported' }).waitFor({ timeout: 60_000 });
  const stored = Date.now() - t1;
  const m = await page.evaluate(() =>
    Object.fromEntries(['askwell:import-preview', 'askwell:import-stored'].map((k) => [k, performance.getEntriesByName(k).at(-1)?.duration ?? NaN])),
  );
  console.log(
    `${name}: ${count.toLocaleString('en-US')} people, ${(text.length / 1048576).toFixed(1)} MB — ` +
      `preview ${preview} ms (app: ${m['askwell:import-preview'].toFixed(0)} ms; budget 3 s), ` +
      `stored ${stored} ms (app: ${m['askwell:import-stored'].toFixed(0)} ms; budget 5 s)`,
  );
}

async function main() {
  if (!haveChromium()) return;
  buildPwa();
  process.env.ASKWELL_SKIP_PWA_BUILD = '1';
  const server = await startServer();
  const browser = await launch();
  try {
    const ctx = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await ctx.newPage();
    await registerUI(page, server.url, { email: `bench-io-${Date.now()}@example.com` });
    await swReady(page);
    await synced(page);
    await page.goto(`${server.url}/#/settings`);
    // Sync is stopped so the figures are the import's alone, not the upload that follows it.
    await ctx.setOffline(true);
    await importOnce(page, 'contacts.vcf', vcards(N), N);
    await importOnce(page, 'Connections.csv', linkedin(N), N);
    const stored = (await readTable(page, 'contacts')).length;
    console.log(`contacts stored locally: ${stored.toLocaleString('en-US')}`);
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
