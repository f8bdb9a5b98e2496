import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { assess, meetingClass } from '../src/domain/readiness';

// The shared vectors the server's go test runs too: one set of rules, two implementations.
const file = JSON.parse(readFileSync(new URL('../../server/internal/playbook/testdata/readiness.json', import.meta.url), 'utf8'));

describe('readiness vectors', () => {
  it('has at least 60 cases', () => expect(file.cases.length).toBeGreaterThanOrEqual(60));
  for (const v of file.cases) {
    it(v.name, () => {
      const got = assess(v.ask, v.contact, v.notes, Date.parse(v.now), v.tz);
      if (v.want.state === null) {
        expect(got.readiness).toBeNull();
        return;
      }
      const r = got.readiness!;
      expect([r.state, r.reasons.map((x) => x.code)]).toEqual([v.want.state, v.want.codes]);
      if (v.want.texts) expect(r.reasons.map((x) => x.text)).toEqual(v.want.texts);
      const t = (s?: string) => (s ? Date.parse(s) : undefined);
      expect(t(r.hold_until)).toBe(t(v.want.hold_until));
      expect(t(r.window_until)).toBe(t(v.want.window_until));
      expect(r.missing).toEqual(v.want.missing);
      if (v.want.recheck_at) expect(got.recheck_at).toBe(Date.parse(v.want.recheck_at));
    });
  }
});

describe('meeting class vectors', () => {
  for (const m of file.meetings) {
    it(`${m.kind || '(none)'} with ${m.people}`, () => expect(meetingClass(m.kind, m.people)).toBe(m.class));
  }
});
