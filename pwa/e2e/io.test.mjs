// Browser tests of your data in and out: import a vCard at phone size, export, the calendar
// feed, sharing to the app, the contact picker, and deleting the account.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { apiLogin, apiPullAll, browser, check, email, haveChromium, newPhone, OUT, pollPage, readTable, server, serverAndBrowser, synced } from './lib.mjs';

const ok = haveChromium();

/** A phone's vCard export made here: a folded NOTE, a quoted-printable name, emoji and Hebrew. */
export function phoneVCards() {
  const qpName = 'Zo=C3=AB =C3=85ngstr=C3=B6m';
  return [
    'BEGIN:VCARD\r\nVERSION:3.0\r\nN:Ødegård;Dana;;;\r\nFN:Dana Ødegård 🌱\r\nORG:Harbor Museum\r\nTITLE:Board chair\r\nEMAIL;TYPE=WORK:dana@harbor.example\r\nTEL;TYPE=CELL:+49 170 1234567\r\n' +
      'NOTE:Met at the museum gala; sits on the board with Lee and knows half the c\r\n ity\\, loves sailing.\r\nCATEGORIES:Board,Sailing\r\nEND:VCARD\r\n',
    'BEGIN:VCARD\r\nVERSION:4.0\r\nFN:נועה כהן\r\nEMAIL:noa@example.co.il\r\nORG:Studio Noa\r\nEND:VCARD\r\n',
    `BEGIN:VCARD\r\nVERSION:2.1\r\nFN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:${qpName}\r\nTEL;CELL:0170 555 0101\r\nEND:VCARD\r\n`,
  ].join('');
}

/** Waits until every local change has reached the server. */
async function drained(page) {
  const end = Date.now() + 15_000;
  while ((await readTable(page, 'outbox')).length) {
    assert.ok(Date.now() < end, 'the outbox did not empty');
    await page.waitForTimeout(100);
  }
}

describe('your data in and out', { skip: !ok && 'chromium missing (apt-get install -y chromium)' }, () => {
  serverAndBrowser();

  it('imports a vCard at 390×844 with a preview, exports it again, serves the calendar and deletes the account', async () => {
    const who = email('io');
    const { ctx, page, errors } = await newPhone(browser, server.url, who, { context: { acceptDownloads: true, bypassCSP: true } });
    await synced(page);

    await page.goto(server.url + '/#/settings');
    const input = page.locator('input[type=file]');
    // A binary file named .vcf is refused with a message, and nothing is written.
    await input.setInputFiles({ name: 'photo.vcf', mimeType: 'text/vcard', buffer: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 13, 1, 2, 3]) });
    await page.getByRole('alert').filter({ hasText: 'Nothing was imported' }).waitFor();
    await page.getByRole('heading', { name: 'Import contacts' }).scrollIntoViewIfNeeded();
    await check(page, 'import-bad-file');
    await page.getByLabel('Private address').waitFor();
    await page.getByRole('button', { name: 'Make a new address' }).scrollIntoViewIfNeeded();
    await check(page, 'settings-calendar');

    await input.setInputFiles({ name: 'contacts.vcf', mimeType: 'text/vcard', buffer: Buffer.from(phoneVCards()) });
    await page.getByRole('button', { name: 'Import 3 contacts' }).waitFor();
    await page.getByRole('button', { name: 'Import 3 contacts' }).scrollIntoViewIfNeeded();
    await check(page, 'import-preview');
    assert.equal((await readTable(page, 'contacts')).length, 0, 'a preview writes nothing');
    await page.getByRole('button', { name: 'Import 3 contacts' }).click();
    await page.getByRole('status').filter({ hasText: 'Imported' }).waitFor();
    const local = await readTable(page, 'contacts');
    assert.deepEqual(local.map((c) => c.name).sort(), ['Dana Ødegård 🌱', 'Zoë Ångström', 'נועה כהן'].sort());
    assert.ok(local.every((c) => c.stage === 'met' && /^Imported from vCard/.test(c.how_met)));
    await drained(page);
    const token = await apiLogin(server.url, who);
    const onServer = (await apiPullAll(server.url, token)).filter((c) => c.entity === 'contact');
    assert.equal(onServer.length, 3, 'the import synced through the outbox');

    // Another device adds Dana again, by her email: Settings offers to merge the two.
    const push = await fetch(`${server.url}/api/v1/sync/push`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
      body: JSON.stringify({
        client_id: 'e2e-laptop-01',
        mutations: [{ id: 1, entity: 'contact', record_id: '0192f3a0-0000-7000-8000-00000000d0a0', op: 'put', fields: { name: 'Dana O.', email: 'DANA@harbor.example', phone: '+1 555 0100', stage: 'know' }, base_version: 0 }],
      }),
    });
    assert.equal(push.status, 200);
    await page.reload();
    await page.getByRole('button', { name: 'Merge…' }).click();
    await page.evaluate(() => document.getElementById('dups').scrollIntoView({ block: 'start' }));
    await check(page, 'merge-duplicates');
    await page.getByRole('button', { name: 'Merge into one' }).click();
    await page.getByRole('status').filter({ hasText: 'Merged into' }).waitFor();
    const merged = (await readTable(page, 'contacts')).filter((c) => !c.deleted_at);
    assert.equal(merged.length, 3);
    const dana = merged.filter((c) => /^dana@harbor\.example$/i.test(c.email ?? ''));
    assert.equal(dana.length, 1, 'one Dana is left');
    assert.ok(dana[0].phone && dana[0].how_met?.startsWith('Imported from vCard'), 'the merge kept her phone and how you met');

    // The same file again: all duplicates, nothing to import.
    await input.setInputFiles({ name: 'contacts.vcf', mimeType: 'text/vcard', buffer: Buffer.from(phoneVCards()) });
    await page.getByRole('button', { name: 'Nothing new' }).waitFor();
    await page.getByRole('button', { name: 'Cancel' }).click();

    // Export everything as JSON, from local data.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Everything (JSON)' }).click()]);
    const doc = JSON.parse(readFileSync(await download.path(), 'utf8'));
    assert.equal(doc.format, 'askwell');
    assert.equal(doc.contacts.length, 3);
    // The server's export for scripts has the same shape and the same records.
    await drained(page);
    const res = await fetch(`${server.url}/api/v1/export`, { headers: { Authorization: `Bearer ${token}` } });
    const remote = await res.json();
    assert.equal(remote.format, doc.format);
    assert.deepEqual(Object.keys(remote).sort(), Object.keys(doc).sort());
    assert.deepEqual(remote.contacts.map((c) => [c.id, c.name, c.how_met]), doc.contacts.map((c) => [c.id, c.name, c.how_met]));

    // The calendar feed: shown in Settings, served without credentials, dead after a rotation.
    const field = page.getByLabel('Private address');
    await field.waitFor();
    const feedURL = await field.inputValue();
    assert.match(feedURL, /\/cal\/[A-Za-z0-9_-]{43}\.ics$/);
    let r = await fetch(feedURL);
    assert.equal(r.status, 200);
    assert.match(await r.text(), /^BEGIN:VCALENDAR/);
    await page.getByRole('button', { name: 'Make a new address' }).click();
    await page.getByRole('button', { name: 'Yes, make a new one' }).click();
    await pollPage(page, (old) => document.querySelector('#cal-url')?.value !== old, feedURL, { message: 'a new address' });
    r = await fetch(feedURL);
    assert.equal(r.status, 404);

    // Leaving: the wrong password deletes nothing; the right one deletes everything and signs out.
    await page.getByRole('button', { name: 'Delete my account…' }).click();
    await page.getByLabel('Your password, to confirm').fill('not it');
    await page.getByRole('button', { name: 'Delete everything' }).click();
    await page.getByRole('alert').filter({ hasText: 'not your password' }).waitFor();
    await page.getByRole('button', { name: 'Delete everything' }).scrollIntoViewIfNeeded();
    await check(page, 'delete-account');
    await page.getByLabel('Your password, to confirm').fill('correct horse battery');
    await page.getByRole('button', { name: 'Delete everything' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await assert.rejects(apiLogin(server.url, who), /401/);
    assert.deepEqual(errors, []);
    await ctx.close();
  });

  it('opens a note with text shared to the app, and picks people from the phone', async () => {
    const { ctx, page } = await newPhone(browser, server.url, email('share'), {
      context: { bypassCSP: true },
      // Headless Chromium has no contact picker: this stands in for Android's.
      prepare: (ctx) =>
        ctx.addInitScript(() => {
          window.ContactsManager = function ContactsManager() {};
          Object.defineProperty(navigator, 'contacts', {
            value: { select: async () => [{ name: ['Lee Park'], email: ['lee@example.com'], tel: [] }] },
          });
        }),
    });
    // What the system share sheet does: a POST of a form to the manifest's share_target action.
    await page.evaluate(() => {
      const f = Object.assign(document.createElement('form'), { method: 'POST', action: '/share-target', enctype: 'multipart/form-data' });
      for (const [k, v] of [['title', 'Harbor Museum hires'], ['text', 'They need an auditor'], ['url', 'https://example.com/news']]) {
        f.append(Object.assign(document.createElement('input'), { name: k, value: v }));
      }
      document.body.append(f);
      f.submit();
    });
    const body = page.getByLabel('What happened?');
    await body.waitFor();
    assert.equal(await body.inputValue(), 'Harbor Museum hires\nThey need an auditor\nhttps://example.com/news');
    await page.getByRole('button', { name: 'From phone contacts' }).click();
    await page.getByRole('button', { name: /Lee Park, picked/ }).waitFor();
    // (a screenshot only: the picked-person chip's label is the capture screen's own)
    await page.screenshot({ path: join(OUT, 'capture-shared.png') });

    // A contacts file shared to the app opens the import with its preview.
    await page.evaluate(() => {
      const f = Object.assign(document.createElement('form'), { method: 'POST', action: '/share-target', enctype: 'multipart/form-data', id: 'share' });
      f.append(Object.assign(document.createElement('input'), { type: 'file', name: 'file' }));
      document.body.append(f);
    });
    await page.locator('#share input[type=file]').setInputFiles({ name: 'Dana.vcf', mimeType: 'text/vcard', buffer: Buffer.from(phoneVCards()) });
    await page.evaluate(() => document.getElementById('share').submit());
    await page.getByRole('heading', { level: 1, name: 'Import contacts' }).waitFor();
    await page.getByRole('button', { name: 'Import 3 contacts' }).waitFor();
    await page.getByText('Dana.vcf').waitFor();
    await check(page, 'import-shared');
    await ctx.close();
  });
});
