package playbook

import (
	"fmt"
	"strings"
	"time"
)

// ReminderCapture is the "how was it?" push when a planned meeting with people ends.
const ReminderCapture = "capture"

// WorkingMorning is the morning hour (day_due_hour) of the first working day after t's day in
// loc: a follow-up to a Friday evening or a weekend meeting lands on Monday, not on Sunday.
func (r *Rules) WorkingMorning(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.In(loc).Date()
	for i := 1; i <= 7; i++ {
		day := time.Date(y, m, d+i, 12, 0, 0, 0, loc)
		if r.working(day.Weekday()) {
			return morningOf(day.Year(), day.Month(), day.Day(), loc)
		}
	}
	return morningOf(y, m, d+1, loc) // no working day listed: the next morning
}

func (r *Rules) working(wd time.Weekday) bool {
	iso := int(wd)
	if iso == 0 {
		iso = 7
	}
	for _, w := range r.WorkingDays {
		if w == iso {
			return true
		}
	}
	return false
}

// MeetingEnd is when a meeting ends: its end time, else its start plus meeting_minutes.
func (r *Rules) MeetingEnd(e Event) *time.Time {
	if e.StartsAt == nil {
		return e.EndsAt
	}
	end := e.StartsAt.Add(time.Duration(r.MeetingMinutes) * time.Minute)
	if e.EndsAt != nil && e.EndsAt.After(*e.StartsAt) {
		end = *e.EndsAt
	}
	return &end
}

// CheckMeetingAt refuses a note's meeting time that lies in the future (beyond the clock skew
// allowed for signals) or before signal_min_year; "" when it is fine.
func (r *Rules) CheckMeetingAt(t, now time.Time) string {
	floor := time.Date(r.SignalMinYear, 1, 1, 0, 0, 0, 0, time.UTC)
	if t.Before(floor) || t.After(now.Add(time.Duration(r.FutureSkewMinutes)*time.Minute)) {
		return fmt.Sprintf("must lie between %d and now", r.SignalMinYear)
	}
	return ""
}

// CaptureReminder is the "how was it?" reminder an event wants: pending when a meeting with
// people ends, done once a note for it exists (noted), none when deleted or long over.
func (r *Rules) CaptureReminder(id string, e Event, deleted, noted bool, now time.Time) Want {
	w := Want{ID: ReminderID(ReminderCapture, id), Kind: ReminderCapture, SubjectEntity: "event", SubjectID: id, State: ReminderCancelled}
	end := r.MeetingEnd(e)
	if deleted || len(e.ContactIDs) == 0 || end == nil {
		return w
	}
	w.DueAt = end.UTC()
	switch {
	case noted:
		w.State = ReminderDone
	case end.Before(now.Add(-time.Duration(r.CaptureWithinHours) * time.Hour)):
	default:
		w.State = ReminderPending
	}
	return w
}

// EventName is an event's title as it reads inside a sentence: "Coffee with Dana" becomes
// "coffee with Dana", a proper name such as "Harbor Museum gala" stays as it is.
func (r *Rules) EventName(title string) string {
	title = strings.Join(strings.Fields(title), " ")
	first, _, _ := strings.Cut(title, " ")
	if r.has(r.EventWords, strings.ToLower(first)) {
		return strings.ToLower(first[:1]) + title[1:]
	}
	return title
}

// missingNames are the names a title does not already say, so a sentence never repeats one
// ("Follow up after coffee with Dana", not "Follow up with Dana after Coffee with Dana").
func missingNames(title string, names []string) []string {
	low := strings.ToLower(title)
	var out []string
	for _, n := range names {
		if n = strings.TrimSpace(n); n != "" && !strings.Contains(low, strings.ToLower(n)) {
			out = append(out, n)
		}
	}
	return out
}

// FollowUpTitle says whom to follow up after which event, naming each person once.
func (r *Rules) FollowUpTitle(title string, names []string) string {
	ev := r.EventName(title)
	who := joinAnd(missingNames(ev, names))
	switch {
	case ev == "" && who == "":
		return ""
	case ev == "":
		return r.meetingSay("follow_up_people", who, ev)
	case who == "":
		return r.meetingSay("follow_up_event", who, ev)
	}
	return r.meetingSay("follow_up", who, ev)
}

// CaptureTitle asks how a meeting went: "How was coffee with Dana?"
func (r *Rules) CaptureTitle(title string, names []string) string {
	ev := r.EventName(title)
	if ev == "" {
		if who := joinAnd(names); who != "" {
			return r.meetingSay("capture_people", who, "")
		}
		return ""
	}
	return r.meetingSay("capture", "", ev)
}

// CaptureBody is the line under the capture push's title.
func (r *Rules) CaptureBody() string { return r.MeetingTexts["capture_body"] }

func (r *Rules) meetingSay(code, names, event string) string {
	s := strings.ReplaceAll(r.MeetingTexts[code], "{names}", names)
	return capitalize(strings.ReplaceAll(s, "{event}", event))
}
