/**
 * Next steps on the phone: which of the server's suggestions to show now, what one tap does for
 * each kind, and the give/get balance with a contact (docs/coach.md, next steps).
 */
import type { Contact, Referral, Suggestion } from '../db/types';
import { RULES } from './readiness';

export type SuggestionKind = NonNullable<Suggestion['kind']>;

/** Open now: not done or dismissed, not snoozed into the future, not expired. */
export function isVisible(s: Suggestion, now = Date.now()): boolean {
  if (s.deleted_at || s.status === 'done' || s.status === 'dismissed') return false;
  if (s.status === 'snoozed' && s.snoozed_until && Date.parse(s.snoozed_until) > now) return false;
  return !(s.expires_at && Date.parse(s.expires_at) <= now);
}

/** The suggestions to show, best first (the week's plan is the push, not a card). */
export function nextSteps(all: Suggestion[], now = Date.now()): Suggestion[] {
  return all
    .filter((s) => s.kind !== 'week_plan' && isVisible(s, now))
    .sort((a, b) => (b.score ?? 0) - (a.score ?? 0) || (a.title ?? '').localeCompare(b.title ?? ''));
}

/** The one-tap action of a suggestion: a place in the app, or words to share. */
export type Action = { label: string; href: string } | { label: string; share: string };

export function actionFor(s: Suggestion): Action | null {
  const who = s.contact_id ?? s.subject_ids?.[0];
  switch (s.kind) {
    case 'plan_ask':
    case 'take_offer':
      return { label: 'Plan the ask', href: `#/asks/new?contact=${who}` };
    case 'intro_path':
      return { label: 'Plan the ask', href: `#/asks/new?contact=${who}&target=${s.subject_ids?.[1] ?? ''}` };
    case 'give_back':
      return { label: 'Record a referral given', href: `#/referrals/new?direction=given&contact=${who}` };
    case 'see_next':
      return s.subject_ids?.length ? { label: 'Log a meeting', href: `#/capture?contact=${s.subject_ids[0]}` } : { label: 'Log a meeting', href: '#/capture' };
    case 'share_win':
    case 'share_offer':
    case 'invite':
      return s.text ? { label: s.kind === 'invite' ? 'Share the invitation' : 'Share', share: s.text } : null;
  }
  return null;
}

/** When "Later" brings a suggestion back: the next morning, or in a week. */
export function snoozeUntil(choice: 'tomorrow' | 'week', now = new Date()): string {
  const d = new Date(now);
  d.setDate(d.getDate() + (choice === 'tomorrow' ? 1 : 7));
  d.setHours(RULES.day_due_hour, 0, 0, 0);
  return d.toISOString();
}

/** Referrals given to and received from a contact over the rules' balance window (12 months). */
export function balance(referrals: Referral[], contactId: string, now = Date.now()): { given: number; received: number } {
  const since = new Date(now);
  since.setMonth(since.getMonth() - RULES.suggest.balance_months);
  let given = 0;
  let received = 0;
  for (const r of referrals) {
    if (r.deleted_at || r.contact_id !== contactId) continue;
    const at = Date.parse(r.at ?? r.created_at ?? '');
    if (!(at >= since.getTime())) continue;
    if (r.direction === 'given') given++;
    else received++;
  }
  return { given, received };
}

/** Partners, most out of balance first: the ones to give back to. */
export function partnerBalances(contacts: Contact[], referrals: Referral[], now = Date.now()) {
  return contacts
    .filter((c) => c.kind === 'partner' && !c.archived)
    .map((c) => ({ c, ...balance(referrals, c.id, now) }))
    .filter((x) => x.given + x.received > 0)
    .sort((a, b) => b.received - b.given - (a.received - a.given));
}

/** Whether the partner gave enough more than you gave back for the coach to say so. */
export function owesBack(b: { given: number; received: number }): boolean {
  return b.received - b.given >= RULES.suggest.give_back_gap;
}
