// Export from local data (works offline): the whole JSON document, and contacts, asks and
// referrals as CSV with Papa Parse (formula-looking cells are escaped for spreadsheets).
import Papa from 'papaparse';
import type { AskwellDB } from '../db/db';
import type { Ask, Contact, Referral, User } from '../db/types';
import { makeBackup } from './backup';

export type CsvKind = 'contacts' | 'asks' | 'referrals';

const day = (s: unknown) => (typeof s === 'string' && s ? s.slice(0, 10) : '');

/** The JSON document as text. */
export async function backupJSON(db: AskwellDB, user: User | null, now = new Date()): Promise<string> {
  return JSON.stringify(await makeBackup(db, user, now), null, 1) + '\n';
}

/** One table as CSV, with people named rather than referred to by id. */
export async function tableCSV(db: AskwellDB, kind: CsvKind): Promise<string> {
  const contacts = (await db.contacts.toArray()).filter((c) => !c.deleted_at);
  const name = new Map(contacts.map((c) => [c.id, c.name]));
  const who = (id: unknown) => (typeof id === 'string' ? (name.get(id) ?? '') : '');
  let rows: Array<Record<string, unknown>>;
  if (kind === 'contacts') {
    rows = contacts
      .sort((a, b) => (a.name ?? '').localeCompare(b.name ?? ''))
      .map((c: Contact) => ({
        name: c.name, company: c.company ?? '', role: c.role ?? '', email: c.email ?? '', phone: c.phone ?? '',
        kind: c.kind ?? '', stage: c.stage ?? '', tags: (c.tags ?? []).join('; '), how_met: c.how_met ?? '',
        what_they_do: c.what_they_do ?? '', dream_customer: c.target ?? '', added: day(c.created_at), id: c.id,
      }));
  } else if (kind === 'asks') {
    rows = (await db.asks.toArray())
      .filter((a) => !a.deleted_at)
      .map((a: Ask) => ({
        ask: who(a.contact_id), target: a.target ?? who(a.target_contact_id), why: a.why ?? '', script: a.script ?? '',
        trigger: a.trigger ? `${a.trigger.kind}: ${a.trigger.value}` : '', due: day(a.due_at), status: a.status ?? '',
        asked: day(a.asked_at), outcome: a.outcome ?? '', id: a.id,
      }));
  } else {
    rows = (await db.referrals.toArray())
      .filter((r) => !r.deleted_at)
      .map((r: Referral) => ({
        direction: r.direction, with: who(r.contact_id), prospect: r.prospect ?? who(r.prospect_contact_id), status: r.status ?? '',
        amount: r.value?.amount ?? '', currency: r.value?.currency ?? '', date: day(r.at), thanks_due: day(r.thanks?.due_at),
        thanks_sent: day(r.thanks?.sent_at), thanks_medium: r.thanks?.medium ?? '', follow_up: day(r.follow_up_at), notes: r.notes ?? '', id: r.id,
      }));
  }
  const fields = rows.length ? Object.keys(rows[0]) : [];
  return Papa.unparse({ fields, data: rows.map((r) => fields.map((f) => r[f])) }, { escapeFormulae: true, newline: '\r\n' }) + '\r\n';
}

/** Saves text as a file through the browser's download. */
export function download(filename: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
