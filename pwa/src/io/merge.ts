// Merging two contacts who are one person: the survivor takes the fields the user chose, every
// note, signal, event, ask and referral of the other moves to it, and the other is deleted —
// all in one local transaction, so the outbox sends it as one batch.
import type { AskwellDB } from '../db/db';
import { write } from '../db/store';
import type { Contact } from '../db/types';

const swap = (id: unknown, from: string, to: string) => (id === from ? to : id);
const swapAll = (ids: string[] | undefined, from: string, to: string) =>
  ids && ids.includes(from) ? [...new Set(ids.map((x) => (x === from ? to : x)))] : ids;

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
      const [notes, events, asks, referrals] = await Promise.all([
        db.notes.toArray(),
        db.events.where('contact_ids').equals(loserId).toArray(),
        db.asks.toArray(),
        db.referrals.toArray(),
      ]);
      await w.put('contact', survivorId, chosen);
      for (const n of notes) {
        const touches = n.contact_ids?.includes(loserId) || n.signals?.some((s) => s.contact_id === loserId);
        if (!touches || n.deleted_at) continue;
        await w.put('note', n.id, {
          contact_ids: swapAll(n.contact_ids, loserId, survivorId),
          signals: n.signals?.map((s) => ({ ...s, contact_id: swap(s.contact_id, loserId, survivorId) as string })),
        });
      }
      for (const e of events) if (!e.deleted_at) await w.put('event', e.id, { contact_ids: swapAll(e.contact_ids, loserId, survivorId) });
      for (const a of asks) {
        if (a.deleted_at || (a.contact_id !== loserId && a.target_contact_id !== loserId)) continue;
        await w.put('ask', a.id, {
          contact_id: swap(a.contact_id, loserId, survivorId) as string,
          ...(a.target_contact_id === loserId ? { target_contact_id: survivorId } : {}),
        });
      }
      for (const r of referrals) {
        if (r.deleted_at || (r.contact_id !== loserId && r.prospect_contact_id !== loserId)) continue;
        await w.put('referral', r.id, {
          contact_id: swap(r.contact_id, loserId, survivorId) as string,
          ...(r.prospect_contact_id === loserId ? { prospect_contact_id: survivorId } : {}),
        });
      }
      await w.remove('contact', loserId);
    },
    opts,
  );
}
