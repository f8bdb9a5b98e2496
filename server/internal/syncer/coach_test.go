package syncer_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/askwell/askwell/server/internal/playbook"
	tu "github.com/askwell/askwell/server/internal/testutil"
)

// coach is a user with contacts Dana (1, trust) and Lee (2), and an ask to Dana (10) for an
// intro to Lee Park, planned for a date a month out; clients push through one device.
type coach struct {
	t    *testing.T
	srv  *tu.Server
	u    tu.User
	next int64
}

func newCoach(t *testing.T, db tu.DB, askFields map[string]any) *coach {
	t.Helper()
	c := &coach{t: t, srv: tu.NewServer(t, db)}
	c.u = c.srv.Register("coach@example.com")
	ask := map[string]any{"contact_id": tu.ID(1), "target": "Lee Park at Globex", "trigger": map[string]any{"kind": "date", "value": "2026-12-24"}}
	for k, v := range askFields {
		ask[k] = v
	}
	c.push(
		put(0, "contact", 1, 0, map[string]any{"name": "Dana", "stage": "trust"}),
		put(0, "contact", 2, 0, map[string]any{"name": "Lee"}),
		put(0, "ask", 10, 0, ask))
	return c
}

// push sends mutations with the device's next ids.
func (c *coach) push(muts ...tu.Mutation) {
	c.t.Helper()
	for i := range muts {
		c.next++
		muts[i].ID = c.next
	}
	c.srv.Push(c.u, "phone-0001", muts...)
}

// note logs a meeting note naming the given contacts, with signals.
func (c *coach) note(id int, contacts []int, signals ...map[string]any) {
	c.t.Helper()
	ids := make([]any, len(contacts))
	for i, n := range contacts {
		ids[i] = tu.ID(n)
	}
	sigs := make([]any, len(signals))
	for i, s := range signals {
		sigs[i] = s
	}
	c.push(put(0, "note", id, 0, map[string]any{"body": "coffee", "contact_ids": ids, "signals": sigs}))
}

func sig(contact int, kind string, at time.Time) map[string]any {
	return map[string]any{"contact_id": tu.ID(contact), "kind": kind, "at": at.UTC().Format(time.RFC3339)}
}

// readiness is the ask's readiness as a second device pulls it.
func (c *coach) readiness(ask int) map[string]any {
	c.t.Helper()
	rec := state(c.srv, c.u)[tu.ID(ask)].Record
	r, _ := rec["readiness"].(map[string]any)
	return r
}

func codes(r map[string]any) []string {
	var out []string
	rs, _ := r["reasons"].([]any)
	for _, x := range rs {
		m, _ := x.(map[string]any)
		out = append(out, m["code"].(string))
	}
	return out
}

func (c *coach) want(ask int, state string, codeList ...string) map[string]any {
	c.t.Helper()
	r := c.readiness(ask)
	got := codes(r)
	if r["state"] != state || len(got) != len(codeList) {
		c.t.Fatalf("ask %d: %v %v, want %s %v", ask, r["state"], got, state, codeList)
	}
	for i := range got {
		if got[i] != codeList[i] {
			c.t.Fatalf("ask %d: %v %v, want %s %v", ask, r["state"], got, state, codeList)
		}
	}
	return r
}

// wait lets time pass and runs the server's own re-derivation, as the dispatcher does.
func (c *coach) wait(d time.Duration) {
	c.t.Helper()
	c.srv.Clock.Advance(d)
	if _, err := c.srv.App.Sync.Recheck(context.Background(), 500); err != nil {
		c.t.Fatal(err)
	}
	c.u = c.srv.Login(c.u)
}

func (c *coach) askReminder(ask int) map[string]any {
	c.t.Helper()
	return reminder(c.t, state(c.srv, c.u), playbook.ReminderAsk, ask)
}

func TestCoachPraiseBringsAskForwardForItsWindow(t *testing.T) {
	tu.ForEachDB(t, func(t *testing.T, db tu.DB) {
		c := newCoach(t, db, nil)
		c.want(10, "not_yet", "waiting_date")
		now := c.srv.Clock.Now()
		c.note(20, []int{1}, sig(1, "praised", now.Add(-time.Hour)))
		r := c.want(10, "ready", "praised", "brought_forward")
		if r["window_until"] != "2026-12-01T08:30:00.000Z" {
			t.Fatalf("window_until %v", r["window_until"])
		}
		// The window opening makes the ask's reminder due at once.
		if rem := c.askReminder(10); rem["due_at"] != "2026-11-24T08:30:00.000Z" || rem["status"] != "pending" {
			t.Fatalf("reminder %v", rem)
		}
		// Seven days on, the window has closed by itself: back to the planned date.
		c.wait(7 * 24 * time.Hour)
		c.want(10, "not_yet", "waiting_date")
		if rem := c.askReminder(10); rem["due_at"] != "2026-12-24T09:00:00.000Z" {
			t.Fatalf("reminder after the window %v", rem)
		}
	})
}

func TestCoachCountsSignalsOnlyForTheirContactAndLiveNotes(t *testing.T) {
	tu.ForEachDB(t, func(t *testing.T, db tu.DB) {
		c := newCoach(t, db, nil)
		now := c.srv.Clock.Now()
		c.note(20, []int{1, 2}, sig(2, "praised", now)) // Lee praised us, not Dana
		c.want(10, "not_yet", "waiting_date")
		c.note(21, []int{1}, sig(1, "good_news", now))
		c.want(10, "ready", "good_news", "brought_forward")
		c.push(tu.Mutation{Entity: "note", RecordID: tu.ID(21), Op: "delete", BaseVersion: 99})
		c.want(10, "not_yet", "waiting_date")
	})
}

// A note's signals are indexed when it is new and replaced when it is edited: the bad news a
// note no longer logs holds nothing, and one new note among others keeps its own signal.
func TestCoachReplacesAnEditedNotesSignals(t *testing.T) {
	tu.ForEachDB(t, func(t *testing.T, db tu.DB) {
		c := newCoach(t, db, nil)
		now := c.srv.Clock.Now()
		c.note(20, []int{1}, sig(1, "bad_news", now))
		c.want(10, "hold", "bad_news")
		c.note(20, []int{1}, sig(1, "good_news", now)) // the same note, corrected
		c.want(10, "ready", "good_news", "brought_forward")
		c.push(put(0, "contact", 1, 0, map[string]any{"name": "Dana Smith"})) // read from the index alone
		c.want(10, "ready", "good_news", "brought_forward")
		c.srv.Clock.Advance(10 * time.Minute)
		c.push(
			put(0, "note", 21, 0, map[string]any{"body": "lunch", "contact_ids": []any{tu.ID(2)}}),
			put(0, "note", 22, 0, map[string]any{"body": "call", "contact_ids": []any{tu.ID(1)},
				"signals": []any{sig(1, "bad_news", c.srv.Clock.Now())}}))
		c.want(10, "hold", "bad_news")
	})
}

func TestCoachStalePraiseNeitherOpensAWindowNorFiresAMilestone(t *testing.T) {
	tu.ForEachDB(t, func(t *testing.T, db tu.DB) {
		c := newCoach(t, db, nil)
		c.push(put(0, "ask", 11, 0, map[string]any{"contact_id": tu.ID(1), "target": "Lee", "trigger": map[string]any{"kind": "milestone", "value": "praised"}}))
		c.note(20, []int{1}, sig(1, "praised", c.srv.Clock.Now().AddDate(0, -6, 0)))
		c.want(10, "not_yet", "waiting_date")
		c.want(11, "not_yet", "waiting_milestone")
		if a := state(c.srv, c.u)[tu.ID(11)].Record; a["due_at"] != nil {
			t.Fatalf("a six-month-old praise fired the milestone: %v", a)
		}
	})
}

func TestCoachBadNewsHoldsUntilGoodNews(t *testing.T) {
	tu.ForEachDB(t, func(t *testing.T, db tu.DB) {
		c := newCoach(t, db, map[string]any{"trigger": map[string]any{"kind": "date", "value": "2026-11-23"}})
		c.want(10, "ready", "due_date")
		now := c.srv.Clock.Now()
		c.note(20, []int{1}, sig(1, "bad_news", now))
		r := c.want(10, "hold", "bad_news")
		if r["hold_until"] != "2026-12-08T09:30:00.000Z" {
			t.Fatalf("hold_until %v", r["hold_until"])
		}
		if rem := c.askReminder(10); rem["due_at"] != "2026-12-08T09:30:00.000Z" || rem["status"] != "pending" {
			t.Fatalf("the reminder does not wait for the hold: %v", rem)
		}
		c.srv.Clock.Advance(10 * time.Minute)
		c.note(21, []int{1}, sig(1, "good_news", c.srv.Clock.Now()))
		c.want(10, "ready", "good_news", "due_date")
	})
}

func TestCoachHoldEndsByItself(t *testing.T) {
	tu.ForEachDB(t, func(t *testing.T, db tu.DB) {
		c := newCoach(t, db, map[string]any{"trigger": map[string]any{"kind": "date", "value": "2026-11-23"}})
		c.note(20, []int{1}, sig(1, "busy", c.srv.Clock.Now()))
		c.want(10, "hold", "busy")
		c.wait(3*24*time.Hour - time.Minute)
		c.want(10, "hold", "busy")
		c.wait(time.Minute)
		c.want(10, "ready", "due_date")
	})
}

func TestCoachBusyWithAPickedTime(t *testing.T) {
	tu.ForEachDB(t, func(t *testing.T, db tu.DB) {
		c := newCoach(t, db, map[string]any{"trigger": map[string]any{"kind": "date", "value": "2026-11-23"}})
		now := c.srv.Clock.Now()
		s := sig(1, "busy", now)
		s["hold_until"] = "2026-12-10T15:00:00Z"
		c.note(20, []int{1}, s)
		if r := c.want(10, "hold", "busy"); r["hold_until"] != "2026-12-10T15:00:00.000Z" {
			t.Fatalf("hold_until %v", r["hold_until"])
		}
	})
}

func TestCoachOfferIsWeighedByStage(t *testing.T) {
	tu.ForEachDB(t, func(t *testing.T, db tu.DB) {
		c := newCoach(t, db, nil)
		now := c.srv.Clock.Now()
		c.note(20, []int{1}, sig(1, "offered_help", now))
		if r := c.want(10, "ready", "offered_help", "brought_forward"); r["window_until"] != "2026-12-08T09:30:00.000Z" {
			t.Fatalf("an offer from trust opens 14 days: %v", r["window_until"])
		}
		c.push(put(0, "contact", 1, 99, map[string]any{"stage": "know"})) // a stage change re-derives the ask
		c.want(10, "not_yet", "waiting_date", "build_trust", "polite_offer")
	})
}

func TestCoachOfferAfterWeHelpedIsMixed(t *testing.T) {
	tu.ForEachDB(t, func(t *testing.T, db tu.DB) {
		c := newCoach(t, db, nil)
		now := c.srv.Clock.Now()
		c.note(20, []int{1}, sig(1, "we_helped", now), sig(1, "offered_help", now))
		c.want(10, "mixed", "mixed")
		if rem := c.askReminder(10); rem["due_at"] != "2026-12-24T09:00:00.000Z" {
			t.Fatalf("a mixed offer pushes nothing before the planned date: %v", rem)
		}
	})
}

func TestCoachNeedsWorkNamesWhatToFix(t *testing.T) {
	tu.ForEachDB(t, func(t *testing.T, db tu.DB) {
		c := newCoach(t, db, map[string]any{"target": "anyone", "trigger": map[string]any{"kind": "date", "value": "2026-11-23"}})
		c.want(10, "needs_work", "vague_target", "due_date")
		c.push(put(0, "ask", 10, 99, map[string]any{"target": "Lee Park"}))
		c.want(10, "ready", "due_date")
		// Planned for champions: all four checks, and the missing one is named.
		c.push(put(0, "ask", 11, 0, map[string]any{"contact_id": tu.ID(1), "target": "Kim", "trigger": map[string]any{"kind": "stage", "value": "champion"}}),
			put(0, "contact", 1, 99, map[string]any{"stage": "champion", "champion": map[string]any{"trusts_me": true, "understands_offer": true, "has_opportunity": true}}))
		r := c.want(11, "needs_work", "champion_checks", "due_stage")
		if m, _ := r["missing"].([]any); len(m) != 1 || m[0] != "knows_what_to_say" {
			t.Fatalf("missing %v", r["missing"])
		}
		c.push(put(0, "contact", 1, 99, map[string]any{"champion": map[string]any{"trusts_me": true, "understands_offer": true, "has_opportunity": true, "knows_what_to_say": true}}))
		c.want(11, "ready", "due_stage")
	})
}

func TestCoachDateAskFallsDueInTheUsersMorning(t *testing.T) {
	tu.ForEachDB(t, func(t *testing.T, db tu.DB) {
		c := newCoach(t, db, map[string]any{"trigger": map[string]any{"kind": "date", "value": "2026-11-25"}})
		c.srv.Do("PATCH", "/api/v1/me", c.u.Token, map[string]any{"timezone": "America/Los_Angeles"})
		c.push(put(0, "ask", 10, 99, map[string]any{"trigger": map[string]any{"kind": "date", "value": "2026-11-25"}}))
		// 09:00 in Los Angeles on Nov 25 is 17:00 UTC; the clock is at Nov 24 09:30 UTC.
		c.want(10, "not_yet", "waiting_date")
		c.wait(31*time.Hour + 29*time.Minute) // 16:59 UTC
		c.want(10, "not_yet", "waiting_date")
		c.wait(time.Minute)
		c.want(10, "ready", "due_date")
	})
}

func TestCoachRefusesBadSignals(t *testing.T) {
	tu.ForEachDB(t, func(t *testing.T, db tu.DB) {
		c := newCoach(t, db, nil)
		now := c.srv.Clock.Now()
		busy := func(until time.Time) map[string]any {
			s := sig(1, "busy", now)
			s["hold_until"] = until.Format(time.RFC3339)
			return s
		}
		for name, s := range map[string]map[string]any{
			"a contact the note does not name": sig(2, "praised", now),
			"a time in the future":             sig(1, "praised", now.Add(24*time.Hour)),
			"a time before 2000":               sig(1, "praised", time.Date(1999, 12, 31, 0, 0, 0, 0, time.UTC)),
			"an unknown kind":                  {"contact_id": tu.ID(1), "kind": "flattered"},
			"a busy hold in the past":          busy(now.Add(-time.Hour)),
			"a busy hold over 90 days out":     busy(now.Add(91 * 24 * time.Hour)),
			"a hold on a praise":               {"contact_id": tu.ID(1), "kind": "praised", "hold_until": now.Add(time.Hour).Format(time.RFC3339)},
		} {
			before := state(c.srv, c.u)
			r := c.srv.Do("POST", "/api/v1/sync/push", c.u.Token, map[string]any{"client_id": "phone-0001", "mutations": []tu.Mutation{
				{ID: c.next + 1, Entity: "note", RecordID: tu.ID(30), Op: "put", Fields: map[string]any{"body": "x", "contact_ids": []any{tu.ID(1)}, "signals": []any{s}}}}})
			if r.Status != http.StatusUnprocessableEntity || r.ErrorCode() == "" {
				t.Fatalf("%s: %d %s", name, r.Status, r.Body)
			}
			if after := state(c.srv, c.u); len(after) != len(before) {
				t.Fatalf("%s: records changed", name)
			}
		}
		c.want(10, "not_yet", "waiting_date")
	})
}
