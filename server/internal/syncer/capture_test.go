package syncer_test

import (
	"testing"
	"time"

	tu "github.com/askwell/askwell/server/internal/testutil"
)

// A planned meeting with people asks "how was it?" when it ends, unless a note for it exists;
// a Saturday meeting's follow-up lands on Monday morning in the user's zone.
func TestCaptureReminder(t *testing.T) {
	tu.ForEachDB(t, func(t *testing.T, db tu.DB) {
		srv, u := userIn(t, db, "America/New_York")
		// now: Tuesday 2026-11-24 09:30 UTC. Coffee with Lee planned for 15:00–15:45 UTC today.
		srv.Push(u, "phone-0001",
			put(1, "contact", 1, 0, map[string]any{"name": "Lee"}),
			put(2, "event", 2, 0, map[string]any{"title": "Coffee with Lee", "kind": "coffee",
				"starts_at": "2026-11-24T15:00:00Z", "ends_at": "2026-11-24T15:45:00Z", "contact_ids": []string{tu.ID(1)}}))
		c := reminder(t, state(srv, u), "capture", 2)
		if c == nil || c["status"] != "pending" || c["due_at"] != "2026-11-24T15:45:00.000Z" {
			t.Fatalf("capture push at the meeting's end: %v", c)
		}
		// The note for it, written from the push or before: no push.
		srv.Push(u, "phone-0001", put(3, "note", 3, 0, map[string]any{"body": "Lee liked the audit", "event_id": tu.ID(2), "contact_ids": []string{tu.ID(1)}}))
		if c := reminder(t, state(srv, u), "capture", 2); c["status"] != "done" {
			t.Fatalf("a note exists: %v", c)
		}
		// Moving the meeting later does not bring the push back.
		srv.Push(u, "phone-0001", put(4, "event", 2, 1, map[string]any{"ends_at": "2026-11-24T16:00:00Z"}))
		if c := reminder(t, state(srv, u), "capture", 2); c["status"] != "done" {
			t.Fatalf("moved after the note: %v", c)
		}
		// A meeting logged from the capture screen (event and note together) never pushes.
		srv.Push(u, "phone-0001",
			put(5, "event", 5, 0, map[string]any{"title": "Lunch with Lee", "kind": "lunch", "starts_at": "2026-11-24T09:00:00Z", "contact_ids": []string{tu.ID(1)}}),
			put(6, "note", 6, 0, map[string]any{"body": "Lunch", "event_id": tu.ID(5), "contact_ids": []string{tu.ID(1)}}))
		if c := reminder(t, state(srv, u), "capture", 5); c != nil && c["status"] == "pending" {
			t.Fatalf("captured at once: %v", c)
		}
		// Saturday's chapter breakfast (Nov 28, 08:00 New York): follow-up Monday 09:00 New York.
		srv.Push(u, "phone-0001", put(7, "event", 7, 0, map[string]any{"title": "Chapter breakfast", "kind": "group",
			"starts_at": "2026-11-28T13:00:00Z", "contact_ids": []string{tu.ID(1)}}))
		if f := reminder(t, state(srv, u), "follow_up", 7); f == nil || f["due_at"] != "2026-11-30T14:00:00.000Z" {
			t.Fatalf("Saturday's follow-up: %v", f)
		}
	})
}

// A note's meeting time ahead of now (beyond a clock's skew) or before 2000 is refused whole.
func TestMeetingAtBounds(t *testing.T) {
	tu.ForEachDB(t, func(t *testing.T, db tu.DB) {
		srv := tu.NewServer(t, db)
		u := srv.Register("dana@example.com")
		now := srv.Clock.Now()
		for i, at := range []string{now.Add(3 * time.Hour).Format(time.RFC3339), "1999-12-31T12:00:00Z", "yesterday"} {
			r := srv.Do("POST", "/api/v1/sync/push", u.Token, map[string]any{"client_id": "phone-0001", "mutations": []tu.Mutation{
				put(1, "note", 1+i, 0, map[string]any{"body": "coffee", "meeting_at": at})}})
			if r.Status != 422 {
				t.Errorf("meeting_at %s: %d %s", at, r.Status, r.Body)
			}
		}
		srv.Push(u, "phone-0001",
			put(1, "note", 9, 0, map[string]any{"body": "yesterday's coffee", "meeting_at": now.Add(-26 * time.Hour).Format(time.RFC3339)}),
			put(2, "note", 10, 0, map[string]any{"body": "clock a bit ahead", "meeting_at": now.Add(5 * time.Minute).Format(time.RFC3339)}))
		if recs := state(srv, u); recs[tu.ID(9)].Record == nil || recs[tu.ID(10)].Record == nil {
			t.Fatal("backdated notes were not stored")
		}
	})
}
