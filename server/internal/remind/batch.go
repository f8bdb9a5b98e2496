package remind

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/askwell/askwell/server/internal/playbook"
	"github.com/askwell/askwell/server/internal/push"
	"github.com/askwell/askwell/server/internal/store"
	"github.com/askwell/askwell/server/internal/syncer"
)

// batch is one claimed batch on its way. Each user's reminders go through three steps of
// their own: prepare (quiet hours, subscriptions, related records, payloads), send (every
// message), settle (subscription hygiene, retries, one MarkSent). Users move through them
// independently, so one user's store work overlaps other users' sends.
type batch struct {
	d   *Dispatcher
	now time.Time
	// sctx bounds preparing and sending; bctx the writes that record the outcome, which
	// happen even when sctx was cancelled: delivered means marked, unsent means released.
	sctx, bctx context.Context
	delivered  atomic.Int64
}

// semaphore bounds how many goroutines run a kind of work at once.
type semaphore chan struct{}

func (s semaphore) do(fn func()) {
	s <- struct{}{}
	defer func() { <-s }()
	fn()
}

// userBatch is one user's share of a batch.
type userBatch struct {
	id    string
	user  *store.User
	loc   *time.Location
	items []*item
	subs  []store.PushSubscription

	mu   sync.Mutex
	gone map[string]bool // subscriptions a push service said are gone, by id
}

func (u *userBatch) isGone(subID string) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.gone[subID]
}

func (u *userBatch) markGone(subID string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.gone == nil {
		u.gone = map[string]bool{}
	}
	u.gone[subID] = true
}

// item is one claimed reminder.
type item struct {
	due     store.DueReminder
	rec     reminderRec
	payload []byte
	opts    push.SendOptions
	ready   bool         // prepared; results has one slot per subscription of the user
	results []sendResult // written by the sends, one goroutine per slot
}

type sendResult struct {
	outcome    push.Outcome
	retryAfter time.Duration
	aborted    bool // cut short by cancellation: neither a success nor a failure
}

// deliver processes a claimed batch and returns how many reminders reached a device.
func (d *Dispatcher) deliver(ctx context.Context, now time.Time, due []store.DueReminder) int {
	// Sends stop in time for the outcome to be written before the lease runs out and another
	// instance may claim the same reminders.
	sendFor := d.lease * 3 / 4
	sctx, cancel := context.WithTimeout(ctx, sendFor)
	defer cancel()
	bctx, bcancel := context.WithTimeout(context.WithoutCancel(ctx), sendFor+bookkeepingTimeout)
	defer bcancel()
	b := &batch{d: d, now: now, sctx: sctx, bctx: bctx}

	var users []*userBatch
	byUser := map[string]*userBatch{}
	for _, r := range due {
		u := byUser[r.UserID]
		if u == nil {
			u = &userBatch{id: r.UserID, user: r.User}
			byUser[r.UserID] = u
			users = append(users, u)
		}
		u.items = append(u.items, &item{due: r})
	}
	var wg sync.WaitGroup
	for _, u := range users {
		wg.Go(func() { b.user(u) })
	}
	wg.Wait()
	return int(b.delivered.Load())
}

// user takes one user's reminders through the three steps.
func (b *batch) user(u *userBatch) {
	var later []func() // writes decided while preparing
	b.d.reads.do(func() { later = b.prepare(u) })
	if len(later) > 0 {
		b.d.writes.do(func() {
			for _, w := range later {
				w()
			}
		})
	}
	var wg sync.WaitGroup
	for _, it := range u.items {
		if !it.ready {
			continue
		}
		for s := range u.subs {
			wg.Go(func() { b.d.sends.do(func() { b.send(u, it, s) }) })
		}
	}
	wg.Wait()
	if len(u.subs) > 0 {
		b.d.writes.do(func() { b.settle(u) })
	}
}

// prepare decides whether a user's reminders go out now and builds their payloads. It returns
// the writes for the reminders that do not go out (held, stopped, released), to be run by the
// caller under the write bound.
func (b *batch) prepare(u *userBatch) (writes []func()) {
	d, now := b.d, b.now
	if u.user == nil { // deleted since the claim; its reminders go with it
		d.log.Warn("remind: reminders of an unknown user", "user", u.id, "reminders", len(u.items))
		return nil
	}
	u.loc = d.location(u.user.Timezone)
	live := u.items[:0:0]
	for _, it := range u.items {
		if err := json.Unmarshal([]byte(it.due.Data), &it.rec); err != nil {
			writes = append(writes, b.stopper(it, it.due.Attempts, "unreadable reminder", err))
			continue
		}
		if st := it.rec.Status; st != "" && st != playbook.ReminderPending && st != playbook.ReminderSnoozed {
			writes = append(writes, b.stopper(it, it.due.Attempts, "reminder is "+st, nil))
			continue
		}
		live = append(live, it)
	}
	if len(live) == 0 {
		return writes
	}
	if q, ok := parseQuiet(u.user.QuietStart, u.user.QuietEnd, u.loc); ok {
		if end, quiet := q.until(now); quiet {
			for _, it := range live {
				writes = append(writes, func() {
					if err := d.store.Reschedule(b.bctx, it.due.ID, it.due.Version, &end, it.due.Attempts); err != nil {
						d.log.Error("remind: holding a reminder for quiet hours failed", "reminder", it.due.ID, "err", err)
						return
					}
					d.m.held.Inc()
				})
			}
			return writes
		}
	}
	subs, err := d.store.Subscriptions(b.sctx, u.id)
	if err != nil {
		if b.sctx.Err() != nil { // cancelled: give them back at once
			for _, it := range live {
				writes = append(writes, func() { b.release(it) })
			}
			return writes
		}
		// Left leased: the next claim after the lease tries again.
		d.log.Error("remind: loading push subscriptions failed", "user", u.id, "reminders", len(live), "err", err)
		return writes
	}
	if len(subs) == 0 {
		// It stays pending and shows on Today; pushing it needs a device. A subscription
		// added later does not bring it back: it is not news any more.
		for _, it := range live {
			writes = append(writes, b.stopper(it, it.due.Attempts, "", nil))
		}
		return writes
	}
	u.subs = subs
	rel := d.loadRelated(b.sctx, u.id, live)
	for _, it := range live {
		if until := onHold(it.rec, rel, now); until != nil {
			// The coach holds the ask (bad news, busy): its reminder waits for the hold to end.
			writes = append(writes, func() {
				if err := d.store.Reschedule(b.bctx, it.due.ID, it.due.Version, until, it.due.Attempts); err != nil {
					d.log.Error("remind: holding an ask's reminder failed", "reminder", it.due.ID, "err", err)
				}
			})
			continue
		}
		m := compose(it.rec, rel, now, u.loc)
		token, err := d.tokens.IssueAction(u.id, it.due.ID)
		if err != nil {
			d.log.Error("remind: issuing an action token failed", "reminder", it.due.ID, "err", err)
			continue // left leased; the next claim after the lease tries again
		}
		p, err := newPayload(m, it.due.ID, it.rec.Kind, token, d.baseURL).encode()
		if err != nil {
			writes = append(writes, b.stopper(it, it.due.Attempts, "encoding the payload failed", err))
			continue
		}
		urgency := push.UrgencyNormal
		if it.rec.Kind == playbook.ReminderAsk {
			urgency = push.UrgencyHigh // an ask has a moment; the rest can wait for the phone to wake
		}
		it.payload = p
		it.opts = push.SendOptions{TTL: ttlFor(it.rec, now), Urgency: urgency, Topic: push.TopicFor(it.due.ID)}
		it.results = make([]sendResult, len(subs))
		it.ready = true
	}
	return writes
}

// ttlFor keeps a message queued for an offline phone for a day, but not past the time the
// reminder goes stale.
func ttlFor(r reminderRec, now time.Time) time.Duration {
	at := r.DueAt
	if r.Status == playbook.ReminderSnoozed && r.SnoozedUntil != nil {
		at = r.SnoozedUntil
	}
	ttl := push.DefaultTTL
	if at != nil {
		if left := at.Add(staleAfter).Sub(now); left < ttl {
			ttl = max(left, minTTL)
		}
	}
	return ttl
}

// send delivers one message to one device and records the answer in its slot.
func (b *batch) send(u *userBatch, it *item, slot int) {
	d, ctx := b.d, b.sctx
	res := &it.results[slot]
	sub := u.subs[slot]
	if ctx.Err() != nil {
		res.aborted = true
		return
	}
	if u.isGone(sub.ID) { // another reminder's send found it gone; no need to ask again
		res.outcome = push.Gone
		return
	}
	// A fresh payload slice per send: nothing a Sender does to it can reach another send.
	r, err := d.sender.Send(ctx, push.Subscription{Endpoint: sub.Endpoint, P256dh: sub.P256dh, Auth: sub.Auth},
		bytes.Clone(it.payload), it.opts)
	if err != nil {
		switch {
		case ctx.Err() != nil:
			res.aborted = true
			return
		case errors.Is(err, push.ErrBadSubscription):
			r.Outcome = push.Gone // its keys can never work
		case errors.Is(err, push.ErrBadEndpoint), errors.Is(err, push.ErrPayloadTooLarge):
			r.Outcome = push.Rejected
		default:
			r.Outcome = push.Retry // the network or the push service failed; try again later
		}
		d.log.Warn("remind: push failed", "reminder", it.due.ID, "subscription", sub.ID, "outcome", r.Outcome.String(), "err", err)
	}
	switch r.Outcome {
	case push.Delivered:
		d.m.sent.Inc()
	case push.Gone:
		u.markGone(sub.ID)
		d.m.failed.Inc()
	case push.Retry:
		d.m.failed.Inc()
	default:
		if err == nil {
			d.log.Warn("remind: push service refused a message", "reminder", it.due.ID, "subscription", sub.ID,
				"status", r.Status, "detail", r.Detail)
		}
		r.Outcome = push.Rejected
		d.m.failed.Inc()
	}
	res.outcome, res.retryAfter = r.Outcome, r.RetryAfter
}

// settle writes one user's outcome: subscription hygiene, retries and stops, and one MarkSent
// for everything delivered.
func (b *batch) settle(u *userBatch) {
	d, ctx, now := b.d, b.bctx, b.now
	// Per subscription, once per batch: whether it took a message, how often it refused.
	ok := make([]bool, len(u.subs))
	refused := make([]int, len(u.subs))
	var sent []syncer.Claimed
	for _, it := range u.items {
		if !it.ready {
			continue
		}
		var delivered, aborted, retry bool
		var wait time.Duration
		for s, r := range it.results {
			switch {
			case r.aborted:
				aborted = true
			case r.outcome == push.Delivered:
				delivered, ok[s] = true, true
			case r.outcome == push.Retry:
				retry, wait = true, max(wait, r.retryAfter)
			case r.outcome == push.Rejected:
				refused[s]++
			}
		}
		switch {
		case delivered:
			sent = append(sent, syncer.Claimed{ID: it.due.ID, Version: it.due.Version})
		case aborted:
			b.release(it)
		case retry:
			b.retry(it, wait)
		default: // every device is gone or refused it
			b.stopper(it, it.due.Attempts+1, "no device took the message", nil)()
		}
	}
	for s, sub := range u.subs {
		switch {
		case u.isGone(sub.ID):
			if err := d.store.DeleteSubscriptionByID(ctx, sub.ID); err != nil {
				d.log.Error("remind: deleting a gone subscription failed", "subscription", sub.ID, "err", err)
				continue
			}
			d.m.pruned.Inc()
			d.log.Info("remind: pruned a push subscription the push service says is gone", "user", u.id, "subscription", sub.ID)
		case ok[s]:
			if err := d.store.RecordDelivery(ctx, sub.ID, true, now); err != nil {
				d.log.Error("remind: recording a delivery failed", "subscription", sub.ID, "err", err)
			}
		}
		for range refused[s] {
			if err := d.store.RecordDelivery(ctx, sub.ID, false, now); err != nil {
				d.log.Error("remind: recording a refusal failed", "subscription", sub.ID, "err", err)
			}
		}
	}
	if len(sent) == 0 {
		return
	}
	b.delivered.Add(int64(len(sent)))
	d.m.delivered.Add(float64(len(sent)))
	if _, err := d.sync.MarkSent(ctx, u.id, sent); err != nil {
		// They stay leased and go out again once the lease ends; Topic and tag collapse the
		// repeat on the device.
		d.log.Error("remind: marking reminders sent failed", "user", u.id, "reminders", len(sent), "err", err)
	}
}

// retry puts a reminder back for a later try, or gives up after MaxAttempts.
func (b *batch) retry(it *item, retryAfter time.Duration) {
	d := b.d
	attempts := it.due.Attempts + 1
	if attempts >= d.maxAttempts {
		b.stopper(it, attempts, "the push service kept failing; giving up", nil)()
		return
	}
	at := b.now.Add(max(d.backoff.Backoff(attempts), retryAfter)).UTC()
	if err := d.store.Reschedule(b.bctx, it.due.ID, it.due.Version, &at, attempts); err != nil {
		d.log.Error("remind: rescheduling a reminder failed", "reminder", it.due.ID, "err", err)
		return
	}
	d.m.retried.Inc()
}

// stopper returns the write that leaves a reminder pending (the app shows it on Today) but
// pushes it no more; why, when set, is logged.
func (b *batch) stopper(it *item, attempts int, why string, cause error) func() {
	d := b.d
	return func() {
		if why != "" {
			d.log.Warn("remind: not pushing reminder", "reminder", it.due.ID, "why", why, "attempts", attempts, "err", cause)
		}
		if err := d.store.Reschedule(b.bctx, it.due.ID, it.due.Version, nil, attempts); err != nil {
			d.log.Error("remind: stopping a reminder failed", "reminder", it.due.ID, "err", err)
			return
		}
		d.m.stopped.Inc()
	}
}

// release gives a reminder that was not tried back, unchanged, to the next claim.
func (b *batch) release(it *item) {
	fireAt := it.due.FireAt.UTC()
	if err := b.d.store.Reschedule(b.bctx, it.due.ID, it.due.Version, &fireAt, it.due.Attempts); err != nil {
		b.d.log.Error("remind: releasing a reminder failed; it is free again when its lease ends", "reminder", it.due.ID, "err", err)
	}
}

// onHold is when the hold on a reminder's ask ends, or nil when it is not held. The server
// already moves an ask's reminder to the end of a hold; this catches a hold logged while the
// reminder was on its way.
func onHold(r reminderRec, rel *related, now time.Time) *time.Time {
	if r.Kind != playbook.ReminderAsk || r.Subject.Entity != "ask" {
		return nil
	}
	a := rel.asks[r.Subject.ID]
	if a == nil || a.Readiness == nil || a.Readiness.State != playbook.StateHold || a.Readiness.HoldUntil == nil || !a.Readiness.HoldUntil.After(now) {
		return nil
	}
	return a.Readiness.HoldUntil
}
