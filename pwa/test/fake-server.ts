// An in-memory server speaking the sync protocol of the design notes, for unit tests:
// per-user change counter, per-client mutation ids with replay and gap detection,
// per-field last-writer-wins, long text kept in `conflicts`, tombstones and a purge horizon.

const LONG_TEXT = new Set(['body', 'script', 'why', 'outcome', 'how_met', 'what_they_do', 'notes']);

interface Stored {
  entity: string;
  rec: Record<string, unknown>;
  fieldVersion: Record<string, number>;
  version: number;
  deleted: boolean;
}

export interface Mutation {
  id: number;
  entity: string;
  record_id: string;
  op: 'put' | 'delete';
  fields?: Record<string, unknown>;
  base_version?: number;
}

export class FakeServer {
  version = 0;
  records = new Map<string, Stored>();
  lastMutation = new Map<string, number>();
  /** Pulls with a cursor below this get `reset: true`. */
  purgeHorizon = 0;
  requests: Array<{ path: string; body: any }> = [];
  /** When set, the next push is applied but its response is lost (a network error). */
  loseNextPushResponse = false;
  /** When set, the next request gets this status and `unauthorized`. */
  failNextWith401 = false;
  /** When set, push refuses a batch that does not start exactly at the expected id. */
  strictGaps = false;
  /** When set, push refuses every batch as over the account's storage quota. */
  quotaFull = false;
  offline = false;
  token = 'token-1';
  private tokenSeq = 1;

  fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const req = input instanceof Request ? input : new Request(input, init);
    if (this.offline) throw new TypeError('Failed to fetch');
    const path = new URL(req.url).pathname.replace(/^\/api\/v1/, '');
    const text = req.method === 'GET' ? '' : await req.text();
    const body = text ? JSON.parse(text) : undefined;
    this.requests.push({ path, body });
    if (path === '/auth/refresh') {
      this.token = `token-${++this.tokenSeq}`;
      return json(200, { access_token: this.token, token_type: 'Bearer', expires_in: 900, user: USER });
    }
    if (this.failNextWith401 || req.headers.get('Authorization') !== `Bearer ${this.token}`) {
      this.failNextWith401 = false;
      return json(401, { error: { code: 'unauthorized', message: 'unauthorized' } });
    }
    if (path === '/sync/push') {
      const res = this.push(body);
      if (this.loseNextPushResponse) {
        this.loseNextPushResponse = false;
        throw new TypeError('network lost');
      }
      return res;
    }
    if (path === '/sync/pull') return this.pull(body);
    return json(404, { error: { code: 'not_found', message: path } });
  };

  push(body: { client_id: string; mutations: Mutation[] }): Response {
    if (this.quotaFull) {
      return json(413, { error: { code: 'quota_exceeded', message: "this account's records would go over its storage quota" } });
    }
    if (body.mutations.length > 1000) return json(400, { error: { code: 'invalid_request', message: 'too many' } });
    const last = this.lastMutation.get(body.client_id) ?? 0;
    let expected = last + 1;
    const fresh = body.mutations.filter((m) => m.id > last);
    if (this.strictGaps && body.mutations.length && body.mutations[0].id !== expected) {
      return gap(expected);
    }
    for (const m of fresh) {
      if (m.id !== expected) return gap(expected);
      expected++;
    }
    if (fresh.length === 0) return json(200, { last_mutation_id: last, version: this.version, applied: 0 });
    const v = ++this.version;
    const at = new Date().toISOString();
    for (const m of fresh) {
      let s = this.records.get(m.record_id);
      if (m.op === 'delete') {
        if (s) {
          s.deleted = true;
          s.version = v;
          s.rec.deleted_at = at;
        }
        continue;
      }
      if (!s) {
        s = { entity: m.entity, rec: { id: m.record_id, created_at: at }, fieldVersion: {}, version: v, deleted: false };
        this.records.set(m.record_id, s);
      } else if (s.deleted && (m.base_version ?? 0) >= s.version) {
        s.deleted = false;
        s.rec.deleted_at = null;
      }
      for (const [k, val] of Object.entries(m.fields ?? {})) {
        const fv = s.fieldVersion[k] ?? 0;
        const old = s.rec[k];
        if (LONG_TEXT.has(k) && fv > (m.base_version ?? 0) && typeof old === 'string' && old !== val) {
          const conflicts = (s.rec.conflicts as unknown[]) ?? [];
          s.rec.conflicts = [...conflicts, { field: k, value: old, version: v, at }];
        }
        s.rec[k] = val;
        s.fieldVersion[k] = v;
      }
      s.version = v;
      s.rec.updated_at = at;
    }
    this.lastMutation.set(body.client_id, expected - 1);
    return json(200, { last_mutation_id: expected - 1, version: this.version, applied: fresh.length });
  }

  pull(body: { client_id: string; cursor: number; limit?: number }): Response {
    const last = this.lastMutation.get(body.client_id) ?? 0;
    if (body.cursor > 0 && body.cursor < this.purgeHorizon) {
      return json(200, { changes: [], cursor: 0, has_more: true, last_mutation_id: last, reset: true });
    }
    const limit = body.limit ?? 2000;
    const all = [...this.records.entries()]
      .filter(([, s]) => s.version > body.cursor)
      .sort((a, b) => a[1].version - b[1].version);
    const page = all.slice(0, limit);
    const cursor = page.length ? page[page.length - 1][1].version : Math.max(body.cursor, this.version);
    return json(200, {
      changes: page.map(([id, s]) => ({
        entity: s.entity,
        record_id: id,
        version: s.version,
        deleted: s.deleted,
        record: { ...s.rec, version: s.version },
      })),
      cursor,
      has_more: all.length > limit,
      last_mutation_id: last,
      reset: false,
    });
  }

  record(id: string) {
    return this.records.get(id)?.rec;
  }
}

export const USER = {
  id: '0190a0a0-0000-7000-8000-000000000001',
  email: 'dana@example.com',
  name: 'Dana',
  timezone: 'Europe/Berlin',
  quiet_hours: { start: '21:00', end: '07:30' },
  goals: { one_to_ones: 5, events: 3 },
  ask_plans: {},
  created_at: '2026-01-01T00:00:00Z',
};

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

function gap(expected: number): Response {
  return json(409, { error: { code: 'mutation_gap', message: 'gap', details: { expected_id: expected } } });
}
