// The import plan: each person read from a file becomes a new contact, a duplicate of one
// already there (nothing to add), or a merge (fills fields the existing contact lacks; never
// overwrites what the user wrote). Applying it is one local transaction through the outbox.
import type { AskwellDB } from '../db/db';
import { write } from '../db/store';
import type { Contact } from '../db/types';
import { uuidv7 } from '../db/uuid';
import { DuplicateIndex, contactIdentity } from './dedupe';
import { clip, type Person, type Source } from './people';

export type RowKind = 'new' | 'duplicate' | 'merge';

export interface PlanRow {
  kind: RowKind;
  person: Person;
  /** The contact written or matched. */
  contactId: string;
  /** The fields a new contact gets, or the ones a merge adds. */
  fields: Partial<Contact>;
  /** The matched contact's name, for the preview. */
  matchName?: string;
}

export interface Plan {
  rows: PlanRow[];
  counts: Record<RowKind, number>;
  /** People with no name, email or company at all: nothing to call them by. */
  skipped: number;
  source: Source | 'mixed';
}

const FILLABLE = ['company', 'role', 'email', 'phone', 'how_met'] as const;

/** The contact a person becomes: stage met, how_met saying where they came from. */
export function toContact(p: Person): Partial<Contact> {
  const email = p.emails.find((e) => e.includes('@'));
  const phone = p.phones[0];
  const also = [...p.emails.filter((e) => e !== email), ...p.phones.slice(1)];
  const howMet = [
    `Imported from ${p.source}${p.connectedOn ? `; connected ${p.connectedOn}` : ''}.`,
    p.url,
    also.length ? `Also: ${also.join(', ')}` : undefined,
    p.note,
  ]
    .filter(Boolean)
    .join('\n');
  const tags = [...new Set(p.tags.map((t) => clip(t, 50)).filter((t): t is string => !!t))].slice(0, 50);
  const c: Partial<Contact> = { name: clip(p.name, 200)!, stage: 'met', how_met: clip(howMet, 5000) };
  if (p.company) c.company = clip(p.company, 200);
  if (p.role) c.role = clip(p.role, 200);
  if (email) c.email = clip(email, 254);
  if (phone) c.phone = clip(phone, 50);
  if (tags.length) c.tags = tags;
  return c;
}

/** What a merge adds to an existing contact: only empty fields, and tags it lacks. */
function fill(existing: Partial<Contact>, incoming: Partial<Contact>): Partial<Contact> {
  const out: Partial<Contact> = {};
  for (const f of FILLABLE) {
    if (!existing[f] && incoming[f]) (out as Record<string, unknown>)[f] = incoming[f];
  }
  const have = new Set(existing.tags ?? []);
  const more = (incoming.tags ?? []).filter((t) => !have.has(t));
  if (more.length) out.tags = [...(existing.tags ?? []), ...more].slice(0, 50);
  return out;
}

/** Sorts people into new, duplicate and merge against the contacts already stored. */
export function makePlan(people: Person[], existing: Contact[], skipped = 0): Plan {
  const idx = new DuplicateIndex();
  const known = new Map<string, Partial<Contact>>();
  for (const c of existing) {
    if (c.deleted_at) continue;
    idx.add(c.id, contactIdentity(c));
    known.set(c.id, c);
  }
  const rows: PlanRow[] = [];
  const fresh = new Map<string, PlanRow>(); // new rows by id: a later card of the same person folds in
  for (const person of people) {
    const fields = toContact(person);
    const identity = { name: fields.name, company: fields.company, emails: person.emails, phones: person.phones };
    const match = idx.find(identity);
    const earlier = match ? fresh.get(match) : undefined;
    if (earlier) {
      Object.assign(earlier.fields, fill(earlier.fields, fields));
      rows.push({ kind: 'duplicate', person, contactId: earlier.contactId, fields: {}, matchName: earlier.fields.name });
    } else if (match) {
      const target = known.get(match)!;
      const add = fill(target, fields);
      const kind: RowKind = Object.keys(add).length ? 'merge' : 'duplicate';
      if (kind === 'merge') Object.assign(target, add); // two rows merging into one contact add up
      rows.push({ kind, person, contactId: match, fields: add, matchName: target.name });
    } else {
      const row: PlanRow = { kind: 'new', person, contactId: uuidv7(), fields };
      rows.push(row);
      fresh.set(row.contactId, row);
    }
    idx.add(rows[rows.length - 1].contactId, identity);
  }
  const counts = { new: 0, duplicate: 0, merge: 0 };
  for (const r of rows) counts[r.kind]++;
  const sources = new Set(people.map((p) => p.source));
  return { rows, counts, skipped, source: sources.size === 1 ? [...sources][0] : 'mixed' };
}

/** Writes the plan: every new contact and every merge in one transaction, each with its outbox entry. */
export async function applyPlan(db: AskwellDB, plan: Plan, opts: { now?: () => Date } = {}): Promise<number> {
  const merges = new Map<string, Partial<Contact>>();
  for (const r of plan.rows) if (r.kind === 'merge') merges.set(r.contactId, { ...merges.get(r.contactId), ...r.fields });
  return write(
    db,
    async (w) => {
      let n = 0;
      for (const r of plan.rows) {
        if (r.kind === 'new') {
          void w.put('contact', r.contactId, r.fields, { fresh: true });
          n++;
        }
      }
      for (const [id, fields] of merges) if (await w.put('contact', id, fields)) n++;
      return n;
    },
    opts,
  );
}
