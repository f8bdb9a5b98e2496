import { SignedOutError, type Auth } from '../api/client';
import type { SyncEngine, SyncState } from './engine';

export interface RunnerOptions {
  engine: SyncEngine;
  auth: Auth;
  /** Origin plus /api/v1. */
  baseUrl: string;
  debounceMs?: number;
  onState?: (s: SyncState & { leader: boolean }) => void;
}

const CHANNEL = 'askwell-sync';
const LOCK = 'askwell-sync';

/** Waits with exponential backoff and full jitter: 1 s, 2 s, 4 s … up to a minute. */
export function backoffMs(failures: number, random = Math.random): number {
  const cap = Math.min(60_000, 1000 * 2 ** Math.min(failures, 16));
  return Math.round(cap / 2 + (random() * cap) / 2);
}

/**
 * Decides when to sync. One tab holds the Web Lock and runs push/pull plus the server-sent
 * poke stream; other tabs ask it to flush over a BroadcastChannel and mirror its state.
 */
export class SyncRunner {
  private leader = false;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private failures = 0;
  private releaseLock: (() => void) | null = null;
  private sse: AbortController | null = null;
  private channel: BroadcastChannel | null = null;
  private stopped = true;
  private listeners: Array<[EventTarget, string, EventListener]> = [];
  state: SyncState & { leader: boolean };

  constructor(private readonly opts: RunnerOptions) {
    this.state = { ...opts.engine.state, leader: false };
    opts.engine.onState = (s) => this.emit(s);
  }

  private emit(s: SyncState) {
    this.state = { ...s, leader: this.leader };
    this.opts.onState?.(this.state);
    if (this.leader) this.channel?.postMessage({ type: 'state', state: s });
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    if (typeof BroadcastChannel !== 'undefined') {
      this.channel = new BroadcastChannel(CHANNEL);
      this.channel.onmessage = (m) => {
        if (m.data?.type === 'flush' && this.leader) this.schedule(this.opts.debounceMs ?? 300);
        if (m.data?.type === 'hello' && this.leader) this.channel?.postMessage({ type: 'state', state: this.opts.engine.state });
        if (m.data?.type === 'state' && !this.leader) this.emit(m.data.state);
      };
      this.channel.postMessage({ type: 'hello' }); // a tab that is not the leader learns the state at once
    }
    const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
    if (locks?.request) {
      void locks
        .request(LOCK, () => {
          if (this.stopped) return undefined;
          return new Promise<void>((resolve) => {
            this.releaseLock = resolve;
            this.becomeLeader();
          });
        })
        .catch(() => undefined);
    } else {
      this.becomeLeader();
    }
  }

  private on(t: EventTarget, type: string, fn: EventListener) {
    t.addEventListener(type, fn);
    this.listeners.push([t, type, fn]);
  }

  private becomeLeader() {
    this.leader = true;
    this.emit(this.opts.engine.state);
    if (typeof window !== 'undefined') {
      this.on(window, 'online', () => this.schedule(0));
      this.on(window, 'offline', () => this.emit({ ...this.opts.engine.state, status: 'offline' }));
      this.on(document, 'visibilitychange', () => {
        if (document.visibilityState === 'visible') this.schedule(0);
      });
    }
    this.schedule(0);
    void this.listen();
  }

  /** Call after every local write: the leader pushes after a short quiet period. */
  requestFlush(): void {
    if (this.leader) this.schedule(this.opts.debounceMs ?? 300);
    else this.channel?.postMessage({ type: 'flush' });
  }

  /** Syncs now (e.g. a tap on the sync indicator). */
  syncNow(): void {
    if (this.leader) this.schedule(0);
    else this.channel?.postMessage({ type: 'flush' });
  }

  private schedule(ms: number) {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.run();
    }, ms);
  }

  private async run() {
    if (typeof navigator !== 'undefined' && navigator.onLine === false) {
      this.emit({ ...this.opts.engine.state, status: 'offline', pending: await this.opts.engine.db.outbox.count() });
      return; // the `online` event brings us back
    }
    try {
      await this.opts.engine.sync();
      this.failures = 0;
    } catch (err) {
      if (err instanceof SignedOutError) return;
      this.failures++;
      this.schedule(backoffMs(this.failures));
    }
  }

  /**
   * Reads the server-sent poke stream with fetch (EventSource cannot send the Authorization
   * header) and pulls on every `poke`. Reconnects with backoff when the stream ends.
   */
  private async listen() {
    let failures = 0;
    while (!this.stopped && this.leader) {
      this.sse = new AbortController();
      try {
        const res = await this.opts.auth.fetch(
          new Request(`${this.opts.baseUrl}/sync/events`, {
            headers: { Accept: 'text/event-stream' },
            signal: this.sse.signal,
          }),
        );
        if (!res.ok || !res.body) throw new Error(`events: HTTP ${res.status}`);
        failures = 0;
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buf = '';
        let event = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buf += value;
          let nl: number;
          while ((nl = buf.indexOf('\n')) >= 0) {
            const line = buf.slice(0, nl).replace(/\r$/, '');
            buf = buf.slice(nl + 1);
            if (line === '') {
              if (event === 'poke') this.schedule(50);
              event = '';
            } else if (line.startsWith('event:')) {
              event = line.slice(6).trim();
            }
          }
        }
      } catch (err) {
        if (this.stopped || err instanceof SignedOutError) return;
      }
      failures++;
      await new Promise((r) => setTimeout(r, backoffMs(failures)));
    }
  }

  stop(): void {
    this.stopped = true;
    this.leader = false;
    if (this.timer) clearTimeout(this.timer);
    this.sse?.abort();
    this.releaseLock?.();
    this.releaseLock = null;
    this.channel?.close();
    this.channel = null;
    for (const [t, type, fn] of this.listeners) t.removeEventListener(type, fn);
    this.listeners = [];
  }
}
