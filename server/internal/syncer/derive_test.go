package syncer_test

import (
	"testing"
	"time"

	"github.com/askwell/askwell/server/internal/playbook"
	tu "github.com/askwell/askwell/server/internal/testutil"
)

func put(id int64, entity string, rec int, base int64, fields map[string]any) tu.Mutation {
	return tu.Mutation{ID: id, Entity: entity, RecordID: tu.ID(rec), Op: "put", Fields: fields, BaseVersion: base}
}

// state pulls everything and returns the newest record per id.
func state(srv *tu.Server, u tu.User) map[string]tu.Change {
	changes, _ := srv.PullAll(u, "reader-0001", 0)
	return tu.Latest(changes)
}

func reminder(t *testing.T, recs map[string]tu.Change, kind string, subject int) map[string]any {
	t.Helper()
	c, ok := recs[playbook.ReminderID(kind, tu.ID(subject))]
	if !ok {
		return nil
	}
	return c.Record
}

// userIn is a server and a user who lives in zone, for times that fall in the user's day.
func userIn(t *testing.T, db tu.DB, zone string) (*tu.Server, tu.User) {
	t.Helper()
	srv := tu.NewServer(t, db)
	u := srv.Register("dana@example.com")
	if r := srv.Do("PATCH", "/api/v1/me", u.Token, map[string]any{"timezone": zone}); r.Status != 200 {
		t.Fatalf("set the time zone: %d %s", r.Status, r.Body)
	}
	return srv, u
}

func TestAskReminders(t *testing.T) {
	tu.ForEachDB(t, func(t *testing.T, db tu.DB) {
		srv, u := userIn(t, db, "America/New_York")
		srv.Push(u, "phone-0001",
			put(1, "contact", 1, 0, map[string]any{"name": "Bob"}),
			put(2, "ask", 2, 0, map[string]any{"contact_id": tu.ID(1), "target": "Lee", "trigger": map[string]any{"kind": "date", "value": "2026-12-01"}}))
		recs := state(srv, u)
		ask := recs[tu.ID(2)].Record
		// 09:00 in New York on Dec 1 is 14:00 UTC.
		if ask["due_at"] != "2026-12-01T14:00:00.000Z" || ask["status"] != "planned" {
			t.Fatalf("ask: %v", ask)
		}
		rem := reminder(t, recs, "ask", 2)
		if rem == nil || rem["due_at"] != "2026-12-01T14:00:00.000Z" || rem["status"] != "pending" || rem["kind"] != "ask" {
			t.Fatalf("reminder: %v", rem)
		}
		// Moving the date moves the reminder.
		srv.Push(u, "phone-0001", put(3, "ask", 2, 1, map[string]any{"trigger": map[string]any{"kind": "after_days", "value": "3"}}))
		rem = reminder(t, state(srv, u), "ask", 2)
		if rem["due_at"] != "2026-11-27T14:00:00.000Z" || rem["status"] != "pending" {
			t.Fatalf("moved: %v", rem)
		}
		// Snoozed by the user: it stays snoozed until the source changes again.
		srv.Push(u, "phone-0001", tu.Mutation{ID: 4, Entity: "reminder", RecordID: playbook.ReminderID("ask", tu.ID(2)), Op: "put",
			Fields: map[string]any{"status": "snoozed", "snoozed_until": "2026-11-28T14:00:00Z"}, BaseVersion: 2})
		srv.Push(u, "phone-0001", put(5, "ask", 2, 2, map[string]any{"why": "She praised my talk"}))
		rem = reminder(t, state(srv, u), "ask", 2)
		if rem["status"] != "snoozed" || rem["snoozed_until"] != "2026-11-28T14:00:00Z" {
			t.Fatalf("snooze kept: %v", rem)
		}
		// Asked: the reminder is done.
		srv.Push(u, "phone-0001", put(6, "ask", 2, 4, map[string]any{"status": "asked", "asked_at": "2026-11-27T15:00:00Z"}))
		if rem = reminder(t, state(srv, u), "ask", 2); rem["status"] != "done" {
			t.Fatalf("asked: %v", rem)
		}
		// A deleted open ask cancels its reminder.
		srv.Push(u, "phone-0001", put(7, "ask", 3, 0, map[string]any{"contact_id": tu.ID(1), "trigger": map[string]any{"kind": "date", "value": "2026-12-05"}}))
		srv.Push(u, "phone-0001", tu.Mutation{ID: 8, Entity: "ask", RecordID: tu.ID(3), Op: "delete", BaseVersion: 6})
		if rem = reminder(t, state(srv, u), "ask", 3); rem["status"] != "cancelled" {
			t.Fatalf("deleted ask: %v", rem)
		}
		// Clients cannot set server-only reminder states or fields.
		for _, f := range []map[string]any{{"status": "sent"}, {"due_at": "2026-12-01T00:00:00Z"}, {"status": "snoozed"}} {
			r := srv.Do("POST", "/api/v1/sync/push", u.Token, map[string]any{"client_id": "phone-0001", "mutations": []tu.Mutation{
				{ID: 9, Entity: "reminder", RecordID: playbook.ReminderID("ask", tu.ID(2)), Op: "put", Fields: f, BaseVersion: 7}}})
			if r.Status != 422 {
				t.Errorf("reminder %v: %d %s", f, r.Status, r.Body)
			}
		}
	})
}

func TestStageAndMilestoneTriggers(t *testing.T) {
	tu.ForEachDB(t, func(t *testing.T, db tu.DB) {
		srv := tu.NewServer(t, db)
		u := srv.Register("dana@example.com")
		now := srv.Clock.Now()
		srv.Push(u, "phone-0001",
			put(1, "contact", 1, 0, map[string]any{"name": "Bob", "stage": "know"}),
			put(2, "contact", 2, 0, map[string]any{"name": "Ann"}),
			put(3, "ask", 3, 0, map[string]any{"contact_id": tu.ID(1), "trigger": map[string]any{"kind": "stage", "value": "trust"}}),
			put(4, "ask", 4, 0, map[string]any{"contact_id": tu.ID(1), "trigger": map[string]any{"kind": "milestone", "value": "problem_solved"}}))
		recs := state(srv, u)
		if recs[tu.ID(3)].Record["due_at"] != nil || reminder(t, recs, "ask", 3) != nil {
			t.Fatalf("stage ask fired early: %v", recs[tu.ID(3)].Record)
		}
		// Five minutes on, mutation id is Bob's new stage (over his version base) and id+1 a new
		// note logging problem_solved for one contact; returns what a device then pulls.
		step := func(id, base int64, stage string, note int, body string, solvedFor int) map[string]tu.Change {
			srv.Clock.Advance(5 * time.Minute)
			srv.Push(u, "phone-0001",
				put(id, "contact", 1, base, map[string]any{"stage": stage}),
				put(id+1, "note", note, 0, map[string]any{"body": body, "contact_ids": []string{tu.ID(solvedFor)},
					"signals": []map[string]any{{"contact_id": tu.ID(solvedFor), "kind": "problem_solved"}}}))
			return state(srv, u)
		}
		// Bob goes to "like": not yet. A note logs problem_solved for Ann: not Bob's milestone.
		recs = step(5, 1, "like", 5, "Fixed Ann's CRM", 2)
		if recs[tu.ID(3)].Record["due_at"] != nil || recs[tu.ID(4)].Record["due_at"] != nil {
			t.Fatal("an ask fired on the wrong event")
		}
		// Bob jumps to champion (past trust), and a note logs problem_solved for Bob.
		recs = step(7, 2, "champion", 6, "Solved Bob's hiring problem", 1)
		fired := now.Add(10 * time.Minute).UTC().Format("2006-01-02T15:04:05.000Z")
		for _, id := range []int{3, 4} {
			a := recs[tu.ID(id)].Record
			if a["due_at"] != fired || a["status"] != "due" {
				t.Fatalf("ask %d: %v", id, a)
			}
			if rem := reminder(t, recs, "ask", id); rem == nil || rem["status"] != "pending" || rem["due_at"] != fired {
				t.Fatalf("ask %d reminder: %v", id, rem)
			}
		}
		// A new stage ask for a contact already past the stage is due at once.
		srv.Push(u, "phone-0001", put(9, "ask", 7, 0, map[string]any{"contact_id": tu.ID(1), "trigger": map[string]any{"kind": "stage", "value": "like"}}))
		if a := state(srv, u)[tu.ID(7)].Record; a["status"] != "due" || a["due_at"] == nil {
			t.Fatalf("ask on a champion: %v", a)
		}
	})
}

func TestReferralReminders(t *testing.T) {
	tu.ForEachDB(t, func(t *testing.T, db tu.DB) {
		srv := tu.NewServer(t, db)
		u := srv.Register("dana@example.com")
		srv.Push(u, "phone-0001",
			put(1, "contact", 1, 0, map[string]any{"name": "Bob"}),
			put(2, "referral", 2, 0, map[string]any{"direction": "received", "contact_id": tu.ID(1), "prospect": "Globex",
				"at": "2026-11-24T08:00:00Z"}))
		recs := state(srv, u)
		thank := reminder(t, recs, "thank_you", 2)
		if thank == nil || thank["due_at"] != "2026-11-25T08:00:00.000Z" || thank["status"] != "pending" {
			t.Fatalf("thank you: %v", thank)
		}
		if reminder(t, recs, "follow_up", 2) != nil {
			t.Fatal("follow-up before thanks")
		}
		// Thanks sent by card: thank-you done, follow-up two weeks later.
		srv.Push(u, "phone-0001", put(3, "referral", 2, 1, map[string]any{"thanks": map[string]any{"sent_at": "2026-11-24T18:00:00Z", "medium": "card"}}))
		recs = state(srv, u)
		if reminder(t, recs, "thank_you", 2)["status"] != "done" {
			t.Fatal("thank-you not done")
		}
		follow := reminder(t, recs, "follow_up", 2)
		if follow["status"] != "pending" || follow["due_at"] != "2026-12-08T18:00:00.000Z" {
			t.Fatalf("follow-up: %v", follow)
		}
		// Deleting the referral cancels the open follow-up and keeps the done thank-you done.
		srv.Push(u, "phone-0001", tu.Mutation{ID: 4, Entity: "referral", RecordID: tu.ID(2), Op: "delete", BaseVersion: 2})
		recs = state(srv, u)
		if reminder(t, recs, "follow_up", 2)["status"] != "cancelled" || reminder(t, recs, "thank_you", 2)["status"] != "done" {
			t.Fatalf("after delete: %v / %v", reminder(t, recs, "follow_up", 2), reminder(t, recs, "thank_you", 2))
		}
		// A referral given wants no thank-you.
		srv.Push(u, "phone-0001", put(5, "referral", 3, 0, map[string]any{"direction": "given", "contact_id": tu.ID(1)}))
		if reminder(t, state(srv, u), "thank_you", 3) != nil {
			t.Fatal("thank-you for a referral given")
		}
	})
}

func TestMeetingReminders(t *testing.T) {
	tu.ForEachDB(t, func(t *testing.T, db tu.DB) {
		srv := tu.NewServer(t, db)
		u := srv.Register("dana@example.com")
		srv.Do("PATCH", "/api/v1/me", u.Token, map[string]any{"timezone": "Europe/Berlin"})
		now := srv.Clock.Now() // 2026-11-24 09:30 UTC
		srv.Push(u, "phone-0001",
			put(1, "contact", 1, 0, map[string]any{"name": "Pia", "kind": "partner"}),
			put(2, "contact", 2, 0, map[string]any{"name": "Ola", "kind": "client"}))
		recs := state(srv, u)
		pm := reminder(t, recs, "partner_meeting", 1)
		if pm == nil || pm["due_at"] != now.Add(30*24*time.Hour).Format("2006-01-02T15:04:05.000Z") || pm["status"] != "pending" {
			t.Fatalf("new partner: %v", pm)
		}
		if reminder(t, recs, "partner_meeting", 2) != nil {
			t.Fatal("a client got a partner reminder")
		}
		// Coffee with both on Dec 2, 15:00–16:00 Berlin: follow-up the next morning at 09:00
		// Berlin; Pia's monthly meeting moves to a month after the coffee.
		srv.Push(u, "phone-0001", put(3, "event", 3, 0, map[string]any{"title": "Coffee", "kind": "coffee",
			"starts_at": "2026-12-02T14:00:00Z", "ends_at": "2026-12-02T15:00:00Z", "contact_ids": []string{tu.ID(1), tu.ID(2)}}))
		recs = state(srv, u)
		if f := reminder(t, recs, "follow_up", 3); f == nil || f["due_at"] != "2026-12-03T08:00:00.000Z" || f["status"] != "pending" {
			t.Fatalf("follow-up: %v", f)
		}
		if pm := reminder(t, recs, "partner_meeting", 1); pm["due_at"] != "2027-01-01T14:00:00.000Z" {
			t.Fatalf("partner after coffee: %v", pm)
		}
		// An older coffee logged later does not pull the rhythm back.
		srv.Push(u, "phone-0001", put(4, "event", 4, 0, map[string]any{"title": "Coffee", "kind": "coffee",
			"starts_at": "2026-11-20T08:00:00Z", "contact_ids": []string{tu.ID(1)}}))
		if pm := reminder(t, state(srv, u), "partner_meeting", 1); pm["due_at"] != "2027-01-01T14:00:00.000Z" {
			t.Fatalf("older coffee moved it: %v", pm)
		}
		// Deleting the event cancels its follow-up; Pia stops being a partner: no monthly reminder.
		srv.Push(u, "phone-0001", tu.Mutation{ID: 5, Entity: "event", RecordID: tu.ID(3), Op: "delete", BaseVersion: 2},
			put(6, "contact", 1, 1, map[string]any{"kind": "friend"}))
		recs = state(srv, u)
		if reminder(t, recs, "follow_up", 3)["status"] != "cancelled" || reminder(t, recs, "partner_meeting", 1)["status"] != "cancelled" {
			t.Fatalf("after delete: %v / %v", reminder(t, recs, "follow_up", 3), reminder(t, recs, "partner_meeting", 1))
		}
		// An event without people wants no follow-up.
		srv.Push(u, "phone-0001", put(7, "event", 5, 0, map[string]any{"title": "Chamber mixer", "kind": "group", "starts_at": "2026-11-25T17:00:00Z"}))
		if reminder(t, state(srv, u), "follow_up", 5) != nil {
			t.Fatal("follow-up for an event without people")
		}
	})
}
