import MiniSearch, { type SearchResult } from 'minisearch';
import type { Contact, Note } from '../db/types';

/**
 * Offline, ranked search over contacts (name, company, role, what they do, tags) and notes, with
 * MiniSearch. Loaded only when a search starts; kept up to date record by record as data changes.
 */

export interface SearchData {
  contacts: Contact[];
  notes: Note[];
}

interface Doc {
  id: string;
  type: 'contact' | 'note';
  recId: string;
  name?: string;
  company?: string;
  role?: string;
  what?: string;
  tags?: string;
  body?: string;
  people?: string;
}

export interface ContactHit {
  contact: Contact;
  score: number;
  /** What matched, besides the name: "what they do", "notes", a tag. */
  via: string[];
}

export interface NoteHit {
  note: Note;
  score: number;
  terms: string[];
}

export interface Results {
  contacts: ContactHit[];
  notes: NoteHit[];
  /** The words searched for, after cleaning. */
  terms: string[];
}

/** Long pastes are cut: nobody types more, and each word costs a lookup. */
export const MAX_QUERY = 200;
const MAX_TERMS = 12;
/** A contact found through a note about them scores this share of the note's score. */
const VIA_NOTE = 0.5;
/** How many of the best note hits are read for results and for the contacts they mention. */
const NOTES_CONSIDERED = 300;

const FIELD_LABEL: Record<string, string> = { company: 'company', role: 'role', what: 'what they do', tags: 'tags' };

/** The words of a query: lower case, without punctuation, at most MAX_TERMS. */
export function queryTerms(q: string): string[] {
  return q
    .slice(0, MAX_QUERY)
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean)
    .slice(0, MAX_TERMS);
}

const sig = (r: { version?: number; updated_at?: string; deleted_at?: string | null }) => `${r.version ?? 0}|${r.updated_at ?? ''}|${r.deleted_at ?? ''}`;

export class Search {
  private ms = new MiniSearch<Doc>({
    fields: ['name', 'company', 'role', 'what', 'tags', 'body', 'people'],
    storeFields: ['type', 'recId'],
    searchOptions: { boost: { name: 4, company: 2, role: 2, tags: 2, what: 1.5, people: 1.5, body: 1 } },
  });
  /** Per indexed record: its version signature, and the update that last saw it. */
  private seen = new Map<string, { s: string; gen: number }>();
  private gen = 0;
  private contacts = new Map<string, Contact>();
  private notes = new Map<string, Note>();

  /** Brings the index in line with data: only records whose version changed are re-indexed. */
  update(d: SearchData): void {
    for (const _ of this.steps(d)) {
      // all at once
    }
  }

  /**
   * The same as update, yielding to the page every few thousand records, so building the
   * index of a large address book never freezes the screen.
   */
  async updateInSteps(d: SearchData): Promise<void> {
    for (const _ of this.steps(d)) await new Promise((r) => setTimeout(r, 0));
  }

  private *steps(d: SearchData): Generator<void> {
    const gen = ++this.gen;
    let done = 0;
    const STEP = 2000;
    let names: Map<string, string> | undefined;
    for (const c of d.contacts) {
      this.contacts.set(c.id, c);
      const doc = (): Doc => ({
        id: `c:${c.id}`,
        type: 'contact',
        recId: c.id,
        name: c.name ?? '',
        company: c.company ?? '',
        role: c.role ?? '',
        what: c.what_they_do ?? '',
        tags: (c.tags ?? []).join(' '),
      });
      if (this.put(`c:${c.id}`, sig(c), gen, doc) && ++done % STEP === 0) yield;
    }
    for (const n of d.notes) {
      this.notes.set(n.id, n);
      const doc = (): Doc => {
        names ??= new Map(d.contacts.map((c) => [c.id, c.name ?? '']));
        return { id: `n:${n.id}`, type: 'note', recId: n.id, body: n.body ?? '', people: (n.contact_ids ?? []).map((x) => names!.get(x) ?? '').join(' ') };
      };
      if (this.put(`n:${n.id}`, sig(n), gen, doc) && ++done % STEP === 0) yield;
    }
    for (const [id, v] of this.seen) {
      if (v.gen === gen) continue;
      this.ms.discard(id);
      this.seen.delete(id);
      if (id.startsWith('c:')) this.contacts.delete(id.slice(2));
      else this.notes.delete(id.slice(2));
    }
  }

  /** Indexes a record unless it is unchanged since the last update; true when it did. */
  private put(id: string, s: string, gen: number, doc: () => Doc): boolean {
    const before = this.seen.get(id);
    if (before?.s === s) {
      before.gen = gen;
      return false;
    }
    if (before === undefined) this.ms.add(doc());
    else this.ms.replace(doc());
    this.seen.set(id, { s, gen });
    return true;
  }

  get size(): number {
    return this.ms.documentCount;
  }

  /** Contacts and notes for a query, best first; the last word counts as a prefix while typing. */
  search(q: string, limit = 30): Results {
    const terms = queryTerms(q);
    if (!terms.length) return { contacts: [], notes: [], terms };
    const hits: SearchResult[] = this.ms.search(terms.join(' '), {
      combineWith: 'AND',
      // the word being typed is a prefix from three letters on; fewer would match half the index
      prefix: (t, i, all) => i === all.length - 1 && t.length >= 3,
      // a typo in a finished word (or a long one being typed); fuzzy on a half-typed word is slow and noisy
      fuzzy: (t, i, all) => (t.length >= (i === all.length - 1 ? 7 : 5) ? 0.2 : false),
      maxFuzzy: 2,
    });
    // hits come best first: past the first few hundred notes, the rest cannot reach the top
    const contacts = new Map<string, ContactHit>();
    const matched = new Map<string, SearchResult>();
    const notes: NoteHit[] = [];
    let noteHits = 0;
    for (const h of hits) {
      if (h.type === 'contact') {
        const c = this.contacts.get(h.recId);
        if (!c || c.archived) continue;
        matched.set(c.id, h);
        const hit = contacts.get(c.id);
        if (hit) hit.score += h.score;
        else contacts.set(c.id, { contact: c, score: h.score, via: [] });
        continue;
      }
      if (++noteHits > NOTES_CONSIDERED) continue;
      const n = this.notes.get(h.recId);
      if (!n) continue;
      if (notes.length < limit) notes.push({ note: n, score: h.score, terms: h.terms });
      for (const cid of n.contact_ids ?? []) {
        const c = this.contacts.get(cid);
        if (!c || c.archived) continue;
        const hit = contacts.get(cid) ?? { contact: c, score: 0, via: [] };
        hit.score += h.score * VIA_NOTE;
        if (!hit.via.includes('notes')) hit.via.push('notes');
        contacts.set(cid, hit);
      }
    }
    const top = [...contacts.values()].sort((a, b) => b.score - a.score).slice(0, limit);
    for (const hit of top) {
      const h = matched.get(hit.contact.id);
      if (!h) continue;
      const fields = new Set(Object.values(h.match).flat().map((f) => FIELD_LABEL[f]).filter(Boolean));
      hit.via = [...fields, ...hit.via];
    }
    return { contacts: top, notes, terms };
  }
}
