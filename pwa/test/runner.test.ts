import { describe, expect, it } from 'vitest';
import type { Auth } from '../src/api/client';
import type { SyncEngine } from '../src/sync/engine';
import { backoffMs, SyncRunner } from '../src/sync/runner';

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

function fakeEngine() {
  const e = {
    syncs: 0,
    state: { status: 'idle', pending: 0 },
    onState: undefined as unknown,
    db: { outbox: { count: async () => 0 } },
    async sync() {
      e.syncs++;
    },
  };
  return e;
}

describe('sync runner', () => {
  it('backs off exponentially with jitter, capped at a minute', () => {
    expect(backoffMs(1, () => 0)).toBe(1000);
    expect(backoffMs(1, () => 1)).toBe(2000);
    expect(backoffMs(3, () => 0.5)).toBe(6000);
    expect(backoffMs(30, () => 1)).toBe(60_000);
  });

  it('syncs at start, pulls on every server poke, and debounces writes', async () => {
    const engine = fakeEngine();
    let push: (s: string) => void = () => {};
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        const enc = new TextEncoder();
        push = (s) => c.enqueue(enc.encode(s));
      },
    });
    const auth = { fetch: async () => new Response(body, { status: 200, headers: { 'Content-Type': 'text/event-stream' } }) } as unknown as Auth;
    const runner = new SyncRunner({ engine: engine as unknown as SyncEngine, auth, baseUrl: 'http://askwell.test/api/v1', debounceMs: 20 });
    runner.start();
    await wait(30);
    expect(engine.syncs).toBe(1);
    push('retry: 3000\n: connected\n\n');
    await wait(80);
    expect(engine.syncs).toBe(1); // a comment is not a poke
    push('event: poke\r\ndata: {}\r\n\r\n');
    await wait(100);
    expect(engine.syncs).toBe(2);
    push('event: po');
    push('ke\ndata: {}\n\n');
    await wait(100);
    expect(engine.syncs).toBe(3); // split across chunks
    runner.requestFlush();
    runner.requestFlush();
    runner.requestFlush();
    await wait(60);
    expect(engine.syncs).toBe(4); // three writes, one push
    runner.stop();
  });
});
