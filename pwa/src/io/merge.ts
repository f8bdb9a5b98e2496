// Merging two contacts who are one person: the survivor takes the fields the user chose, every
// note, signal, event, ask and referral of the other moves to it, and the other is deleted with
// a pointer to the survivor — all in one local transaction, so the outbox sends it as one batch.
import type { AskwellDB } from '../db/db';
import { write } from '../db/store';
import type { Contact } from '../db/types';
import { liveRows, moveReferences } from './follow';

/** Merges `loserId` into `survivorId`; `chosen` holds the survivor's fields the user picked. */
export async function mergeContacts(
  db: AskwellDB,
  survivorId: string,
  loserId: string,
  chosen: Partial<Contact>,
  opts: { now?: () => Date } = {},
): Promise<void> {
  if (survivorId === loserId) return;
  await write(
    db,
    async (w) => {
      const rows = await liveRows(db);
      await w.put('contact', survivorId, chosen);
      await moveReferences(w, { [loserId]: survivorId }, rows);
      // The pointer travels with the deletion, so a device that still writes about the other
      // contact (offline, before it hears of the merge) moves that to the survivor later.
      await w.put('contact', loserId, { merged_into: survivorId });
      await w.remove('contact', loserId);
    },
    opts,
  );
}
