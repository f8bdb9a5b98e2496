package playbook_test

import (
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/askwell/askwell/server/internal/playbook"
)

// meetingVectors is testdata/meetings.json, which the PWA's unit tests run too.
type meetingVectors struct {
	WorkingMorning []struct {
		Name string    `json:"name"`
		End  time.Time `json:"end"`
		TZ   string    `json:"tz"`
		Want time.Time `json:"want"`
	} `json:"working_morning"`
	FollowUpTitle []wordingCase `json:"follow_up_title"`
	CaptureTitle  []wordingCase `json:"capture_title"`
}

type wordingCase struct {
	Name  string   `json:"name"`
	Title string   `json:"title"`
	Names []string `json:"names"`
	Want  string   `json:"want"`
}

func loadMeetings(t *testing.T) meetingVectors {
	t.Helper()
	b, err := os.ReadFile("testdata/meetings.json")
	if err != nil {
		t.Fatal(err)
	}
	var v meetingVectors
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	if len(v.WorkingMorning) == 0 || len(v.FollowUpTitle) == 0 || len(v.CaptureTitle) == 0 {
		t.Fatal("no vectors")
	}
	return v
}

func TestMeetingVectors(t *testing.T) {
	v := loadMeetings(t)
	r := playbook.Default()
	for _, c := range v.WorkingMorning {
		loc, err := time.LoadLocation(c.TZ)
		if err != nil {
			t.Fatal(err)
		}
		if got := r.WorkingMorning(c.End, loc); !got.Equal(c.Want) {
			t.Errorf("%s: got %s, want %s", c.Name, got, c.Want)
		}
	}
	for _, c := range v.FollowUpTitle {
		if got := r.FollowUpTitle(c.Title, c.Names); got != c.Want {
			t.Errorf("follow-up %s: got %q, want %q", c.Name, got, c.Want)
		}
	}
	for _, c := range v.CaptureTitle {
		if got := r.CaptureTitle(c.Title, c.Names); got != c.Want {
			t.Errorf("capture %s: got %q, want %q", c.Name, got, c.Want)
		}
	}
}

func TestEventFollowUpSkipsTheWeekend(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	sat := time.Date(2026, 11, 28, 15, 0, 0, 0, time.UTC) // a Saturday chapter breakfast
	w := playbook.EventFollowUp("e1", playbook.Event{Kind: "group", StartsAt: &sat, ContactIDs: []string{"c"}}, false, now, ny)
	if w.State != playbook.ReminderPending || !w.DueAt.Equal(time.Date(2026, 11, 30, 14, 0, 0, 0, time.UTC)) {
		t.Fatalf("Saturday's follow-up should land on Monday 09:00: %+v (%s)", w, w.DueAt.In(ny).Weekday())
	}
}

func TestCaptureReminder(t *testing.T) {
	r := playbook.Default()
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	start := now.Add(2 * time.Hour)
	e := playbook.Event{Kind: "coffee", StartsAt: &start, ContactIDs: []string{"c"}}
	w := r.CaptureReminder("e1", e, false, false, now)
	if w.Kind != playbook.ReminderCapture || w.State != playbook.ReminderPending || !w.DueAt.Equal(start.Add(time.Hour)) {
		t.Fatalf("an hour after a coffee without an end time: %+v", w)
	}
	end := start.Add(30 * time.Minute)
	e.EndsAt = &end
	if w := r.CaptureReminder("e1", e, false, false, now); !w.DueAt.Equal(end) {
		t.Fatalf("at its end: %+v", w)
	}
	if w := r.CaptureReminder("e1", e, false, true, now); w.State != playbook.ReminderDone {
		t.Fatalf("a note exists: %+v", w)
	}
	if w := r.CaptureReminder("e1", playbook.Event{StartsAt: &start}, false, false, now); w.State != playbook.ReminderCancelled {
		t.Fatalf("no people: %+v", w)
	}
	old := now.Add(-3 * 24 * time.Hour)
	if w := r.CaptureReminder("e1", playbook.Event{StartsAt: &old, ContactIDs: []string{"c"}}, false, false, now); w.State != playbook.ReminderCancelled {
		t.Fatalf("long over: %+v", w)
	}
}

func TestCheckMeetingAt(t *testing.T) {
	r := playbook.Default()
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		at time.Time
		ok bool
	}{
		{now.Add(-26 * time.Hour), true},
		{now.Add(5 * time.Minute), true}, // a clock a little ahead
		{now.Add(2 * time.Hour), false},
		{time.Date(1999, 12, 31, 23, 0, 0, 0, time.UTC), false},
		{time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), true},
	} {
		if got := r.CheckMeetingAt(c.at, now); (got == "") != c.ok {
			t.Errorf("%s: %q", c.at, got)
		}
	}
}
