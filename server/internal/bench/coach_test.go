package bench_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/askwell/askwell/server/internal/syncer"
	"github.com/askwell/askwell/server/internal/testutil"
)

// coachUser is a user with 2,000 contacts (clients, partners, champions, dream customers),
// each with an open ask, 20,000 notes that log signals, 5,000 connections, 1,000 referrals
// and 20 events they host in the coming weeks, pushed through the sync service; push sends
// one more batch as the app would and returns how long the service took.
type coachUser struct {
	push func(muts []syncer.Mutation) time.Duration
	id   func(kind, n int) string
}

func newCoachUser(b *testing.B, db testutil.DB) *coachUser {
	ctx := context.Background()
	srv := testutil.NewServer(b, db)
	u := srv.Register("coach-bench@example.com")
	svc := srv.App.Sync
	const contacts, notes = 2000, 20000
	id := func(kind, n int) string { return fmt.Sprintf("0192f3a0-%04d-7000-8000-%012d", kind, n) }
	next := int64(0)
	push := func(muts []syncer.Mutation) time.Duration {
		for i := range muts {
			next++
			muts[i].ID = next
		}
		t0 := time.Now()
		if _, err := svc.Push(ctx, u.ID, "bench-coach-1", muts); err != nil {
			b.Fatal(err)
		}
		return time.Since(t0)
	}
	kinds := []string{"praised", "good_news", "we_helped", "offered_help", "problem_solved", "busy", "bad_news", "delivered_similar"}
	var batch []syncer.Mutation
	add := func(m syncer.Mutation) {
		if batch = append(batch, m); len(batch) >= 1000 {
			push(batch)
			batch = batch[:0]
		}
	}
	now := srv.Clock.Now()
	kindsOf := []string{"client", "partner", "connector", "friend", "prospect"}
	for c := range contacts {
		add(syncer.Mutation{Entity: "contact", RecordID: id(1, c), Op: "put", Fields: map[string]any{"name": fmt.Sprintf("Contact %d", c),
			"stage": []string{"trust", "champion", "like"}[c%3], "kind": kindsOf[c%len(kindsOf)], "dream": c%10 == 0}})
		add(syncer.Mutation{Entity: "ask", RecordID: id(2, c), Op: "put", Fields: map[string]any{"contact_id": id(1, c), "target": "Lee Park",
			"trigger": map[string]any{"kind": "date", "value": "2027-01-15"}}})
	}
	for n := range notes {
		c := n % contacts
		at := now.Add(-time.Duration(n%60) * 24 * time.Hour).Format(time.RFC3339)
		add(syncer.Mutation{Entity: "note", RecordID: id(3, n), Op: "put", Fields: map[string]any{
			"body": "coffee", "contact_ids": []any{id(1, c)},
			"signals": []any{map[string]any{"contact_id": id(1, c), "kind": kinds[n%len(kinds)], "at": at}}}})
	}
	for n := range 5000 {
		add(syncer.Mutation{Entity: "connection", RecordID: id(4, n), Op: "put", Fields: map[string]any{
			"contact_id": id(1, n%contacts), "other_contact_id": id(1, (n%contacts+1+n/contacts)%contacts), "via": "club"}})
	}
	for n := range 1000 {
		add(syncer.Mutation{Entity: "referral", RecordID: id(5, n), Op: "put", Fields: map[string]any{
			"direction": []string{"given", "received"}[n%2], "contact_id": id(1, n%contacts)}})
	}
	for n := range 20 {
		add(syncer.Mutation{Entity: "event", RecordID: id(6, n), Op: "put", Fields: map[string]any{
			"title": fmt.Sprintf("Breakfast %d", n), "hosted": true, "starts_at": now.AddDate(0, 0, 3+n).Format(time.RFC3339)}})
	}
	push(batch)
	return &coachUser{push: push, id: id}
}

// BenchmarkReadinessAfterNote is what the coach adds to a push's transaction (docs/performance.md:
// readiness and suggestions together ≤ 2 ms) for the user of newCoachUser. "signal" pushes one
// note whose praise moves to
// another contact (its signals are re-indexed and the asks of both contacts re-derived); "body"
// pushes the same note with a new body only, which the coach skips. The difference of their
// medians is the coach's share, reported as coach-ms/push.
func BenchmarkReadinessAfterNote(b *testing.B) {
	for _, db := range testutil.Databases(b) {
		b.Run(db.Name, func(b *testing.B) {
			u := newCoachUser(b, db)
			push, id := u.push, u.id
			note := id(3, 0)
			both := []any{id(1, 0), id(1, 1)}
			var sig, body []time.Duration
			i := 0
			for b.Loop() {
				i++
				sig = append(sig, push([]syncer.Mutation{{Entity: "note", RecordID: note, Op: "put", BaseVersion: 1 << 40, Fields: map[string]any{
					"contact_ids": both, "signals": []any{map[string]any{"contact_id": both[i%2], "kind": "praised"}}}}}))
				body = append(body, push([]syncer.Mutation{{Entity: "note", RecordID: note, Op: "put", BaseVersion: 1 << 40, Fields: map[string]any{
					"body": fmt.Sprintf("coffee #%d", i)}}}))
			}
			ps, pb := percentile(sig, 0.5), percentile(body, 0.5)
			b.ReportMetric(ms(ps), "signal-p50-ms/push")
			b.ReportMetric(ms(pb), "body-p50-ms/push")
			b.ReportMetric(ms(ps-pb), "coach-ms/push")
		})
	}
}

// BenchmarkCircleChange is what a push costs that changes whom the week's suggestions are
// about, for the user of BenchmarkReadinessAfterNote: "connection" records that one contact
// knows another, "stage" moves a contact between trust and champion. Each re-derives the
// week's rhythm or the invitations to the events the user hosts, which read the user's whole
// circle; "body" is the note push the coach skips, for comparison.
func BenchmarkCircleChange(b *testing.B) {
	for _, db := range testutil.Databases(b) {
		b.Run(db.Name, func(b *testing.B) {
			u := newCoachUser(b, db)
			var conn, stage, body []time.Duration
			i := 0
			for b.Loop() {
				i++
				conn = append(conn, u.push([]syncer.Mutation{{Entity: "connection", RecordID: u.id(7, i), Op: "put", Fields: map[string]any{
					"contact_id": u.id(1, 3), "other_contact_id": u.id(1, 4), "via": "club"}}}))
				stage = append(stage, u.push([]syncer.Mutation{{Entity: "contact", RecordID: u.id(1, 7), Op: "put", BaseVersion: 1 << 40,
					Fields: map[string]any{"stage": []string{"trust", "champion"}[i%2]}}}))
				body = append(body, u.push([]syncer.Mutation{{Entity: "note", RecordID: u.id(3, 0), Op: "put", BaseVersion: 1 << 40,
					Fields: map[string]any{"body": fmt.Sprintf("coffee #%d", i)}}}))
			}
			b.ReportMetric(ms(percentile(conn, 0.5)), "connection-p50-ms/push")
			b.ReportMetric(ms(percentile(stage, 0.5)), "stage-p50-ms/push")
			b.ReportMetric(ms(percentile(body, 0.5)), "body-p50-ms/push")
		})
	}
}
