package sync_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/askwell/askwell/server/internal/playbook"
	tu "github.com/askwell/askwell/server/internal/testutil"
)

// nextSteps is a user with no records yet, pushing from one device.
func nextSteps(t *testing.T, db tu.DB) *coach {
	t.Helper()
	c := &coach{t: t, srv: tu.NewServer(t, db)}
	c.u = c.srv.Register("next@example.com")
	return c
}

// suggestion is the suggestion of that kind about those records, as a device pulls it; nil
// when there is none (or it was removed).
func (c *coach) suggestion(kind string, key ...int) map[string]any {
	c.t.Helper()
	ids := make([]string, len(key))
	for i, k := range key {
		ids[i] = tu.ID(k)
	}
	ch, ok := state(c.srv, c.u)[playbook.SuggestionID(kind, ids...)]
	if !ok || ch.Deleted {
		return nil
	}
	return ch.Record
}

func TestNextStepsPlanTheAskUpFront(t *testing.T) {
	tu.ForEachDB(t, func(t *testing.T, db tu.DB) {
		c := nextSteps(t, db)
		c.srv.Do("PATCH", "/api/v1/me", c.u.Token, map[string]any{"ask_plans": map[string]any{"client": map[string]any{"kind": "after_days", "value": "30"}}})
		c.push(put(0, "contact", 1, 0, map[string]any{"name": "Dana", "kind": "client"}))
		s := c.suggestion(playbook.SuggestPlanAsk, 1)
		if s == nil || s["title"] != "Plan the ask for Dana now" || s["status"] != "open" || len(s["reasons"].([]any)) != 2 {
			t.Fatalf("plan_ask: %v", s)
		}
		c.push(put(0, "ask", 10, 0, map[string]any{"contact_id": tu.ID(1), "target": "Lee", "trigger": map[string]any{"kind": "after_days", "value": "30"}}))
		if s := c.suggestion(playbook.SuggestPlanAsk, 1); s != nil {
			t.Fatalf("still suggested once planned: %v", s)
		}
	})
}

func TestNextStepsTakeASincereOffer(t *testing.T) {
	tu.ForEachDB(t, func(t *testing.T, db tu.DB) {
		c := nextSteps(t, db)
		c.push(put(0, "contact", 1, 0, map[string]any{"name": "Dana", "stage": "trust"}),
			put(0, "contact", 2, 0, map[string]any{"name": "Sam", "stage": "know"}))
		now := c.srv.Clock.Now()
		c.note(20, []int{1, 2}, sig(1, "offered_help", now), sig(2, "offered_help", now))
		s := c.suggestion(playbook.SuggestTakeOffer, 1, 20)
		if s == nil || s["title"] != "Dana offered to help: take them up on it" || s["expires_at"] != "2026-12-08T09:30:00.000Z" {
			t.Fatalf("take_offer: %v", s)
		}
		if s := c.suggestion(playbook.SuggestTakeOffer, 2, 20); s != nil {
			t.Fatalf("an offer from someone at know is politeness: %v", s)
		}
	})
}

func TestNextStepsShareAWinWhileItIsFresh(t *testing.T) {
	tu.ForEachDB(t, func(t *testing.T, db tu.DB) {
		c := nextSteps(t, db)
		c.push(put(0, "contact", 1, 0, map[string]any{"name": "Bakery Ortiz", "kind": "client"}))
		c.note(20, []int{1}, sig(1, "delivered_similar", c.srv.Clock.Now()))
		s := c.suggestion(playbook.SuggestShareWin, 1, 20)
		if s == nil || s["text"] == nil || s["kind"] != "share_win" {
			t.Fatalf("share_win: %v", s)
		}
		c.push(tu.Mutation{Entity: "note", RecordID: tu.ID(20), Op: "delete"})
		if s := c.suggestion(playbook.SuggestShareWin, 1, 20); s != nil {
			t.Fatalf("a deleted note's win is still suggested: %v", s)
		}
	})
}

func TestNextStepsGiveBackToAPartnerAhead(t *testing.T) {
	tu.ForEachDB(t, func(t *testing.T, db tu.DB) {
		c := nextSteps(t, db)
		c.push(put(0, "contact", 1, 0, map[string]any{"name": "Dana", "kind": "partner"}),
			put(0, "referral", 30, 0, map[string]any{"direction": "received", "contact_id": tu.ID(1), "prospect": "Globex"}))
		if s := c.suggestion(playbook.SuggestGiveBack, 1); s != nil {
			t.Fatalf("one referral ahead: %v", s)
		}
		c.push(put(0, "referral", 31, 0, map[string]any{"direction": "received", "contact_id": tu.ID(1), "prospect": "Initech"}))
		s := c.suggestion(playbook.SuggestGiveBack, 1)
		if s == nil || s["title"] != "Give back to Dana" {
			t.Fatalf("two ahead: %v", s)
		}
		// Dismissed on one device: it stays dismissed on another, through a re-derivation.
		c.push(tu.Mutation{Entity: "suggestion", RecordID: playbook.SuggestionID(playbook.SuggestGiveBack, tu.ID(1)), Op: "put",
			Fields: map[string]any{"status": "dismissed"}, BaseVersion: 99})
		c.push(put(0, "referral", 32, 0, map[string]any{"direction": "received", "contact_id": tu.ID(1), "prospect": "Hooli"}))
		if s := c.suggestion(playbook.SuggestGiveBack, 1); s == nil || s["status"] != "dismissed" {
			t.Fatalf("dismissal did not stick: %v", s)
		}
		// Giving back until the gap closes ends it.
		c.push(put(0, "referral", 33, 0, map[string]any{"direction": "given", "contact_id": tu.ID(1)}),
			put(0, "referral", 34, 0, map[string]any{"direction": "given", "contact_id": tu.ID(1)}))
		if s := c.suggestion(playbook.SuggestGiveBack, 1); s != nil {
			t.Fatalf("balanced, still suggested: %v", s)
		}
	})
}

func TestNextStepsIntroPathToADreamCustomer(t *testing.T) {
	tu.ForEachDB(t, func(t *testing.T, db tu.DB) {
		c := nextSteps(t, db)
		c.push(put(0, "contact", 1, 0, map[string]any{"name": "Dana", "stage": "trust"}),
			put(0, "contact", 2, 0, map[string]any{"name": "Lee", "dream": true}),
			put(0, "connection", 40, 0, map[string]any{"contact_id": tu.ID(1), "other_contact_id": tu.ID(2), "via": "board", "detail": "the Harbor Museum board"}))
		s := c.suggestion(playbook.SuggestIntroPath, 1, 2)
		if s == nil || s["title"] != "Ask Dana for an intro to Lee" || codes(s) == nil || codes(s)[0] != "path" {
			t.Fatalf("intro_path: %v", s)
		}
		if r := s["reasons"].([]any)[0].(map[string]any); r["text"] != "Dana knows Lee from the Harbor Museum board" {
			t.Fatalf("path reason %v", r)
		}
		// A praise makes the path ready, and it says so.
		c.note(20, []int{1}, sig(1, "praised", c.srv.Clock.Now()))
		s = c.suggestion(playbook.SuggestIntroPath, 1, 2)
		if got := codes(s); len(got) != 3 || got[1] != "path_ready" || got[2] != "praised" || s["score"] != float64(90) {
			t.Fatalf("ready path: %v", s)
		}
		// Lee is no longer a dream customer: the path goes.
		c.push(put(0, "contact", 2, 99, map[string]any{"dream": false}))
		if s := c.suggestion(playbook.SuggestIntroPath, 1, 2); s != nil {
			t.Fatalf("path to a customer no longer dreamt of: %v", s)
		}
	})
}

func TestNextStepsRefuseBadInput(t *testing.T) {
	tu.ForEachDB(t, func(t *testing.T, db tu.DB) {
		c := nextSteps(t, db)
		other := c.srv.Register("other@example.com")
		c.srv.Push(other, "other-0001", put(1, "contact", 90, 0, map[string]any{"name": "Theirs"}))
		c.push(put(0, "contact", 1, 0, map[string]any{"name": "Dana", "kind": "client"}))
		sid := playbook.SuggestionID(playbook.SuggestPlanAsk, tu.ID(1))
		far := c.srv.Clock.Now().Add(91 * 24 * time.Hour).Format(time.RFC3339)
		for name, m := range map[string]tu.Mutation{
			"a connection to another user's contact": put(0, "connection", 40, 0, map[string]any{"contact_id": tu.ID(1), "other_contact_id": tu.ID(90), "via": "club"}),
			"a connection to itself":                 put(0, "connection", 40, 0, map[string]any{"contact_id": tu.ID(1), "other_contact_id": tu.ID(1), "via": "club"}),
			"a connection via an unknown way":        put(0, "connection", 40, 0, map[string]any{"contact_id": tu.ID(1), "other_name": "Lee", "via": "gym"}),
			"a connection to nobody":                 put(0, "connection", 40, 0, map[string]any{"contact_id": tu.ID(1), "via": "club"}),
			"a suggestion set open by a client":      {Entity: "suggestion", RecordID: sid, Op: "put", Fields: map[string]any{"status": "open"}},
			"a snooze over 90 days":                  {Entity: "suggestion", RecordID: sid, Op: "put", Fields: map[string]any{"status": "snoozed", "snoozed_until": far}},
			"a suggestion made by a client":          {Entity: "suggestion", RecordID: tu.ID(41), Op: "put", Fields: map[string]any{"status": "done"}},
		} {
			before := state(c.srv, c.u)
			m.ID = c.next + 1
			r := c.srv.Do("POST", "/api/v1/sync/push", c.u.Token, map[string]any{"client_id": "phone-0001", "mutations": []tu.Mutation{m}})
			if r.Status < 400 || r.Status >= 500 || r.ErrorCode() == "" {
				t.Fatalf("%s: %d %s", name, r.Status, r.Body)
			}
			if after := state(c.srv, c.u); len(after) != len(before) {
				t.Fatalf("%s: records changed", name)
			}
		}
		if r := c.srv.Do("POST", "/api/v1/sync/push", c.u.Token, map[string]any{"client_id": "phone-0001", "mutations": []tu.Mutation{
			{ID: c.next + 1, Entity: "suggestion", RecordID: sid, Op: "put", Fields: map[string]any{"status": "snoozed",
				"snoozed_until": c.srv.Clock.Now().Add(72 * time.Hour).Format(time.RFC3339)}}}}); r.Status != http.StatusOK {
			t.Fatalf("a snooze of three days: %d %s", r.Status, r.Body)
		}
	})
}
