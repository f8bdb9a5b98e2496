package bench_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/askwell/askwell/server/internal/syncer"
	"github.com/askwell/askwell/server/internal/testutil"
)

// BenchmarkReadinessAfterNote is what the coach adds to a push's transaction (docs/performance.md:
// readiness and suggestions together ≤ 2 ms) for a user with 2,000 contacts (clients, partners,
// champions, dream customers), each with an open ask, 20,000 notes that log signals, 5,000
// connections and 1,000 referrals. "signal" pushes one note whose praise moves to
// another contact (its signals are re-indexed and the asks of both contacts re-derived); "body"
// pushes the same note with a new body only, which the coach skips. The difference of their
// medians is the coach's share, reported as coach-ms/push.
func BenchmarkReadinessAfterNote(b *testing.B) {
	for _, db := range testutil.Databases(b) {
		b.Run(db.Name, func(b *testing.B) {
			ctx := context.Background()
			srv := testutil.NewServer(b, db)
			u := srv.Register("coach-bench@example.com")
			svc := srv.App.Sync
			const contacts, notes = 2000, 20000
			id := func(kind, n int) string { return fmt.Sprintf("0192f3a0-%04d-7000-8000-%012d", kind, n) }
			next := int64(0)
			push := func(muts []syncer.Mutation) {
				for i := range muts {
					next++
					muts[i].ID = next
				}
				if _, err := svc.Push(ctx, u.ID, "bench-coach-1", muts); err != nil {
					b.Fatal(err)
				}
			}
			kinds := []string{"praised", "good_news", "we_helped", "offered_help", "problem_solved", "busy", "bad_news", "delivered_similar"}
			var batch []syncer.Mutation
			flush := func() { push(batch); batch = batch[:0] }
			now := srv.Clock.Now()
			kindsOf := []string{"client", "partner", "connector", "friend", "prospect"}
			for c := range contacts {
				batch = append(batch,
					syncer.Mutation{Entity: "contact", RecordID: id(1, c), Op: "put", Fields: map[string]any{"name": fmt.Sprintf("Contact %d", c),
						"stage": []string{"trust", "champion", "like"}[c%3], "kind": kindsOf[c%len(kindsOf)], "dream": c%10 == 0}},
					syncer.Mutation{Entity: "ask", RecordID: id(2, c), Op: "put", Fields: map[string]any{"contact_id": id(1, c), "target": "Lee Park",
						"trigger": map[string]any{"kind": "date", "value": "2027-01-15"}}})
				if len(batch) >= 1000 {
					flush()
				}
			}
			for n := range notes {
				c := n % contacts
				at := now.Add(-time.Duration(n%60) * 24 * time.Hour).Format(time.RFC3339)
				batch = append(batch, syncer.Mutation{Entity: "note", RecordID: id(3, n), Op: "put", Fields: map[string]any{
					"body": "coffee", "contact_ids": []any{id(1, c)},
					"signals": []any{map[string]any{"contact_id": id(1, c), "kind": kinds[n%len(kinds)], "at": at}}}})
				if len(batch) >= 1000 {
					flush()
				}
			}
			for n := range 5000 {
				batch = append(batch, syncer.Mutation{Entity: "connection", RecordID: id(4, n), Op: "put", Fields: map[string]any{
					"contact_id": id(1, n%contacts), "other_contact_id": id(1, (n%contacts+1+n/contacts)%contacts), "via": "club"}})
				if len(batch) >= 1000 {
					flush()
				}
			}
			for n := range 1000 {
				batch = append(batch, syncer.Mutation{Entity: "referral", RecordID: id(5, n), Op: "put", Fields: map[string]any{
					"direction": []string{"given", "received"}[n%2], "contact_id": id(1, n%contacts)}})
				if len(batch) >= 1000 {
					flush()
				}
			}
			flush()

			note := id(3, 0)
			both := []any{id(1, 0), id(1, 1)}
			var sig, body []time.Duration
			i := 0
			for b.Loop() {
				i++
				t0 := time.Now()
				push([]syncer.Mutation{{Entity: "note", RecordID: note, Op: "put", BaseVersion: 1 << 40, Fields: map[string]any{
					"contact_ids": both, "signals": []any{map[string]any{"contact_id": both[i%2], "kind": "praised"}}}}})
				sig = append(sig, time.Since(t0))
				t0 = time.Now()
				push([]syncer.Mutation{{Entity: "note", RecordID: note, Op: "put", BaseVersion: 1 << 40, Fields: map[string]any{
					"body": fmt.Sprintf("coffee #%d", i)}}})
				body = append(body, time.Since(t0))
			}
			ps, pb := percentile(sig, 0.5), percentile(body, 0.5)
			b.ReportMetric(ms(ps), "signal-p50-ms/push")
			b.ReportMetric(ms(pb), "body-p50-ms/push")
			b.ReportMetric(ms(ps-pb), "coach-ms/push")
		})
	}
}
