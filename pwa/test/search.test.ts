import { describe, expect, it } from 'vitest';
import type { Contact, Note } from '../src/db/types';
import { queryTerms, Search } from '../src/search/index';

const contact = (id: string, f: Partial<Contact>): Contact => ({ id, version: 1, created_at: '', updated_at: '', ...f }) as Contact;
const note = (id: string, body: string, contact_ids: string[] = [], version = 1): Note => ({ id, version, created_at: '', updated_at: '', body, contact_ids }) as Note;

const people = [
  contact('c1', { name: 'Priya Shah', company: 'Shah & Co', what_they_do: 'Tax advice for founders', tags: ['alumni'] }),
  contact('c2', { name: 'Lee Park', company: 'Northwind', role: 'COO', tags: ['board'] }),
  contact('c3', { name: 'Sam Taxter', company: 'Bakery' }),
  contact('c4', { name: 'Olu Adeyemi', company: 'Harbor Museum' }),
];
const notes = [note('n1', 'Coffee with Olu. He knows the tax partner at KPMG.', ['c4']), note('n2', 'Lunch with Lee about the website launch.', ['c2'])];

describe('search', () => {
  it('finds contacts by what they do, by their notes, and notes by a word in their body', () => {
    const s = new Search();
    s.update({ contacts: people, notes });
    const r = s.search('tax');
    const ids = r.contacts.map((h) => h.contact.id);
    expect(ids).toContain('c1'); // what they do
    expect(ids).toContain('c4'); // a note about him
    expect(ids).toContain('c3'); // the name, as a prefix
    expect(r.contacts.find((h) => h.contact.id === 'c1')!.via).toContain('what they do');
    expect(r.contacts.find((h) => h.contact.id === 'c4')!.via).toEqual(['notes']);
    expect(r.notes.map((h) => h.note.id)).toEqual(['n1']);
  });

  it('ranks a name above a mention, and finds tags, company and role', () => {
    const s = new Search();
    s.update({ contacts: people, notes: [...notes, note('n3', 'Priya Shah said Lee should meet Olu', ['c4'])] });
    expect(s.search('lee').contacts[0].contact.id).toBe('c2');
    expect(s.search('board').contacts.map((h) => h.contact.id)).toEqual(['c2']);
    expect(s.search('northwind coo').contacts.map((h) => h.contact.id)).toEqual(['c2']);
    expect(s.search('museum').contacts.map((h) => h.contact.id)).toEqual(['c4']);
  });

  it('tolerates a typo in a longer word', () => {
    const s = new Search();
    s.update({ contacts: people, notes });
    expect(s.search('adeyem').contacts.map((h) => h.contact.id)).toEqual(['c4']);
    expect(s.search('websitte').notes.map((h) => h.note.id)).toEqual(['n2']);
  });

  it('follows edits and deletions record by record', async () => {
    const s = new Search();
    s.update({ contacts: people, notes });
    await s.updateInSteps({ contacts: people, notes: [note('n1', 'Coffee with Olu about the zeppelin museum.', ['c4'], 2), notes[1]] });
    expect(s.search('zeppelin').notes.map((h) => h.note.id)).toEqual(['n1']);
    expect(s.search('kpmg').notes).toEqual([]);
    s.update({ contacts: people.slice(1), notes: [notes[1]] });
    expect(s.search('priya').contacts).toEqual([]);
    expect(s.search('zeppelin').notes).toEqual([]);
    expect(s.size).toBe(4);
  });

  it('takes regex characters and a 5,000-character paste without error', () => {
    const s = new Search();
    s.update({ contacts: people, notes });
    for (const q of ['(tax', 'tax)*[', '.*', '\\', 'c++', '$&', '?']) expect(() => s.search(q)).not.toThrow();
    expect(s.search('(tax').notes.map((h) => h.note.id)).toEqual(['n1']);
    const long = 'tax '.repeat(1250);
    expect(long.length).toBe(5000);
    expect(queryTerms(long).length).toBeLessThanOrEqual(12);
    expect(s.search(long).notes.map((h) => h.note.id)).toEqual(['n1']);
    expect(s.search('').contacts).toEqual([]);
  });

  it('leaves archived contacts out', () => {
    const s = new Search();
    s.update({ contacts: [contact('c9', { name: 'Archie Old', archived: true })], notes: [] });
    expect(s.search('archie').contacts).toEqual([]);
  });
});
