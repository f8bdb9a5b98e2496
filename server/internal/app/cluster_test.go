package app_test

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/askwell/askwell/server/internal/auth"
	"github.com/askwell/askwell/server/internal/testutil"
)

// eventWait bounds every wait for an event; nothing in these tests sleeps.
const eventWait = 10 * time.Second

// eventStream is an open GET /api/v1/sync/events, read the way the PWA reads it: fetch with an
// Authorization header, parsed into blocks (the lines of one event, up to a blank line).
type eventStream struct {
	t      *testing.T
	name   string
	blocks chan []string
}

func openEvents(t *testing.T, srv *testutil.Server, token, name string) *eventStream {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.HTTP.URL+"/api/v1/sync/events", nil)
	if err != nil {
		cancel()
		t.Fatalf("%s: %v", name, err)
	}
	auth.SetBearer(req.Header, token)
	resp, err := srv.HTTP.Client().Do(req)
	if err != nil {
		cancel()
		t.Fatalf("%s: open events: %v", name, err)
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		resp.Body.Close()
		cancel()
		t.Fatalf("%s: events: %d %q", name, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	s := &eventStream{t: t, name: name, blocks: make(chan []string, 64)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer close(s.blocks)
		r := bufio.NewReader(resp.Body)
		var block []string
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			line = strings.TrimRight(line, "\r\n")
			if line != "" {
				block = append(block, line)
				continue
			}
			if block != nil {
				s.blocks <- block
				block = nil
			}
		}
	}()
	t.Cleanup(func() {
		cancel()
		resp.Body.Close()
		<-done
	})
	// The stream says hello once it is subscribed, so a commit after this cannot be missed.
	if got := s.next(); strings.Join(got, "\n") != "retry: 3000\n: connected" {
		t.Fatalf("%s: first block %q, want retry and connected", name, got)
	}
	return s
}

// next returns the next block that is not a keep-alive ping.
func (s *eventStream) next() []string {
	s.t.Helper()
	return s.await(func(_ []string, open bool) bool {
		if !open {
			s.t.Fatalf("%s: the event stream ended", s.name)
		}
		return true
	}, fmt.Sprintf("nothing within %v", eventWait))
}

// await reads blocks, keep-alive pings aside, until done accepts one (open is false, and the
// block nil, once the stream has ended) and returns it; if eventWait passes first, the test
// fails saying timeout.
func (s *eventStream) await(done func(block []string, open bool) bool, timeout string) []string {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), eventWait)
	defer cancel()
	for {
		select {
		case b, open := <-s.blocks:
			if open && len(b) == 1 && b[0] == ": ping" {
				continue
			}
			if done(b, open) {
				return b
			}
		case <-ctx.Done():
			s.t.Fatalf("%s: %s", s.name, timeout)
		}
	}
}

// expectPoke requires the next event to be a poke.
func (s *eventStream) expectPoke(after string) {
	s.t.Helper()
	if b := s.next(); strings.Join(b, "\n") != "event: poke\ndata: {}" {
		s.t.Fatalf("%s: after %s the next event is %q, want a poke", s.name, after, b)
	}
}

// twoInstances starts two instances on one fresh PostgreSQL, with one data directory (so the
// same JWT secret) and one clock; opts apply to the second. Without PostgreSQL the test is skipped.
func twoInstances(t *testing.T, opts ...testutil.Option) (a, b *testutil.Server) {
	t.Helper()
	if os.Getenv(testutil.PostgresEnv) == "" {
		t.Skip(testutil.PostgresEnv + " is not set: two instances need a shared PostgreSQL")
	}
	db := testutil.Fresh(t, testutil.DB{Name: "postgres"})
	dataDir := t.TempDir()
	clock := testutil.NewClock()
	return testutil.Start(t, db, dataDir, clock), testutil.Start(t, db, dataDir, clock, opts...)
}

func contact(id int64, recordID, name string, base int64) testutil.Mutation {
	return testutil.Mutation{ID: id, Entity: "contact", RecordID: recordID, Op: "put", Fields: map[string]any{"name": name}, BaseVersion: base}
}

// Two instances on one PostgreSQL: sessions work on both, a write through one is read through
// the other, and a commit on either instance pokes streams open on both.
func TestTwoInstancesShareWritesAndPokes(t *testing.T) {
	a, b := twoInstances(t)

	// Registered on A, signed in on B; each instance accepts the other's access token.
	ua := a.Register("cluster@example.com")
	r := b.Do("POST", "/api/v1/auth/login", "", map[string]any{"email": "cluster@example.com", "password": "correct horse battery"})
	if r.Status != http.StatusOK {
		t.Fatalf("login on B: %d %s", r.Status, r.Body)
	}
	var login struct {
		AccessToken string `json:"access_token"`
		User        struct {
			ID string `json:"id"`
		} `json:"user"`
	}
	r.JSON(t, &login)
	if login.User.ID != ua.ID || login.AccessToken == "" {
		t.Fatalf("login on B: user %q token %q, registered %q", login.User.ID, login.AccessToken, ua.ID)
	}
	ub := testutil.User{ID: ua.ID, Email: ua.Email, Token: login.AccessToken}
	if r := b.Do("GET", "/api/v1/me", ua.Token, nil); r.Status != http.StatusOK {
		t.Fatalf("A's token on B: %d %s", r.Status, r.Body)
	}
	if r := a.Do("GET", "/api/v1/me", ub.Token, nil); r.Status != http.StatusOK {
		t.Fatalf("B's token on A: %d %s", r.Status, r.Body)
	}

	// A write pushed to A is pulled from B.
	ada := testutil.ID(1)
	p1 := a.Push(ua, "device-on-a", contact(1, ada, "Ada Lovelace", 0))
	changes, cursorB := b.PullAll(ub, "device-on-b", 0)
	got := testutil.Latest(changes)[ada]
	if got.Version != p1.Version || got.Record["name"] != "Ada Lovelace" || got.Deleted {
		t.Fatalf("B pulled %+v, want Ada at v%d", got, p1.Version)
	}

	// A stream on B is poked by a commit on A.
	onB := openEvents(t, b, ub.Token, "stream on B")
	a.Push(ua, "device-on-a", contact(2, testutil.ID(2), "Grace Hopper", 0))
	onB.expectPoke("a push to A")

	// A stream on A is poked by a commit on B, and so is B's own stream (through the database).
	onA := openEvents(t, a, ua.Token, "stream on A")
	p3 := b.Push(ub, "device-on-b", contact(1, ada, "Ada King", got.Version))
	onA.expectPoke("a push to B")
	onB.expectPoke("a push to B")

	// And that write reads back through A; B's incremental pull sees both newer commits.
	changes, _ = a.PullAll(ua, "device-on-a", p1.Version)
	if c := testutil.Latest(changes)[ada]; c.Version != p3.Version || c.Record["name"] != "Ada King" {
		t.Fatalf("A pulled %+v, want Ada King at v%d", c, p3.Version)
	}
	changes, _ = b.PullAll(ub, "device-on-b", cursorB)
	if len(changes) != 2 {
		t.Fatalf("B's incremental pull: %d changes, want Grace and Ada: %+v", len(changes), changes)
	}
}

// A commit pokes the streams of its user (whichever device made it) and no one else's; a push
// that only replays applied mutations commits nothing and pokes no one.
//
// Streams only write what the instance's hub hands them, so the "no one else" half is checked
// on the hub without waiting for an absence: once the expected poke has arrived on one
// subscription, taking the hub's lock (Subscribers) means that Poke call has finished, so any
// misdirected poke would already sit in the other channel. Through PostgreSQL, pokes come back
// from one LISTEN connection in NOTIFY order, so a later poke also proves earlier ones were
// delivered.
func TestEventsPokeOnlyTheWritersStreams(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db testutil.DB) {
		srv := testutil.NewServer(t, db)
		dana := srv.Register("dana@example.com")
		eli := srv.Register("eli@example.com")
		danaStream := openEvents(t, srv, dana.Token, "Dana's stream")
		eliStream := openEvents(t, srv, eli.Token, "Eli's stream")

		hub := srv.App.Hub
		danaHub, stopDana := hub.Subscribe(dana.ID)
		defer stopDana()
		eliHub, stopEli := hub.Subscribe(eli.ID)
		defer stopEli()
		arrived := func(ch <-chan struct{}, what string) {
			t.Helper()
			ctx, cancel := context.WithTimeout(context.Background(), eventWait)
			defer cancel()
			select {
			case <-ch:
			case <-ctx.Done():
				t.Fatalf("%s: no poke on the hub within %v", what, eventWait)
			}
			hub.Subscribers() // waits for the Poke that sent it to finish
		}
		none := func(ch <-chan struct{}, what string) {
			t.Helper()
			select {
			case <-ch:
				t.Fatal(what)
			default:
			}
		}

		// Dana's phone pushes: her stream (say, her laptop's) is poked, Eli's is not.
		m := contact(1, testutil.ID(1), "Ada", 0)
		srv.Push(dana, "dana-phone", m)
		arrived(danaHub, "Dana's push")
		none(eliHub, "Dana's push poked Eli")
		danaStream.expectPoke("Dana's push")

		// Replaying the same mutation commits nothing.
		if res := srv.Push(dana, "dana-phone", m); res.Applied != 0 {
			t.Fatalf("replay applied %d", res.Applied)
		}

		// Eli pushes: exactly his poke arrives, and it is the first thing on his stream, so
		// nothing of Dana's push reached it before.
		srv.Push(eli, "eli-phone", contact(1, testutil.ID(2), "Bo", 0))
		arrived(eliHub, "Eli's push")
		none(danaHub, "Dana's replay or Eli's push poked Dana")
		eliStream.expectPoke("Eli's push")

		// Dana's other device pushes: her stream gets the next poke, Eli's hub nothing.
		srv.Push(dana, "dana-laptop", contact(1, testutil.ID(3), "Cy", 0))
		arrived(danaHub, "Dana's second push")
		none(eliHub, "Dana's second push poked Eli")
		danaStream.expectPoke("Dana's second push")
	})
}

// Failed sign-ins count on every instance: guesses spread over two instances earn the wait
// the same guesses at one would.
func TestTwoInstancesShareLoginFailures(t *testing.T) {
	a, b := twoInstances(t)
	a.Register("guarded@example.com")
	login := func(srv *testutil.Server, password string) *testutil.Response {
		return srv.Do("POST", "/api/v1/auth/login", "", map[string]any{"email": "guarded@example.com", "password": password})
	}
	for i := range 6 {
		srv := a
		if i%2 == 1 {
			srv = b
		}
		if r := login(srv, fmt.Sprint("guess number ", i)); r.Status != http.StatusUnauthorized {
			t.Fatalf("guess %d: %d %s", i+1, r.Status, r.Body)
		}
	}
	for name, srv := range map[string]*testutil.Server{"A": a, "B": b} {
		if r := login(srv, "correct horse battery"); r.Status != http.StatusTooManyRequests || r.ErrorCode() != "account_locked" {
			t.Fatalf("after 6 failures over two instances, %s: %d %s", name, r.Status, r.Body)
		}
	}
	a.Clock.Advance(31 * time.Second)
	if r := login(b, "correct horse battery"); r.Status != http.StatusOK {
		t.Fatalf("after the wait: %d %s", r.Status, r.Body)
	}
}
