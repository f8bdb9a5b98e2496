import { RULES, zonedDay, zonedTime } from './readiness';

// The meeting times of rules.json, as the server applies them (playbook/meeting.go); both pass
// the shared vectors of testdata/meetings.json. The words are in meetingwords.ts.

/** ISO weekday (Monday 1 … Sunday 7) of a calendar day. */
function isoWeekday(y: number, m: number, d: number): number {
  return new Date(Date.UTC(y, m - 1, d)).getUTCDay() || 7;
}

/**
 * The morning hour of the first working day after t's day in tz: a follow-up to a Friday
 * evening or a weekend meeting lands on Monday.
 */
export function workingMorning(t: number, tz: string): number {
  const [y, m, d] = zonedDay(t, tz);
  for (let i = 1; i <= 7; i++) {
    if (RULES.working_days.includes(isoWeekday(y, m, d + i))) return zonedTime(y, m, d + i, RULES.day_due_hour, tz);
  }
  return zonedTime(y, m, d + 1, RULES.day_due_hour, tz);
}

/** When a meeting ends: its end, else its start plus meeting_minutes. */
export function meetingEnd(e: { starts_at?: string | null; ends_at?: string | null }): number | null {
  const start = Date.parse(e.starts_at ?? '');
  const end = Date.parse(e.ends_at ?? '');
  if (Number.isNaN(start)) return Number.isNaN(end) ? null : end;
  return end > start ? end : start + RULES.meeting_minutes * 60_000;
}

/** Why a meeting time cannot be used, or '' (the server refuses the same: ahead of now, before 2000). */
export function checkMeetingAt(t: number, now: number): '' | 'future' | 'too_old' {
  if (Number.isNaN(t) || t < Date.UTC(RULES.signal_min_year, 0, 1)) return 'too_old';
  if (t > now + RULES.future_skew_minutes * 60_000) return 'future';
  return '';
}
