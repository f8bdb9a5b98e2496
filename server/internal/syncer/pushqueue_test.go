package syncer_test

import (
	"encoding/json"
	"runtime"
	"strings"
	"testing"

	"github.com/askwell/askwell/server/internal/loadgen"
	tu "github.com/askwell/askwell/server/internal/testutil"
)

// heldPushes sends pushes of one user while the user's queue is held, one after another in
// the order given (each waits in the queue before the next is sent), then lets them go and
// returns their answers in that order.
func heldPushes(t *testing.T, srv *tu.Server, u tu.User, bodies ...map[string]any) []*tu.Response {
	t.Helper()
	waiting, release := srv.App.Sync.HoldPushes(u.ID)
	out := make([]*tu.Response, len(bodies))
	answers := make([]chan *tu.Response, len(bodies))
	queued := 0
	for i, body := range bodies {
		answers[i] = make(chan *tu.Response, 1)
		go func() { answers[i] <- srv.Do("POST", "/api/v1/sync/push", u.Token, body) }()
		for out[i] == nil && waiting() == queued { // until it waits, or it was answered before
			select {
			case out[i] = <-answers[i]:
				t.Fatalf("push %d answered while held: %d %s", i, out[i].Status, out[i].Body)
			default:
				runtime.Gosched()
			}
		}
		queued++
	}
	release()
	for i, a := range answers {
		out[i] = <-a
	}
	return out
}

func pushBody(client string, muts ...tu.Mutation) map[string]any {
	return map[string]any{"client_id": client, "mutations": muts}
}

func pushAnswer(t *testing.T, r *tu.Response) tu.PushResult {
	t.Helper()
	if r.Status != 200 {
		t.Fatalf("push: %d %s", r.Status, r.Body)
	}
	var p tu.PushResult
	r.JSON(t, &p)
	return p
}

// Pushes of one user that wait while another of theirs is written are written together: one
// version, each push its own answer, merged in the order they came (long text one replaced is
// kept as a conflict, as if written one after another), and the coach derives from all of
// them (a note's bad news holds an ask another device added).
func TestWaitingPushesAreWrittenTogether(t *testing.T) {
	tu.ForEachDB(t, func(t *testing.T, db tu.DB) {
		srv := tu.NewServer(t, db)
		u := srv.Register("dana@example.com")
		first := srv.Push(u, "phone-0001",
			put(1, "contact", 1, 0, map[string]any{"name": "Lee", "stage": "trust"}),
			put(2, "note", 2, 0, map[string]any{"body": "first words", "contact_ids": []string{tu.ID(1)}}))
		answers := heldPushes(t, srv, u,
			pushBody("laptop-0001", put(1, "note", 2, first.Version, map[string]any{"body": "the laptop's words"})),
			pushBody("tablet-0001", put(1, "note", 2, first.Version, map[string]any{"body": "the tablet's words"}),
				put(2, "note", 3, 0, map[string]any{"body": "Lee lost his biggest client", "contact_ids": []string{tu.ID(1)},
					"signals": []map[string]any{{"contact_id": tu.ID(1), "kind": "bad_news"}}})),
			pushBody("phone-0001", put(3, "ask", 4, 0, map[string]any{"contact_id": tu.ID(1), "target": "his accountant",
				"trigger": map[string]any{"kind": "date", "value": "2026-11-24"}})))
		want := []tu.PushResult{{LastMutationID: 1, Applied: 1}, {LastMutationID: 2, Applied: 2}, {LastMutationID: 3, Applied: 1}}
		for i, a := range answers {
			got := pushAnswer(t, a)
			want[i].Version = first.Version + 1 // one write
			if got != want[i] {
				t.Errorf("push %d: %+v, want %+v", i, got, want[i])
			}
		}
		recs := state(srv, u)
		note := recs[tu.ID(2)].Record
		conflicts, _ := json.Marshal(note["conflicts"])
		if note["body"] != "the tablet's words" || !strings.Contains(string(conflicts), `"value":"the laptop's words"`) {
			t.Errorf("the note: body %q, conflicts %s", note["body"], conflicts)
		}
		ask := recs[tu.ID(4)].Record
		readiness, _ := ask["readiness"].(map[string]any)
		if readiness["state"] != "hold" {
			t.Errorf("the ask after bad news written with it: readiness %v", ask["readiness"])
		}
	})
}

// One push of a round that cannot be applied fails alone: the others are written.
func TestABadPushAmongWaitingOnesFailsAlone(t *testing.T) {
	tu.ForEachDB(t, func(t *testing.T, db tu.DB) {
		srv := tu.NewServer(t, db)
		u := srv.Register("dana@example.com")
		answers := heldPushes(t, srv, u,
			pushBody("phone-0001", put(1, "contact", 1, 0, map[string]any{"name": "Lee"})),
			pushBody("laptop-0001", put(5, "contact", 2, 0, map[string]any{"name": "Kim"})), // skips 1–4
			pushBody("tablet-0001", put(1, "connection", 3, 0, map[string]any{"contact_id": tu.ID(9), "other_name": "Ana"})),
			pushBody("watch-0001", put(1, "contact", 4, 0, map[string]any{"name": "Noor"})))
		if next, gap := loadgen.GapExpected(answers[1].Body); answers[1].Status != 409 || !gap || next != 1 {
			t.Errorf("the push with a gap: %d %s", answers[1].Status, answers[1].Body)
		}
		if answers[2].Status != 422 {
			t.Errorf("the connection to no one: %d %s", answers[2].Status, answers[2].Body)
		}
		a, d := pushAnswer(t, answers[0]), pushAnswer(t, answers[3])
		if a.Applied != 1 || d.Applied != 1 {
			t.Errorf("the good pushes: %+v %+v", a, d)
		}
		recs := state(srv, u)
		for id, want := range map[int]bool{1: true, 2: false, 3: false, 4: true} {
			if _, ok := recs[tu.ID(id)]; ok != want {
				t.Errorf("record %d stored: %v, want %v", id, ok, want)
			}
		}
	})
}

// A client's batches are never written together: one sent again before its first answer came
// (with one more mutation) continues where the first ends.
func TestOneClientsBatchesAreWrittenInTurn(t *testing.T) {
	tu.ForEachDB(t, func(t *testing.T, db tu.DB) {
		srv := tu.NewServer(t, db)
		u := srv.Register("dana@example.com")
		m1, m2 := put(1, "contact", 1, 0, map[string]any{"name": "Lee"}), put(2, "contact", 2, 0, map[string]any{"name": "Kim"})
		answers := heldPushes(t, srv, u,
			pushBody("phone-0001", m1),
			pushBody("phone-0001", m1, m2),
			pushBody("laptop-0001", put(1, "contact", 3, 0, map[string]any{"name": "Noor"})))
		first, again, other := pushAnswer(t, answers[0]), pushAnswer(t, answers[1]), pushAnswer(t, answers[2])
		if first.LastMutationID != 1 || first.Applied != 1 || again.LastMutationID != 2 || again.Applied != 1 {
			t.Errorf("one client's batches: %+v then %+v", first, again)
		}
		if other.Version != first.Version || again.Version != first.Version+1 {
			t.Errorf("versions: first %d, the other client's %d (same write), the resent one %d (the next)", first.Version, other.Version, again.Version)
		}
	})
}
