// The Contact Picker's answer turned into people for a note: those already in Askwell (same
// email, phone, or name) are reused, the rest are new. Loaded when the picker is used.
import type { Contact } from '../db/types';
import { uuidv7 } from '../db/uuid';
import { contactIdentity, DuplicateIndex } from './dedupe';

export interface Picked {
  name?: string[];
  email?: string[];
  tel?: string[];
}
export interface PickedPerson {
  id: string;
  name: string;
  isNew: boolean;
}

export function matchPicked(chosen: Picked[], known: Contact[]): PickedPerson[] {
  const idx = new DuplicateIndex();
  for (const c of known) idx.add(c.id, contactIdentity(c));
  const byId = new Map(known.map((c) => [c.id, c]));
  const people: PickedPerson[] = [];
  for (const p of chosen) {
    const name = p.name?.find((n) => n.trim())?.trim() ?? p.email?.[0] ?? p.tel?.[0];
    if (!name) continue;
    const match = idx.find({ name, emails: p.email ?? [], phones: p.tel ?? [] });
    people.push(match ? { id: match, name: byId.get(match)?.name ?? name, isNew: false } : { id: uuidv7(), name: name.slice(0, 200), isNew: true });
  }
  return people;
}
