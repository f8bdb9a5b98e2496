package remind_test

import (
	"context"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/askwell/askwell/server/internal/playbook"
	"github.com/askwell/askwell/server/internal/push"
	"github.com/askwell/askwell/server/internal/push/pushtest"
	"github.com/askwell/askwell/server/internal/remind"
	tu "github.com/askwell/askwell/server/internal/testutil"
)

// An ask planned for tomorrow is pushed once it is due: the device decrypts a message that
// says who to ask for whom and why, links to the ask, and carries a token good for exactly that
// reminder; the reminder is then "sent" on every device, and nothing is pushed twice.
func TestDeliversDueAskEndToEnd(t *testing.T) {
	tu.ForEachDB(t, func(t *testing.T, db tu.DB) {
		ctx, srv, w, u := subscribed(t, db)
		sub := w.subs[0]
		dana, lee, ask := recID(1, 1), recID(1, 2), recID(1, 3)
		srv.Push(u, "phone-0001",
			put(1, "contact", dana, map[string]any{"name": "Dana", "stage": "trust"}),
			put(2, "contact", lee, map[string]any{"name": "Lee"}),
			put(3, "ask", ask, map[string]any{"contact_id": dana, "target_contact_id": lee,
				"why":     "Lee is opening a second shop and needs a bookkeeper.",
				"trigger": map[string]any{"kind": "date", "value": "2026-11-25"}})) // 09:00 UTC tomorrow
		d, reg := w.dispatcher()

		if n, err := d.RunOnce(ctx); err != nil || n != 0 || len(w.svc.Received()) != 0 {
			t.Fatalf("before due: delivered %d, %v, %d received", n, err, len(w.svc.Received()))
		}
		srv.Clock.Advance(24 * time.Hour) // 09:30 UTC on the 25th, outside the default quiet hours
		if n, err := d.RunOnce(ctx); err != nil || n != 1 {
			t.Fatalf("due: delivered %d, %v", n, err)
		}
		got := w.svc.Received()
		if len(got) != 1 {
			t.Fatalf("%d messages received, want 1", len(got))
		}
		msg := got[0]
		rid := playbook.ReminderID(playbook.ReminderAsk, ask)
		if msg.Endpoint != sub.Endpoint || msg.TTL != 86400 || msg.Urgency != "high" || msg.Topic != push.TopicFor(rid) ||
			msg.Sub != "mailto:ops@example.com" || msg.VAPIDKey != w.keys.Public || msg.Status != http.StatusCreated {
			t.Fatalf("headers: ttl %d urgency %q topic %q sub %q status %d", msg.TTL, msg.Urgency, msg.Topic, msg.Sub, msg.Status)
		}
		p := w.payloads()[0]
		want := remind.Payload{
			Title: "Ask Dana for an intro to Lee", Body: "Lee is opening a second shop and needs a bookkeeper.",
			URL: "/#/asks/" + ask, ReminderID: rid, Kind: "ask", Token: p.Token, Tag: rid, API: "/api/v1/reminders/" + rid,
			Actions: []remind.Action{{Action: "done", Title: "Done"}, {Action: "snooze", Title: "Snooze 1 h"}},
		}
		if !equalPayload(p, want) {
			t.Fatalf("payload\n got %+v\nwant %+v", p, want)
		}
		if uid, err := srv.App.Tokens.VerifyAction(p.Token, rid); err != nil || uid != u.ID {
			t.Fatalf("action token: %q, %v", uid, err)
		}
		if _, err := srv.App.Tokens.VerifyAction(p.Token, playbook.ReminderID(playbook.ReminderThankYou, ask)); err == nil {
			t.Fatal("action token accepted for another reminder")
		}

		rec := reminders(t, srv, u)[rid]
		if rec["status"] != "sent" || rec["sent_at"] == nil {
			t.Fatalf("reminder after delivery: %v", rec)
		}
		subs, err := srv.App.Store.Subscriptions(ctx, u.ID)
		if err != nil || len(subs) != 1 || subs[0].LastOKAt == nil {
			t.Fatalf("subscription after delivery: %+v, %v", subs, err)
		}

		if n, err := d.RunOnce(ctx); err != nil || n != 0 || len(w.svc.Received()) != 1 {
			t.Fatalf("second run: delivered %d, %v, %d received", n, err, len(w.svc.Received()))
		}
		srv.Clock.Advance(3 * time.Hour) // and not later either: sent is sent
		if n, _ := d.RunOnce(ctx); n != 0 || len(w.svc.Received()) != 1 {
			t.Fatalf("later run: delivered %d, %d received", n, len(w.svc.Received()))
		}
		wantCounter(t, reg, "askwell_push_sent_total", 1)
		wantCounter(t, reg, "askwell_push_reminders_delivered_total", 1)
	})
}

func equalPayload(a, b remind.Payload) bool {
	return a.Title == b.Title && a.Body == b.Body && a.URL == b.URL && a.ReminderID == b.ReminderID && a.Kind == b.Kind &&
		a.Token == b.Token && a.Tag == b.Tag && a.API == b.API && slices.Equal(a.Actions, b.Actions)
}

// 404 and 410 delete the subscription. A reminder that still reached another device is sent;
// one whose only device is gone stays pending (Today shows it) and is not pushed again.
func TestGoneSubscriptionsArePruned(t *testing.T) {
	tu.ForEachDB(t, func(t *testing.T, db tu.DB) {
		ctx := context.Background()
		srv := tu.NewServer(t, db)
		w := newWorld(t, srv)
		a, b := srv.Register("a@example.com"), srv.Register("b@example.com")
		aOld, aNew := w.subscribe(a), w.subscribe(a)
		bOnly := w.subscribe(b)
		w.svc.Script(aOld.Endpoint, pushtest.Reply{Status: http.StatusNotFound})
		w.svc.Script(bOnly.Endpoint, pushtest.Reply{Status: http.StatusGone})
		aIDs := seedThanks(t, srv, a, 1, 1)
		bIDs := seedThanks(t, srv, b, 2, 1)
		d, reg := w.dispatcher()

		if n, err := d.RunOnce(ctx); err != nil || n != 1 {
			t.Fatalf("delivered %d, %v; want 1 (a's reminder through its second device)", n, err)
		}
		statuses := map[string]int{}
		for _, m := range w.svc.Received() {
			statuses[m.Endpoint] = m.Status
		}
		if statuses[aOld.Endpoint] != 404 || statuses[aNew.Endpoint] != 201 || statuses[bOnly.Endpoint] != 410 {
			t.Fatalf("answers: %v", statuses)
		}
		subsA, _ := srv.App.Store.Subscriptions(ctx, a.ID)
		subsB, _ := srv.App.Store.Subscriptions(ctx, b.ID)
		if len(subsA) != 1 || subsA[0].Endpoint != aNew.Endpoint || len(subsB) != 0 {
			t.Fatalf("subscriptions left: a %d, b %d", len(subsA), len(subsB))
		}
		if st := reminders(t, srv, a)[aIDs[0]]["status"]; st != "sent" {
			t.Fatalf("a's reminder: %v", st)
		}
		if st := reminders(t, srv, b)[bIDs[0]]["status"]; st != "pending" {
			t.Fatalf("b's reminder: %v", st)
		}
		// b's reminder is not claimed again, however long we wait: b has no device left.
		srv.Clock.Advance(48 * time.Hour)
		before := len(w.svc.Received())
		if n, _ := d.RunOnce(ctx); n != 0 || len(w.svc.Received()) != before {
			t.Fatalf("after pruning: delivered %d, %d new messages", n, len(w.svc.Received())-before)
		}
		wantCounter(t, reg, "askwell_push_pruned_total", 2)
	})
}

// 429 twice, then 201: each retry waits for the backoff (or the push service's Retry-After,
// when longer), the attempts add up, and the third try delivers.
func TestRetriesWithBackoff(t *testing.T) {
	tu.ForEachDB(t, func(t *testing.T, db tu.DB) {
		ctx, srv, w, u := subscribed(t, db)
		sub := w.subs[0]
		w.svc.Script(sub.Endpoint,
			pushtest.Reply{Status: http.StatusTooManyRequests, Header: http.Header{"Retry-After": {"120"}}},
			pushtest.Reply{Status: http.StatusTooManyRequests})
		ids := seedThanks(t, srv, u, 1, 1)
		d, reg := w.dispatcher()
		received := func() int { return len(w.svc.Received()) }

		for _, step := range []struct {
			what      string
			wait      time.Duration // on the clock before this run
			delivered int
			received  int // by the push service, in all
		}{
			{"first try", 0, 0, 1},
			{"before Retry-After", 119 * time.Second, 0, 1}, // Retry-After 120 s beats the first backoff (30 s)
			{"second try", time.Second, 0, 2},
			{"before the backoff", 59 * time.Second, 0, 2}, // twice the first: the stored attempt count went up
			{"third try", time.Second, 1, 3},
		} {
			srv.Clock.Advance(step.wait)
			if n, _ := d.RunOnce(ctx); n != step.delivered || received() != step.received {
				t.Fatalf("%s: delivered %d, %d received; want %d, %d", step.what, n, received(), step.delivered, step.received)
			}
		}
		wantStatus(t, srv, u, ids[0], "sent")
		wantCounter(t, reg, "askwell_push_retried_total", 2)
		wantCounter(t, reg, "askwell_push_failed_total", 2)
	})
}

// A push service that keeps failing gets MaxAttempts tries; then the reminder stays pending
// for the app to show, and no more pushes go out. A network error counts like a 5xx.
func TestGivesUpAfterMaxAttempts(t *testing.T) {
	tu.ForEachDB(t, func(t *testing.T, db tu.DB) {
		ctx, srv, w, u := subscribed(t, db)
		sub := w.subs[0]
		w.svc.Script(sub.Endpoint, pushtest.Reply{Status: http.StatusServiceUnavailable}, pushtest.Reply{Status: http.StatusInternalServerError})
		ids := seedThanks(t, srv, u, 1, 1)
		var calls atomic.Int32
		flaky := senderFunc(func(ctx context.Context, s push.Subscription, p []byte, o push.SendOptions) (push.Result, error) {
			if calls.Add(1) == 3 {
				return push.Result{}, context.DeadlineExceeded // what a timed-out client returns
			}
			return w.sender.Send(ctx, s, p, o)
		})
		d, _ := dispatcherOn(t, srv, flaky, func(d *remind.Deps) { d.MaxAttempts = 3 })
		for i := 0; i < 6; i++ {
			d.RunOnce(ctx)
			srv.Clock.Advance(time.Hour) // past any backoff
		}
		if calls.Load() != 3 || len(w.svc.Received()) != 2 {
			t.Fatalf("%d tries (%d reached the service), want 3", calls.Load(), len(w.svc.Received()))
		}
		wantStatus(t, srv, u, ids[0], "pending")
	})
}

// A push service that refuses a message (400) is not asked again: the reminder stays pending
// for the app, and the refusal is counted against the subscription.
func TestRejectedIsNotRetried(t *testing.T) {
	tu.ForEachDB(t, func(t *testing.T, db tu.DB) {
		ctx, srv, w, u := subscribed(t, db)
		sub := w.subs[0]
		w.svc.Script(sub.Endpoint, pushtest.Reply{Status: http.StatusBadRequest, Body: "bad topic"})
		ids := seedThanks(t, srv, u, 1, 1)
		d, reg := w.dispatcher()
		if n, _ := d.RunOnce(ctx); n != 0 || len(w.svc.Received()) != 1 {
			t.Fatalf("delivered %d, %d received", n, len(w.svc.Received()))
		}
		srv.Clock.Advance(24 * time.Hour)
		if n, _ := d.RunOnce(ctx); n != 0 || len(w.svc.Received()) != 1 {
			t.Fatalf("tried again: %d received", len(w.svc.Received()))
		}
		subs, _ := srv.App.Store.Subscriptions(ctx, u.ID)
		if len(subs) != 1 || subs[0].Failures != 1 {
			t.Fatalf("subscription after a refusal: %+v", subs)
		}
		wantStatus(t, srv, u, ids[0], "pending")
		wantCounter(t, reg, "askwell_push_reminders_stopped_total", 1)
	})
}

// A reminder snoozed from its notification comes back when the snooze ends, as a new
// message with the same Topic (so it replaces the old one if that is still queued).
func TestSnoozedReminderComesBack(t *testing.T) {
	tu.ForEachDB(t, func(t *testing.T, db tu.DB) {
		ctx, srv, w, u := subscribed(t, db)
		ids := seedThanks(t, srv, u, 1, 1)
		d, _ := w.dispatcher()
		if n, _ := d.RunOnce(ctx); n != 1 {
			t.Fatalf("first delivery: %d", n)
		}
		p := w.payloads()[0]
		if p.Title != "Thank Bob 1 for the referral" || p.Body != "Bob 1 referred you to Prospect 0. A handwritten card is remembered." ||
			p.URL != "/#/referrals/"+recID(1, 1) || p.Kind != "thank_you" {
			t.Fatalf("thank-you payload %+v", p)
		}
		if m := w.svc.Received()[0]; m.Urgency != "normal" {
			t.Fatalf("urgency %q", m.Urgency)
		}
		// "Snooze 1 h" tapped on the notification, with its action token.
		if r := srv.Do("POST", p.API+"/snooze", p.Token, map[string]any{}); r.Status != http.StatusOK {
			t.Fatalf("snooze: %d %s", r.Status, r.Body)
		}
		srv.Clock.Advance(59 * time.Minute)
		if n, _ := d.RunOnce(ctx); n != 0 {
			t.Fatalf("delivered %d during the snooze", n)
		}
		srv.Clock.Advance(time.Minute)
		if n, _ := d.RunOnce(ctx); n != 1 {
			t.Fatalf("after the snooze: delivered %d", n)
		}
		got := w.svc.Received()
		if len(got) != 2 || got[0].Topic != got[1].Topic || got[1].Topic != push.TopicFor(ids[0]) {
			t.Fatalf("messages %d, topics %q", len(got), []string{got[0].Topic, got[len(got)-1].Topic})
		}
		wantStatus(t, srv, u, ids[0], "sent")
	})
}

// Quiet hours are the user's, in the user's zone: at 23:00 in Los Angeles nothing goes out and
// the reminder waits for 07:30 there; at 07:31 it is delivered.
func TestQuietHoursHoldUntilTheyEnd(t *testing.T) {
	tu.ForEachDB(t, func(t *testing.T, db tu.DB) {
		ctx, srv, w, u := subscribed(t, db)
		if r := srv.Do("PATCH", "/api/v1/me", u.Token, map[string]any{
			"timezone": "America/Los_Angeles", "quiet_hours": map[string]any{"start": "21:00", "end": "07:30"},
		}); r.Status != http.StatusOK {
			t.Fatalf("patch me: %d %s", r.Status, r.Body)
		}
		la, _ := time.LoadLocation("America/Los_Angeles")
		contact, ask := recID(1, 1), recID(1, 2)
		srv.Push(u, "phone-0001",
			put(1, "contact", contact, map[string]any{"name": "Dana", "stage": "trust"}),
			put(2, "ask", ask, map[string]any{"contact_id": contact, "target": "Lee", "trigger": map[string]any{
				"kind": "date", "value": time.Date(2026, 11, 24, 22, 0, 0, 0, la).Format(time.RFC3339)}}))
		d, reg := w.dispatcher()

		at := func(day, h, m int) time.Time { return time.Date(2026, 11, day, h, m, 0, 0, la) }
		setClock(srv, at(24, 23, 0))
		if n, err := d.RunOnce(ctx); err != nil || n != 0 || len(w.svc.Received()) != 0 {
			t.Fatalf("inside quiet hours: delivered %d, %v, %d received", n, err, len(w.svc.Received()))
		}
		wantCounter(t, reg, "askwell_push_held_total", 1)
		setClock(srv, at(25, 7, 29))
		if n, _ := d.RunOnce(ctx); n != 0 || len(w.svc.Received()) != 0 {
			t.Fatalf("07:29: delivered %d", n)
		}
		setClock(srv, at(25, 7, 30)) // fire_at is 07:30 local: claimable now, and no longer quiet
		if n, _ := d.RunOnce(ctx); n != 1 || len(w.svc.Received()) != 1 {
			t.Fatalf("07:30: delivered %d, %d received", n, len(w.svc.Received()))
		}
		if p := w.payloads()[0]; p.Title != "Ask Dana for an intro to Lee" || p.ReminderID != playbook.ReminderID("ask", ask) {
			t.Fatalf("payload %+v", p)
		}
		setClock(srv, at(25, 7, 31))
		if n, _ := d.RunOnce(ctx); n != 0 || len(w.svc.Received()) != 1 {
			t.Fatalf("07:31: delivered %d again", n)
		}
	})
}

// setClock moves the test clock forward to t.
func setClock(srv *tu.Server, t time.Time) {
	d := t.Sub(srv.Clock.Now())
	if d < 0 {
		srv.T.Fatalf("clock cannot go back from %v to %v", srv.Clock.Now(), t)
	}
	srv.Clock.Advance(d)
}

// Three dispatchers working through 1,000 due reminders side by side deliver each exactly
// once: on PostgreSQL three app instances on one schema (SKIP LOCKED leases), on SQLite three
// dispatchers on one database.
func TestThreeDispatchersDeliverEachOnce(t *testing.T) {
	tu.ForEachDB(t, func(t *testing.T, db tu.DB) {
		ctx := context.Background()
		var srvs []*tu.Server
		if db.Name == "postgres" {
			shared, dir, clock := tu.Fresh(t, db), t.TempDir(), tu.NewClock()
			for range 3 {
				srvs = append(srvs, tu.Start(t, shared, dir, clock))
			}
		} else {
			srv := tu.NewServer(t, db)
			srvs = []*tu.Server{srv, srv, srv}
		}
		w := newWorld(t, srvs[0])
		var want []string
		for i := range 4 {
			u := srvs[0].Register(string(rune('a'+i)) + "@example.com")
			w.subscribe(u)
			want = append(want, seedThanks(t, srvs[0], u, i+1, 250)...)
		}
		var total atomic.Int64
		var wg sync.WaitGroup
		for i, srv := range srvs {
			d, _ := dispatcherOn(t, srv, w.sender, func(d *remind.Deps) { d.Batch = 60 })
			wg.Go(func() {
				n, err := drain(ctx, d)
				if err != nil {
					t.Errorf("dispatcher %d: %v", i, err)
				}
				total.Add(int64(n))
			})
		}
		wg.Wait()
		got := w.pushedOnce(want)
		if len(got) != len(want) || total.Load() != int64(len(want)) {
			t.Fatalf("%d reminders pushed, %d counted delivered, want %d", len(got), total.Load(), len(want))
		}
	})
}

// A dispatcher cancelled mid-batch loses nothing and repeats nothing: what it delivered is
// marked sent, what it had not sent yet is released at once, and another dispatcher delivers
// the rest.
func TestCancelledMidBatchLosesNothing(t *testing.T) {
	tu.ForEachDB(t, func(t *testing.T, db tu.DB) {
		ctx, srv, w, u := subscribed(t, db)
		ids := seedThanks(t, srv, u, 1, 100)

		runCtx, cancel := context.WithCancel(ctx)
		defer cancel()
		// The first 30 sends go through; the rest hang (a push service that stopped answering)
		// until the dispatcher gives up on them.
		var started, finished atomic.Int32
		blocked, thirty := make(chan struct{}), make(chan struct{})
		var once sync.Once
		gate := senderFunc(func(ctx context.Context, s push.Subscription, p []byte, o push.SendOptions) (push.Result, error) {
			if started.Add(1) <= 30 {
				r, err := w.sender.Send(ctx, s, p, o)
				if finished.Add(1) == 30 {
					close(thirty)
				}
				return r, err
			}
			once.Do(func() { close(blocked) })
			<-ctx.Done()
			return push.Result{}, ctx.Err()
		})
		dA, _ := dispatcherOn(t, srv, gate)
		done := make(chan struct{})
		go func() {
			defer close(done)
			if n, _ := dA.RunOnce(runCtx); n != 30 {
				t.Errorf("cancelled dispatcher delivered %d, want 30", n)
			}
		}()
		waitFor(t, "30 sends", thirty)
		waitFor(t, "a hanging send", blocked)
		cancel()
		waitFor(t, "the cancelled batch to settle", done)
		if got := len(w.svc.Received()); got != 30 {
			t.Fatalf("%d received before the cancel took effect, want 30", got)
		}

		dB, _ := w.dispatcher()
		if n, err := dB.RunOnce(ctx); err != nil || n != 70 {
			t.Fatalf("second dispatcher delivered %d, %v; want the 70 left", n, err)
		}
		w.pushedOnce(ids)
		if sent := sentCount(t, srv, u); sent != len(ids) {
			t.Fatalf("%d of %d marked sent", sent, len(ids))
		}
	})
}

// A dispatcher that dies after claiming (nothing after the claim runs) holds its batch only
// for the lease: then another dispatcher delivers all of it.
func TestCrashAfterClaimRecoversAfterLease(t *testing.T) {
	tu.ForEachDB(t, func(t *testing.T, db tu.DB) {
		ctx, srv, w, u := subscribed(t, db)
		ids := seedThanks(t, srv, u, 1, 50)
		// The dead dispatcher's claim, exactly as a Dispatcher makes it.
		claimed, err := srv.App.Store.ClaimDue(ctx, srv.Clock.Now(), remind.DefaultLease, remind.DefaultBatch)
		if err != nil || len(claimed) != 50 {
			t.Fatalf("claimed %d, %v", len(claimed), err)
		}
		d, _ := w.dispatcher()
		if n, _ := d.RunOnce(ctx); n != 0 {
			t.Fatalf("delivered %d while leased", n)
		}
		srv.Clock.Advance(remind.DefaultLease)
		if n, err := d.RunOnce(ctx); err != nil || n != 50 {
			t.Fatalf("after the lease: delivered %d, %v", n, err)
		}
		w.pushedOnce(ids)
	})
}

// Run stops gracefully: cancelled while sends are in flight, it finishes every batch it had
// claimed (each message delivered and marked sent) and claims no other; what it did not claim
// is free for another dispatcher at once, and nothing is pushed twice.
func TestRunFinishesBatchesOnShutdown(t *testing.T) {
	tu.ForEachDB(t, func(t *testing.T, db tu.DB) {
		ctx, srv, w, u := subscribed(t, db)
		ids := seedThanks(t, srv, u, 1, 40)

		inFlight, release := make(chan struct{}), make(chan struct{})
		var once sync.Once
		slow := senderFunc(func(ctx context.Context, s push.Subscription, p []byte, o push.SendOptions) (push.Result, error) {
			once.Do(func() { close(inFlight) })
			<-release // ignores ctx: only the lease bounds a batch being finished
			return w.sender.Send(ctx, s, p, o)
		})
		d, _ := dispatcherOn(t, srv, slow, func(d *remind.Deps) { d.Batch = 10; d.Poll = time.Hour })
		cancel, done := runInBackground(d)
		waitFor(t, "a send in flight", inFlight)
		cancel()
		close(release)
		waitFor(t, "Run to return", done)
		// Run claims the next batch while one is being sent, so one or two batches were in hand.
		n := len(w.svc.Received())
		if n != 10 && n != 20 {
			t.Fatalf("%d delivered by the stopping dispatcher, want whole batches of 10 (one or two)", n)
		}
		if sent := sentCount(t, srv, u); sent != n {
			t.Fatalf("%d marked sent, %d delivered", sent, n)
		}
		d2, _ := w.dispatcher()
		if left, _ := drain(ctx, d2); left != len(ids)-n {
			t.Fatalf("the rest: delivered %d, want %d at once (none left leased)", left, len(ids)-n)
		}
		w.pushedOnce(ids)
	})
}

// Run works through many batches, claiming the next while the last is being sent, and
// delivers every reminder exactly once and marks it sent.
func TestRunDeliversEverything(t *testing.T) {
	tu.ForEachDB(t, func(t *testing.T, db tu.DB) {
		srv := tu.NewServer(t, db)
		w := newWorld(t, srv)
		var users []tu.User
		var ids []string
		for i := range 3 {
			u := srv.Register(string(rune('a'+i)) + "@example.com")
			w.subscribe(u)
			users = append(users, u)
			ids = append(ids, seedThanks(t, srv, u, i+1, 70)...)
		}
		var accepted atomic.Int32
		all := make(chan struct{})
		counting := senderFunc(func(ctx context.Context, s push.Subscription, p []byte, o push.SendOptions) (push.Result, error) {
			r, err := w.sender.Send(ctx, s, p, o)
			if err == nil && r.Outcome == push.Delivered && accepted.Add(1) == int32(len(ids)) {
				close(all)
			}
			return r, err
		})
		d, reg := dispatcherOn(t, srv, counting, func(d *remind.Deps) { d.Batch = 25; d.Poll = time.Hour })
		cancel, done := runInBackground(d)
		waitFor(t, "every reminder accepted", all)
		cancel()
		waitFor(t, "Run to return", done)
		w.pushedOnce(ids)
		if sent := sentCount(t, srv, users...); sent != len(ids) || counter(t, reg, "askwell_push_reminders_delivered_total") != float64(len(ids)) {
			t.Fatalf("%d of %d marked sent", sent, len(ids))
		}
	})
}

// Run sleeps until Poll or a Wake: a Wake after a reminder falls due delivers it at once.
func TestWakeRunsAtOnce(t *testing.T) {
	srv := tu.NewServer(t, tu.DB{Name: "sqlite"})
	w := newWorld(t, srv)
	u := srv.Register("a@example.com")
	w.subscribe(u)
	delivered := make(chan struct{}, 10)
	notify := senderFunc(func(ctx context.Context, s push.Subscription, p []byte, o push.SendOptions) (push.Result, error) {
		r, err := w.sender.Send(ctx, s, p, o)
		delivered <- struct{}{}
		return r, err
	})
	d, _ := dispatcherOn(t, srv, notify, func(d *remind.Deps) { d.Poll = time.Hour })
	cancel, done := runInBackground(d)
	defer func() { cancel(); <-done }()

	d.Wake() // nothing due yet: a wake finds nothing and Run goes back to waiting
	contact := recID(1, 1)
	srv.Push(u, "phone-0001",
		put(1, "contact", contact, map[string]any{"name": "Dana"}),
		put(2, "ask", recID(1, 2), map[string]any{"contact_id": contact, "trigger": map[string]any{"kind": "after_days", "value": "0"}}))
	d.Wake()
	waitFor(t, "a delivery after Wake", delivered)
	if len(w.svc.Received()) != 1 {
		t.Fatalf("%d received", len(w.svc.Received()))
	}
}
