import { describe, expect, it } from 'vitest';
import './page-globals';
import type { Ask, Contact, Note } from '../src/db/types';
import { assess } from '../src/domain/readiness';
import type { Data } from '../src/state/data';

const { dueToday, readinessOf } = await import('../src/state/due');

// Today reads each ask's readiness from its contact's notes only (an index made once per read of
// the data); it must say what the rule says over every note.
describe('readiness on the device', () => {
  const now = Date.parse('2026-11-24T09:30:00Z');
  const day = 86400_000;
  const at = (d: number) => new Date(now - d * day).toISOString();
  const contacts: Contact[] = ['c1', 'c2', 'c3', 'c4'].map((id, i) => ({ id, version: 1, name: `Contact ${i}`, stage: ['trust', 'like', 'champion', 'know'][i] }) as Contact);
  const note = (id: string, d: number, signals: Array<[string, string, number?]>): Note =>
    ({ id, version: 1, body: 'coffee', meeting_at: at(d), contact_ids: [...new Set(signals.map((s) => s[0]))], signals: signals.map(([contact_id, kind, hold]) => ({ contact_id, kind, ...(hold ? { hold_until: new Date(now + hold * day).toISOString() } : {}) })) }) as Note;
  const notes = [
    note('n1', 2, [['c1', 'praised'], ['c2', 'bad_news']]),
    note('n2', 5, [['c1', 'problem_solved'], ['c1', 'good_news']]),
    note('n3', 1, [['c2', 'busy', 10], ['c3', 'we_helped']]),
    note('n4', 30, [['c3', 'offered_help'], ['c1', 'bad_news']]),
    note('n5', 3, [['c4', 'delivered_similar']]),
  ];
  const asks: Ask[] = contacts.map((c, i) => ({ id: `a${i}`, version: 1, contact_id: c.id, target: 'Lee', status: 'planned', trigger: { kind: 'after_days', value: '0' }, created_at: at(40), readiness: { state: 'ready', reasons: [] } }) as unknown as Ask);
  asks.push({ id: 'a9', version: 1, contact_id: 'nobody', target: 'Lee', status: 'planned', trigger: { kind: 'after_days', value: '0' }, created_at: at(40) } as unknown as Ask);
  const d = { contacts, byId: new Map(contacts.map((c) => [c.id, c])), notes, asks, events: [], referrals: [], reminders: [], connections: [], suggestions: [] } as unknown as Data;

  it('says what the rule says over every note', () => {
    const states = new Set<string | undefined>();
    for (const a of asks) {
      const c = d.byId.get(a.contact_id ?? '');
      const want = assess({ ...a, deleted: false }, c ? { id: c.id, name: c.name, stage: c.stage } : { id: a.contact_id }, notes, now, 'UTC').readiness;
      expect(readinessOf(a, d, now, { tz: 'UTC', pending: 1 }), a.id).toEqual(want);
      states.add(want?.state);
    }
    expect(states.size, [...states].join()).toBeGreaterThanOrEqual(3); // the notes make a difference
  });

  it('takes the server’s readiness while in sync, and computes its own with changes waiting', () => {
    expect(readinessOf(asks[0], d, now, { tz: 'UTC', pending: 0 })).toEqual({ state: 'ready', reasons: [] });
    const local = dueToday(d, now, { tz: 'UTC', pending: 2 });
    const served = dueToday(d, now, { tz: 'UTC', pending: 0 });
    expect(served.ready.length).toBeGreaterThanOrEqual(4);
    expect(local.ready.length + local.mixed.length + local.needsWork.length + local.held.length).toBeGreaterThan(0);
  });
});
