import { afterEach, describe, expect, it } from 'vitest';
import './page-globals';

const { write } = await import('../src/db/store');
const { db } = await import('../src/session');
const { watchBadge } = await import('../src/ui/badge');
const { dueCount } = await import('../src/state/due');
const { loadData } = await import('../src/state/data');

const until = async (cond: () => boolean) => {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(cond()).toBe(true);
};

describe('app badge', () => {
  let stop = () => {};
  afterEach(async () => {
    stop();
    await db.transaction('rw', db.tables, async () => {
      for (const t of db.tables) await t.clear();
    });
  });

  it('equals what Today lists as due and follows local changes', async () => {
    const now = Date.now();
    const badge: Array<number | 'clear'> = [];
    const nav = {
      setAppBadge: async (n?: number) => void badge.push(n ?? -1),
      clearAppBadge: async () => void badge.push('clear'),
    } as unknown as Navigator;
    stop = watchBadge(nav, () => now);
    await until(() => badge.at(-1) === 'clear'); // nothing due yet

    const ago = new Date(now - 3600_000).toISOString();
    await write(db, async (w) => {
      await w.put('contact', 'c1', { name: 'Bob Stone' });
      await w.put('referral', 'r1', { direction: 'received', contact_id: 'c1', at: ago }); // a thank-you owed
      await w.put('ask', 'a1', { contact_id: 'c1', status: 'planned', trigger: { kind: 'date', value: ago } }); // an ask due
      await w.put('ask', 'a2', { contact_id: 'c1', status: 'planned', trigger: { kind: 'date', value: new Date(now + 3 * 86400_000).toISOString() } });
      await w.put('reminder', 'm1', { kind: 'follow_up', subject: { entity: 'contact', id: 'c1' }, due_at: ago, status: 'sent' });
      await w.put('reminder', 'm2', { kind: 'thank_you', subject: { entity: 'referral', id: 'r1' }, due_at: ago, status: 'sent' }); // shown through the referral
    });
    await until(() => badge.at(-1) === 3);
    expect(dueCount(await loadData(), now)).toBe(3);

    await write(db, (w) => w.put('referral', 'r1', { thanks: { sent_at: new Date(now).toISOString(), medium: 'card' } }));
    await until(() => badge.at(-1) === 2);
    await write(db, async (w) => {
      await w.put('reminder', 'm1', { status: 'done' });
      await w.put('ask', 'a1', { status: 'asked' });
    });
    await until(() => badge.at(-1) === 'clear');
  });

  it('does nothing where the Badging API is missing', () => {
    expect(() => watchBadge({} as Navigator)()).not.toThrow();
  });
});
