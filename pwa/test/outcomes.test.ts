import { describe, expect, it } from 'vitest';
import './page-globals';
import type { Data } from '../src/state/data';
import type { Ask, Contact, Event, Referral, Reminder } from '../src/db/types';

const { AskwellDB } = await import('../src/db/db');
const { write } = await import('../src/db/store');
const { markIntroduced } = await import('../src/state/outcomes');
const { upcoming } = await import('../src/state/upcoming');
const { reminderText } = await import('../src/state/due');

const rec = <T>(id: string, f: Partial<T>) => ({ id, version: 1, created_at: '2026-11-20T10:00:00Z', updated_at: '', ...f }) as T;
const data = (p: Partial<Data>): Data => {
  const contacts = p.contacts ?? [];
  return { contacts, byId: new Map(contacts.map((c) => [c.id, c])), events: [], notes: [], asks: [], referrals: [], reminders: [], connections: [], suggestions: [], ...p } as Data;
};
const dana = rec<Contact>('c1', { name: 'Dana Fox' });
const lee = rec<Contact>('c2', { name: 'Lee Park' });

describe('an ask marked introduced', () => {
  it('records the referral received, linked to the ask, so the thank-you is owed; once', async () => {
    const db = new AskwellDB(`outcomes-${Math.random().toString(36).slice(2)}`);
    const ask = rec<Ask>('a1', { contact_id: 'c1', target_contact_id: 'c2', target: 'Lee Park', status: 'asked' });
    const d = data({ contacts: [dana, lee], asks: [ask] });
    expect(await write(db, (w) => markIntroduced(w, ask, d, '2026-11-24T10:00:00.000Z'))).toBe(true);
    const refs = await db.referrals.toArray();
    expect(refs).toHaveLength(1);
    expect(refs[0]).toMatchObject({ direction: 'received', contact_id: 'c1', prospect: 'Lee Park', prospect_contact_id: 'c2', status: 'open', ask_id: 'a1' });
    expect(refs[0].thanks?.sent_at).toBeUndefined();
    expect((await db.asks.get('a1'))?.status).toBe('introduced');
    // marked again (another tap, another screen): no second referral
    expect(await write(db, (w) => markIntroduced(w, ask, { ...d, referrals: refs as Referral[] }))).toBe(false);
    expect(await db.referrals.count()).toBe(1);
  });
});

describe('Today: upcoming', () => {
  // Tuesday 24 Nov 2026, 10:00 in Berlin
  const now = Date.parse('2026-11-24T09:00:00Z');
  it('lists the next 14 days in order: asks, meetings, follow-ups; nothing due now or later', () => {
    const d = data({
      contacts: [dana, lee],
      asks: [
        rec<Ask>('a1', { contact_id: 'c1', target: 'Lee', status: 'planned', due_at: '2026-11-27T08:00:00Z', trigger: { kind: 'date', value: '2026-11-27' } }),
        rec<Ask>('a2', { contact_id: 'c1', target: 'Sam', status: 'planned', due_at: '2027-01-27T08:00:00Z', trigger: { kind: 'date', value: '2027-01-27' } }),
      ],
      events: [
        rec<Event>('e1', { title: 'Coffee with Lee Park', kind: 'coffee', starts_at: '2026-11-26T14:00:00Z', contact_ids: ['c2'] }),
        // a Saturday breakfast logged on this device, not yet synced: its follow-up is Monday morning
        rec<Event>('e2', { title: 'Chapter breakfast', kind: 'group', starts_at: '2026-11-21T08:00:00Z', contact_ids: ['c1'] }),
      ],
      referrals: [rec<Referral>('r1', { direction: 'received', contact_id: 'c2', follow_up_at: '2026-12-03T08:00:00Z' })],
      reminders: [
        rec<Reminder>('m1', { kind: 'follow_up', subject: { entity: 'referral', id: 'r1' }, due_at: '2026-12-03T08:00:00Z', status: 'pending' }),
        rec<Reminder>('m2', { kind: 'follow_up', subject: { entity: 'event', id: 'e9' }, due_at: '2026-11-24T10:00:00Z', status: 'pending' }),
      ],
    });
    const got = upcoming(d, now, 'Europe/Berlin').map((x) => [new Date(x.at).toISOString(), x.what, x.title]);
    expect(got).toEqual([
      ['2026-11-26T14:00:00.000Z', 'meeting', 'Coffee with Lee Park'],
      ['2026-11-27T08:00:00.000Z', 'ask', 'Ask Dana Fox for an intro to Lee'],
      ['2026-11-27T08:00:00.000Z', 'follow_up', 'Follow up after coffee with Lee Park'], // Thursday's coffee: Friday morning
      ['2026-12-03T08:00:00.000Z', 'follow_up', 'Tell Lee Park how the referral went'],
    ]);
    // the Saturday breakfast's follow-up: Monday 09:00 Berlin, already past on Tuesday, so not upcoming;
    // seen from Saturday noon it is
    const sat = Date.parse('2026-11-21T11:00:00Z');
    expect(upcoming(d, sat, 'Europe/Berlin').find((x) => x.key === 'fe2')).toMatchObject({ at: Date.parse('2026-11-23T08:00:00Z'), title: 'Follow up with Dana Fox after chapter breakfast' });
  });

  it('says a follow-up and the "how was it?" reminder without repeating a name', () => {
    const e = rec<Event>('e1', { title: 'Chapter / group with Jordan Blake', kind: 'group', starts_at: '2026-11-24T08:00:00Z', contact_ids: ['c3'] });
    const d = data({ contacts: [rec<Contact>('c3', { name: 'Jordan Blake' })], events: [e] });
    expect(reminderText(rec<Reminder>('m', { kind: 'follow_up', subject: { entity: 'event', id: 'e1' } }), d)?.title).toBe('Follow up after chapter / group with Jordan Blake');
    expect(reminderText(rec<Reminder>('m', { kind: 'capture', subject: { entity: 'event', id: 'e1' } }), d)).toEqual({
      title: 'How was chapter / group with Jordan Blake?',
      href: '#/capture?event=e1',
    });
  });
});
