// The Contact Picker (Chrome on Android): pick people from the phone's address book for a note.
import type { Contact } from '../db/types';
import type { Picked, PickedPerson } from '../io/picker';

type Picker = { select(props: string[], opts: { multiple: boolean }): Promise<Picked[]> };

/** A button shown only where the browser has a contact picker. */
export function PhoneContactsButton({ known, onPick }: { known: Contact[]; onPick: (people: PickedPerson[]) => void }) {
  const picker = (navigator as Navigator & { contacts?: Picker }).contacts;
  if (!picker || !('ContactsManager' in window)) return null;
  const pick = async () => {
    const chosen = await picker.select(['name', 'email', 'tel'], { multiple: true }).catch(() => []); // [] when dismissed
    const people = (await import('../io/picker')).matchPicked(chosen, known);
    if (people.length) onPick(people);
  };
  return (
    <button type="button" class="chip" onClick={() => void pick()}>
      From phone contacts
    </button>
  );
}
