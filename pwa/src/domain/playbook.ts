import type { Ask, AskTrigger, Contact, ContactKind, Event, EventKind, Medium, Note, Referral, SignalKind, Stage } from '../db/types';

export const STAGES: Stage[] = ['met', 'know', 'like', 'trust', 'champion'];
export const STAGE_LABEL: Record<Stage, string> = { met: 'Met', know: 'Know', like: 'Like', trust: 'Trust', champion: 'Champion' };

export const KINDS: ContactKind[] = ['client', 'prospect', 'partner', 'connector', 'friend'];
export const KIND_LABEL: Record<ContactKind, string> = {
  client: 'Client',
  prospect: 'Prospect',
  partner: 'Partner',
  connector: 'Connector',
  friend: 'Friend',
};

export const EVENT_KINDS: EventKind[] = ['coffee', 'one_to_one', 'lunch', 'call', 'group', 'conference', 'other'];
export const EVENT_LABEL: Record<EventKind, string> = {
  coffee: 'Coffee',
  one_to_one: 'One-to-one',
  lunch: 'Lunch',
  call: 'Call',
  group: 'Chapter / group',
  conference: 'Conference',
  other: 'Other',
};
/** Meetings with one person count toward the weekly one-to-one goal; the rest are events. */
export const ONE_TO_ONE_KINDS = new Set<EventKind>(['coffee', 'one_to_one', 'lunch', 'call']);

export const SIGNALS: SignalKind[] = [
  'praised',
  'good_news',
  'problem_solved',
  'delivered_similar',
  'offered_help',
  'we_helped',
  'bad_news',
  'busy',
];
export const SIGNAL_LABEL: Record<SignalKind, string> = {
  praised: 'Praised my work',
  good_news: 'Good news',
  bad_news: 'Bad news',
  offered_help: 'Offered help',
  we_helped: 'I helped them',
  problem_solved: 'Solved a problem',
  delivered_similar: 'Delivered for a similar client',
  busy: 'Busy',
};
/** Short past-tense phrases for coach lines: "she praised your work yesterday". */
const SIGNAL_REASON: Partial<Record<SignalKind, string>> = {
  praised: 'praised your work',
  good_news: 'had good news',
  problem_solved: 'you solved a problem for them',
  offered_help: 'offered to help',
  delivered_similar: 'you delivered for a client like theirs',
};

export type AdviceTone = 'ask' | 'wait' | 'mixed' | 'share';
export interface Advice {
  tone: AdviceTone;
  title: string;
  text: string;
}

/**
 * The playbook's "ask inside a window" rule for the signals of one meeting. Bad moments win
 * over good ones; "I helped them" plus "offered help" is shown as mixed, because coaches disagree.
 */
export function adviceFor(signals: Iterable<SignalKind>, stage?: Stage | null): Advice | null {
  const s = new Set(signals);
  if (s.has('bad_news')) {
    return { tone: 'wait', title: 'Not the moment to ask', text: 'They just had bad news. Listen and help now; plan the ask for later.' };
  }
  if (s.has('busy')) {
    return { tone: 'wait', title: 'Wait for a calmer time', text: 'They are in the middle of something. Find a convenient time instead.' };
  }
  if (s.has('we_helped') && s.has('offered_help')) {
    return {
      tone: 'mixed',
      title: 'Mixed advice',
      text: 'They offered help because you helped them. Some coaches say take it; others say decline any repayment. Your call.',
    };
  }
  if (s.has('praised') || s.has('problem_solved') || s.has('good_news')) {
    return { tone: 'ask', title: 'A good window to ask', text: 'They are glad about you right now. Plan an ask for one specific person while it is fresh.' };
  }
  if (s.has('offered_help')) {
    const close = stage === 'trust' || stage === 'champion';
    return close
      ? { tone: 'ask', title: 'Take them up on it', text: 'They sincerely asked how to help. Name one person you would like to meet.' }
      : { tone: 'wait', title: 'Maybe just politeness', text: 'An offer from someone you just met is often polite. Build trust first.' };
  }
  if (s.has('delivered_similar')) {
    return { tone: 'share', title: 'Share the win', text: 'Tell your network you can help others in the same position.' };
  }
  if (s.has('we_helped')) {
    return { tone: 'mixed', title: 'You helped them', text: 'Good for trust. Whether to ask for something back is your call.' };
  }
  return null;
}

export interface ChampionChecks {
  trusts_me?: boolean;
  understands_offer?: boolean;
  has_opportunity?: boolean;
  knows_what_to_say?: boolean;
}
export const CHAMPION_CHECKS: Array<[keyof ChampionChecks, string]> = [
  ['trusts_me', 'Trusts me'],
  ['understands_offer', 'Understands what I offer'],
  ['has_opportunity', 'Has the opportunity to refer me'],
  ['knows_what_to_say', 'Knows what to say'],
];

export function championCoach(c: ChampionChecks | undefined): string {
  const done = CHAMPION_CHECKS.filter(([k]) => c?.[k]).length;
  if (done === 4) return 'A champion. Keep them close and thank them often.';
  const next = CHAMPION_CHECKS.find(([k]) => !c?.[k])!;
  if (done === 0) return 'Start with trust: deliver something small, well and on time.';
  return `${done} of 4. Next: ${next[1][0].toLowerCase()}${next[1].slice(1)}.`;
}

export const MEDIUM_LABEL: Record<Medium, string> = { card: 'Card', email: 'Email', call: 'Call', gift: 'Gift' };

export function triggerText(t: AskTrigger | undefined, createdAt?: string): string {
  if (!t) return '';
  switch (t.kind) {
    case 'date':
      return `on ${fmtDate(t.value)}`;
    case 'after_days': {
      const n = Number(t.value);
      const due = createdAt ? new Date(Date.parse(createdAt) + n * 86400_000) : null;
      return `${n} day${n === 1 ? '' : 's'} after planning${due ? ` (${fmtDate(due.toISOString())})` : ''}`;
    }
    case 'stage':
      return `when they reach ${STAGE_LABEL[t.value as Stage]?.toLowerCase() ?? t.value}`;
    case 'milestone':
      return `after "${SIGNAL_LABEL[t.value as SignalKind]?.toLowerCase() ?? t.value}"`;
  }
}

/** When an ask is due: the server's due_at, else what can be known locally (date triggers). */
export function askDueAt(a: Ask): number | null {
  if (a.due_at) return Date.parse(a.due_at);
  if (a.trigger?.kind === 'date') return Date.parse(a.trigger.value.length === 10 ? `${a.trigger.value}T00:00:00` : a.trigger.value);
  if (a.trigger?.kind === 'after_days' && a.created_at) return Date.parse(a.created_at) + Number(a.trigger.value) * 86400_000;
  return null;
}

export function isOpenAsk(a: Ask): boolean {
  return !a.deleted_at && (a.status === undefined || a.status === 'planned' || a.status === 'due');
}

export function isDue(a: Ask, now = Date.now()): boolean {
  if (!isOpenAsk(a)) return false;
  if (a.status === 'due') return true;
  const at = askDueAt(a);
  return at !== null && at <= now;
}

/** "Ask Dana for an intro to Lee — she praised your work yesterday". */
export function askLine(a: Ask, contacts: Map<string, Contact>, notes: Note[], now = Date.now()): { title: string; reason?: string } {
  const who = contacts.get(a.contact_id ?? '')?.name ?? 'them';
  const target = a.target_contact_id ? contacts.get(a.target_contact_id)?.name : a.target;
  const title = target ? `Ask ${who} for an intro to ${target}` : `Ask ${who} for an introduction`;
  let best: { kind: SignalKind; at: number } | null = null;
  for (const n of notes) {
    if (n.deleted_at) continue;
    for (const s of n.signals ?? []) {
      if (s.contact_id !== a.contact_id || !SIGNAL_REASON[s.kind]) continue;
      const at = Date.parse(s.at ?? n.meeting_at ?? n.created_at ?? '') || 0;
      if (now - at < 30 * 86400_000 && (!best || at > best.at)) best = { kind: s.kind, at };
    }
  }
  if (!best) return { title, reason: a.why ?? undefined };
  const why = `${SIGNAL_REASON[best.kind]!.startsWith('you') ? '' : 'they '}${SIGNAL_REASON[best.kind]} ${relDay(best.at, now)}`;
  return { title, reason: why[0].toUpperCase() + why.slice(1) };
}

export function thankLine(r: Referral, contacts: Map<string, Contact>): string {
  const who = contacts.get(r.contact_id ?? '')?.name ?? 'them';
  const how = r.thanks?.medium ? ` (${MEDIUM_LABEL[r.thanks.medium].toLowerCase()})` : '';
  return `Thank ${who} for the referral${r.prospect ? ` to ${r.prospect}` : ''}${how}`;
}

export function relDay(at: number, now = Date.now()): string {
  const day = (t: number) => Math.floor((t - new Date(t).getTimezoneOffset() * 60_000) / 86400_000);
  const d = day(now) - day(at);
  if (d === 0) return 'today';
  if (d === 1) return 'yesterday';
  if (d === -1) return 'tomorrow';
  if (d > 1 && d < 7) return `${d} days ago`;
  if (d < -1 && d > -7) return `in ${-d} days`;
  return `on ${fmtDate(new Date(at).toISOString())}`;
}

export function fmtDate(iso: string): string {
  const d = new Date(iso.length === 10 ? `${iso}T12:00:00` : iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleDateString(undefined, { weekday: 'short', day: 'numeric', month: 'short' });
}

/** Monday 00:00 local time of the week containing `now`. */
export function weekStart(now = new Date()): number {
  const d = new Date(now);
  d.setHours(0, 0, 0, 0);
  d.setDate(d.getDate() - ((d.getDay() + 6) % 7));
  return d.getTime();
}

/**
 * The week's rhythm: one-to-ones (coffee, lunch, call, one-to-one events, and notes about a
 * meeting with someone that are not tied to an event) and group events.
 */
export function weekRhythm(events: Event[], notes: Note[], now = new Date()): { oneToOnes: number; events: number } {
  const from = weekStart(now);
  const to = from + 7 * 86400_000;
  const inWeek = (iso?: string | null) => {
    const t = iso ? Date.parse(iso) : NaN;
    return t >= from && t < to;
  };
  let oneToOnes = 0;
  let groups = 0;
  for (const e of events) {
    if (e.deleted_at || !inWeek(e.starts_at)) continue;
    if (ONE_TO_ONE_KINDS.has(e.kind ?? 'other')) oneToOnes++;
    else groups++;
  }
  for (const n of notes) {
    if (n.deleted_at || n.event_id || !(n.contact_ids?.length) || !inWeek(n.meeting_at ?? n.created_at)) continue;
    oneToOnes++;
  }
  return { oneToOnes, events: groups };
}

export function initials(name: string | undefined): string {
  const parts = (name ?? '').trim().split(/\s+/).filter(Boolean);
  if (!parts.length) return '?';
  return (parts[0][0] + (parts.length > 1 ? parts[parts.length - 1][0] : '')).toUpperCase();
}
