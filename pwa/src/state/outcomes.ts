import type { Writer } from '../db/store';
import type { Ask } from '../db/types';
import { uuidv7 } from '../db/uuid';
import type { Data } from './data';

/**
 * An ask marked introduced closes the loop: the introduction is a referral received from the
 * person asked, linked to the ask, so the thank-you it calls for shows on Today at once (and the
 * server plans its reminder and the "tell them how it went" follow-up). Once per ask.
 */
export async function markIntroduced(w: Writer, a: Ask, d: Data, at = new Date().toISOString()): Promise<boolean> {
  await w.put('ask', a.id, { status: 'introduced' });
  if (!a.contact_id || d.referrals.some((r) => r.ask_id === a.id)) return false;
  const prospect = (a.target_contact_id ? d.byId.get(a.target_contact_id)?.name : null) ?? a.target ?? null;
  await w.put(
    'referral',
    uuidv7(),
    { direction: 'received', contact_id: a.contact_id, prospect, prospect_contact_id: a.target_contact_id ?? null, status: 'open', at, ask_id: a.id },
    { fresh: true },
  );
  return true;
}
