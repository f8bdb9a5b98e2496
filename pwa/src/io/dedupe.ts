// Finding the same person twice: by normalised email, by phone (its last nine digits, so
// "+49 170 1234567" and "0170 1234567" meet), and by name with company.

export interface Identity {
  name?: string | null;
  company?: string | null;
  emails: string[];
  phones: string[];
}

export const normEmail = (e: string) => e.trim().toLowerCase().replace(/^mailto:/, '');

export function normPhone(p: string): string {
  const d = p.replace(/\D/g, '');
  return d.length >= 7 ? d.slice(-9) : '';
}

/** Lower case, accents and punctuation gone, one space between words: "Dana  Ødegård" → "dana odegard". */
export function normName(n: string): string {
  return n
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/ø/gi, 'o')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

function keys(p: Identity): string[] {
  const out: string[] = [];
  for (const e of p.emails) if (e.includes('@')) out.push('e:' + normEmail(e));
  for (const t of p.phones) {
    const n = normPhone(t);
    if (n) out.push('p:' + n);
  }
  const name = normName(p.name ?? '');
  if (name) out.push('n:' + name + '|' + normName(p.company ?? ''));
  return out;
}

/** An index of people by every key they can be matched on. */
export class DuplicateIndex {
  private byKey = new Map<string, string>();

  add(id: string, p: Identity): void {
    for (const k of keys(p)) if (!this.byKey.has(k)) this.byKey.set(k, id);
  }

  /** The id of someone already indexed who is this person, if any. */
  find(p: Identity): string | undefined {
    for (const k of keys(p)) {
      const id = this.byKey.get(k);
      if (id) return id;
    }
    return undefined;
  }
}

/** The identity of a stored contact. */
export function contactIdentity(c: { name?: string | null; company?: string | null; email?: string | null; phone?: string | null }): Identity {
  return { name: c.name, company: c.company, emails: c.email ? [c.email] : [], phones: c.phone ? [c.phone] : [] };
}

/** Pairs of live contacts that look like the same person, for merging on demand. */
export function findDuplicates<C extends { id: string; name?: string | null; company?: string | null; email?: string | null; phone?: string | null }>(
  contacts: C[],
): Array<[C, C]> {
  const idx = new DuplicateIndex();
  const byId = new Map(contacts.map((c) => [c.id, c]));
  const pairs: Array<[C, C]> = [];
  for (const c of contacts) {
    const id = contactIdentity(c);
    const other = idx.find(id);
    if (other) pairs.push([byId.get(other)!, c]);
    else idx.add(c.id, id);
  }
  return pairs;
}
