import createClient from 'openapi-fetch';
import type { paths, components } from './schema';

export type AuthResponse = components['schemas']['AuthResponse'];
export type ApiUser = components['schemas']['User'];
export type ApiClient = ReturnType<typeof createClient<paths>>;

/** Thrown when the session cannot be renewed: the user has to sign in again. */
export class SignedOutError extends Error {
  constructor() {
    super('signed out');
    this.name = 'SignedOutError';
  }
}

export interface AuthOptions {
  /** Origin plus /api/v1, e.g. "https://askwell.example/api/v1". */
  baseUrl: string;
  fetch?: typeof fetch;
  onSignedOut?: () => void;
  onUser?: (u: ApiUser) => void;
}

/**
 * Holds the access token in memory only (never in storage); the refresh token lives in an
 * HttpOnly cookie scoped to /api/v1/auth that this code never sees. On a 401 it refreshes once
 * and retries the request.
 */
export class Auth {
  private token: string | null = null;
  private expiresAt = 0;
  private refreshing: Promise<boolean> | null = null;
  readonly api: ApiClient;
  private readonly base: string;
  private readonly rawFetch: typeof fetch;

  constructor(private readonly opts: AuthOptions) {
    this.base = opts.baseUrl.replace(/\/$/, '');
    this.rawFetch = opts.fetch ?? ((...a) => globalThis.fetch(...a));
    this.api = createClient<paths>({ baseUrl: this.base, fetch: (r) => this.fetch(r) });
  }

  get signedIn(): boolean {
    return this.token !== null;
  }

  /** Accepts tokens from register, login or refresh. */
  accept(res: AuthResponse): void {
    this.token = res.access_token;
    this.expiresAt = Date.now() + res.expires_in * 1000;
    this.opts.onUser?.(res.user);
  }

  clear(): void {
    this.token = null;
    this.expiresAt = 0;
  }

  /**
   * Trades the refresh cookie for a new access token. Concurrent callers share one request, so
   * a single-use refresh token is never presented twice. Resolves false when signed out;
   * rejects on network failure (the caller is offline, not signed out).
   */
  refresh(): Promise<boolean> {
    if (!this.refreshing) {
      // Tabs share the refresh cookie and each token is single use: two tabs presenting the same
      // one would look like theft and revoke the family. A Web Lock makes them take turns, so the
      // second tab sends the cookie the first one just rotated.
      const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
      const locked = <T>(fn: () => Promise<T>): Promise<T> => (locks?.request ? (locks.request('askwell-refresh', fn) as Promise<T>) : fn());
      this.refreshing = locked(async () => {
        try {
          const res = await this.rawFetch(`${this.base}/auth/refresh`, { method: 'POST', credentials: 'same-origin' });
          if (res.ok) {
            this.accept((await res.json()) as AuthResponse);
            return true;
          }
          if (res.status === 401 || res.status === 400) {
            this.clear();
            this.opts.onSignedOut?.();
            return false;
          }
          throw new Error(`refresh failed: ${res.status}`);
        } finally {
          this.refreshing = null;
        }
      });
    }
    return this.refreshing;
  }

  /** fetch with the bearer token; on 401 refreshes once and retries. */
  async fetch(input: Request): Promise<Response> {
    if (!this.token || Date.now() > this.expiresAt - 30_000) {
      if (!(await this.refresh())) throw new SignedOutError();
    }
    const retry = input.clone();
    const res = await this.rawFetch(this.withToken(input));
    if (res.status !== 401) return res;
    if (!(await this.refresh())) throw new SignedOutError();
    return this.rawFetch(this.withToken(retry));
  }

  private withToken(r: Request): Request {
    const headers = new Headers(r.headers);
    headers.set('Authorization', `Bearer ${this.token}`);
    return new Request(r, { headers });
  }

  async login(kind: 'login' | 'register', body: { email: string; password: string; name?: string; timezone?: string }) {
    const res = await this.rawFetch(`${this.base}/auth/${kind}`, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    const data = await res.json().catch(() => ({}));
    if (!res.ok) {
      const err = (data as components['schemas']['Error']).error;
      throw new ApiError(res.status, err?.code ?? 'error', err?.message ?? `HTTP ${res.status}`);
    }
    this.accept(data as AuthResponse);
    return data as AuthResponse;
  }

  async logout(): Promise<void> {
    try {
      await this.rawFetch(`${this.base}/auth/logout`, { method: 'POST', credentials: 'same-origin' });
    } finally {
      this.clear();
    }
  }
}

/** An error answer of the API ({error: {code, message, details}}): the one HTTP error class of the app. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}
