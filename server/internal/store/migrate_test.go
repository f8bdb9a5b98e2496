package store_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/askwell/askwell/server/internal/store"
	tu "github.com/askwell/askwell/server/internal/testutil"
)

// Records written before the coach existed get their note signals and index columns from the
// Go migrations: rows inserted as an older server wrote them, the two migrations run again.
func TestGoMigrationsFillWhatOlderServersWrote(t *testing.T) {
	tu.ForEachDB(t, func(t *testing.T, db tu.DB) {
		ctx, st, exec := olderData(t, db, 0)
		row := func(table, id, data string) {
			exec(fmt.Sprintf("INSERT INTO %s (id, user_id, version, created_at, updated_at, data) VALUES ('%s', 'u1', 1, '2026-11-20T10:00:00Z', '2026-11-20T10:00:00Z', '%s')", table, id, data))
		}
		row("notes", "n1", `{"body":"x","contact_ids":["c1"],"meeting_at":"2026-11-19T08:00:00Z","signals":[{"contact_id":"c1","kind":"praised"},{"contact_id":"c1","kind":"busy","at":"2026-11-20T09:00:00Z","hold_until":"2026-11-25T09:00:00Z"}]}`)
		row("notes", "n2", `not json`)
		row("contacts", "c1", `{"name":"Dana","kind":"partner","stage":"champion","dream":true}`)
		row("events", "e1", `{"title":"Coffee","kind":"coffee","starts_at":"2026-11-19T08:00:00Z","contact_ids":["c1"]}`)
		row("referrals", "r1", `{"direction":"received","contact_id":"c1"}`)
		exec("DELETE FROM bun_migrations WHERE name IN ('20261128000002', '20261128000004')")
		migrate(t, ctx, st)
		if err := st.CheckSchema(ctx); err != nil {
			t.Fatal(err)
		}
		var got []string
		if err := st.Query(ctx, &got, "SELECT kind || ' ' || contact_id FROM note_signals WHERE note_id = 'n1' ORDER BY kind"); err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0] != "busy c1" || got[1] != "praised c1" {
			t.Fatalf("note signals %q", got)
		}
		for q, want := range map[string]string{
			"SELECT circle FROM contacts WHERE id = 'c1'":                             "partner champion dream",
			"SELECT meeting FROM events WHERE id = 'e1'":                              "one_to_one",
			"SELECT contact_id FROM referrals WHERE id = 'r1'":                        "c1",
			"SELECT CASE WHEN starts_at IS NULL THEN 'no' ELSE 'yes' END FROM events": "yes",
		} {
			var v []string
			if err := st.Query(ctx, &v, q); err != nil || len(v) != 1 || v[0] != want {
				t.Fatalf("%s: %q, %v", q, v, err)
			}
		}
	})
}

// The storage a user's records take is counted again from what is kept, over every record
// table: counts that grew past it (records the coach wrote again were counted whole) are
// brought back down.
func TestStorageIsCountedAgainFromWhatIsKept(t *testing.T) {
	tu.ForEachDB(t, func(t *testing.T, db tu.DB) {
		ctx, st, exec := olderData(t, db, 999999)
		for table, data := range map[string]string{"contacts": `{"name":"Dana"}`, "asks": `{"target":"Lee"}`, "suggestions": `{"kind":"plan_ask"}`, "connections": `{"contact_id":"c1"}`} {
			exec(fmt.Sprintf("INSERT INTO %s (id, user_id, version, created_at, updated_at, data) VALUES ('%s1', 'u1', 1, '2026-11-20T10:00:00Z', '2026-11-20T10:00:00Z', '%s')", table, table[:1], data))
		}
		exec("DELETE FROM bun_migrations WHERE name = '20261129000002'")
		migrate(t, ctx, st)
		if used, want := bytesUsed(t, ctx, st), int64(len(`{"name":"Dana"}`)+len(`{"target":"Lee"}`)+len(`{"kind":"plan_ask"}`)+len(`{"contact_id":"c1"}`)); used != want {
			t.Fatalf("bytes used %d, want %d", used, want)
		}
	})
}

// Suggestions stored with "subject_ids":null get an empty array, as the contract says, and
// their user's storage count the two bytes back; other suggestions stay as they are.
func TestSuggestionsAboutNoOneGetAnEmptyList(t *testing.T) {
	tu.ForEachDB(t, func(t *testing.T, db tu.DB) {
		ctx, st, exec := olderData(t, db, 1000)
		for id, data := range map[string]string{
			"s1": `{"kind":"see_next","subject_ids":null,"title":"Rhythm"}`,
			"s2": `{"kind":"share_offer","subject_ids":null,"title":"Share"}`,
			"s3": `{"kind":"plan_ask","subject_ids":["c1"],"title":"Say \"subject_ids\":null"}`,
		} {
			exec(fmt.Sprintf("INSERT INTO suggestions (id, user_id, version, created_at, updated_at, data) VALUES ('%s', 'u1', 1, '2026-11-20T10:00:00Z', '2026-11-20T10:00:00Z', '%s')", id, data))
		}
		exec("DELETE FROM bun_migrations WHERE name = '20261129000003'")
		migrate(t, ctx, st)
		var data []string
		if err := st.Query(ctx, &data, "SELECT data FROM suggestions ORDER BY id"); err != nil {
			t.Fatal(err)
		}
		want := []string{
			`{"kind":"see_next","subject_ids":[],"title":"Rhythm"}`,
			`{"kind":"share_offer","subject_ids":[],"title":"Share"}`,
			`{"kind":"plan_ask","subject_ids":["c1"],"title":"Say \"subject_ids\":null"}`,
		}
		if fmt.Sprint(data) != fmt.Sprint(want) {
			t.Fatalf("data\n%q\nwant\n%q", data, want)
		}
		if used := bytesUsed(t, ctx, st); used != 996 {
			t.Fatalf("bytes used %d, want 996", used)
		}
	})
}

// olderData is a migrated store holding user u1 with that storage count, for rows inserted as
// an older server wrote them, and exec to insert them.
func olderData(t *testing.T, db tu.DB, bytesUsed int64) (context.Context, *store.Store, func(q string)) {
	ctx := context.Background()
	st := migrated(t, db)
	exec := execer(t, ctx, st)
	exec(fmt.Sprintf("INSERT INTO users (id, email, password_hash, created_at, updated_at, bytes_used) VALUES ('u1', 'a@example.com', 'x', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, %d)", bytesUsed))
	return ctx, st, exec
}

// bytesUsed is user u1's storage count.
func bytesUsed(t *testing.T, ctx context.Context, st *store.Store) int64 {
	t.Helper()
	var used []int64
	if err := st.Query(ctx, &used, "SELECT bytes_used FROM users WHERE id = 'u1'"); err != nil || len(used) != 1 {
		t.Fatalf("bytes used %v: %v", used, err)
	}
	return used[0]
}

// execer returns a function that runs a statement on st, failing the test if it fails.
func execer(t *testing.T, ctx context.Context, st *store.Store) func(q string) {
	return func(q string) {
		t.Helper()
		if err := st.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}
