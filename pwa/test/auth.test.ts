import { afterEach, describe, expect, it, vi } from 'vitest';
import { Auth } from '../src/api/client';
import { FakeServer } from './fake-server';

const BASE = 'http://askwell.test/api/v1';
const me = () => new Request(`${BASE}/sync/pull`, { method: 'POST', body: '{"client_id":"abcdefgh","cursor":0}' });

describe('Auth', () => {
  afterEach(() => vi.useRealTimers());

  it('refreshes only when the access token is missing or near expiry, once for concurrent calls', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const server = new FakeServer();
    const auth = new Auth({ baseUrl: BASE, fetch: server.fetch as typeof fetch });
    const refreshes = () => server.requests.filter((r) => r.path === '/auth/refresh').length;

    await Promise.all([auth.fetch(me()), auth.fetch(me()), auth.fetch(me())]);
    expect(refreshes()).toBe(1); // no token at start: one refresh shared by all three

    vi.advanceTimersByTime(10 * 60_000);
    await auth.fetch(me());
    expect(refreshes()).toBe(1); // 10 of 15 minutes: the token is still good

    vi.advanceTimersByTime(4.6 * 60_000);
    await Promise.all([auth.fetch(me()), auth.fetch(me())]);
    expect(refreshes()).toBe(2); // within 30 s of expiry: renewed once, ahead of time
  });
});
