package remind_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/askwell/askwell/server/internal/playbook"
	"github.com/askwell/askwell/server/internal/push"
	"github.com/askwell/askwell/server/internal/push/pushtest"
	"github.com/askwell/askwell/server/internal/remind"
	"github.com/askwell/askwell/server/internal/store"
	tu "github.com/askwell/askwell/server/internal/testutil"
)

// world is an app with a fake push service and a real Sender signed with fresh VAPID keys.
type world struct {
	t      testing.TB
	srv    *tu.Server
	svc    *pushtest.Service
	keys   push.VAPIDKeys
	sender *push.Sender
	// subs are the subscriptions made, in order, for tests that script their answers.
	subs []push.Subscription
}

func newWorld(t testing.TB, srv *tu.Server) *world {
	t.Helper()
	svc := pushtest.NewService(t)
	sender, keys := svc.Sender(t)
	return &world{t: t, srv: srv, svc: svc, keys: keys, sender: sender}
}

// testBackoff has no jitter, so a test knows exactly when a retry is due.
var testBackoff = push.BackoffPolicy{Base: 30 * time.Second, Cap: time.Hour, Jitter: func() float64 { return 1 }}

// dispatcher builds a Dispatcher on the world's app; change adjusts its deps.
func (w *world) dispatcher(change ...func(*remind.Deps)) (*remind.Dispatcher, *prometheus.Registry) {
	w.t.Helper()
	return dispatcherOn(w.t, w.srv, w.sender, change...)
}

func dispatcherOn(t testing.TB, srv *tu.Server, sender remind.Sender, change ...func(*remind.Deps)) (*remind.Dispatcher, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	deps := remind.Deps{
		Store: srv.App.Store, Sync: srv.App.Sync, Sender: sender, Tokens: srv.App.Tokens, Now: srv.Clock.Now,
		Metrics: reg, Backoff: testBackoff, Concurrency: 4,
	}
	for _, f := range change {
		f(&deps)
	}
	d, err := remind.New(deps)
	if err != nil {
		t.Fatal(err)
	}
	return d, reg
}

// subscribe registers a new fake browser for the user, as POST /push/subscriptions would.
func (w *world) subscribe(u tu.User) push.Subscription {
	w.t.Helper()
	sub := w.svc.NewSubscription()
	saveSub(w.t, w.srv, u.ID, sub)
	w.subs = append(w.subs, sub)
	return sub
}

// subscribed is a server with a fake push service and one user with one subscribed device
// (w.subs[0]).
func subscribed(t *testing.T, db tu.DB) (context.Context, *tu.Server, *world, tu.User) {
	t.Helper()
	srv := tu.NewServer(t, db)
	w := newWorld(t, srv)
	u := srv.Register("dana@example.com")
	w.subscribe(u)
	return context.Background(), srv, w, u
}

func saveSub(t testing.TB, srv *tu.Server, userID string, sub push.Subscription) {
	t.Helper()
	err := srv.App.Store.SaveSubscription(context.Background(), &store.PushSubscription{
		ID: uuid.Must(uuid.NewV7()).String(), UserID: userID, Endpoint: sub.Endpoint, P256dh: sub.P256dh, Auth: sub.Auth,
		UserAgent: "test", CreatedAt: srv.Clock.Now().UTC(),
	})
	if err != nil {
		t.Fatal(err)
	}
}

// payloads decodes what the fake push service received, in order.
func (w *world) payloads() []remind.Payload {
	w.t.Helper()
	var out []remind.Payload
	for _, m := range w.svc.Received() {
		var p remind.Payload
		if err := json.Unmarshal(m.Payload, &p); err != nil {
			w.t.Fatalf("payload %q: %v", m.Payload, err)
		}
		out = append(out, p)
	}
	return out
}

func put(id int64, entity, rec string, fields map[string]any) tu.Mutation {
	return tu.Mutation{ID: id, Entity: entity, RecordID: rec, Op: "put", Fields: fields}
}

// recID makes distinct record ids per test user: n-th record of user u.
func recID(u, n int) string { return fmt.Sprintf("0192f3a0-%04d-7000-8000-%012d", u, n) }

// seedThanks gives the user a contact and n referrals received two days ago, so n thank-you
// reminders are a day overdue. It returns their reminder ids.
func seedThanks(t testing.TB, srv *tu.Server, u tu.User, userNo, n int) []string {
	t.Helper()
	at := srv.Clock.Now().Add(-48 * time.Hour).UTC().Format(time.RFC3339)
	client := fmt.Sprintf("seed-%04d", userNo)
	contact := recID(userNo, 0)
	next := int64(1)
	srv.Push(u, client, put(next, "contact", contact, map[string]any{"name": fmt.Sprintf("Bob %d", userNo)}))
	next++
	var ids []string
	for start := 0; start < n; start += 500 {
		var muts []tu.Mutation
		for i := start; i < min(start+500, n); i++ {
			id := recID(userNo, i+1)
			muts = append(muts, put(next, "referral", id, map[string]any{
				"direction": "received", "contact_id": contact, "prospect": fmt.Sprintf("Prospect %d", i), "at": at,
			}))
			next++
			ids = append(ids, playbook.ReminderID(playbook.ReminderThankYou, id))
		}
		srv.Push(u, client, muts...)
	}
	return ids
}

// reminders pulls the user's reminder records by id.
func reminders(t testing.TB, srv *tu.Server, u tu.User) map[string]map[string]any {
	t.Helper()
	u = srv.Login(u) // the test clock may have outrun the access token
	changes, _ := srv.PullAll(u, "pull-"+u.ID, 0)
	out := map[string]map[string]any{}
	for id, c := range tu.Latest(changes) {
		if c.Entity == "reminder" {
			out[id] = c.Record
		}
	}
	return out
}

// counter reads one of the dispatcher's counters.
func counter(t testing.TB, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			return mf.GetMetric()[0].GetCounter().GetValue()
		}
	}
	t.Fatalf("no metric %s", name)
	return 0
}

// wantCounter fails the test unless the dispatcher's counter stands at want.
func wantCounter(t testing.TB, reg *prometheus.Registry, name string, want float64) {
	t.Helper()
	if c := counter(t, reg, name); c != want {
		t.Fatalf("%s is %v, want %v", name, c, want)
	}
}

// wantStatus fails the test unless the user's reminder id has the status want.
func wantStatus(t testing.TB, srv *tu.Server, u tu.User, id, want string) {
	t.Helper()
	if st := reminders(t, srv, u)[id]["status"]; st != want {
		t.Fatalf("reminder %s is %v, want %s", id, st, want)
	}
}

// senderFunc adapts a function to remind.Sender.
type senderFunc func(ctx context.Context, sub push.Subscription, payload []byte, opts push.SendOptions) (push.Result, error)

func (f senderFunc) Send(ctx context.Context, sub push.Subscription, payload []byte, opts push.SendOptions) (push.Result, error) {
	return f(ctx, sub, payload, opts)
}

// pushedOnce fails the test unless each of ids reached the push service exactly once, and
// returns how often every reminder did.
func (w *world) pushedOnce(ids []string) map[string]int {
	w.t.Helper()
	got := countIDs(w.payloads())
	for _, id := range ids {
		if got[id] != 1 {
			w.t.Fatalf("reminder %s pushed %d times", id, got[id])
		}
	}
	return got
}

// sentCount is how many reminders of the users are marked sent.
func sentCount(t testing.TB, srv *tu.Server, users ...tu.User) int {
	t.Helper()
	n := 0
	for _, u := range users {
		for _, r := range reminders(t, srv, u) {
			if r["status"] == "sent" {
				n++
			}
		}
	}
	return n
}

// runInBackground starts d.Run; cancel stops it and done closes when it has returned.
func runInBackground(d *remind.Dispatcher) (cancel func(), done <-chan struct{}) {
	ctx, cancel := context.WithCancel(context.Background())
	ch := make(chan struct{})
	go func() { defer close(ch); d.Run(ctx) }()
	return cancel, ch
}

// drain runs d until it finds nothing to deliver and returns how many it delivered.
func drain(ctx context.Context, d *remind.Dispatcher) (int, error) {
	total := 0
	for {
		n, err := d.RunOnce(ctx)
		total += n
		if err != nil || n == 0 {
			return total, err
		}
	}
}

// countIDs counts how often each reminder id reached the push service (accepted or not).
func countIDs(ps []remind.Payload) map[string]int {
	n := map[string]int{}
	for _, p := range ps {
		n[p.ReminderID]++
	}
	return n
}

// waitFor waits for a condition another goroutine makes true; a generous bound only keeps
// a broken test from hanging.
func waitFor(t testing.TB, what string, ch <-chan struct{}) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(30 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
	}
}
