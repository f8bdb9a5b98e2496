/**
 * The coach's words for the screens after Today (capture, a note, a contact, an ask): kept out
 * of the first load, which only needs what Today shows (domain/playbook.ts).
 */
import type { AskTrigger, EventKind, SignalKind, Stage } from '../db/types';
import { fmtDate, STAGE_LABEL, STAGES } from './playbook';
import { RULES } from './readiness';

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
export type AdviceTone = 'ask' | 'wait' | 'mixed' | 'share';
export interface Advice {
  tone: AdviceTone;
  title: string;
  text: string;
}

/**
 * What the coach says about one meeting's signals on the capture screen, from the same rules as
 * readiness: a hold wins over a window; "I helped them" plus "offered help" is mixed, because
 * coaches disagree; an offer counts only from someone close.
 */
export function adviceFor(signals: Iterable<SignalKind>, stage?: Stage | null): Advice | null {
  const s = new Set<string>(signals);
  const holds = RULES.holds as Record<string, number>;
  const windows = RULES.windows as Record<string, number>;
  if (s.has('bad_news')) {
    return { tone: 'wait', title: 'Not the moment to ask', text: `They just had bad news. Listen and help now; asks to them wait ${holds.bad_news} days, or until good news.` };
  }
  if (s.has('busy')) {
    return { tone: 'wait', title: 'Wait for a calmer time', text: `They are in the middle of something. Asks to them wait ${holds.busy} days; find a convenient time instead.` };
  }
  if (s.has(RULES.mixed.with) && s.has(RULES.offer.kind)) {
    return {
      tone: 'mixed',
      title: 'Mixed advice',
      text: 'They offered help because you helped them. Some coaches say take it; others say decline any repayment. Your call.',
    };
  }
  const open = [...s].find((k) => windows[k] > 0);
  if (open) {
    return { tone: 'ask', title: 'A good window to ask', text: `They are glad about you right now. Asks to them are ready for ${windows[open]} days: name one specific person while it is fresh.` };
  }
  if (s.has(RULES.offer.kind)) {
    const close = STAGES.indexOf(stage ?? 'met') >= STAGES.indexOf(RULES.offer.min_stage as Stage);
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

/**
 * The champion checklist in a coach's words, consistent with the stage: a contact marked
 * champion needs all four checks, and the coach names what is missing (rules.json phrases).
 */
export function championCoach(c: ChampionChecks | undefined, stage?: Stage | null): string {
  const missing = CHAMPION_CHECKS.filter(([k]) => !c?.[k]).map(([k]) => (RULES.check_phrases as Record<string, string>)[k]);
  const done = 4 - missing.length;
  if (done === 4) return 'A champion. Keep them close and thank them often.';
  const list = missing.length > 1 ? `${missing.slice(0, -1).join(', ')} and ${missing[missing.length - 1]}` : missing[0];
  if (stage === 'champion') return `Marked champion, but they don't yet ${list}. Asks to them need work until they do.`;
  if (done === 0) return 'Start with trust: deliver something small, well and on time.';
  return `${done} of 4. Next: make sure they ${missing[0]}.`;
}

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

