package remind_test

import (
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/askwell/askwell/server/internal/push"
	"github.com/askwell/askwell/server/internal/push/pushtest"
	"github.com/askwell/askwell/server/internal/remind"
	"github.com/askwell/askwell/server/internal/syncer"
	tu "github.com/askwell/askwell/server/internal/testutil"
)

// BenchmarkDispatch10k times 10,000 due reminders (50 users, one device each) going from due
// to claimed, encrypted, accepted by a local push service and marked sent (§10 budget: 3 s).
// "pushtest" is the verifying fake service, which also decrypts every message on the same
// two cores; "stub" answers 201 at once, which is closer to what the server itself costs;
// "nocrypto" replaces the Sender with one that accepts at once, leaving only the dispatcher's
// and the database's share.
func BenchmarkDispatch10k(b *testing.B) {
	for _, db := range tu.Databases(b) {
		for _, service := range []string{"stub", "pushtest", "nocrypto"} {
			b.Run(db.Name+"/"+service, func(b *testing.B) { benchDispatch(b, db, service, 10_000, 50) })
		}
	}
}

func benchDispatch(b *testing.B, db tu.DB, service string, total, users int) {
	ctx := context.Background()
	srv := tu.NewServer(b, db)
	keys, err := push.LoadOrCreateVAPID(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	// One connection per concurrent send to the one push service host: the default two idle
	// connections per host would make most sends open a new one.
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: remind.DefaultConcurrency}}
	var newSub func() push.Subscription
	switch service {
	case "pushtest", "nocrypto":
		svc := pushtest.NewService(b)
		newSub = svc.NewSubscription
	default:
		stub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			w.WriteHeader(http.StatusCreated)
		}))
		b.Cleanup(stub.Close)
		n := 0
		newSub = func() push.Subscription {
			n++
			return browserSub(b, fmt.Sprintf("%s/push/%d", stub.URL, n))
		}
	}
	var sender remind.Sender
	if sender, err = push.NewSender(keys, "mailto:ops@example.com", client); err != nil {
		b.Fatal(err)
	}
	if service == "nocrypto" {
		sender = senderFunc(func(context.Context, push.Subscription, []byte, push.SendOptions) (push.Result, error) {
			return push.Result{Status: http.StatusCreated, Outcome: push.Delivered}, nil
		})
	}
	type account struct {
		u    tu.User
		next int64
	}
	accounts := make([]*account, users)
	for i := range accounts {
		u := srv.Register(fmt.Sprintf("user%d@example.com", i))
		saveSub(b, srv, u.ID, newSub())
		a := &account{u: u, next: 1}
		if _, err := srv.App.Sync.Push(ctx, u.ID, "bench-"+u.ID, []syncer.Mutation{{ID: a.next, Entity: "contact",
			RecordID: recID(i, 0), Op: "put", Fields: map[string]any{"name": "Bob"}}}); err != nil {
			b.Fatal(err)
		}
		a.next++
		accounts[i] = a
	}
	seq := 0
	seed := func() {
		at := srv.Clock.Now().Add(-48 * time.Hour).UTC().Format(time.RFC3339)
		per := total / users
		for i, a := range accounts {
			for start := 0; start < per; start += syncer.MaxMutations {
				var muts []syncer.Mutation
				for j := start; j < min(start+syncer.MaxMutations, per); j++ {
					seq++
					muts = append(muts, syncer.Mutation{ID: a.next, Entity: "referral", RecordID: recID(i, seq), Op: "put",
						Fields: map[string]any{"direction": "received", "contact_id": recID(i, 0), "prospect": "Globex", "at": at}})
					a.next++
				}
				if _, err := srv.App.Sync.Push(ctx, a.u.ID, "bench-"+a.u.ID, muts); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
	// Run is what the server runs; it is stopped once the last message is accepted, and
	// returns when the batches in hand are settled (marked sent).
	var accepted atomic.Int64
	var allIn chan struct{}
	counting := senderFunc(func(ctx context.Context, s push.Subscription, p []byte, o push.SendOptions) (push.Result, error) {
		r, err := sender.Send(ctx, s, p, o)
		if err == nil && r.Outcome == push.Delivered && accepted.Add(1) == int64(total) {
			close(allIn)
		}
		return r, err
	})
	d, err := remind.New(remind.Deps{Store: srv.App.Store, Sync: srv.App.Sync, Sender: counting, Tokens: srv.App.Tokens, Now: srv.Clock.Now})
	if err != nil {
		b.Fatal(err)
	}
	var spent, cpu time.Duration
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		seed()
		accepted.Store(0)
		allIn = make(chan struct{})
		runCtx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		b.StartTimer()
		start, cpu0 := time.Now(), cpuTime()
		go func() { defer close(done); d.Run(runCtx) }()
		select {
		case <-allIn:
		case <-time.After(5 * time.Minute):
			b.Fatalf("only %d of %d accepted", accepted.Load(), total)
		}
		cancel()
		<-done
		spent += time.Since(start)
		cpu += cpuTime() - cpu0
		b.StopTimer()
		// Everything was marked sent: past the lease nothing is claimable any more.
		srv.Clock.Advance(remind.DefaultLease)
		if n, err := d.RunOnce(ctx); err != nil || n != 0 {
			b.Fatalf("after the run: %d more delivered, %v", n, err)
		}
		b.StartTimer()
	}
	b.ReportMetric(spent.Seconds()/float64(b.N)*10_000/float64(total), "s/10k")
	// CPU seconds of the whole process (push service included): steadier than the wall
	// clock on a shared machine.
	b.ReportMetric(cpu.Seconds()/float64(b.N)*10_000/float64(total), "cpu-s/10k")
}

// BenchmarkSendOnly10k is the reference for BenchmarkDispatch10k: the same Sender sending
// 10,000 messages to the same stub from 16 goroutines, with no database at all.
func BenchmarkSendOnly10k(b *testing.B) {
	stub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusCreated)
	}))
	defer stub.Close()
	keys, err := push.LoadOrCreateVAPID(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: remind.DefaultConcurrency}}
	sender, err := push.NewSender(keys, "mailto:ops@example.com", client)
	if err != nil {
		b.Fatal(err)
	}
	sub := browserSub(b, stub.URL+"/push/1")
	payload := make([]byte, 600)
	var spent, cpu time.Duration
	for range b.N {
		start, cpu0 := time.Now(), cpuTime()
		var next atomic.Int64
		var wg sync.WaitGroup
		for range remind.DefaultConcurrency {
			wg.Go(func() {
				for next.Add(1) <= 10_000 {
					if _, err := sender.Send(context.Background(), sub, payload, push.SendOptions{}); err != nil {
						b.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
		spent += time.Since(start)
		cpu += cpuTime() - cpu0
	}
	b.ReportMetric(spent.Seconds()/float64(b.N), "s/10k")
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/10k")
}

// cpuTime is the user and system CPU time this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// browserSub makes the keys a browser would for an endpoint.
func browserSub(b testing.TB, endpoint string) push.Subscription {
	priv, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	auth := make([]byte, 16)
	_, _ = rand.Read(auth)
	return push.Subscription{Endpoint: endpoint, P256dh: base64.RawURLEncoding.EncodeToString(priv.PublicKey().Bytes()),
		Auth: base64.RawURLEncoding.EncodeToString(auth)}
}
