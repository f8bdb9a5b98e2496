// The Askwell JSON document: everything in one file, the same shape GET /api/v1/export writes,
// and the way back in (records are restored under their own ids, so a second import of the
// same file adds nothing).
import { RECORD_TABLES, TABLE, type AskwellDB } from '../db/db';
import { write } from '../db/store';
import type { Entity, User } from '../db/types';
import { ImportError } from './people';

export const FORMAT = 'askwell';
export const VERSION = 1;

type Rec = Record<string, unknown> & { id: string };
export type Backup = { format: string; version: number; exported_at: string; user: User | null } & Record<(typeof RECORD_TABLES)[number], Rec[]>;

/** Entities a client may create; reminders and suggestions are made by the server from the others. */
const RESTORABLE: Entity[] = ['contact', 'event', 'note', 'ask', 'referral', 'connection'];
/** Fields the server sets; a restore never sends them. */
const SERVER_SET = new Set(['id', 'version', 'created_at', 'updated_at', 'deleted_at', 'conflicts', 'due_at', 'readiness']);

/** Everything live on this device, as one document. */
export async function makeBackup(db: AskwellDB, user: User | null, now = new Date()): Promise<Backup> {
  const doc = { format: FORMAT, version: VERSION, exported_at: now.toISOString(), user } as Backup;
  await db.transaction('r', RECORD_TABLES, async () => {
    for (const t of RECORD_TABLES) {
      const rows = (await db.table(t).toArray()) as Rec[];
      doc[t] = rows.filter((r) => !r.deleted_at).sort((a, b) => (a.id < b.id ? -1 : 1));
    }
  });
  return doc;
}

export function isBackup(text: string): boolean {
  return /^\s*\{/.test(text);
}

/** Reads an Askwell JSON document; throws ImportError when it is something else. */
export function parseBackup(text: string): Backup {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new ImportError(`this is not valid JSON (${(e as Error).message})`);
  }
  const d = doc as Partial<Backup>;
  if (!d || d.format !== FORMAT || d.version !== VERSION) throw new ImportError('this JSON is not an Askwell export (format "askwell", version 1)');
  for (const e of RESTORABLE) {
    const list = d[TABLE[e]];
    if (list !== undefined && !Array.isArray(list)) throw new ImportError(`"${TABLE[e]}" should be a list`);
    (list ?? []).forEach((r, i) => {
      if (!r || typeof r.id !== 'string') throw new ImportError(`record without an id`, `${TABLE[e]}[${i}]`);
    });
  }
  return d as Backup;
}

/** How many records of the document this device does not have yet. */
export async function countMissing(db: AskwellDB, doc: Backup): Promise<{ missing: number; present: number }> {
  let missing = 0;
  let present = 0;
  for (const e of RESTORABLE) {
    const list = doc[TABLE[e]] ?? [];
    const have = await db.table(TABLE[e]).bulkGet(list.map((r) => r.id));
    have.forEach((h) => (h && !h.deleted_at ? present++ : missing++));
  }
  return { missing, present };
}

/** Restores the records this device lacks, in one transaction through the outbox. */
export async function restoreBackup(db: AskwellDB, doc: Backup, opts: { now?: () => Date } = {}): Promise<number> {
  return write(
    db,
    async (w) => {
      let n = 0;
      for (const e of RESTORABLE) {
        const list = doc[TABLE[e]] ?? [];
        const have = await db.table(TABLE[e]).bulkGet(list.map((r) => r.id));
        list.forEach((r, i) => {
          if (have[i] && !have[i].deleted_at) return;
          const fields = Object.fromEntries(Object.entries(r).filter(([k]) => !SERVER_SET.has(k)));
          void w.put(e, r.id, fields, { fresh: !have[i] });
          n++;
        });
      }
      return n;
    },
    opts,
  );
}
