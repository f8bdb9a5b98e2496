// vCard 3.0 and 4.0 (and the 2.1 phones still write) read with ical.js, Mozilla's RFC 6350
// parser. Each card is parsed on its own so an error names the card and its line. Before that,
// two things ical.js does not do for 2.1 are undone line by line: quoted-printable values (with
// their "=" soft line breaks) and bare TYPE parameters ("TEL;CELL:").
import ICAL from 'ical.js';
import { decode as qpDecode } from 'quoted-printable';
import { ImportError, MAX_PEOPLE, clip, words, type Person } from './people';

const BARE_TYPES = new Set(['HOME', 'WORK', 'CELL', 'VOICE', 'FAX', 'PREF', 'INTERNET', 'MOBILE', 'OTHER', 'MAIN', 'PAGER', 'X400']);

/** Splits the name part of a content line into the name and its parameters. */
function head(line: string): { name: string; params: string[]; value: string } | null {
  const colon = line.indexOf(':');
  if (colon < 0) return null;
  const [name, ...params] = line.slice(0, colon).split(';');
  return { name, params, value: line.slice(colon + 1) };
}

/** Text as vCard escapes it (after quoted-printable decoding turned escapes into raw text). */
const escapeText = (s: string) => s.replace(/\\/g, '\\\\').replace(/\r?\n/g, '\\n');

/** Rewrites one 2.1-style line the way 3.0 writes it; other lines pass unchanged. */
function modernise(line: string): string {
  if (line.startsWith(' ') || line.startsWith('\t')) return line; // a folded continuation
  const h = head(line);
  if (!h || h.params.length === 0) return line;
  let qp = false;
  let charset = 'utf-8';
  const params: string[] = [];
  for (const p of h.params) {
    const [k, v] = p.split('=');
    const key = k.toUpperCase();
    if (v === undefined && BARE_TYPES.has(key)) params.push(`TYPE=${key}`);
    else if (key === 'ENCODING' && v?.toUpperCase() === 'QUOTED-PRINTABLE') qp = true;
    else if (key === 'CHARSET') charset = v ?? charset;
    else params.push(p);
  }
  let value = h.value;
  if (qp) {
    const bytes = Uint8Array.from(qpDecode(value), (c) => c.charCodeAt(0));
    let decoder: TextDecoder;
    try {
      decoder = new TextDecoder(charset);
    } catch {
      decoder = new TextDecoder(); // a charset the browser does not know: UTF-8 is the usual truth
    }
    value = escapeText(decoder.decode(bytes));
  }
  return [h.name, ...params].join(';') + ':' + value;
}

/** Joins quoted-printable soft line breaks ("=" at the end of a line) into one line. */
function joinSoftBreaks(lines: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i];
    if (/ENCODING=QUOTED-PRINTABLE/i.test(line.slice(0, line.indexOf(':') + 1))) {
      while (line.endsWith('=') && i + 1 < lines.length) line = line.slice(0, -1) + lines[++i].trimStart();
    }
    out.push(line);
  }
  return out;
}

const first = (v: unknown): string | undefined => {
  if (Array.isArray(v)) return typeof v[0] === 'string' ? v[0] : undefined;
  return typeof v === 'string' ? v : undefined;
};

function toPerson(card: ICAL.Component, at: string): Person | null {
  const all = (name: string) =>
    card
      .getAllProperties(name)
      .map((p) => first(p.getFirstValue())?.trim())
      .filter((v): v is string => !!v);
  const n = card.getFirstPropertyValue('n') as unknown;
  const nParts = Array.isArray(n) ? (n as unknown[]).map((x) => first(x) ?? '') : [];
  const org = card.getFirstPropertyValue('org') as unknown;
  const company = first(org);
  const name =
    words(first(card.getFirstPropertyValue('fn') as unknown)) ??
    words(nParts[3], nParts[1], nParts[2], nParts[0], nParts[4]) ??
    all('email')[0] ??
    company;
  if (!name) return null;
  const tags = card
    .getAllProperties('categories')
    .flatMap((p) => p.getValues() as unknown[])
    .map((v) => first(v)?.trim())
    .filter((v): v is string => !!v);
  return {
    name,
    company: clip(company, 200),
    role: clip(first(card.getFirstPropertyValue('title') as unknown), 200),
    emails: all('email').map((e) => e.replace(/^mailto:/i, '')),
    phones: all('tel').map((t) => t.replace(/^tel:/i, '')),
    note: first(card.getFirstPropertyValue('note') as unknown),
    url: first(card.getFirstPropertyValue('url') as unknown),
    tags,
    source: 'vCard',
    at,
  };
}

/** True when the text looks like vCards. */
export function isVCard(text: string): boolean {
  return /^\s*BEGIN:VCARD/i.test(text.replace(/^\uFEFF/, ''));
}

/** Reads every card of a .vcf file; throws ImportError naming the first bad card. */
export function parseVCards(text: string): { people: Person[]; skipped: number } {
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/);
  const people: Person[] = [];
  let skipped = 0;
  let start = -1;
  let cardNo = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (/^BEGIN:VCARD\s*$/i.test(line)) {
      if (start >= 0) throw new ImportError('a new card begins before this one ended (END:VCARD missing)', `Card ${cardNo} (line ${start + 1})`);
      start = i;
      cardNo++;
      if (cardNo > MAX_PEOPLE) throw new ImportError(`this file has more than ${MAX_PEOPLE.toLocaleString()} cards; split it into smaller files`);
    } else if (/^END:VCARD\s*$/i.test(line)) {
      if (start < 0) throw new ImportError('END:VCARD without a BEGIN:VCARD', `Line ${i + 1}`);
      const where = `Card ${cardNo} (line ${start + 1})`;
      const src = joinSoftBreaks(lines.slice(start, i + 1)).map(modernise).join('\r\n') + '\r\n';
      let card: ICAL.Component;
      try {
        card = new ICAL.Component(ICAL.parse(src) as unknown[]);
      } catch (e) {
        throw new ImportError(String((e as Error).message ?? e), where);
      }
      const p = toPerson(card, where);
      if (p) people.push(p);
      else skipped++;
      start = -1;
    } else if (start < 0 && line.trim() !== '') {
      throw new ImportError('text outside a card; is this really a vCard file?', `Line ${i + 1}`);
    }
  }
  if (start >= 0) throw new ImportError('the card does not end (END:VCARD missing)', `Card ${cardNo} (line ${start + 1})`);
  if (cardNo === 0) throw new ImportError('no cards found in this file');
  return { people, skipped };
}
