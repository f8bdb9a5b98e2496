// Package remind is the in-server loop that delivers due reminders by Web Push. It claims due
// reminders in batches under a lease (so several instances share the work and a crash loses
// nothing), holds them through the user's quiet hours, sends each to every device of its user,
// retries what the push service asks to retry, prunes subscriptions that are gone, and marks
// the delivered ones sent with one write per user per batch.
package remind

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/askwell/askwell/server/internal/auth"
	"github.com/askwell/askwell/server/internal/push"
	"github.com/askwell/askwell/server/internal/store"
	"github.com/askwell/askwell/server/internal/syncer"
	"github.com/askwell/askwell/server/internal/zones"
)

// Defaults of Deps.
const (
	DefaultLease       = 2 * time.Minute
	DefaultBatch       = 500
	DefaultPoll        = 5 * time.Second
	DefaultConcurrency = 16
	DefaultMaxAttempts = 12
)

const (
	// staleAfter is how long after its time a reminder is still worth a notification; the
	// push TTL never keeps a message queued past it.
	staleAfter = 7 * 24 * time.Hour
	// minTTL keeps an overdue reminder's message around long enough for a phone that is
	// briefly offline.
	minTTL = time.Hour
	// bookkeepingTimeout is how long after its sends stop a batch may still take to write its
	// outcome, which happens even when the batch was cancelled: what was delivered should be
	// marked, what was not released.
	bookkeepingTimeout = 30 * time.Second
)

// Sender sends one encrypted push message; *push.Sender is the real one.
type Sender interface {
	Send(ctx context.Context, sub push.Subscription, payload []byte, opts push.SendOptions) (push.Result, error)
}

// Deps are what a Dispatcher works with. Store, Sync, Sender and Tokens are required; zero
// values of the rest mean the defaults above (Now: time.Now, Log: discard, Metrics: none).
type Deps struct {
	Store  *store.Store
	Sync   *syncer.Service
	Sender Sender
	Tokens *auth.Tokens
	Now    func() time.Time
	Log    *slog.Logger
	// Metrics registers the askwell_push_* counters.
	Metrics prometheus.Registerer
	// BaseURL, when set, makes the payload's url and api absolute; otherwise they are paths
	// on the app's origin, which is what the service worker resolves them against.
	BaseURL string
	// Lease is how long a claimed batch is held before another instance may claim it again.
	// A batch's sends are cut off at three quarters of it, so the batch is settled before the
	// lease runs out.
	Lease time.Duration
	// Batch is how many reminders one claim takes.
	Batch int
	// Poll is how often Run looks for due reminders when nothing wakes it.
	Poll time.Duration
	// Concurrency is how many sends run at once, and separately how many users' store reads
	// and writes (writes one at a time on SQLite, which has a single writer anyway).
	Concurrency int
	// MaxAttempts is how many tries a reminder gets against a failing push service before it
	// is left for the app's Today screen.
	MaxAttempts int
	// Backoff spaces out retries.
	Backoff push.BackoffPolicy
}

// Dispatcher delivers due reminders. RunOnce and Run may be called from one goroutine at a
// time; any number of Dispatchers (in one process or many) may share a database.
type Dispatcher struct {
	store       *store.Store
	sync        *syncer.Service
	sender      Sender
	tokens      *auth.Tokens
	now         func() time.Time
	log         *slog.Logger
	m           *metrics
	baseURL     string
	lease       time.Duration
	batch       int
	poll        time.Duration
	concurrency int
	maxAttempts int
	backoff     push.BackoffPolicy
	wake        chan struct{}
	zones       zones.Cache
	// sends bounds concurrent sends, reads concurrent store reads, writes concurrent store
	// writes, across the batches in flight.
	sends, reads, writes semaphore
}

// New checks deps and registers the metrics.
func New(d Deps) (*Dispatcher, error) {
	switch {
	case d.Store == nil:
		return nil, errors.New("remind: Deps.Store is required")
	case d.Sync == nil:
		return nil, errors.New("remind: Deps.Sync is required")
	case d.Sender == nil:
		return nil, errors.New("remind: Deps.Sender is required")
	case d.Tokens == nil:
		return nil, errors.New("remind: Deps.Tokens is required")
	}
	if d.Lease < 0 || d.Batch < 0 || d.Poll < 0 || d.Concurrency < 0 || d.MaxAttempts < 0 {
		return nil, errors.New("remind: negative Lease, Batch, Poll, Concurrency or MaxAttempts")
	}
	m, err := newMetrics(d.Metrics)
	if err != nil {
		return nil, err
	}
	x := &Dispatcher{
		store: d.Store, sync: d.Sync, sender: d.Sender, tokens: d.Tokens, now: d.Now, log: d.Log, m: m,
		baseURL: d.BaseURL, lease: d.Lease, batch: d.Batch, poll: d.Poll, concurrency: d.Concurrency,
		maxAttempts: d.MaxAttempts, backoff: d.Backoff, wake: make(chan struct{}, 1),
	}
	if x.now == nil {
		x.now = time.Now
	}
	if x.log == nil {
		x.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	x.lease = cmpOr(x.lease, DefaultLease)
	x.batch = cmpOr(x.batch, DefaultBatch)
	x.poll = cmpOr(x.poll, DefaultPoll)
	x.concurrency = cmpOr(x.concurrency, DefaultConcurrency)
	x.maxAttempts = cmpOr(x.maxAttempts, DefaultMaxAttempts)
	x.sends, x.reads, x.writes = make(semaphore, x.concurrency), make(semaphore, x.concurrency), make(semaphore, x.concurrency)
	if !d.Store.Postgres() {
		// SQLite has one writer at a time, and a writer that finds the lock taken sleeps for
		// milliseconds before it tries again: queueing here is much faster.
		x.writes = make(semaphore, 1)
	}
	return x, nil
}

func cmpOr[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// Wake makes Run look for due reminders now instead of at its next poll (after a write that
// may have made one due). It never blocks.
func (d *Dispatcher) Wake() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Run delivers batches until ctx ends: at once again after a full batch, else after Poll or a
// Wake. It claims the next batch while the last one is still being delivered (at most two in
// flight), so the store work of one overlaps the sends of the other. When ctx ends it claims
// nothing more but finishes the batches in hand (their sends still bounded by the lease), so a
// graceful shutdown neither drops nor repeats a message.
func (d *Dispatcher) Run(ctx context.Context) {
	work := context.WithoutCancel(ctx) // a batch in hand is finished, not abandoned
	timer := time.NewTimer(d.poll)
	defer timer.Stop()
	var prev chan struct{} // closed when the batch being delivered is done
	defer func() {
		if prev != nil {
			<-prev
		}
	}()
	for ctx.Err() == nil {
		now := d.now().UTC()
		// The claim is detached from ctx too, so a shutdown never leaves rows leased that no
		// one delivers; its own timeout keeps a stuck database from holding shutdown up.
		claimCtx, cancel := context.WithTimeout(work, bookkeepingTimeout)
		due, err := d.claim(claimCtx, now)
		cancel()
		if err != nil {
			d.log.Error("remind: claiming due reminders failed", "err", err)
		}
		if len(due) > 0 {
			done := make(chan struct{})
			go func() {
				defer close(done)
				d.deliver(work, now, due)
			}()
			if prev != nil {
				<-prev
			}
			prev = done
		}
		if err == nil && len(due) >= d.batch {
			continue
		}
		timer.Reset(d.poll)
		select {
		case <-ctx.Done():
			return
		case <-d.wake:
		case <-timer.C:
		}
	}
}

// RunOnce claims one batch of due reminders and delivers it. It returns how many reminders
// reached at least one device. Failures of single reminders are logged, never returned: only
// a failed claim is an error. Cancelling ctx cuts the batch's sends short; what was delivered
// is still marked sent and the rest is released for the next claim.
func (d *Dispatcher) RunOnce(ctx context.Context) (delivered int, err error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	return d.runOnce(ctx)
}

func (d *Dispatcher) runOnce(ctx context.Context) (delivered int, err error) {
	now := d.now().UTC()
	due, err := d.claim(ctx, now)
	if err != nil || len(due) == 0 {
		return 0, err
	}
	return d.deliver(ctx, now, due), nil
}

// claim leases the next batch of due reminders.
func (d *Dispatcher) claim(ctx context.Context, now time.Time) (due []store.DueReminder, err error) {
	// Time passing first: an ask whose hold ended or whose planned day came gets its readiness
	// and reminder re-derived, so what is claimed next says why now; a user whose week turned
	// gets the week planned, and Monday's plan its push.
	d.writes.do(func() {
		if _, err := d.sync.Recheck(ctx, d.batch); err != nil {
			d.log.Error("remind: re-deriving readiness failed", "err", err)
		}
		if _, err := d.sync.PlanWeeks(ctx, d.batch); err != nil {
			d.log.Error("remind: planning the week failed", "err", err)
		}
	})
	d.writes.do(func() { due, err = d.store.ClaimDue(ctx, now, d.lease, d.batch) })
	if err != nil {
		return nil, fmt.Errorf("remind: %w", err)
	}
	return due, nil
}

func (d *Dispatcher) location(name string) *time.Location { return d.zones.Get(name) }
