import { describe, expect, it } from 'vitest';
import { actionFor, balance, isVisible, nextSteps, owesBack } from '../src/domain/nextsteps';
import type { Referral, Suggestion } from '../src/db/types';

const now = Date.parse('2026-11-24T12:00:00Z');
const sug = (p: Partial<Suggestion>): Suggestion => ({ id: p.id ?? 's', version: 1, created_at: '', updated_at: '', status: 'open', ...p }) as Suggestion;

describe('next steps', () => {
  it('shows open ones, best first, and hides done, dismissed, snoozed, expired and the week plan', () => {
    const list = [
      sug({ id: 'a', kind: 'plan_ask', score: 40, title: 'A' }),
      sug({ id: 'b', kind: 'intro_path', score: 90, title: 'B' }),
      sug({ id: 'c', kind: 'give_back', score: 70, status: 'dismissed' }),
      sug({ id: 'd', kind: 'share_win', score: 60, status: 'snoozed', snoozed_until: '2026-11-25T09:00:00Z' }),
      sug({ id: 'e', kind: 'take_offer', score: 80, expires_at: '2026-11-24T11:00:00Z' }),
      sug({ id: 'f', kind: 'week_plan', score: 100 }),
      sug({ id: 'g', kind: 'see_next', score: 50, status: 'snoozed', snoozed_until: '2026-11-24T09:00:00Z' }),
    ];
    expect(nextSteps(list, now).map((s) => s.id)).toEqual(['b', 'g', 'a']);
    expect(isVisible(sug({ status: 'done' }), now)).toBe(false);
  });
  it('has a one-tap action for each kind', () => {
    expect(actionFor(sug({ kind: 'intro_path', contact_id: 'c1', subject_ids: ['c1', 'c2'] }))).toEqual({ label: 'Plan the ask', href: '#/asks/new?contact=c1&target=c2' });
    expect(actionFor(sug({ kind: 'give_back', contact_id: 'c1' }))).toEqual({ label: 'Record a referral given', href: '#/referrals/new?direction=given&contact=c1' });
    expect(actionFor(sug({ kind: 'share_offer', text: 'A free audit' }))).toEqual({ label: 'Share', share: 'A free audit' });
    expect(actionFor(sug({ kind: 'see_next', subject_ids: ['c3'] }))).toEqual({ label: 'Log a meeting', href: '#/capture?contact=c3' });
  });
  it('counts the balance over the last 12 months', () => {
    const r = (direction: 'given' | 'received', at: string) => ({ id: at, contact_id: 'c1', direction, at }) as Referral;
    const refs = [r('received', '2026-10-01T00:00:00Z'), r('received', '2026-06-01T00:00:00Z'), r('given', '2026-01-01T00:00:00Z'), r('given', '2025-10-01T00:00:00Z')];
    const b = balance(refs, 'c1', now);
    expect(b).toEqual({ given: 1, received: 2 });
    expect(owesBack(b)).toBe(false);
    expect(owesBack({ given: 0, received: 2 })).toBe(true);
  });
});
