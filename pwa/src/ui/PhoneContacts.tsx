// The Contact Picker (Chrome on Android): pick people from the phone's address book. Those
// already in Askwell (same email, phone, or name) are reused; the rest are added as new.
import type { Contact } from '../db/types';
import { uuidv7 } from '../db/uuid';

interface Picked {
  name?: string[];
  email?: string[];
  tel?: string[];
}
interface ContactsManager {
  select(props: string[], opts: { multiple: boolean }): Promise<Picked[]>;
}
export interface PickedPerson {
  id: string;
  name: string;
  isNew: boolean;
}

const picker = () => (navigator as Navigator & { contacts?: ContactsManager }).contacts;

/** A button shown only where the browser has a contact picker. */
export function PhoneContactsButton({ known, onPick }: { known: Contact[]; onPick: (people: PickedPerson[]) => void }) {
  const contacts = picker();
  if (!contacts || !('ContactsManager' in window)) return null;
  const pick = async () => {
    let chosen: Picked[];
    try {
      chosen = await contacts.select(['name', 'email', 'tel'], { multiple: true });
    } catch {
      return; // dismissed
    }
    const { DuplicateIndex, contactIdentity } = await import('../io/dedupe');
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
    if (people.length) onPick(people);
  };
  return (
    <button type="button" class="chip" onClick={() => void pick()}>
      From phone contacts
    </button>
  );
}
