package httpapi_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/askwell/askwell/server/internal/auth"
	tu "github.com/askwell/askwell/server/internal/testutil"
)

func put(id int64, entity string, rec int, base int64, fields map[string]any) tu.Mutation {
	return tu.Mutation{ID: id, Entity: entity, RecordID: tu.ID(rec), Op: "put", Fields: fields, BaseVersion: base}
}

func del(id int64, entity string, rec int, base int64) tu.Mutation {
	return tu.Mutation{ID: id, Entity: entity, RecordID: tu.ID(rec), Op: "delete", BaseVersion: base}
}

func TestPushReplayAndGap(t *testing.T) {
	tu.ForEachDB(t, func(t *testing.T, db tu.DB) {
		srv := tu.NewServer(t, db)
		u := srv.Register("dana@example.com")
		p := srv.Push(u, "phone-0001",
			put(1, "contact", 1, 0, map[string]any{"name": "Bob"}),
			put(2, "contact", 2, 0, map[string]any{"name": "Lee"}))
		if p.Applied != 2 || p.LastMutationID != 2 || p.Version != 1 {
			t.Fatalf("first push: %+v", p)
		}
		// The same batch again (a lost response) changes nothing and moves no version.
		p = srv.Push(u, "phone-0001",
			put(1, "contact", 1, 0, map[string]any{"name": "Bob"}),
			put(2, "contact", 2, 0, map[string]any{"name": "Lee"}))
		if p.Applied != 0 || p.LastMutationID != 2 || p.Version != 1 {
			t.Fatalf("replay: %+v", p)
		}
		// A batch overlapping the applied ones applies only the new part.
		p = srv.Push(u, "phone-0001",
			put(2, "contact", 2, 0, map[string]any{"name": "Lee"}),
			put(3, "contact", 1, 1, map[string]any{"company": "Acme"}))
		if p.Applied != 1 || p.LastMutationID != 3 || p.Version != 2 {
			t.Fatalf("overlap: %+v", p)
		}
		// A gap is refused with the id to resend from, and nothing of it is applied.
		r := srv.Do("POST", "/api/v1/sync/push", u.Token, map[string]any{"client_id": "phone-0001",
			"mutations": []tu.Mutation{put(5, "contact", 1, 2, map[string]any{"name": "Robert"})}})
		if r.Status != 409 || r.ErrorCode() != "mutation_gap" || !strings.Contains(string(r.Body), `"expected_id":4`) {
			t.Fatalf("gap: %d %s", r.Status, r.Body)
		}
		changes, cursor := srv.PullAll(u, "phone-0001", 0)
		recs := tu.Latest(changes)
		if recs[tu.ID(1)].Record["name"] != "Bob" || recs[tu.ID(1)].Record["company"] != "Acme" || cursor != 2 {
			t.Fatalf("state: %+v cursor %d", recs[tu.ID(1)].Record, cursor)
		}
		// Another client of the same user has its own sequence.
		if p := srv.Push(u, "laptop-0001", put(1, "contact", 3, 0, map[string]any{"name": "Kim"})); p.Applied != 1 {
			t.Fatalf("second client: %+v", p)
		}
	})
}

func TestPatchMergeDeleteAndRestore(t *testing.T) {
	tu.ForEachDB(t, func(t *testing.T, db tu.DB) {
		srv := tu.NewServer(t, db)
		u := srv.Register("dana@example.com")
		srv.Push(u, "phone-0001", put(1, "contact", 1, 0, map[string]any{"name": "Bob", "company": "Acme", "tags": []string{"bni"}}))
		// Two devices edit different fields on version 1: both edits survive.
		srv.Push(u, "phone-0001", put(2, "contact", 1, 1, map[string]any{"company": "Acme Ltd"}))
		srv.Push(u, "laptop-0001", put(1, "contact", 1, 1, map[string]any{"role": "CEO"}))
		// Same field: the later commit wins; null clears.
		srv.Push(u, "laptop-0001", put(2, "contact", 1, 1, map[string]any{"company": "Acme Group", "tags": nil}))
		rec := tu.Latest(mustPull(srv, u))[tu.ID(1)].Record
		if rec["company"] != "Acme Group" || rec["role"] != "CEO" || rec["name"] != "Bob" || rec["tags"] != nil || rec["stage"] != "met" {
			t.Fatalf("merged: %v", rec)
		}
		// A delete wins over an edit made without seeing it, and keeps the content.
		p := srv.Push(u, "phone-0001", del(3, "contact", 1, 4))
		srv.Push(u, "laptop-0001", put(3, "contact", 1, 4, map[string]any{"phone": "555-0100"}))
		c := tu.Latest(mustPull(srv, u))[tu.ID(1)]
		if !c.Deleted || c.Record["phone"] != "555-0100" || c.Record["deleted_at"] == nil {
			t.Fatalf("after delete + concurrent edit: %+v", c)
		}
		// A put made after seeing the deletion restores it.
		srv.Push(u, "laptop-0001", put(4, "contact", 1, p.Version, map[string]any{"name": "Bob B."}))
		c = tu.Latest(mustPull(srv, u))[tu.ID(1)]
		if c.Deleted || c.Record["deleted_at"] != nil || c.Record["name"] != "Bob B." || c.Record["phone"] != "555-0100" {
			t.Fatalf("restore: %+v", c)
		}
	})
}

func mustPull(srv *tu.Server, u tu.User) []tu.Change {
	changes, _ := srv.PullAll(u, "reader-0001", 0)
	return changes
}

func TestLongTextNeverSilentlyLost(t *testing.T) {
	tu.ForEachDB(t, func(t *testing.T, db tu.DB) {
		srv := tu.NewServer(t, db)
		u := srv.Register("dana@example.com")
		srv.Push(u, "phone-0001", put(1, "note", 1, 0, map[string]any{"body": "Coffee with Bob."}))
		// Both devices edit the body offline from version 1.
		srv.Push(u, "phone-0001", put(2, "note", 1, 1, map[string]any{"body": "Coffee with Bob. He knows Lee at Acme."}))
		srv.Push(u, "laptop-0001", put(1, "note", 1, 1, map[string]any{"body": "Coffee with Bob; send him the deck."}))
		rec := tu.Latest(mustPull(srv, u))[tu.ID(1)].Record
		if rec["body"] != "Coffee with Bob; send him the deck." {
			t.Fatalf("body: %v", rec["body"])
		}
		conflicts, _ := rec["conflicts"].([]any)
		if len(conflicts) != 1 || conflicts[0].(map[string]any)["value"] != "Coffee with Bob. He knows Lee at Acme." ||
			conflicts[0].(map[string]any)["field"] != "body" {
			t.Fatalf("conflicts: %v", rec["conflicts"])
		}
		// The same device editing its own text again is not a conflict.
		srv.Push(u, "laptop-0001", put(2, "note", 1, 1, map[string]any{"body": "Coffee with Bob; deck sent."}))
		rec = tu.Latest(mustPull(srv, u))[tu.ID(1)].Record
		if n := len(rec["conflicts"].([]any)); n != 1 {
			t.Fatalf("own edit made a conflict: %d", n)
		}
		// The user resolves: picks a text and clears the flag.
		srv.Push(u, "phone-0001", put(3, "note", 1, 4, map[string]any{"body": "Merged text", "conflicts": []any{}}))
		rec = tu.Latest(mustPull(srv, u))[tu.ID(1)].Record
		if rec["conflicts"] != nil || rec["body"] != "Merged text" {
			t.Fatalf("resolve: %v", rec)
		}
		// Malformed entries are refused; entries the server does not have are never added.
		r := srv.Do("POST", "/api/v1/sync/push", u.Token, map[string]any{"client_id": "phone-0001",
			"mutations": []tu.Mutation{put(4, "note", 1, 5, map[string]any{"conflicts": []any{map[string]any{"field": "x"}}})}})
		if r.Status != 422 {
			t.Fatalf("malformed conflicts: %d %s", r.Status, r.Body)
		}
		srv.Push(u, "phone-0001", put(4, "note", 1, 5, map[string]any{"conflicts": []any{
			map[string]any{"field": "body", "value": "invented", "version": 3, "at": "2026-11-24T09:30:00.000Z"}}}))
		if rec = tu.Latest(mustPull(srv, u))[tu.ID(1)].Record; rec["conflicts"] != nil {
			t.Fatalf("an invented conflict was stored: %v", rec["conflicts"])
		}
		// With two conflicts, resolving one keeps the other.
		srv.Push(u, "laptop-0001", put(3, "note", 1, 5, map[string]any{"body": "Laptop text"}))
		srv.Push(u, "phone-0001", put(5, "note", 1, 5, map[string]any{"body": "Phone text"}))
		srv.Push(u, "laptop-0001", put(4, "note", 1, 5, map[string]any{"body": "Laptop again"}))
		rec = tu.Latest(mustPull(srv, u))[tu.ID(1)].Record
		both, _ := rec["conflicts"].([]any)
		if len(both) != 2 {
			t.Fatalf("want two conflicts, got %v", rec["conflicts"])
		}
		srv.Push(u, "phone-0001", put(6, "note", 1, int64(rec["version"].(float64)), map[string]any{"conflicts": []any{both[1]}}))
		rec = tu.Latest(mustPull(srv, u))[tu.ID(1)].Record
		if left, _ := rec["conflicts"].([]any); len(left) != 1 || left[0].(map[string]any)["value"] != both[1].(map[string]any)["value"] {
			t.Fatalf("resolving one: %v", rec["conflicts"])
		}
	})
}

func TestPullPagingNeverSplitsAVersion(t *testing.T) {
	tu.ForEachDB(t, func(t *testing.T, db tu.DB) {
		srv := tu.NewServer(t, db)
		u := srv.Register("dana@example.com")
		var muts []tu.Mutation
		for i := 1; i <= 30; i++ { // version 1: 30 records
			muts = append(muts, put(int64(i), "contact", i, 0, map[string]any{"name": fmt.Sprintf("C%d", i)}))
		}
		srv.Push(u, "phone-0001", muts...)
		for i := 31; i <= 35; i++ { // versions 2..6: one record each
			srv.Push(u, "phone-0001", put(int64(i), "contact", i, 0, map[string]any{"name": fmt.Sprintf("C%d", i)}))
		}
		pull := func(cursor int64, limit int) tu.PullResult {
			r := srv.Do("POST", "/api/v1/sync/pull", u.Token, map[string]any{"client_id": "phone-0001", "cursor": cursor, "limit": limit})
			if r.Status != 200 {
				t.Fatalf("pull: %d %s", r.Status, r.Body)
			}
			var p tu.PullResult
			r.JSON(t, &p)
			return p
		}
		// A page smaller than one version returns that version whole.
		p := pull(0, 10)
		if len(p.Changes) != 30 || p.Cursor != 1 || !p.HasMore || p.LastMutationID != 35 {
			t.Fatalf("first page: %d changes, cursor %d, more %v, last %d", len(p.Changes), p.Cursor, p.HasMore, p.LastMutationID)
		}
		p = pull(1, 3)
		if len(p.Changes) != 3 || p.Cursor != 4 || !p.HasMore {
			t.Fatalf("second page: %d cursor %d", len(p.Changes), p.Cursor)
		}
		p = pull(4, 3)
		if len(p.Changes) != 2 || p.Cursor != 6 || p.HasMore {
			t.Fatalf("last page: %d cursor %d more %v", len(p.Changes), p.Cursor, p.HasMore)
		}
		// A page that would cut into a version stops before it.
		srv.Push(u, "phone-0001", put(36, "contact", 1, 1, map[string]any{"role": "x"}), put(37, "contact", 2, 1, map[string]any{"role": "y"}))
		p = pull(4, 3) // versions 5, 6 and the two records of 7: stop after 6
		if len(p.Changes) != 2 || p.Cursor != 6 || !p.HasMore {
			t.Fatalf("split page: %d cursor %d more %v", len(p.Changes), p.Cursor, p.HasMore)
		}
		if p := pull(6, 3); len(p.Changes) != 2 || p.Cursor != 7 || p.HasMore {
			t.Fatalf("after split: %d cursor %d more %v", len(p.Changes), p.Cursor, p.HasMore)
		}
		if p := pull(7, 3); len(p.Changes) != 0 || p.Cursor != 7 || p.HasMore {
			t.Fatalf("caught up: %+v", p)
		}
	})
}

// A pull is gzipped when the client takes it and the answer is past what fits in TCP's first
// flight; a small one (the usual pull after a push) goes plain.
func TestPullIsGzipped(t *testing.T) {
	srv := tu.NewServer(t, tu.DB{Name: "sqlite"})
	u := srv.Register("dana@example.com")
	var muts []tu.Mutation
	for i := 1; i <= 50; i++ {
		muts = append(muts, put(int64(i), "note", i, 0, map[string]any{"body": strings.Repeat("Met at the chamber breakfast. ", 5)}))
	}
	srv.Push(u, "phone-0001", muts...)
	pull := func(cursor int64) (string, tu.PullResult) {
		body := fmt.Sprintf(`{"client_id":"phone-0001","cursor":%d}`, cursor)
		req, _ := http.NewRequest("POST", srv.HTTP.URL+"/api/v1/sync/pull", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		auth.SetBearer(req.Header, u.Token)
		req.Header.Set("Accept-Encoding", "gzip")
		resp, err := (&http.Client{Transport: &http.Transport{DisableCompression: true}}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var rd io.Reader = resp.Body
		if resp.Header.Get("Content-Encoding") == "gzip" {
			if rd, err = gzip.NewReader(resp.Body); err != nil {
				t.Fatal(err)
			}
		}
		var p tu.PullResult
		if err := json.NewDecoder(rd).Decode(&p); err != nil {
			t.Fatalf("decode: %v", err)
		}
		return resp.Header.Get("Content-Encoding"), p
	}
	if enc, p := pull(0); enc != "gzip" || len(p.Changes) != 50 {
		t.Fatalf("all 50 notes: encoding %q, %d changes", enc, len(p.Changes))
	}
	muts = muts[:0]
	for i := 51; i <= 60; i++ {
		muts = append(muts, put(int64(i), "note", i, 0, map[string]any{"body": strings.Repeat("Met at the chamber breakfast. ", 5)}))
	}
	srv.Push(u, "phone-0001", muts...)
	if enc, p := pull(1); enc != "" || len(p.Changes) != 10 {
		t.Fatalf("ten notes, some kilobytes: encoding %q, %d changes", enc, len(p.Changes))
	}
}

func TestTombstonePurgeResetsOldCursors(t *testing.T) {
	tu.ForEachDB(t, func(t *testing.T, db tu.DB) {
		srv := tu.NewServer(t, db)
		u := srv.Register("dana@example.com")
		srv.Push(u, "phone-0001", put(1, "contact", 1, 0, map[string]any{"name": "Bob"}), put(2, "contact", 2, 0, map[string]any{"name": "Lee"}))
		srv.Push(u, "phone-0001", del(3, "contact", 1, 1))
		// A recent cursor is fine; after the purge, a cursor older than the deletion is reset.
		srv.Clock.Advance(91 * 24 * time.Hour)
		u = srv.Login(u)
		n, err := srv.App.Store.PurgeTombstones(t.Context(), srv.Clock.Now().Add(-90*24*time.Hour))
		if err != nil || n != 1 {
			t.Fatalf("purge: %d %v", n, err)
		}
		r := srv.Do("POST", "/api/v1/sync/pull", u.Token, map[string]any{"client_id": "phone-0001", "cursor": 1})
		var p tu.PullResult
		r.JSON(t, &p)
		if !p.Reset || len(p.Changes) != 0 || p.Cursor != 0 {
			t.Fatalf("old cursor: %+v", p)
		}
		// From 0 the purged record is simply gone; a cursor past the purge is not reset.
		changes, cursor := srv.PullAll(u, "phone-0001", 0)
		if len(changes) != 1 || changes[0].RecordID != tu.ID(2) {
			t.Fatalf("after purge: %+v", changes)
		}
		r = srv.Do("POST", "/api/v1/sync/pull", u.Token, map[string]any{"client_id": "phone-0001", "cursor": cursor})
		r.JSON(t, &p)
		if p.Reset {
			t.Fatal("a current cursor was reset")
		}
	})
}

func TestBadInputChangesNothing(t *testing.T) {
	tu.ForEachDB(t, func(t *testing.T, db tu.DB) {
		srv := tu.NewServer(t, db)
		u := srv.Register("dana@example.com")
		other := srv.Register("mallory@example.com")
		srv.Push(other, "mallory-001", put(1, "contact", 99, 0, map[string]any{"name": "Mallory's contact"}))
		srv.Push(u, "phone-0001", put(1, "contact", 1, 0, map[string]any{"name": "Bob"}))

		big := make([]tu.Mutation, 1001)
		for i := range big {
			big[i] = put(int64(i+2), "contact", i+1000, 0, map[string]any{"name": "x"})
		}
		longBody := strings.Repeat("a", 100_001)
		overMiB := `{"client_id":"phone-0001","mutations":[{"id":2,"entity":"note","record_id":"` + tu.ID(5) +
			`","op":"put","fields":{"body":"` + strings.Repeat("b", 1<<20) + `"}}]}`
		batch := func(ms ...tu.Mutation) map[string]any {
			return map[string]any{"client_id": "phone-0001", "mutations": ms}
		}
		cases := []struct {
			name   string
			body   any
			status int
			code   string
		}{
			{"malformed json", `{"client_id": "phone-0001", "mutations": [`, 400, "malformed_json"},
			{"unknown entity", batch(tu.Mutation{ID: 2, Entity: "invoice", RecordID: tu.ID(5), Op: "put"}), 400, "invalid_request"},
			{"unknown op", batch(tu.Mutation{ID: 2, Entity: "contact", RecordID: tu.ID(5), Op: "upsert"}), 400, "invalid_request"},
			{"bad record id", batch(tu.Mutation{ID: 2, Entity: "contact", RecordID: "not-a-uuid", Op: "put"}), 400, "invalid_request"},
			{"wrong type", batch(put(2, "contact", 5, 0, map[string]any{"name": 42})), 422, "invalid_mutation"},
			{"bad enum", batch(put(2, "contact", 5, 0, map[string]any{"name": "A", "stage": "bestie"})), 422, "invalid_mutation"},
			{"unknown field", batch(put(2, "contact", 5, 0, map[string]any{"name": "A", "shoe": 44})), 422, "invalid_mutation"},
			{"server field", batch(put(2, "contact", 1, 1, map[string]any{"version": 99})), 422, "invalid_mutation"},
			{"bad time", batch(put(2, "event", 5, 0, map[string]any{"title": "BNI", "starts_at": "tomorrow"})), 422, "invalid_mutation"},
			{"bad trigger", batch(put(2, "ask", 5, 0, map[string]any{"contact_id": tu.ID(1), "trigger": map[string]any{"kind": "after_days", "value": "soon"}})), 422, "invalid_mutation"},
			{"missing required", batch(put(2, "contact", 5, 0, map[string]any{"company": "Acme"})), 422, "invalid_mutation"},
			{"client creates reminder", batch(put(2, "reminder", 5, 0, map[string]any{"status": "done"})), 422, "invalid_mutation"},
			{"note body over 100 KB", batch(put(2, "note", 5, 0, map[string]any{"body": longBody})), 422, "invalid_mutation"},
			{"batch over 1000", batch(big...), 400, "invalid_request"},
			{"body over 1 MiB", overMiB, 413, "body_too_large"},
			{"another user's record id", batch(put(2, "contact", 1, 0, map[string]any{"name": "mine"}), put(3, "contact", 99, 0, map[string]any{"name": "hijack"})), 409, "id_taken"},
			{"another user's record deleted", batch(del(2, "contact", 99, 0)), 409, "id_taken"},
			{"negative base", batch(put(2, "contact", 1, -1, map[string]any{"name": "x"})), 400, "invalid_request"},
			{"ids not consecutive", batch(put(2, "contact", 5, 0, map[string]any{"name": "x"}), put(4, "contact", 6, 0, map[string]any{"name": "y"})), 422, "invalid_mutation"},
			{"bad client id", map[string]any{"client_id": "x", "mutations": []tu.Mutation{}}, 400, "invalid_request"},
		}
		for _, c := range cases {
			r := srv.Do("POST", "/api/v1/sync/push", u.Token, c.body)
			if r.Status != c.status || r.ErrorCode() != c.code {
				t.Errorf("%s: got %d %s, want %d %s", c.name, r.Status, truncate(r.Body), c.status, c.code)
			}
		}
		// Another user's client id is refused too.
		if r := srv.Do("POST", "/api/v1/sync/push", u.Token, map[string]any{"client_id": "mallory-001", "mutations": []tu.Mutation{put(2, "contact", 7, 0, map[string]any{"name": "x"})}}); r.Status != 409 || r.ErrorCode() != "client_taken" {
			t.Errorf("foreign client id: %d %s", r.Status, r.Body)
		}
		if r := srv.Do("POST", "/api/v1/sync/pull", u.Token, map[string]any{"client_id": "mallory-001", "cursor": 0}); r.Status != 409 {
			t.Errorf("foreign client id on pull: %d %s", r.Status, r.Body)
		}
		for name, body := range map[string]any{
			"negative cursor": map[string]any{"client_id": "phone-0001", "cursor": -1},
			"huge limit":      map[string]any{"client_id": "phone-0001", "cursor": 0, "limit": 1_000_000},
			"cursor string":   map[string]any{"client_id": "phone-0001", "cursor": "0"},
		} {
			if r := srv.Do("POST", "/api/v1/sync/pull", u.Token, body); r.Status != 400 {
				t.Errorf("pull %s: %d %s", name, r.Status, r.Body)
			}
		}
		// Nothing of any of that was written: still one record at version 1, mutation id 1.
		changes, cursor := srv.PullAll(u, "phone-0001", 0)
		var p tu.PullResult
		srv.Do("POST", "/api/v1/sync/pull", u.Token, map[string]any{"client_id": "phone-0001", "cursor": 0}).JSON(t, &p)
		if len(changes) != 1 || cursor != 1 || p.LastMutationID != 1 || changes[0].Record["name"] != "Bob" {
			t.Fatalf("state changed: %d changes, cursor %d, last %d", len(changes), cursor, p.LastMutationID)
		}
		theirs, _ := srv.PullAll(other, "mallory-001", 0)
		if len(theirs) != 1 || theirs[0].Record["name"] != "Mallory's contact" {
			t.Fatalf("other user's data changed: %+v", theirs)
		}
		// The mutation sequence is intact: id 2 is still the next one.
		if p := srv.Push(u, "phone-0001", put(2, "contact", 5, 0, map[string]any{"name": "Kim"})); p.Applied != 1 {
			t.Fatalf("after bad input: %+v", p)
		}
	})
}

func truncate(b []byte) string {
	if len(b) > 300 {
		return string(b[:300]) + "…"
	}
	return string(b)
}

func TestUnsupportedBodies(t *testing.T) {
	srv := tu.NewServer(t, tu.DB{Name: "sqlite"})
	u := srv.Register("dana@example.com")
	req, _ := http.NewRequest("POST", srv.HTTP.URL+"/api/v1/sync/push", strings.NewReader(`client_id=x`))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	auth.SetBearer(req.Header, u.Token)
	resp, err := srv.HTTP.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 415 || !bytes.Contains(b, []byte("unsupported_media_type")) {
		t.Fatalf("form body: %d %s", resp.StatusCode, b)
	}
	if r := srv.Do("POST", "/api/v1/sync/push", u.Token, nil); r.Status != 400 {
		t.Fatalf("empty body: %d %s", r.Status, r.Body)
	}
	if r := srv.Do("GET", "/api/v1/nope", u.Token, nil); r.Status != 404 || r.ErrorCode() != "not_found" {
		t.Fatalf("unknown route: %d %s", r.Status, r.Body)
	}
	if r := srv.Do("PUT", "/api/v1/me", u.Token, nil); r.Status != 405 && r.Status != 404 {
		t.Fatalf("wrong method: %d %s", r.Status, r.Body)
	}
}

// TestCrossUserIsolation walks every endpoint as two users and checks neither sees or
// changes the other's data.
func TestCrossUserIsolation(t *testing.T) {
	tu.ForEachDB(t, func(t *testing.T, db tu.DB) {
		srv := tu.NewServer(t, db)
		a := srv.Register("alice@example.com")
		b := srv.Register("bob@example.com")
		srv.Push(a, "alice-phone", put(1, "contact", 1, 0, map[string]any{"name": "Alice's client"}),
			put(2, "referral", 2, 0, map[string]any{"direction": "received", "contact_id": tu.ID(1)}))

		// Pull: b sees nothing of a's, including the derived reminder.
		if changes, _ := srv.PullAll(b, "bob-phone", 0); len(changes) != 0 {
			t.Fatalf("b sees %d of a's records", len(changes))
		}
		// Push: b cannot edit, delete or resolve a's records, even knowing their ids; the
		// reminder id is deterministic, so it is the one most worth guessing.
		achanges, _ := srv.PullAll(a, "alice-phone", 0)
		var reminderID string
		for _, c := range achanges {
			if c.Entity == "reminder" {
				reminderID = c.RecordID
			}
		}
		for _, m := range []tu.Mutation{
			put(1, "contact", 1, 5, map[string]any{"name": "pwned"}),
			del(1, "referral", 2, 5),
			{ID: 1, Entity: "reminder", RecordID: reminderID, Op: "put", Fields: map[string]any{"status": "done"}, BaseVersion: 5},
		} {
			r := srv.Do("POST", "/api/v1/sync/push", b.Token, map[string]any{"client_id": "bob-phone", "mutations": []tu.Mutation{m}})
			if r.Status != 409 || r.ErrorCode() != "id_taken" {
				t.Errorf("b writes a's %s: %d %s", m.Entity, r.Status, r.Body)
			}
		}
		// /me is each user's own.
		var me struct{ Email string }
		srv.Do("GET", "/api/v1/me", b.Token, nil).JSON(t, &me)
		if me.Email != "bob@example.com" {
			t.Fatalf("me: %s", me.Email)
		}
		srv.Do("PATCH", "/api/v1/me", b.Token, map[string]any{"name": "Bobby"})
		var ame struct{ Name string }
		srv.Do("GET", "/api/v1/me", a.Token, nil).JSON(t, &ame)
		if ame.Name != "Test" {
			t.Fatalf("b's patch reached a: %s", ame.Name)
		}
		// a's data is untouched.
		after := tu.Latest(mustPull(srv, a))
		if after[tu.ID(1)].Record["name"] != "Alice's client" || after[tu.ID(2)].Deleted || after[reminderID].Record["status"] != "pending" {
			t.Fatalf("a's data changed: %+v", after)
		}
		// a refresh token works only for its own user.
		var sess struct {
			User struct{ Email string } `json:"user"`
		}
		srv.Do("POST", "/api/v1/auth/refresh", "", map[string]any{"refresh_token": b.Refresh}).JSON(t, &sess)
		if sess.User.Email != "bob@example.com" {
			t.Fatalf("refresh as: %s", sess.User.Email)
		}
	})
}

// TestInvalidMutationIsNamed: the error names the refused mutation by id and by its position in
// the batch as sent (replayed entries included), so a client can set exactly that one aside.
func TestInvalidMutationIsNamed(t *testing.T) {
	srv := tu.NewServer(t, tu.DB{Name: "sqlite"})
	u := srv.Register("dana@example.com")
	srv.Push(u, "phone-0001", put(1, "contact", 1, 0, map[string]any{"name": "Bob"}))
	r := srv.Do("POST", "/api/v1/sync/push", u.Token, map[string]any{"client_id": "phone-0001", "mutations": []tu.Mutation{
		put(1, "contact", 1, 0, map[string]any{"name": "Bob"}), // already applied
		put(2, "contact", 2, 0, map[string]any{"name": "Ann"}),
		put(3, "contact", 3, 0, map[string]any{"company": "no name"}),
	}})
	var e struct {
		Error struct {
			Code    string         `json:"code"`
			Details map[string]any `json:"details"`
		} `json:"error"`
	}
	r.JSON(t, &e)
	if r.Status != 422 || e.Error.Details["mutation_id"] != float64(3) || e.Error.Details["index"] != float64(2) || e.Error.Details["field"] != "name" {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
}

// TestMalformedMutationIsNamed: a mutation off the schema is a 400 naming its place in the body,
// even behind one the rules would refuse (the form of every mutation is checked first).
func TestMalformedMutationIsNamed(t *testing.T) {
	srv := tu.NewServer(t, tu.DB{Name: "sqlite"})
	u := srv.Register("dana@example.com")
	r := srv.Do("POST", "/api/v1/sync/push", u.Token, map[string]any{"client_id": "phone-0001", "mutations": []tu.Mutation{
		put(1, "contact", 1, 0, map[string]any{"company": "no name"}), // refused by the rules
		{ID: 2, Entity: "contact", RecordID: "0192F3A0-0000-7000-8000-000000000002", Op: "put"},
	}})
	want := `{"error":{"code":"invalid_request","details":{"field":"mutations.1.record_id","reason":"want a lower-case UUID"},` +
		`"message":"mutations.1.record_id: want a lower-case UUID"}}`
	if r.Status != 400 || strings.TrimSpace(string(r.Body)) != want {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
}

// TestOwnDeletionUndone: a device that deleted a record and then writes it again offline (an
// undo) restores it even though its base version predates its own deletion; another device's
// stale edit still does not.
func TestOwnDeletionUndone(t *testing.T) {
	srv := tu.NewServer(t, tu.DB{Name: "sqlite"})
	u := srv.Register("dana@example.com")
	srv.Push(u, "phone-0001", put(1, "contact", 1, 0, map[string]any{"name": "Bob"}))
	srv.Push(u, "phone-0001", del(2, "contact", 1, 1), put(3, "contact", 1, 1, map[string]any{"name": "Bob again"}))
	if c := tu.Latest(mustPull(srv, u))[tu.ID(1)]; c.Deleted || c.Record["name"] != "Bob again" {
		t.Fatalf("undo of own delete: %+v", c)
	}
	srv.Push(u, "phone-0001", del(4, "contact", 1, 2))
	srv.Push(u, "laptop-0001", put(1, "contact", 1, 1, map[string]any{"role": "CEO"}))
	if c := tu.Latest(mustPull(srv, u))[tu.ID(1)]; !c.Deleted || c.Record["role"] != "CEO" {
		t.Fatalf("another device's stale edit restored it: %+v", c)
	}
}
