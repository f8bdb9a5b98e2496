// LinkedIn's Connections.csv and Google Contacts' CSV, read with Papa Parse. LinkedIn puts a few
// lines of notes above the header, so the header is found by its columns, not by position.
import Papa from 'papaparse';
import { ImportError, MAX_PEOPLE, clip, words, type Person, type Source } from './people';

type Row = string[];

/** Where the columns are, by name; one layout per source. */
interface Layout {
  source: Source;
  /** True when a header row is this layout's. */
  matches(cols: Map<string, number>): boolean;
  read(get: (col: string) => string | undefined, all: (pattern: RegExp) => string[]): Omit<Person, 'source' | 'at'> | null;
}

const LINKEDIN: Layout = {
  source: 'LinkedIn',
  matches: (c) => c.has('first name') && c.has('last name') && (c.has('connected on') || c.has('url')),
  read: (get) => {
    const email = get('email address');
    const name = words(get('first name'), get('last name')) ?? email;
    if (!name) return null;
    return {
      name,
      company: get('company'),
      role: get('position'),
      emails: email ? [email] : [],
      phones: [],
      url: get('url'),
      connectedOn: get('connected on'),
      tags: [],
    };
  },
};

const GOOGLE: Layout = {
  source: 'Google Contacts',
  matches: (c) => (c.has('first name') || c.has('given name') || c.has('name')) && [...c.keys()].some((k) => /^e-mail 1 - value$|^phone 1 - value$/.test(k)),
  read: (get, all) => {
    const emails = all(/^e-mail \d+ - value$/).flatMap((v) => v.split(' ::: '));
    const name =
      words(get('first name') ?? get('given name'), get('middle name') ?? get('additional name'), get('last name') ?? get('family name')) ??
      get('name') ??
      get('file as') ??
      emails[0] ??
      get('organization name') ??
      get('organization 1 - name');
    if (!name) return null;
    return {
      name,
      company: get('organization name') ?? get('organization 1 - name'),
      role: get('organization title') ?? get('organization 1 - title'),
      emails,
      phones: all(/^phone \d+ - value$/).flatMap((v) => v.split(' ::: ')),
      note: get('notes'),
      url: get('website 1 - value'),
      tags: (get('labels') ?? get('group membership') ?? '')
        .split(' ::: ')
        .map((t) => t.replace(/^\*\s*/, '').trim())
        .filter((t) => t && t !== 'myContacts' && t !== 'My Contacts'),
    };
  },
};

const LAYOUTS = [LINKEDIN, GOOGLE];

/** Reads a LinkedIn or Google Contacts CSV; throws ImportError naming the bad line. */
export function parseCSV(text: string): { people: Person[]; skipped: number; source: Source } {
  // Empty lines are kept (and skipped below) so a row's index is its line number in the file.
  const res = Papa.parse<Row>(text.replace(/^\uFEFF/, ''), { skipEmptyLines: false });
  const fatal = res.errors.find((e) => e.type === 'Quotes');
  if (fatal) {
    throw new ImportError(`a quoted field does not close (${fatal.message})`, `Line ${(fatal.row ?? 0) + 1}`);
  }
  const rows = res.data;
  // The header is the first of the first 30 rows whose columns a layout knows.
  for (let h = 0; h < Math.min(rows.length, 30); h++) {
    const cols = new Map(rows[h].map((c, i) => [c.trim().toLowerCase(), i] as const));
    const layout = LAYOUTS.find((l) => l.matches(cols));
    if (!layout) continue;
    if (rows.length - h - 1 > MAX_PEOPLE) throw new ImportError(`this file has more than ${MAX_PEOPLE.toLocaleString()} rows; split it into smaller files`);
    const people: Person[] = [];
    let skipped = 0;
    for (let r = h + 1; r < rows.length; r++) {
      const row = rows[r];
      if (row.every((c) => !c.trim())) continue;
      const get = (col: string) => clip(row[cols.get(col) ?? -1], 5000);
      const all = (re: RegExp) => [...cols].filter(([k]) => re.test(k)).map(([, i]) => row[i]?.trim()).filter((v): v is string => !!v);
      const p = layout.read(get, all);
      if (p) people.push({ ...p, source: layout.source, at: `Line ${r + 1}` });
      else skipped++;
    }
    return { people, skipped, source: layout.source };
  }
  throw new ImportError(
    'this CSV has none of the columns Askwell knows. Use LinkedIn’s Connections.csv (First Name, Last Name, URL, Email Address, Company, Position, Connected On) or a Google Contacts export.',
  );
}
