import { describe, expect, it } from 'vitest';
import Papa from 'papaparse';
import { encode as qpEncode } from 'quoted-printable';
import { AskwellDB } from '../src/db/db';
import { put } from '../src/db/store';
import { uuidv7 } from '../src/db/uuid';
import { backupJSON, commit, ImportError, prepare, tableCSV } from '../src/io';
import { findDuplicates } from '../src/io/dedupe';
import { mergeContacts } from '../src/io/merge';
import { parseCSV } from '../src/io/csv';
import { followMerges } from '../src/io/follow';
import { parseVCards } from '../src/io/vcard';
import { FakeServer } from './fake-server';
import { device, twoDevices } from './helpers';

const fresh = () => new AskwellDB(`io-${Math.random().toString(36).slice(2)}`);
const file = (text: string | Uint8Array<ArrayBuffer>, name = 'contacts.vcf') => Object.assign(new Blob([text]), { name });

/** Folds a content line at 75 octets the way RFC 6350 §3.2 says (CRLF then one space). */
function fold(line: string): string {
  const out: string[] = [];
  for (let rest = line; rest.length; rest = rest.slice(out.length === 1 ? 75 : 74)) out.push(rest.slice(0, out.length === 0 ? 75 : 74));
  return out.join('\r\n ');
}

/** Quoted-printable the way Android writes it: UTF-8 bytes, soft breaks every 70 characters. */
function qp(text: string): string {
  const binary = String.fromCharCode(...new TextEncoder().encode(text));
  return qpEncode(binary).replace(/=\r\n/g, '').replace(/(.{70})/g, '$1=\r\n');
}

function card(lines: string[], version = '3.0'): string {
  return ['BEGIN:VCARD', `VERSION:${version}`, ...lines, 'END:VCARD'].join('\r\n') + '\r\n';
}

const danaCard = card([
  'N:Ødegård;Dana;;;',
  'FN:Dana Ødegård 🌱',
  'ORG:Harbor Museum;Board',
  'TITLE:Chair',
  'EMAIL;TYPE=INTERNET,WORK:Dana@Harbor.org',
  'EMAIL;TYPE=HOME:dana@home.example',
  'TEL;TYPE=CELL:+49 170 1234567',
  fold('NOTE:Met at the museum gala in spring; she sits on the board with Lee and knows half of the city\\, loves sailing.'),
  'CATEGORIES:Board,Sailing',
]);

describe('vCard', () => {
  it('reads many cards of 3.0, 4.0 and 2.1, folded lines and quoted-printable', () => {
    const text =
      danaCard +
      card(['FN:נועה כהן', 'EMAIL:noa@example.co.il', 'ORG:חברה'], '4.0') +
      card(
        [
          `FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:${qp('Zoë Ångström — the one with the very long name that needs soft line breaks')}`,
          'TEL;CELL:0170 555 0101',
          `NOTE;ENCODING=QUOTED-PRINTABLE:${qp('Line one\nLine two')}`,
        ],
        '2.1',
      ) +
      card(['N:;;;;', 'EMAIL:only-an-email@example.com']) +
      card(['N:;;;;']);
    expect(text).toContain('=\r\n'); // the fixture really has soft line breaks
    expect(text).toMatch(/\r\n [^\r]/); // and a folded line
    const { people, skipped } = parseVCards(text);
    expect(skipped).toBe(1); // the card with nothing to call them by
    expect(people.map((p) => p.name)).toEqual([
      'Dana Ødegård 🌱',
      'נועה כהן',
      'Zoë Ångström — the one with the very long name that needs soft line breaks',
      'only-an-email@example.com',
    ]);
    expect(people[0]).toMatchObject({
      company: 'Harbor Museum',
      role: 'Chair',
      emails: ['Dana@Harbor.org', 'dana@home.example'],
      phones: ['+49 170 1234567'],
      tags: ['Board', 'Sailing'],
      note: 'Met at the museum gala in spring; she sits on the board with Lee and knows half of the city, loves sailing.',
    });
    expect(people[2]).toMatchObject({ phones: ['0170 555 0101'], note: 'Line one\nLine two' });
  });

  it('reads quoted-printable in a charset the browser does not know as UTF-8', () => {
    const { people } = parseVCards(card(['FN;CHARSET=X-PHONE-UNKNOWN;ENCODING=QUOTED-PRINTABLE:Zo=C3=AB'], '2.1'));
    expect(people[0].name).toBe('Zoë');
  });

  it('names the card and line that is wrong', () => {
    const bad = danaCard + card(['FN Dana without a colon']) + danaCard;
    expect(() => parseVCards(bad)).toThrow(ImportError);
    expect(() => parseVCards(bad)).toThrow(/^Card 2 \(line 14\)/);
    expect(() => parseVCards(danaCard + 'BEGIN:VCARD\r\nFN:Half\r\n')).toThrow(/Card 2 .*does not end/);
    expect(() => parseVCards('hello\r\n' + danaCard)).toThrow(/Line 1: text outside a card/);
  });
});

const linkedIn = (rows: string[][]) =>
  [
    'Notes:',
    '"When exporting your connection data, you may notice that some of the email addresses are missing. You will only see email addresses for connections who have allowed their connections to see or download their email address using this setting https://www.linkedin.com/psettings/privacy/email. You can learn more here https://www.linkedin.com/help/linkedin/answer/261"',
    '',
    'First Name,Last Name,URL,Email Address,Company,Position,Connected On',
    ...rows.map((r) => Papa.unparse([r])),
  ].join('\n') + '\n';

describe('CSV', () => {
  it('reads LinkedIn Connections.csv with its notes above the header', () => {
    const text = linkedIn([
      ['Lee', 'Park', 'https://www.linkedin.com/in/leepark', 'lee@example.com', 'Park & Sons, Ltd.', 'Owner', '12 Mar 2024'],
      ['Sam', 'Ng', 'https://www.linkedin.com/in/samng', '', 'Acme', 'CTO', '01 Jan 2025'],
    ]);
    const { people, source } = parseCSV(text);
    expect(source).toBe('LinkedIn');
    expect(people[0]).toMatchObject({ name: 'Lee Park', company: 'Park & Sons, Ltd.', role: 'Owner', emails: ['lee@example.com'], url: 'https://www.linkedin.com/in/leepark', connectedOn: '12 Mar 2024', at: 'Line 5' });
    expect(people[1].emails).toEqual([]);
  });

  it('reads a Google Contacts export', () => {
    const text = Papa.unparse([
      ['First Name', 'Middle Name', 'Last Name', 'Organization Name', 'Organization Title', 'E-mail 1 - Label', 'E-mail 1 - Value', 'E-mail 2 - Value', 'Phone 1 - Value', 'Labels', 'Notes'],
      ['Ana', '', 'Silva', 'Brightside', 'Founder', '* Work', 'ana@brightside.io', 'ana@home.example ::: ana2@home.example', '+1 415 555 0100', '* myContacts ::: Clients', 'Intro from Dana'],
    ]);
    const { people, source } = parseCSV(text);
    expect(source).toBe('Google Contacts');
    expect(people[0]).toMatchObject({ name: 'Ana Silva', company: 'Brightside', role: 'Founder', emails: ['ana@brightside.io', 'ana@home.example', 'ana2@home.example'], phones: ['+1 415 555 0100'], tags: ['Clients'], note: 'Intro from Dana' });
  });

  it('refuses a CSV with other columns, and an unclosed quote by its line', () => {
    expect(() => parseCSV('Product,Price\nTea,3\n')).toThrow(/none of the columns Askwell knows/);
    expect(() => parseCSV(linkedIn([['A', 'B', 'u', 'e', 'c', 'p', 'd']]) + '"Broken,Row,\n')).toThrow(/Line 6/);
  });
});

describe('import', () => {
  it('previews new, duplicate and merge, then writes everything in one transaction through the outbox', async () => {
    const db = fresh();
    const danaId = uuidv7();
    const leeId = uuidv7();
    await put(db, 'contact', danaId, { name: 'Dana', email: 'dana@harbor.org', stage: 'trust' });
    await put(db, 'contact', leeId, { name: 'Lee Park', company: 'Park & Sons, Ltd.', email: 'lee@example.com', role: 'Owner', phone: '1', how_met: 'x' });
    await db.outbox.clear();
    const text = linkedIn([
      ['Dana', 'Ødegård', 'https://www.linkedin.com/in/dana', 'DANA@harbor.org ', 'Harbor Museum', 'Chair', '12 Mar 2024'],
      ['Lee', 'Park', '', '', 'Park & Sons, Ltd.', 'Owner', '12 Mar 2024'],
      ['Kim', 'Lo', '', 'kim@lo.example', 'Lo Studio', 'Designer', '02 Feb 2025'],
      ['Kim', 'Lo', '', '', 'Lo Studio', '', '02 Feb 2025'],
    ]);
    const p = await prepare(db, file(text, 'Connections.csv'));
    if (p.kind !== 'people') throw new Error('want people');
    expect(p.plan.counts).toEqual({ new: 1, duplicate: 2, merge: 1 });
    expect(await db.contacts.count()).toBe(2); // a preview writes nothing

    expect(await commit(db, p)).toBe(2);
    const dana = await db.contacts.get(danaId);
    expect(dana).toMatchObject({ name: 'Dana', stage: 'trust', company: 'Harbor Museum', role: 'Chair', email: 'dana@harbor.org' });
    const kim = (await db.contacts.toArray()).find((c) => c.name === 'Kim Lo')!;
    expect(kim).toMatchObject({ stage: 'met', company: 'Lo Studio', email: 'kim@lo.example' });
    expect(kim.how_met).toMatch(/^Imported from LinkedIn; connected 02 Feb 2025\./);
    const out = await db.outbox.toArray();
    expect(out.map((e) => [e.entity, e.op, e.record_id]).sort()).toEqual(
      [['contact', 'put', danaId], ['contact', 'put', kim.id]].sort(),
    );
    expect(new Set(out.map((e) => e.at)).size).toBe(1); // one transaction
  });

  it('refuses bad files and changes nothing', async () => {
    const db = fresh();
    await expect(prepare(db, file(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0, 1, 2]), 'photo.vcf'))).rejects.toThrow(/not a text file/);
    await expect(prepare(db, file(new Uint8Array(20 * 1024 * 1024).fill(65), 'big.vcf'))).rejects.toThrow(/20 MB/);
    await expect(prepare(db, file('{"hello": 1}', 'x.json'))).rejects.toThrow(/not an Askwell export/);
    const bad = danaCard.repeat(3) + card(['FN Dana']) + danaCard;
    await expect(prepare(db, file(bad))).rejects.toThrow(/^Card 4 \(line 4[0-9]\)/);
    expect(await db.contacts.count()).toBe(0);
    expect(await db.outbox.count()).toBe(0);
  });

  it('imports a vCard with 10,000 cards', async () => {
    const db = fresh();
    const many = Array.from({ length: 10_000 }, (_, i) => card([`FN:Person ${i}`, `EMAIL:p${i}@example.com`, `TEL:+1 555 ${String(i).padStart(7, '0')}`])).join('');
    const p = await prepare(db, file(many));
    if (p.kind !== 'people') throw new Error('want people');
    expect(p.plan.counts.new).toBe(10_000);
    expect(await commit(db, p)).toBe(10_000);
    expect(await db.contacts.count()).toBe(10_000);
    expect(await db.outbox.count()).toBe(10_000);
  });
});

async function seed(db: AskwellDB) {
  const dana = uuidv7();
  const lee = uuidv7();
  const ev = uuidv7();
  await put(db, 'contact', dana, { name: 'Dana "DJ" Ødegård', company: '=cmd|/c calc', stage: 'trust', tags: ['board', 'sailing'], kind: 'partner' });
  await put(db, 'contact', lee, { name: 'لي بارك', stage: 'met', email: 'lee@example.com' });
  await put(db, 'event', ev, { title: 'Coffee', starts_at: '2026-11-25T13:00:00.000Z', contact_ids: [dana] });
  await put(db, 'note', uuidv7(), { body: 'Dana praised the launch', event_id: ev, contact_ids: [dana, lee], signals: [{ contact_id: dana, kind: 'praised' }] });
  await put(db, 'ask', uuidv7(), { contact_id: dana, target: 'Harbor CFO', target_contact_id: lee, trigger: { kind: 'stage', value: 'trust' }, status: 'planned' });
  await put(db, 'referral', uuidv7(), { direction: 'received', contact_id: lee, prospect: 'Kim', prospect_contact_id: dana, status: 'open', thanks: { due_at: '2026-11-26T08:00:00.000Z' } });
  return { dana, lee, ev };
}

const strip = (doc: Record<string, unknown>) => {
  const out: Record<string, unknown> = {};
  for (const t of ['contacts', 'events', 'notes', 'asks', 'referrals']) {
    out[t] = (doc[t] as Array<Record<string, unknown>>).map(({ version, created_at, updated_at, ...rest }) => rest);
  }
  return out;
};

describe('export', () => {
  it('round-trips: export as JSON, import on an empty device, export again: equal', async () => {
    const a = fresh();
    await seed(a);
    const first = await backupJSON(a, null, new Date('2026-11-28T10:00:00Z'));
    const b = fresh();
    const p = await prepare(b, file(first, 'askwell-export.json'));
    expect(p).toMatchObject({ kind: 'backup', missing: 6, present: 0 });
    expect(await commit(b, p)).toBe(6);
    const second = await backupJSON(b, null, new Date('2026-11-28T10:00:00Z'));
    expect(strip(JSON.parse(second))).toEqual(strip(JSON.parse(first)));
    // The same file again adds nothing.
    const again = await prepare(b, file(first, 'askwell-export.json'));
    expect(again).toMatchObject({ missing: 0, present: 6 });
  });

  it('writes contacts, asks and referrals as CSV a spreadsheet opens safely', async () => {
    const db = fresh();
    await seed(db);
    const contacts = Papa.parse<Record<string, string>>(await tableCSV(db, 'contacts'), { header: true, skipEmptyLines: true }).data;
    expect(contacts.map((c) => c.name)).toEqual(['Dana "DJ" Ødegård', 'لي بارك']);
    expect(contacts[0]).toMatchObject({ company: "'=cmd|/c calc", tags: 'board; sailing', stage: 'trust' });
    const asks = Papa.parse<Record<string, string>>(await tableCSV(db, 'asks'), { header: true, skipEmptyLines: true }).data;
    expect(asks[0]).toMatchObject({ ask: 'Dana "DJ" Ødegård', target: 'Harbor CFO', trigger: 'stage: trust', status: 'planned' });
    const refs = Papa.parse<Record<string, string>>(await tableCSV(db, 'referrals'), { header: true, skipEmptyLines: true }).data;
    expect(refs[0]).toMatchObject({ direction: 'received', with: 'لي بارك', prospect: 'Kim', thanks_due: '2026-11-26' });
  });
});

describe('merge', () => {
  it('moves every note, signal, event, ask and referral to the survivor in one batch that converges', async () => {
    const { a, b } = await twoDevices();
    const { dana, lee } = await seed(a.db);
    const dup = uuidv7();
    await put(a.db, 'contact', dup, { name: 'Dana Odegard', email: 'dana@harbor.org', stage: 'met' });
    await put(a.db, 'note', uuidv7(), { body: 'Dana (dup) offered help', contact_ids: [dup], signals: [{ contact_id: dup, kind: 'offered_help' }] });
    await put(a.db, 'ask', uuidv7(), { contact_id: dup, trigger: { kind: 'after_days', value: '7' } });
    await a.engine.sync();
    await b.engine.sync();

    const pairs = findDuplicates((await a.db.contacts.toArray()).concat([]));
    expect(pairs.length).toBe(0); // different name spellings and no shared email: not found by itself
    await put(a.db, 'contact', dana, { email: 'DANA@harbor.org' });
    const found = findDuplicates(await a.db.contacts.toArray());
    expect(found.map(([x, y]) => [x.id, y.id].sort())).toEqual([[dana, dup].sort()]);

    await a.db.outbox.clear(); // so the batch below is the merge alone
    await put(a.db, 'contact', dana, { email: 'DANA@harbor.org' });
    const before = await a.db.outbox.count();
    await mergeContacts(a.db, dana, dup, { email: 'dana@harbor.org' });
    const batch = (await a.db.outbox.toArray()).slice(before);
    expect(new Set(batch.map((e) => e.at)).size).toBe(1);
    expect(batch.find((e) => e.op === 'delete')?.record_id).toBe(dup);

    await a.engine.sync();
    await b.engine.sync();
    for (const d of [a.db, b.db]) {
      expect((await d.contacts.get(dup))?.deleted_at).toBeTruthy();
      const notes = await d.notes.toArray();
      expect(notes.every((n) => !n.contact_ids?.includes(dup) && !n.signals?.some((s) => s.contact_id === dup))).toBe(true);
      expect(notes.filter((n) => n.contact_ids?.includes(dana)).length).toBe(2);
      expect((await d.asks.toArray()).filter((x) => x.contact_id === dana).length).toBe(2);
      expect((await d.contacts.get(dana))?.email).toBe('dana@harbor.org');
    }
    expect(await a.db.notes.toArray()).toEqual(await b.db.notes.toArray());
    expect(lee).toBeTruthy();
  });

  it('moves who knows whom to the survivor, and drops a link between the two it merged', async () => {
    const server = new FakeServer();
    const a = await device(server);
    const dana = uuidv7();
    const dup = uuidv7();
    const sam = uuidv7();
    await put(a.db, 'contact', dana, { name: 'Dana', stage: 'trust' });
    await put(a.db, 'contact', dup, { name: 'Dana O.', dream: true });
    await put(a.db, 'contact', sam, { name: 'Sam' });
    const samKnows = uuidv7();
    const self = uuidv7();
    await put(a.db, 'connection', samKnows, { contact_id: sam, other_contact_id: dup, via: 'club' });
    await put(a.db, 'connection', self, { contact_id: dana, other_contact_id: dup, via: 'family' });
    await mergeContacts(a.db, dana, dup, {});
    expect((await a.db.connections.get(samKnows))?.other_contact_id).toBe(dana);
    expect((await a.db.connections.get(self))?.deleted_at).toBeTruthy();
    await a.engine.sync();
    expect(await a.db.rejected.count()).toBe(0);
  });

  it('keeps what a device wrote about the merged contact while it was offline', async () => {
    const { a, b } = await twoDevices();
    const dana = uuidv7();
    const dup = uuidv7();
    await put(a.db, 'contact', dana, { name: 'Dana Ødegård', email: 'dana@harbor.org', stage: 'trust' });
    await put(a.db, 'contact', dup, { name: 'Dana O.', email: 'dana@harbor.org', stage: 'met' });
    await a.engine.sync();
    await b.engine.sync();

    // b goes offline and writes about the duplicate: a note, an ask, and her phone number.
    const note = uuidv7();
    const ask = uuidv7();
    await put(b.db, 'note', note, { body: 'Dana offered to intro the CFO', contact_ids: [dup], signals: [{ contact_id: dup, kind: 'offered_help' }] });
    await put(b.db, 'ask', ask, { contact_id: dup, trigger: { kind: 'after_days', value: '3' } });
    await put(b.db, 'contact', dup, { phone: '+49 170 1234567' });
    // Meanwhile a merges the duplicate into Dana.
    await mergeContacts(a.db, dana, dup, {});
    await a.engine.sync();

    // b comes back: its writes reach the server after the merge; following the merge moves them.
    await b.engine.sync();
    expect(await followMerges(b.db)).toBe(3);
    await b.engine.sync();
    await a.engine.sync();
    expect(await followMerges(a.db)).toBe(0); // b's moves already arrived: nothing left to do
    for (const d of [a.db, b.db]) {
      expect(await d.notes.get(note)).toMatchObject({ contact_ids: [dana], signals: [{ contact_id: dana, kind: 'offered_help' }] });
      expect(await d.asks.get(ask)).toMatchObject({ contact_id: dana });
      expect(await d.contacts.get(dana)).toMatchObject({ phone: '+49 170 1234567', stage: 'trust' });
      expect((await d.contacts.get(dup))?.deleted_at).toBeTruthy();
    }
    const strip = ({ version, ...r }: Record<string, unknown>) => r;
    expect((await a.db.contacts.toArray()).map(strip)).toEqual((await b.db.contacts.toArray()).map(strip));
    expect(await a.db.notes.toArray()).toEqual(await b.db.notes.toArray());
    expect(await followMerges(b.db)).toBe(0); // idempotent
  });
});
