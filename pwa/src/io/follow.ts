// After a merge on one device, another may still write about the merged-away contact (it was
// offline). When such writes or the merge arrive, this moves them to the survivor: references in
// notes, signals, events, asks, referrals and connections, and fields set on the merged contact that the
// survivor lacks. Every device does the same, so the writes agree and converge.
import { getMeta, setMeta, type AskwellDB } from '../db/db';
import { write, type Writer } from '../db/store';
import type { Contact } from '../db/types';

const CHECKED = 'merges_checked_version';
const MERGED = 'merged_contacts';
const FILL = ['company', 'role', 'email', 'phone', 'how_met', 'what_they_do', 'target', 'dream'] as const;

type Rec = Record<string, unknown> & { id: string; version?: number; deleted_at?: string | null };
const TABLES = ['notes', 'events', 'asks', 'referrals', 'connections'] as const;
type Table = (typeof TABLES)[number];
/** Live records that may name a contact, by table. */
export type Rows = Record<Table, Rec[]>;

/** Every live note, event, ask, referral and connection. */
export async function liveRows(db: AskwellDB): Promise<Rows> {
  const all = await Promise.all(TABLES.map(async (t) => [t, ((await db.table(t).toArray()) as Rec[]).filter((r) => !r.deleted_at)] as const));
  return Object.fromEntries(all) as Rows;
}

/**
 * Points every reference to a merged contact at its survivor, inside the caller's transaction:
 * note contact_ids and signals, event contact_ids, ask contact_id and target_contact_id,
 * referral contact_id and prospect_contact_id, connection contact_id and other_contact_id.
 * Returns how many records changed.
 */
export async function moveReferences(w: Writer, merged: Record<string, string>, rows: Rows): Promise<number> {
  const to = (id: unknown) => (typeof id === 'string' && merged[id] ? survivorOf(id, merged) : id);
  const moveAll = (ids: unknown) => (Array.isArray(ids) && ids.some((x) => merged[x]) ? [...new Set(ids.map(to))] : undefined);
  let count = 0;
  const put = async (...a: Parameters<Writer['put']>) => void ((await w.put(...a)) && count++);
  for (const r of rows.notes) {
    const signals = r.signals as Array<{ contact_id: string }> | undefined;
    const ids = moveAll(r.contact_ids);
    const sig = signals?.some((x) => merged[x.contact_id]) ? signals.map((x) => ({ ...x, contact_id: to(x.contact_id) as string })) : undefined;
    if (ids || sig) await put('note', r.id, { ...(ids ? { contact_ids: ids as string[] } : {}), ...(sig ? { signals: sig } : {}) });
  }
  for (const r of rows.events) {
    const ids = moveAll(r.contact_ids);
    if (ids) await put('event', r.id, { contact_ids: ids as string[] });
  }
  for (const [entity, list, a, b] of [
    ['ask', rows.asks, 'contact_id', 'target_contact_id'],
    ['referral', rows.referrals, 'contact_id', 'prospect_contact_id'],
    ['connection', rows.connections, 'contact_id', 'other_contact_id'],
  ] as const) {
    for (const r of list) {
      const patch: Record<string, unknown> = {};
      for (const f of [a, b]) if (typeof r[f] === 'string' && merged[r[f] as string]) patch[f] = to(r[f]);
      if (!Object.keys(patch).length) continue;
      if (entity === 'connection' && (patch[a] ?? r[a]) === (patch[b] ?? r[b])) {
        // the two people it linked are now one: nobody knows themselves
        await w.remove('connection', r.id);
        count++;
        continue;
      }
      await put(entity, r.id, patch);
    }
  }
  return count;
}

/** Follows merges to the end of a chain (a merged into b merged into c → c). */
function survivorOf(id: string, merged: Record<string, string>): string {
  let at = id;
  for (let i = 0; i < 20 && merged[at]; i++) at = merged[at];
  return at;
}

/** Moves what still names a merged contact to its survivor; returns how many records changed. */
export async function followMerges(db: AskwellDB): Promise<number> {
  const last = (await getMeta<number>(db, CHECKED)) ?? 0;
  const merged = (await getMeta<Record<string, string>>(db, MERGED)) ?? {};
  const changed = (await db.contacts.where('version').above(last).toArray()) as Contact[];
  const fresh = changed.filter((c) => c.deleted_at && typeof c.merged_into === 'string');
  for (const c of fresh) merged[c.id] = c.merged_into as string;
  let top = last;
  const note = (r: Rec) => (top = Math.max(top, Number(r.version ?? 0)));
  changed.forEach(note);
  if (Object.keys(merged).length === 0) {
    if (top > last) await setMeta(db, CHECKED, top);
    return 0;
  }
  // New merges: look at everything; otherwise only what arrived since the last look.
  const scan = async (t: Table) => ((fresh.length ? await db.table(t).toArray() : await db.table(t).where('version').above(last).toArray()) as Rec[]).filter((r) => (note(r), !r.deleted_at));
  const rows = Object.fromEntries(await Promise.all(TABLES.map(async (t) => [t, await scan(t)] as const))) as Rows;
  const fills = await Promise.all(
    fresh.map(async (loser) => {
      const survivor = (await db.contacts.get(survivorOf(loser.id, merged))) as Contact | undefined;
      if (!survivor || survivor.deleted_at) return null;
      const add: Partial<Contact> = {};
      for (const f of FILL) if (!survivor[f] && loser[f]) (add as Record<string, unknown>)[f] = loser[f];
      return Object.keys(add).length ? ([survivor.id, add] as const) : null;
    }),
  );
  const n = await write(db, async (w) => {
    let count = 0;
    for (const f of fills) if (f && (await w.put('contact', f[0], f[1]))) count++;
    return count + (await moveReferences(w, merged, rows));
  });
  await setMeta(db, MERGED, merged);
  await setMeta(db, CHECKED, top);
  return n;
}
