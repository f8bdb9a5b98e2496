package syncer_test

import (
	"context"
	"net/http"
	"strings"
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

// noSuggestion fails the test, saying why it should not be there, if the suggestion of that
// kind about those records is there.
func (c *coach) noSuggestion(why, kind string, key ...int) {
	c.t.Helper()
	if s := c.suggestion(kind, key...); s != nil {
		c.t.Fatalf("%s: %v", why, s)
	}
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
		c.noSuggestion("still suggested once planned", playbook.SuggestPlanAsk, 1)
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
		c.noSuggestion("an offer from someone at know is politeness", playbook.SuggestTakeOffer, 2, 20)
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
		c.noSuggestion("a deleted note's win is still suggested", playbook.SuggestShareWin, 1, 20)
	})
}

func TestNextStepsGiveBackToAPartnerAhead(t *testing.T) {
	tu.ForEachDB(t, func(t *testing.T, db tu.DB) {
		c := nextSteps(t, db)
		c.push(put(0, "contact", 1, 0, map[string]any{"name": "Dana", "kind": "partner"}),
			put(0, "referral", 30, 0, map[string]any{"direction": "received", "contact_id": tu.ID(1), "prospect": "Globex"}))
		c.noSuggestion("one referral ahead", playbook.SuggestGiveBack, 1)
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
		c.noSuggestion("balanced, still suggested", playbook.SuggestGiveBack, 1)
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
		c.noSuggestion("path to a customer no longer dreamt of", playbook.SuggestIntroPath, 1, 2)
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

// planWeeks runs the scheduler's weekly planning as the dispatcher does.
func (c *coach) planWeeks() {
	c.t.Helper()
	if _, err := c.srv.App.Sync.PlanWeeks(context.Background(), 500); err != nil {
		c.t.Fatal(err)
	}
}

func TestNextStepsWeekRhythmAndWhomToSee(t *testing.T) {
	tu.ForEachDB(t, func(t *testing.T, db tu.DB) {
		c := nextSteps(t, db) // Tuesday 24 Nov 2026, 09:30 UTC
		c.srv.Do("PATCH", "/api/v1/me", c.u.Token, map[string]any{"goals": map[string]any{"one_to_ones": 2}})
		c.push(put(0, "contact", 1, 0, map[string]any{"name": "Dana", "kind": "partner"}),
			put(0, "contact", 2, 0, map[string]any{"name": "Sam", "kind": "connector"}),
			put(0, "contact", 3, 0, map[string]any{"name": "Ana", "stage": "champion"}),
			put(0, "contact", 4, 0, map[string]any{"name": "Pat", "kind": "friend"}),
			// Last week: two coffees (goal met), one with Ana; 40 days ago a lunch with Dana.
			put(0, "event", 50, 0, map[string]any{"title": "Coffee", "kind": "coffee", "starts_at": "2026-11-17T08:00:00Z", "contact_ids": []any{tu.ID(3)}}),
			put(0, "event", 51, 0, map[string]any{"title": "Call", "kind": "call", "starts_at": "2026-11-18T08:00:00Z", "contact_ids": []any{tu.ID(4)}}),
			put(0, "event", 52, 0, map[string]any{"title": "Lunch", "kind": "lunch", "starts_at": "2026-10-15T11:00:00Z", "contact_ids": []any{tu.ID(1)}}))
		c.planWeeks()
		see := c.weekSuggestion(playbook.SuggestSeeNext, "2026-W48")
		if see == nil || see["title"] != "0 of 2 one-to-ones this week — see Sam next" {
			t.Fatalf("see_next: %v", see)
		}
		texts := reasonTexts(see)
		want := []string{"One-to-ones: 0 of 2 this week", "Events: 0 of 3 this week", "Last week you met your goal",
			"Sam (connector) — no one-to-one yet", "Dana (partner) — not seen for 39 days"}
		if strings.Join(texts, "|") != strings.Join(want, "|") {
			t.Fatalf("reasons %q", texts)
		}
		// A coffee with Sam today: the rhythm moves and Sam is off the list, in the same push.
		c.push(put(0, "event", 53, 0, map[string]any{"title": "Coffee", "kind": "coffee", "starts_at": "2026-11-24T08:00:00Z", "contact_ids": []any{tu.ID(2)}}))
		see = c.weekSuggestion(playbook.SuggestSeeNext, "2026-W48")
		if see["title"] != "1 of 2 one-to-ones this week — see Dana next" {
			t.Fatalf("after a coffee: %v", see["title"])
		}
		// The week's plan, with its push due Monday 08:00 only for a week planned in time.
		if plan := c.weekSuggestion(playbook.SuggestWeekPlan, "2026-W48"); plan == nil {
			t.Fatal("no week plan")
		}
		// The week turns: next Monday the new week is planned by the scheduler, with a push at 08:00.
		c.srv.Clock.Advance(6*24*time.Hour - 9*time.Hour) // Monday 30 Nov, 00:30 UTC
		c.planWeeks()
		c.u = c.srv.Login(c.u)
		plan := c.weekSuggestion(playbook.SuggestWeekPlan, "2026-W49")
		if plan == nil || plan["title"] != "Your week: 0 ready to ask, 0 thank-yous owed" {
			t.Fatalf("week plan: %v", plan)
		}
		rem := state(c.srv, c.u)[playbook.ReminderID(playbook.ReminderWeekPlan, playbook.SuggestionID(playbook.SuggestWeekPlan, c.u.ID, "2026-W49"))].Record
		if rem == nil || rem["due_at"] != "2026-11-30T08:00:00.000Z" || rem["status"] != "pending" {
			t.Fatalf("week plan push: %v", rem)
		}
		if old := c.weekSuggestion(playbook.SuggestSeeNext, "2026-W48"); old != nil {
			t.Fatalf("last week's rhythm is still there: %v", old)
		}
	})
}

func TestNextStepsInviteAndShareOffer(t *testing.T) {
	tu.ForEachDB(t, func(t *testing.T, db tu.DB) {
		c := nextSteps(t, db)
		c.push(put(0, "contact", 1, 0, map[string]any{"name": "Dana", "kind": "client"}),
			put(0, "contact", 2, 0, map[string]any{"name": "Lee", "dream": true}),
			put(0, "contact", 3, 0, map[string]any{"name": "Ana", "kind": "partner", "stage": "champion"}),
			put(0, "connection", 40, 0, map[string]any{"contact_id": tu.ID(1), "other_contact_id": tu.ID(2), "via": "club"}),
			put(0, "event", 60, 0, map[string]any{"title": "Autumn open house", "kind": "group", "hosted": true, "starts_at": "2026-12-10T17:00:00Z"}))
		inv := c.suggestion(playbook.SuggestInvite, 60)
		if inv == nil || inv["title"] != "Invite people to Autumn open house" || inv["text"] == nil {
			t.Fatalf("invite: %v", inv)
		}
		if got := reasonTexts(inv); len(got) != 2 || got[0] != "Dana (client) knows Lee: invite them together" {
			t.Fatalf("invitees %q", got)
		}
		// The special offer, set in the settings, is suggested to share with partners and champions.
		r := c.srv.Do("PATCH", "/api/v1/me", c.u.Token, map[string]any{"special_offer": map[string]any{"text": "A free first audit", "until": "2026-12-31"}})
		if r.Status != http.StatusOK {
			t.Fatalf("offer: %d %s", r.Status, r.Body)
		}
		offer := c.srv.Do("GET", "/api/v1/me", c.u.Token, nil)
		if !strings.Contains(string(offer.Body), `"special_offer":{"text":"A free first audit","until":"2026-12-31"}`) {
			t.Fatalf("me: %s", offer.Body)
		}
		sid := playbook.SuggestionID(playbook.SuggestShareOffer, c.u.ID, "2026-12-31", "A free first audit")
		s := state(c.srv, c.u)[sid].Record
		if s == nil || s["text"] != "A free first audit" || reasonTexts(s)[0] != "Tell Ana: a special offer makes it easy for them to refer you (until 31 December)" {
			t.Fatalf("share_offer: %v", s)
		}
		if r := c.srv.Do("PATCH", "/api/v1/me", c.u.Token, map[string]any{"special_offer": map[string]any{"text": "x", "until": "2020-01-01"}}); r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("an offer that ended: %d %s", r.Status, r.Body)
		}
		c.srv.Do("PATCH", "/api/v1/me", c.u.Token, map[string]any{"special_offer": map[string]any{"text": ""}})
		if ch := state(c.srv, c.u)[sid]; !ch.Deleted {
			t.Fatalf("an ended offer is still suggested: %v", ch.Record)
		}
	})
}

// weekSuggestion is the user's suggestion of a kind for an ISO week.
func (c *coach) weekSuggestion(kind, week string) map[string]any {
	c.t.Helper()
	ch, ok := state(c.srv, c.u)[playbook.SuggestionID(kind, c.u.ID, week)]
	if !ok || ch.Deleted {
		return nil
	}
	return ch.Record
}

func reasonTexts(s map[string]any) []string {
	var out []string
	rs, _ := s["reasons"].([]any)
	for _, x := range rs {
		out = append(out, x.(map[string]any)["text"].(string))
	}
	return out
}
