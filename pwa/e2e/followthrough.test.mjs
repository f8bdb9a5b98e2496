// Browser tests for capture and follow-through on the phone (390×844): drafts, backdating,
// quick-add, outcomes, search offline, reminders set-up, layout and the "how was it?" push.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { browser, haveChromium, OUT, server, serverAndBrowser, VIEWPORT } from './lib.mjs';
import { email, idsFor, newPhone, phoneToSeed, pushPhone, registerUI, spawnBrowser, swReady } from './lib.mjs';
import { apiLogin, apiPullAll, deliverPush, pollPage, readTable, seedRecords, synced } from './lib.mjs';
import { startPushService } from './pushservice.mjs';

const ok = haveChromium();

/** The draft a form keeps in IndexedDB, read without the app's code. */
const storedDraft = (page, name) =>
  page.evaluate(
    (key) =>
      new Promise((res, rej) => {
        const o = indexedDB.open('askwell');
        o.onerror = () => rej(o.error);
        o.onsuccess = () => {
          const q = o.result.transaction('meta').objectStore('meta').get(key);
          q.onsuccess = () => (o.result.close(), res(q.result?.value ?? null));
        };
      }),
    `draft:${name}`,
  );

describe('capture and follow-through on the phone', { skip: !ok && 'chromium missing (apt-get install -y chromium)' }, () => {
  serverAndBrowser();

  it('drafts: a half-written note survives a tab switch, a reload and a killed browser; discarded only by the user', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'askwell-draft-'));
    const who = email('draft');
    // Chromium as its own process, so it can be killed the way a phone kills an app
    let b = await spawnBrowser(dir);
    let page = await b.context.newPage();
    await page.setViewportSize(VIEWPORT);
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await registerUI(page, server.url, { email: who });
    await swReady(page);
    await synced(page);
    await b.close(); // a clean exit once: the session cookie is on disk
    b = await spawnBrowser(dir);
    page = await b.context.newPage();
    await page.setViewportSize(VIEWPORT);
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`${server.url}/#/today`);
    await synced(page);
    const text = 'Coffee with Dana. She wants an intro to the Harbor Museum board';
    await page.getByRole('link', { name: 'New note' }).click();
    await page.getByLabel('Who did you meet?').fill('Dana Fox');
    await page.getByRole('button', { name: /Add “Dana Fox”/ }).click();
    await page.getByLabel('What happened?').fill(text);
    await page.getByRole('button', { name: 'Praised my work' }).click();
    // switching tabs and coming back keeps it
    await page.getByRole('link', { name: 'Contacts' }).click();
    await page.getByRole('heading', { level: 1, name: 'Contacts' }).waitFor();
    await page.getByRole('link', { name: 'New note' }).click();
    assert.equal(await page.getByLabel('What happened?').inputValue(), text);
    await page.getByRole('button', { name: 'Dana Fox, picked. Tap to remove' }).waitFor();
    // a reload keeps it
    await page.reload();
    await page.getByLabel('What happened?').waitFor();
    assert.equal(await page.getByLabel('What happened?').inputValue(), text);
    assert.equal(await page.getByRole('button', { name: 'Praised my work' }).getAttribute('aria-pressed'), 'true');
    // typed, and at once the browser is gone: no blur, no unload, no save tapped
    await page.getByLabel('What happened?').pressSequentially(' and Lee.', { delay: 5 });
    const kept = await pollPage(
      page,
      (key) =>
        new Promise((res) => {
          const o = indexedDB.open('askwell');
          o.onsuccess = () => {
            const q = o.result.transaction('meta').objectStore('meta').get(key);
            q.onsuccess = () => (o.result.close(), res(q.result?.value?.body?.endsWith('and Lee.') ?? false));
          };
        }),
      'draft:capture',
      { message: 'the draft stored as typed' },
    );
    assert.ok(kept);
    await b.kill(); // SIGKILL: no unload, nothing flushed
    b = await spawnBrowser(dir);
    page = await b.context.newPage();
    await page.setViewportSize(VIEWPORT);
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`${server.url}/#/capture`);
    await page.getByLabel('What happened?').waitFor();
    assert.equal(await page.getByLabel('What happened?').inputValue(), `${text} and Lee.`);
    await page.getByText('Draft kept on this device.').waitFor();
    await page.screenshot({ path: join(OUT, 'draft-restored-390.png') });

    // a draft larger than a note may be: refused with a clear word, and nothing lost
    const huge = 'x'.repeat(100_050);
    await page.getByLabel('What happened?').fill(huge);
    await page.getByRole('button', { name: 'Save note' }).click();
    await page.getByRole('alert').filter({ hasText: 'a note holds up to 100,000' }).waitFor();
    await page.reload();
    await page.getByLabel('What happened?').waitFor();
    assert.equal((await page.getByLabel('What happened?').inputValue()).length, huge.length);
    assert.equal((await readTable(page, 'notes')).length, 0);

    // discarded by the user: gone, also after a reload
    await page.getByRole('button', { name: 'Discard draft' }).click();
    assert.equal(await page.getByLabel('What happened?').inputValue(), '');
    await page.reload();
    await page.getByLabel('What happened?').waitFor();
    assert.equal(await page.getByLabel('What happened?').inputValue(), '');
    assert.equal(await storedDraft(page, 'capture'), null);

    // the referral and ask forms keep theirs too
    await page.goto(`${server.url}/#/referrals/new`);
    await page.getByLabel('The lead').fill('Hansen Logistics');
    await page.getByLabel('Notes').fill('Met at the chamber mixer');
    await page.goto(`${server.url}/#/asks/new`);
    await page.getByLabel('Why they would benefit').fill('Their rollout needs an audit');
    await page.reload();
    await page.getByLabel('Why they would benefit').waitFor();
    assert.equal(await page.getByLabel('Why they would benefit').inputValue(), 'Their rollout needs an audit');
    await page.goto(`${server.url}/#/referrals/new`);
    await page.getByLabel('Notes').waitFor();
    assert.equal(await page.getByLabel('Notes').inputValue(), 'Met at the chamber mixer');
    assert.equal(await page.getByLabel('The lead').inputValue(), 'Hansen Logistics');
    assert.deepEqual(errors, []);
    await b.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('drafts: a change typed a moment before a reload is kept, even while the database is busy; signing out forgets them', async () => {
    const { ctx, page, errors } = await newPhone(browser, server.url, email('draftrace'));
    const why = page.getByLabel('Why they would benefit');
    await page.goto(`${server.url}/#/asks/new`);
    await why.waitFor();
    // another connection holds the drafts' store, so the draft's write waits behind it, and
    // the reload aborts it: what was typed must still come back
    await page.evaluate(
      () =>
        new Promise((started) => {
          const o = indexedDB.open('askwell');
          o.onsuccess = () => {
            const store = o.result.transaction('meta', 'readwrite').objectStore('meta');
            const spin = () => (store.get('busy').onsuccess = () => (started(), spin()));
            spin();
          };
        }),
    );
    await why.fill('Their rollout needs an audit');
    await page.reload();
    await why.waitFor();
    assert.equal(await why.inputValue(), 'Their rollout needs an audit');
    // and it reached IndexedDB once the database was free
    const stored = async () => (await storedDraft(page, 'ask:new'))?.f?.why;
    for (let i = 0; i < 50 && (await stored()) !== 'Their rollout needs an audit'; i++) await page.waitForTimeout(100);
    assert.equal(await stored(), 'Their rollout needs an audit');
    // signing out forgets the drafts, in memory too: the next account on this tab sees none
    await why.fill('Only for the first account');
    await page.goto(`${server.url}/#/settings`);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await registerUI(page, server.url, { email: email('draftnext'), name: 'Lee Park' });
    await page.goto(`${server.url}/#/asks/new`);
    await why.waitFor();
    assert.equal(await why.inputValue(), '');
    assert.equal(await storedDraft(page, 'ask:new'), null);
    assert.deepEqual(errors, []);
    await ctx.close();
  });

  it('when: a coffee from yesterday is logged in one tap; a time ahead is refused on the phone', async () => {
    const who = email('when');
    const { ctx, page } = await newPhone(browser, server.url, who);
    await page.getByRole('link', { name: 'New note' }).click();
    await page.getByLabel('Who did you meet?').fill('Lee Park');
    await page.getByRole('button', { name: /Add “Lee Park”/ }).click();
    await page.getByLabel('What happened?').fill('Coffee yesterday; Lee praised the rollout.');
    await page.getByRole('button', { name: 'Praised my work' }).click();
    await page.getByRole('button', { name: 'Yesterday' }).click();
    // a time still ahead: refused with a word, nothing saved
    const ahead = new Date(Date.now() + 3 * 3600_000);
    const local = (d) => new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
    await page.getByLabel('Meeting time').fill(local(ahead));
    await page.getByRole('button', { name: 'Save note' }).click();
    await page.getByRole('alert').filter({ hasText: 'still ahead' }).waitFor();
    await page.getByLabel('Meeting time').fill('1999-06-01T10:00');
    await page.getByRole('button', { name: 'Save note' }).click();
    await page.getByRole('alert').filter({ hasText: 'after 1 January 2000' }).waitFor();
    assert.equal((await readTable(page, 'notes')).length, 0);
    await page.getByRole('button', { name: 'Yesterday' }).click();
    await page.getByRole('button', { name: 'Just now' }).click();
    await page.getByRole('button', { name: 'Yesterday' }).click();
    await page.screenshot({ path: join(OUT, 'capture-yesterday-390.png') });
    await page.getByRole('button', { name: 'Save note' }).click();
    await page.getByText('Note saved').waitFor();
    const [note] = await readTable(page, 'notes');
    const d = new Date(note.meeting_at);
    const y = new Date();
    y.setDate(y.getDate() - 1);
    assert.equal(d.toDateString(), y.toDateString(), 'the meeting is yesterday');
    const token = await apiLogin(server.url, who);
    let onServer;
    for (let i = 0; i < 50 && !onServer; i++) {
      onServer = (await apiPullAll(server.url, token)).find((c) => c.record_id === note.id);
      if (!onServer) await page.waitForTimeout(200);
    }
    assert.equal(onServer.record.meeting_at.slice(0, 16), note.meeting_at.slice(0, 16), 'the server took the backdated time');
    assert.equal((await readTable(page, 'rejected')).length, 0);
    await ctx.close();
  });

  it('quick-add: a new person with company, role and kind, added inline on the referral form', async () => {
    const { ctx, page } = await newPhone(browser, server.url, email('quick'));
    await page.goto(`${server.url}/#/referrals/new`);
    await page.getByLabel('Referred by').fill('Marta Lind');
    await page.getByRole('button', { name: /Add “Marta Lind”/ }).click();
    await page.getByLabel('Company').fill('Lind Law');
    await page.getByLabel('Role').fill('Partner');
    await page.getByRole('group', { name: 'Kind of contact for Marta Lind' }).getByRole('button', { name: 'Partner' }).click();
    await page.getByLabel('The lead').fill('Hansen Logistics');
    await page.screenshot({ path: join(OUT, 'quickadd-referral-390.png'), fullPage: true });
    await page.getByRole('button', { name: 'Save' }).first().click();
    await page.getByText('Recorded. Now thank them!').waitFor();
    const [c] = await readTable(page, 'contacts');
    assert.deepEqual([c.name, c.company, c.role, c.kind], ['Marta Lind', 'Lind Law', 'Partner', 'partner']);
    const [r] = await readTable(page, 'referrals');
    assert.deepEqual([r.contact_id, r.prospect, r.direction], [c.id, 'Hansen Logistics', 'received']);
    await ctx.close();
  });

  it('outcomes: an introduced ask records the referral and the thank-you shows on Today; the referral page says where it stands', async () => {
    const { ctx, page, errors, token, id } = await phoneToSeed(browser, server.url, 'outcome');
    const day = (d) => new Date(Date.now() + d * 86400_000).toISOString().slice(0, 10);
    await seedRecords(server.url, token, [
      { entity: 'contact', record_id: id(1), fields: { name: 'Dana Fox', stage: 'trust' } },
      { entity: 'ask', record_id: id(2), fields: { contact_id: id(1), target: 'Lee Park', trigger: { kind: 'date', value: day(-1) }, status: 'asked' } },
      { entity: 'ask', record_id: id(3), fields: { contact_id: id(1), target: 'Sam Ortiz', trigger: { kind: 'date', value: day(5) } } },
    ]);
    await page.goto(`${server.url}/#/asks`);
    const card = page.locator('li.card', { has: page.getByRole('heading', { name: 'Ask Dana Fox for an intro to Lee Park' }) });
    await card.getByRole('button', { name: 'Introduced' }).click();
    await page.getByText('An introduction! Thank Dana: it is on Today.').waitFor();
    await page.getByRole('link', { name: 'Today' }).click();
    const owed = page.getByRole('region', { name: 'Thank-yous owed' });
    await owed.getByRole('heading', { name: 'Thank Dana Fox for the referral to Lee Park' }).waitFor();
    // the ask planned for later is in Upcoming
    const up = page.getByRole('region', { name: 'Upcoming' });
    await up.getByText('Ask Dana Fox for an intro to Sam Ortiz').waitFor();
    await page.screenshot({ path: join(OUT, 'today-thanks-upcoming-390.png'), fullPage: true });
    const [ref] = await readTable(page, 'referrals');
    assert.deepEqual([ref.ask_id, ref.contact_id, ref.direction, ref.prospect], [id(2), id(1), 'received', 'Lee Park']);
    // the referral page: status, thanks due, follow-up; thanked by card from there
    await page.goto(`${server.url}/#/referrals/${ref.id}`);
    const status = page.getByRole('region', { name: 'Where it stands' });
    await status.getByText('Thank-you due').waitFor();
    await status.getByText('From your ask').waitFor();
    await page.screenshot({ path: join(OUT, 'referral-status-390.png') });
    await status.getByRole('button', { name: 'Card' }).click();
    await status.getByText('Thanked').waitFor();
    await synced(page);
    // the server plans the "tell them how it went" follow-up two weeks after the thanks
    let follow;
    for (let i = 0; i < 50 && !follow; i++) {
      follow = (await apiPullAll(server.url, token)).find((c) => c.entity === 'reminder' && c.record.kind === 'follow_up' && c.record.subject?.id === ref.id && c.record.status === 'pending');
      if (!follow) await page.waitForTimeout(200);
    }
    assert.ok(follow, 'a follow-up was planned');
    await page.reload();
    await status.getByText(/Follow-up planned for/).waitFor();
    assert.equal((await apiPullAll(server.url, token)).filter((c) => c.entity === 'referral').at(-1).record.ask_id, id(2));
    assert.deepEqual(errors, []);
    await ctx.close();
  });

  it('search: finds a note by a word in its body and a contact by what they do, offline, ranked as you type', async () => {
    const { ctx, page, errors, token, id } = await phoneToSeed(browser, server.url, 'search');
    await seedRecords(server.url, token, [
      { entity: 'contact', record_id: id(1), fields: { name: 'Priya Shah', what_they_do: 'Tax advice for founders', tags: ['alumni'] } },
      { entity: 'contact', record_id: id(2), fields: { name: 'Olu Adeyemi', company: 'Harbor Museum' } },
      { entity: 'note', record_id: id(3), fields: { body: 'Olu knows the zeppelin museum director and a tax partner.', contact_ids: [id(2)] } },
    ]);
    await page.goto(`${server.url}/#/contacts`);
    await page.getByRole('link', { name: /Olu Adeyemi/ }).waitFor();
    await page.goto(`${server.url}/#/search`);
    await page.getByLabel('Search people and notes').waitFor();
    await ctx.setOffline(true);
    await page.reload(); // the search chunk comes from the service worker's cache
    const box = page.getByLabel('Search people and notes');
    await box.waitFor();
    // the box keeps the focus it opens with (the keyboard is up): the screen's heading, focused
    // for screen readers a moment later, once took it and the letters typed after the first
    await page.waitForTimeout(300);
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('type')), 'search');
    await box.pressSequentially('zeppe', { delay: 30 });
    const notes = page.getByRole('region', { name: 'Notes' });
    await notes.getByText(/zeppelin museum director/).waitFor();
    await box.fill('tax');
    const people = page.getByRole('region', { name: 'People' });
    await people.getByRole('link', { name: /Priya Shah/ }).waitFor();
    const names = await people.locator('.name').allInnerTexts();
    assert.deepEqual(names, ['Priya Shah', 'Olu Adeyemi'], 'what they do ranks above a mention in a note');
    await page.screenshot({ path: join(OUT, 'search-offline-390.png') });
    for (const q of ['(tax)*[', '.*', 'tax '.repeat(1250)]) {
      await box.fill(q);
      await page.waitForTimeout(50);
    }
    await people.getByRole('link', { name: /Priya Shah/ }).waitFor();
    // the contact list's search is the same ranked search
    await page.goto(`${server.url}/#/contacts`);
    await page.getByPlaceholder('Name, company, what they do, tag').fill('tax');
    await page.getByRole('link', { name: /Olu Adeyemi/ }).waitFor();
    // tags are edited on the contact, with the tags in use offered
    await ctx.setOffline(false);
    await page.goto(`${server.url}/#/contacts/${id(2)}/edit`);
    await page.getByRole('group', { name: 'Suggested tags' }).getByRole('button', { name: 'alumni' }).click();
    await page.getByLabel('Add a tag').fill('board');
    await page.getByLabel('Add a tag').press('Enter');
    await page.getByRole('button', { name: 'Save' }).first().click();
    await page.getByText('Saved', { exact: true }).waitFor();
    assert.deepEqual((await readTable(page, 'contacts')).find((c) => c.id === id(2)).tags, ['alumni', 'board']);
    assert.deepEqual(errors, []);
    await ctx.close();
  });

  it('reminders set-up reaches a clear result in a browser without a push service', async () => {
    // granted but no push service (headless Chromium refuses a channel); blocked; and a push
    // service that never answers, which left the button on "One moment…" for good
    for (const kind of ['granted', 'blocked', 'silent']) {
      const { ctx, page } = await newPhone(browser, server.url, email('notif'), {
        prepare: async (ctx) => {
          if (kind !== 'blocked') await ctx.grantPermissions(['notifications'], { origin: server.url });
          if (kind === 'silent') {
            await ctx.addInitScript(() => {
              PushManager.prototype.subscribe = () => new Promise(() => {});
              PushManager.prototype.getSubscription = () => Promise.resolve(null);
            });
          }
        },
      });
      await page.goto(`${server.url}/#/settings`);
      const section = page.getByRole('region', { name: 'Reminders on this device' });
      await section.getByRole('button', { name: 'Turn on reminders' }).click();
      const t0 = Date.now();
      await page.waitForFunction(() => !/Setting up|One moment/.test(document.querySelector('[aria-labelledby="reminders"]')?.textContent ?? ''), null, { timeout: 10_000 });
      const took = Date.now() - t0;
      const state = await section.getAttribute('data-push');
      assert.ok(took < 10_000, `${kind}: ${took} ms`);
      assert.equal(state, { granted: 'unsupported', blocked: 'denied', silent: 'unsupported' }[kind], kind);
      await section.getByRole('status').waitFor();
      if (kind === 'silent') await section.getByText(/did not answer when asked for a push channel/).waitFor();
      await page.screenshot({ path: join(OUT, `reminders-${kind}-390.png`) });
      await ctx.close();
    }
  });

  it('layout: records at the limits the contract allows (names without a space, a 100,000-character note, 50 tags, right-to-left and emoji) fit the phone on every screen', async () => {
    const { ctx, page, errors, token, id } = await phoneToSeed(browser, server.url, 'limits');
    const day = (d) => new Date(Date.now() + d * 86400_000).toISOString().slice(0, 10);
    const long = (unit, n) => unit.repeat(Math.ceil(n / unit.length)).slice(0, n);
    const rtl = long('مرحبا بالعالم 🙂 ', 200);
    await seedRecords(server.url, token, [
      {
        entity: 'contact',
        record_id: id(1),
        fields: {
          name: long('W', 200),
          company: long('Ĉompany', 200),
          role: rtl,
          email: `${long('e', 240)}@example.com`,
          phone: long('9', 50),
          what_they_do: long('Tax advice for founders, ', 5000),
          how_met: long('Chamber mixer ', 5000),
          tags: Array.from({ length: 50 }, (_, i) => long(`tag${i}-`, 50)),
          stage: 'trust',
          kind: 'client',
        },
      },
      { entity: 'contact', record_id: id(2), fields: { name: rtl, company: long('🙂', 100) } },
      { entity: 'note', record_id: id(3), fields: { body: long('Zeppelinmuseumdirectorintroduction', 60_000) + long(' a tax partner\n', 40_000), contact_ids: [id(1), id(2)], signals: [{ contact_id: id(1), kind: 'praised' }] } },
      { entity: 'ask', record_id: id(4), fields: { contact_id: id(1), target: long('T', 300), why: long('W', 5000), trigger: { kind: 'date', value: day(-1) } } },
      { entity: 'referral', record_id: id(5), fields: { direction: 'received', contact_id: id(2), prospect: long('P', 300), notes: long('N', 5000) } },
      { entity: 'event', record_id: id(6), fields: { title: long('E', 300), place: long('Ü', 300), starts_at: new Date(Date.now() + 86400_000).toISOString(), contact_ids: [id(1), id(2)] } },
    ]);
    await page.goto(`${server.url}/#/contacts`);
    await page.getByRole('link', { name: /^W+/ }).first().waitFor();
    const overflow = [];
    for (const [name, path] of Object.entries({
      today: '/#/today',
      contacts: '/#/contacts',
      contact: `/#/contacts/${id(1)}`,
      'contact-rtl': `/#/contacts/${id(2)}`,
      'contact-edit': `/#/contacts/${id(1)}/edit`,
      note: `/#/notes/${id(3)}`,
      asks: '/#/asks',
      ask: `/#/asks/${id(4)}`,
      referrals: '/#/referrals',
      referral: `/#/referrals/${id(5)}`,
      next: '/#/next',
      search: '/#/search?q=zeppelin',
    })) {
      await page.goto(`${server.url}${path}`);
      await page.locator('main h1').first().waitFor();
      await page.waitForTimeout(100);
      const wide = await page.evaluate(() => {
        const w = document.documentElement.clientWidth;
        const out = [...document.querySelectorAll('main *')].filter((e) => e.getBoundingClientRect().right > w + 1 && getComputedStyle(e).position !== 'fixed');
        return { page: document.documentElement.scrollWidth - w, elements: out.slice(0, 3).map((e) => `${e.tagName.toLowerCase()}.${e.className}`) };
      });
      if (wide.page > 0 || wide.elements.length) overflow.push(`${path}: wider than the phone by ${wide.page} px: ${wide.elements.join(', ')}`);
      await page.screenshot({ path: join(OUT, `limits-${name}-390.png`) });
    }
    assert.deepEqual(overflow, []);
    assert.deepEqual(errors, []);
    await ctx.close();
  });

  it('layout: the end of long forms is not under the tab bar or the + button, at 390×844, 360×640 and 200 % text', async () => {
    const { ctx, page } = await newPhone(browser, server.url, email('layout'));
    for (const [w, h, zoom] of [
      [390, 844, 1],
      [360, 640, 1],
      [390, 844, 2],
      [360, 640, 2],
    ]) {
      await page.setViewportSize({ width: w, height: h });
      for (const [path, last] of [
        ['/#/capture', 'Save note'],
        ['/#/contacts/new', 'Save'],
        ['/#/asks/new', 'Plan this ask'],
      ]) {
        await page.goto(`${server.url}${path}`);
        await page.evaluate((z) => (document.documentElement.style.fontSize = `${z * 100}%`), zoom);
        const btn = page.locator('button.big[type=submit]');
        await btn.waitFor();
        await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
        await page.waitForTimeout(50);
        const b = await btn.boundingBox();
        const tabs = await page.locator('nav.tabs').boundingBox();
        const disc = await page.locator('nav.tabs .disc').boundingBox();
        assert.ok(b.y + b.height <= Math.min(tabs.y, disc.y), `${path} at ${w}×${h}, ${zoom * 100} %: "${last}" ends at ${b.y + b.height}, the tab bar starts at ${Math.min(tabs.y, disc.y)}`);
        // the last control, reached with the keyboard from the top, scrolls clear of the bar too
        await page.evaluate(() => window.scrollTo(0, 0));
        const end = page.locator('main :is(input, textarea, select, button):not([disabled])').last();
        await end.focus();
        const f = await end.boundingBox();
        const tabs2 = await page.locator('nav.tabs').boundingBox();
        assert.ok(f.y + f.height <= tabs2.y, `${path} at ${w}×${h}, ${zoom * 100} %: the focused last control ends at ${f.y + f.height}, under the tab bar at ${tabs2.y}`);
        if (path === '/#/capture') await page.screenshot({ path: join(OUT, `layout-capture-end-${w}x${h}-${zoom * 100}.png`) });
      }
    }
    await ctx.close();
  });

  it('"How was coffee with Dana?": a push when a planned meeting ends opens the capture screen with the people and the event; none once a note exists', async () => {
    const { ctx, page, errors, worker: sw, pushes, token, api } = await pushPhone(browser, server.url, email('howwas'), startPushService);
    assert.equal((await api('POST', '/push/subscriptions', pushes.subscription())).status, 201);
    const iso = (ms) => new Date(Date.now() + ms).toISOString();
    const id = idsFor();
    await seedRecords(server.url, token, [
      { entity: 'contact', record_id: id(1), fields: { name: 'Dana Fox' } },
      // planned on the calendar, just ended
      { entity: 'event', record_id: id(2), fields: { title: 'Coffee with Dana', kind: 'coffee', starts_at: iso(-50 * 60_000), ends_at: iso(-60_000), contact_ids: [id(1)] } },
      // also just ended, but its note is already written: no push
      { entity: 'event', record_id: id(3), fields: { title: 'Lunch with Dana', kind: 'lunch', starts_at: iso(-90 * 60_000), ends_at: iso(-30 * 60_000), contact_ids: [id(1)] } },
      { entity: 'note', record_id: id(4), fields: { body: 'Lunch went well', event_id: id(3), contact_ids: [id(1)], meeting_at: iso(-90 * 60_000) } },
    ]);
    for (let i = 0; i < 150 && !pushes.messages.length; i++) await page.waitForTimeout(100);
    await page.waitForTimeout(1500); // anything else due would have gone out with it
    assert.equal(pushes.messages.length, 1, JSON.stringify(pushes.messages));
    const { payload } = pushes.messages[0];
    assert.equal(payload.title, 'How was coffee with Dana?');
    assert.equal(payload.body, 'Jot it down while it is fresh.');
    assert.ok(payload.url.endsWith(`/#/capture?event=${id(2)}`), payload.url);
    // the phone shows it, and a tap opens the capture screen for that meeting
    const shown = await deliverPush(page, sw, server.url, payload);
    assert.deepEqual(shown, { title: 'How was coffee with Dana?', body: 'Jot it down while it is fresh.' });
    const worker = ctx.serviceWorkers().find((w) => w.url().startsWith(server.url));
    await worker.evaluate(async () => {
      const [n] = await self.registration.getNotifications();
      self.dispatchEvent(new NotificationEvent('notificationclick', { notification: n }));
    });
    const opened = await (async () => {
      for (let i = 0; i < 50; i++) {
        const p = ctx.pages().find((x) => x.url().includes(`#/capture?event=${id(2)}`));
        if (p) return p;
        await page.waitForTimeout(100);
      }
      return null;
    })();
    assert.ok(opened, `the tap opened the capture screen: ${ctx.pages().map((p) => p.url())}`);
    await opened.getByRole('heading', { level: 1, name: 'How was it?' }).waitFor();
    await opened.getByRole('button', { name: 'Dana Fox, picked. Tap to remove' }).waitFor();
    await opened.getByText('Coffee with Dana', { exact: true }).waitFor();
    await opened.screenshot({ path: join(OUT, 'capture-how-was-it-390.png') });
    await opened.getByLabel('What happened?').fill('Dana wants the audit for her second shop.');
    await opened.getByRole('button', { name: 'Save note' }).click();
    await opened.getByText('Note saved').waitFor();
    const note = (await readTable(opened, 'notes')).find((n) => n.body.startsWith('Dana wants'));
    assert.deepEqual([note.event_id, note.contact_ids], [id(2), [id(1)]]);
    assert.equal((await readTable(opened, 'events')).length, 2, 'no second event made');
    await synced(opened);
    const recs = await apiPullAll(server.url, token);
    const capture = recs.filter((c) => c.entity === 'reminder' && c.record.kind === 'capture' && c.record.subject.id === id(2)).at(-1).record;
    assert.equal(capture.status === 'sent' || capture.status === 'done', true, capture.status);
    await pushes.close();
    assert.deepEqual(errors, []);
    await ctx.close();
  });
});
