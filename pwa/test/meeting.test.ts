import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkMeetingAt, meetingEnd, workingMorning } from '../src/domain/meeting';
import { captureTitle, followUpTitle } from '../src/domain/meetingwords';

// The shared vectors the server's go test runs too.
const file = JSON.parse(readFileSync(new URL('../../server/internal/playbook/testdata/meetings.json', import.meta.url), 'utf8'));

describe('working morning', () => {
  for (const v of file.working_morning) it(v.name, () => expect(new Date(workingMorning(Date.parse(v.end), v.tz)).toISOString()).toBe(new Date(v.want).toISOString()));
});

describe('follow-up wording', () => {
  for (const v of file.follow_up_title) it(v.name, () => expect(followUpTitle(v.title, v.names)).toBe(v.want));
  for (const v of file.capture_title) it(`capture: ${v.name}`, () => expect(captureTitle(v.title, v.names)).toBe(v.want));
});

describe('meeting times', () => {
  const now = Date.parse('2026-11-24T12:00:00Z');
  it('accepts earlier today, yesterday and a clock a little ahead', () => {
    expect(checkMeetingAt(now - 3 * 3600_000, now)).toBe('');
    expect(checkMeetingAt(now - 26 * 3600_000, now)).toBe('');
    expect(checkMeetingAt(now + 5 * 60_000, now)).toBe('');
  });
  it('refuses the future and before 2000', () => {
    expect(checkMeetingAt(now + 2 * 3600_000, now)).toBe('future');
    expect(checkMeetingAt(Date.parse('1999-12-31T23:00:00Z'), now)).toBe('too_old');
    expect(checkMeetingAt(NaN, now)).toBe('too_old');
  });
  it('a meeting without an end lasts meeting_minutes', () => {
    expect(meetingEnd({ starts_at: '2026-11-24T15:00:00Z' })).toBe(Date.parse('2026-11-24T16:00:00Z'));
    expect(meetingEnd({ starts_at: '2026-11-24T15:00:00Z', ends_at: '2026-11-24T15:30:00Z' })).toBe(Date.parse('2026-11-24T15:30:00Z'));
  });
});
