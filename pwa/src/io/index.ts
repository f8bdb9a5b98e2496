// The import/export entry point, loaded on first use so the parsers stay out of the first load.
import type { AskwellDB } from '../db/db';
import { countMissing, isBackup, parseBackup, restoreBackup, type Backup } from './backup';
import { parseCSV } from './csv';
import { ImportError, MAX_FILE_BYTES } from './people';
import { applyPlan, makePlan, type Plan } from './plan';
import { isVCard, parseVCards } from './vcard';

export { backupJSON, download, tableCSV, type CsvKind } from './exporter';
export { ImportError };

/** What a file holds, ready for the preview. */
export type Prepared =
  | { kind: 'people'; plan: Plan }
  | { kind: 'backup'; doc: Backup; missing: number; present: number };

/** Reads a chosen or shared file and plans its import; throws ImportError for what cannot be read. */
export async function prepare(db: AskwellDB, file: Blob & { name?: string }): Promise<Prepared> {
  if (file.size > MAX_FILE_BYTES) {
    throw new ImportError(`this file is ${(file.size / 1048576).toFixed(0)} MB; Askwell reads files up to ${MAX_FILE_BYTES / 1048576} MB`);
  }
  const bytes = new Uint8Array(await file.arrayBuffer());
  if (bytes.subarray(0, 8192).includes(0)) throw new ImportError('this is not a text file (it holds binary data)');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    text = new TextDecoder('windows-1252').decode(bytes); // older Outlook and Excel exports
  }
  if (isBackup(text)) {
    const doc = parseBackup(text);
    return { kind: 'backup', doc, ...(await countMissing(db, doc)) };
  }
  const { people, skipped } = isVCard(text) ? parseVCards(text) : parseCSV(text);
  if (people.length === 0) throw new ImportError('no people found in this file');
  const existing = await db.contacts.toArray();
  return { kind: 'people', plan: makePlan(people, existing, skipped) };
}

/** Writes a prepared import: one transaction, every change with its outbox entry. */
export function commit(db: AskwellDB, p: Prepared): Promise<number> {
  return p.kind === 'people' ? applyPlan(db, p.plan) : restoreBackup(db, p.doc);
}
