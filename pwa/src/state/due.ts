import { captureTitle, followUpTitle } from '../domain/meetingwords';
import { isDue, userZone } from '../domain/playbook';
import { assess, type Readiness } from '../domain/readiness';
import type { Ask, Referral, Reminder } from '../db/types';
import { type Data, names } from './data';

/** The known names of an event's people. */
export const eventPeople = (ids: readonly string[] | undefined, d: Data) => (ids ?? []).map((id) => d.byId.get(id)?.name ?? '').filter(Boolean);

/** What the coach knows of the device: the user's zone, and how many local changes wait to sync. */
export interface CoachCtx {
  tz?: string | null;
  pending?: number;
}

/** An ask with the coach's readiness. */
export interface AskNow {
  a: Ask;
  r: Readiness;
}

/**
 * An ask's readiness: the server's while this device is in sync and time has not moved past
 * it (a hold or window ending, a planned day coming), else computed here by the same rules, so
 * Today is right offline and before the next sync.
 */
export function readinessOf(a: Ask, d: Data, now: number, ctx: CoachCtx = {}): Readiness | null {
  const server = a.readiness as Readiness | undefined;
  if (server && ctx.pending === 0 && !passed(server, now)) return server;
  const c = d.byId.get(a.contact_id ?? '');
  return assess(
    { ...a, deleted: !!a.deleted_at },
    c ? { id: c.id, name: c.name, stage: c.stage, champion: c.champion as Record<string, boolean> } : { id: a.contact_id },
    notesAbout(d).get(a.contact_id ?? '') ?? [],
    now,
    userZone(ctx.tz),
  ).readiness;
}

const aboutCache = new WeakMap<Data, Map<string, Data['notes']>>();

/**
 * The notes with a signal about each contact, made once per read of the data. An ask's
 * readiness reads only its contact's signals; handing it every note made Today and the badge
 * cost asks × notes each time the data changed (seconds on a new phone's first sync of a few
 * thousand contacts, and whenever local changes wait to sync).
 */
function notesAbout(d: Data): Map<string, Data['notes']> {
  let m = aboutCache.get(d);
  if (m) return m;
  m = new Map();
  for (const n of d.notes) {
    const seen = new Set<string>();
    for (const s of n.signals ?? []) {
      const id = s.contact_id;
      if (!id || seen.has(id)) continue;
      seen.add(id);
      const list = m.get(id) ?? [];
      list.push(n);
      m.set(id, list);
    }
  }
  aboutCache.set(d, m);
  return m;
}

function passed(r: Readiness, now: number): boolean {
  const at = (s?: string) => (s ? Date.parse(s) <= now : false);
  return at(r.hold_until) || at(r.window_until) || (r.state === 'not_yet' && r.reasons.some((x) => x.code === 'waiting_date' && at(x.at)));
}

/** What Today lists; the app badge counts what wants doing now (not what is held). */
export interface DueToday {
  ready: AskNow[];
  mixed: AskNow[];
  needsWork: AskNow[];
  held: AskNow[];
  owed: Referral[];
  followUps: Array<{ r: Reminder; t: { title: string; href: string } }>;
}

/** A follow-up reminder in words, with where it leads; null when its subject is not here (yet). */
export function reminderText(r: Reminder, d: Data): { title: string; href: string } | null {
  const subj = r.subject;
  if (!subj) return null;
  if (subj.entity === 'event') {
    const e = d.events.find((x) => x.id === subj.id);
    if (!e) return null;
    const people = eventPeople(e.contact_ids, d);
    if (r.kind === 'capture') return { title: captureTitle(e.title, people) || 'How was your meeting?', href: `#/capture?event=${e.id}` };
    // each person named once: "Follow up after coffee with Dana", not "with Dana after Coffee with Dana"
    return { title: followUpTitle(e.title, people) || 'Follow up after your meeting', href: e.contact_ids?.[0] ? `#/contacts/${e.contact_ids[0]}` : '#/contacts' };
  }
  if (subj.entity === 'referral') {
    const ref = d.referrals.find((x) => x.id === subj.id);
    if (!ref) return null;
    const who = d.byId.get(ref.contact_id ?? '')?.name ?? 'them';
    if (r.kind === 'thank_you') return null; // shown from the referral itself below
    return { title: `Tell ${who} how the referral${ref.prospect ? ` to ${ref.prospect}` : ''} went`, href: `#/referrals/${ref.id}` };
  }
  if (subj.entity === 'contact') {
    const c = d.byId.get(subj.id);
    if (!c) return null;
    return {
      title: r.kind === 'partner_meeting' ? `Time for your monthly meeting with ${c.name}` : `Follow up with ${c.name}`,
      href: `#/contacts/${c.id}`,
    };
  }
  if (subj.entity === 'note') {
    const n = d.notes.find((x) => x.id === subj.id);
    if (!n) return null;
    return { title: `Follow up with ${names(n.contact_ids, d.byId) || 'the people you met'}`, href: `#/notes/${n.id}` };
  }
  return null;
}

/** Open and due within the next 12 hours, or snoozed until now or earlier. */
export function isOpenReminder(r: Reminder, now: number) {
  if (r.status === 'done' || r.status === 'cancelled') return false;
  if (r.status === 'snoozed') return !!r.snoozed_until && Date.parse(r.snoozed_until) <= now;
  return !!r.due_at && Date.parse(r.due_at) <= now + 12 * 3600_000;
}

/** The asks by readiness, the thank-yous owed and the open follow-ups, in the order Today shows them. */
export function dueToday(d: Data, now = Date.now(), ctx: CoachCtx = {}): DueToday {
  ctx = { ...ctx, tz: userZone(ctx.tz) }; // the device's zone looked up once, not once an ask
  const out: DueToday = { ready: [], mixed: [], needsWork: [], held: [], owed: [], followUps: [] };
  for (const a of d.asks) {
    const r = readinessOf(a, d, now, ctx);
    if (!r) continue;
    if (r.state === 'ready') out.ready.push({ a, r });
    else if (r.state === 'mixed') out.mixed.push({ a, r });
    else if (r.state === 'needs_work') out.needsWork.push({ a, r });
    else if (r.state === 'hold' && isDue(a, now, ctx.tz)) out.held.push({ a, r }); // held back from being due
  }
  const owed = d.referrals.filter((r) => r.direction === 'received' && !r.thanks?.sent_at);
  const followUps: DueToday['followUps'] = [];
  for (const r of d.reminders) {
    if (r.kind === 'ask' || r.kind === 'thank_you' || !isOpenReminder(r, now)) continue;
    const t = reminderText(r, d);
    if (t) followUps.push({ r, t });
  }
  return { ...out, owed, followUps };
}

/** How many items Today shows as wanting something now. */
export function dueCount(d: Data, now = Date.now(), ctx: CoachCtx = {}): number {
  const x = dueToday(d, now, ctx);
  return x.ready.length + x.mixed.length + x.needsWork.length + x.owed.length + x.followUps.length;
}
