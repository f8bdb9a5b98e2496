import { describe, expect, it } from 'vitest';
import { askDueAt, isDue, weekRhythm, weekStart } from '../src/domain/playbook';
import { adviceFor, championCoach } from '../src/domain/words';
import type { Ask, Event } from '../src/db/types';

describe('playbook', () => {
  it('suggests asking after praise or a solved problem', () => {
    expect(adviceFor(['praised'])?.tone).toBe('ask');
    expect(adviceFor(['problem_solved'])?.tone).toBe('ask');
  });
  it('says wait after bad news or when busy, even with good signals', () => {
    expect(adviceFor(['praised', 'bad_news'])?.tone).toBe('wait');
    expect(adviceFor(['busy'])?.tone).toBe('wait');
  });
  it('shows "I helped them" plus "offered help" as mixed', () => {
    expect(adviceFor(['we_helped', 'offered_help'])?.tone).toBe('mixed');
  });
  it('takes an offer of help seriously only from a close relationship', () => {
    expect(adviceFor(['offered_help'], 'champion')?.tone).toBe('ask');
    expect(adviceFor(['offered_help'], 'met')?.tone).toBe('wait');
  });
  it('has no advice without signals', () => {
    expect(adviceFor([])).toBeNull();
  });
  it('coaches toward champion', () => {
    expect(championCoach({ trusts_me: true })).toBe('1 of 4. Next: make sure they understand what you offer.');
    expect(championCoach({ trusts_me: true, understands_offer: true, has_opportunity: true }, 'champion')).toBe(
      "Marked champion, but they don't yet know what to say about you. Asks to them need work until they do.",
    );
    expect(championCoach({ trusts_me: true, understands_offer: true, has_opportunity: true, knows_what_to_say: true })).toMatch(/champion/);
  });
  it('knows when an ask is due', () => {
    const now = Date.parse('2026-03-10T12:00:00');
    const base = { id: 'a', version: 1, created_at: '2026-03-01T12:00:00', updated_at: '' } as Ask;
    expect(isDue({ ...base, trigger: { kind: 'after_days', value: '7' } }, now)).toBe(true);
    expect(isDue({ ...base, trigger: { kind: 'after_days', value: '30' } }, now)).toBe(false);
    expect(isDue({ ...base, trigger: { kind: 'stage', value: 'trust' } }, now)).toBe(false);
    expect(isDue({ ...base, trigger: { kind: 'stage', value: 'trust' }, due_at: '2026-03-09T10:00:00Z' }, now)).toBe(true);
    expect(isDue({ ...base, status: 'asked', trigger: { kind: 'after_days', value: '1' } }, now)).toBe(false);
    // A day falls due at 09:00 in the user's zone, as on the server (rules.json day_due_hour).
    expect(askDueAt({ ...base, trigger: { kind: 'date', value: '2026-03-10' } }, 'UTC')).toBe(Date.parse('2026-03-10T09:00:00Z'));
    expect(askDueAt({ ...base, trigger: { kind: 'date', value: '2026-03-10' } }, 'Europe/Berlin')).toBe(Date.parse('2026-03-10T08:00:00Z'));
    // "later" is still an ask to make.
    expect(isDue({ ...base, status: 'later', trigger: { kind: 'after_days', value: '7' } }, now)).toBe(true);
  });
  it('counts the week against the goals', () => {
    const now = new Date('2026-03-11T12:00:00'); // a Wednesday
    const ws = weekStart(now);
    const at = (d: number) => new Date(ws + d * 86400_000 + 3600_000 * 9).toISOString();
    const events = [
      { id: '1', kind: 'coffee', starts_at: at(0), contact_ids: ['c'] },
      { id: '2', kind: 'group', starts_at: at(1) },
      { id: '3', kind: 'lunch', starts_at: at(-2), contact_ids: ['c'] }, // last week
      { id: '4', kind: 'call', starts_at: at(2), contact_ids: ['c'] }, // a call is a one-to-one on both sides
      { id: '5', kind: 'coffee', starts_at: at(1) }, // with nobody: not a one-to-one
    ] as Event[];
    expect(weekRhythm(events, now)).toEqual({ oneToOnes: 2, events: 1 });
  });
});
