package remind_test

import (
	"testing"
	"time"

	"github.com/askwell/askwell/server/internal/remind"
	tu "github.com/askwell/askwell/server/internal/testutil"
)

// The coach's pushes: a praise makes an ask planned for next month go out now and say why;
// bad news holds a due ask (nothing pushed) until the hold ends by itself; quiet hours still
// hold a ready push.
func TestCoachPushes(t *testing.T) {
	tu.ForEachDB(t, func(t *testing.T, db tu.DB) {
		ctx, srv, w, u := subscribed(t, db)
		dana, lee, sam, askDana, askSam := recID(1, 1), recID(1, 2), recID(1, 3), recID(1, 4), recID(1, 5)
		srv.Push(u, "phone-0001",
			put(1, "contact", dana, map[string]any{"name": "Dana", "stage": "trust"}),
			put(2, "contact", lee, map[string]any{"name": "Lee"}),
			put(3, "contact", sam, map[string]any{"name": "Sam", "stage": "champion", "champion": map[string]any{
				"trusts_me": true, "understands_offer": true, "has_opportunity": true, "knows_what_to_say": true}}),
			put(4, "ask", askDana, map[string]any{"contact_id": dana, "target_contact_id": lee, "why": "Lee needs a bookkeeper.",
				"trigger": map[string]any{"kind": "date", "value": "2026-12-24"}}),
			put(5, "ask", askSam, map[string]any{"contact_id": sam, "target": "Kim at Globex",
				"trigger": map[string]any{"kind": "date", "value": "2026-11-24"}})) // due 09:00 UTC today
		d, _ := w.dispatcher()
		now := srv.Clock.Now() // 09:30 UTC, outside quiet hours

		// Sam had bad news this morning: his due ask is held, nothing is pushed.
		srv.Push(u, "phone-0001", put(6, "note", recID(1, 6), map[string]any{"body": "his dog died", "contact_ids": []any{sam},
			"signals": []any{map[string]any{"contact_id": sam, "kind": "bad_news", "at": now.Add(-time.Hour).Format(time.RFC3339)}}}))
		// Dana praised our work a minute ago: her ask for next month goes out now, saying why.
		srv.Push(u, "phone-0001", put(7, "note", recID(1, 7), map[string]any{"body": "loved the audit", "contact_ids": []any{dana},
			"signals": []any{map[string]any{"contact_id": dana, "kind": "praised", "at": now.Add(-time.Minute).Format(time.RFC3339)}}}))
		if n, err := d.RunOnce(ctx); err != nil || n != 1 {
			t.Fatalf("delivered %d, %v", n, err)
		}
		p := w.payloads()[0]
		if p.Title != "Ask Dana for an intro to Lee" || p.Body != "Dana praised your work today — now is a good moment." || p.URL != "/#/asks/"+askDana {
			t.Fatalf("payload %+v", p)
		}

		// Thirteen days on (Monday morning: the week's plan goes out), still held; at fourteen
		// the hold ends by itself and Sam's ask goes out.
		srv.Clock.Advance(13 * 24 * time.Hour)
		if _, err := d.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		sent := func(url string) *remind.Payload {
			for _, p := range w.payloads() {
				if p.URL == url {
					return &p
				}
			}
			return nil
		}
		if p := sent("/#/asks/" + askSam); p != nil {
			t.Fatalf("pushed during the hold: %+v", p)
		}
		srv.Clock.Advance(24*time.Hour - time.Hour + time.Minute) // 08:31 UTC, 14 days after the bad news
		if _, err := d.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		if p := sent("/#/asks/" + askSam); p == nil || p.Title != "Ask Sam for an intro to Kim at Globex" {
			t.Fatalf("after the hold: %+v", w.payloads())
		}
	})
}

// A praise logged at night is held for quiet hours like any other push, then says why.
func TestCoachPushWaitsForQuietHours(t *testing.T) {
	tu.ForEachDB(t, func(t *testing.T, db tu.DB) {
		ctx, srv, w, u := subscribed(t, db)
		setClock(srv, time.Date(2026, 11, 24, 22, 30, 0, 0, time.UTC)) // quiet from 21:00 to 07:30 (UTC)
		u = srv.Login(u)
		dana := recID(1, 1)
		srv.Push(u, "phone-0001",
			put(1, "contact", dana, map[string]any{"name": "Dana", "stage": "trust"}),
			put(2, "ask", recID(1, 2), map[string]any{"contact_id": dana, "target": "Lee", "trigger": map[string]any{"kind": "date", "value": "2026-12-24"}}),
			put(3, "note", recID(1, 3), map[string]any{"body": "great dinner", "contact_ids": []any{dana},
				"signals": []any{map[string]any{"contact_id": dana, "kind": "good_news"}}}))
		d, _ := w.dispatcher()
		if n, _ := d.RunOnce(ctx); n != 0 {
			t.Fatalf("pushed in quiet hours: %d", n)
		}
		setClock(srv, time.Date(2026, 11, 25, 7, 30, 0, 0, time.UTC))
		if n, err := d.RunOnce(ctx); err != nil || n != 1 {
			t.Fatalf("after quiet hours: %d, %v", n, err)
		}
		if p := w.payloads()[0]; p.Body != "Dana had good news yesterday — now is a good moment." {
			t.Fatalf("payload %+v", p)
		}
	})
}

// Monday's plan goes out at 08:00 in the user's zone as one push that opens Today.
func TestWeekPlanPush(t *testing.T) {
	tu.ForEachDB(t, func(t *testing.T, db tu.DB) {
		ctx, srv, w, u := subscribed(t, db)
		srv.Do("PATCH", "/api/v1/me", u.Token, map[string]any{"timezone": "Europe/Berlin"})
		srv.Push(u, "phone-0001",
			put(1, "contact", recID(1, 1), map[string]any{"name": "Dana", "kind": "client"}),
			put(2, "referral", recID(1, 2), map[string]any{"direction": "received", "contact_id": recID(1, 1), "prospect": "Globex"}))
		d, _ := w.dispatcher()
		setClock(srv, time.Date(2026, 11, 29, 23, 30, 0, 0, time.UTC)) // Monday 00:30 in Berlin: the week turns
		if _, err := d.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		for _, p := range w.payloads() {
			if p.Kind == "week_plan" {
				t.Fatalf("the plan went out before 08:00: %+v", p)
			}
		}
		setClock(srv, time.Date(2026, 11, 30, 7, 0, 0, 0, time.UTC)) // 08:00 in Berlin
		if _, err := d.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		var plan *remind.Payload
		for _, p := range w.payloads() {
			if p.Kind == "week_plan" {
				plan = &p
			}
		}
		if plan == nil || plan.Title != "Your week: 0 ready to ask, 1 thank-you owed" || plan.URL != "/#/today" ||
			plan.Body != "One-to-ones: 0 of 5 this week. Plan the ask for Dana now." {
			t.Fatalf("week plan: %+v", plan)
		}
	})
}
