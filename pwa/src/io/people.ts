// A person read from an import file, before it becomes a contact. Small on purpose: every format
// is mapped to this, and duplicates, preview and writes only deal with it.

export type Source = 'vCard' | 'LinkedIn' | 'Google Contacts';

export interface Person {
  name: string;
  company?: string;
  role?: string;
  emails: string[];
  phones: string[];
  note?: string;
  tags: string[];
  url?: string;
  /** When they connected (LinkedIn), as written in the file. */
  connectedOn?: string;
  source: Source;
  /** Where in the file it came from ("card 3", "line 12"), for messages. */
  at: string;
}

/** A file that cannot be imported; `where` names the card or line that is wrong. */
export class ImportError extends Error {
  constructor(
    message: string,
    readonly where?: string,
  ) {
    super(where ? `${where}: ${message}` : message);
    this.name = 'ImportError';
  }
}

/** Files larger than this are refused before reading: no export of a personal network is near it. */
export const MAX_FILE_BYTES = 15 * 1024 * 1024;
/** More people than this in one file is refused as a whole, never half-imported. */
export const MAX_PEOPLE = 20_000;

/** Cuts text to n code points (never in the middle of an emoji or surrogate pair). */
export function clip(s: string | undefined, n: number): string | undefined {
  if (s === undefined) return undefined;
  const t = s.trim();
  if (!t) return undefined;
  const cps = Array.from(t);
  return cps.length <= n ? t : cps.slice(0, n).join('').trimEnd();
}

/** Words joined by single spaces; undefined when nothing is left. */
export function words(...parts: Array<string | undefined>): string | undefined {
  const s = parts
    .map((p) => (p ?? '').trim())
    .filter(Boolean)
    .join(' ')
    .replace(/\s+/g, ' ');
  return s || undefined;
}
