package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/askwell/askwell/server/internal/store"
	tu "github.com/askwell/askwell/server/internal/testutil"
)

// An account deleted while a write of its is under way goes whole, and the write either
// commits first or ends in ErrUserGone. On PostgreSQL the deletion takes the user's row first,
// as every write does: taken last, after the records, it deadlocked with a write that held the
// row and wanted a record the deletion had reached. On SQLite the write, prepared before the
// deletion, finds the account gone when its turn comes.
func TestDeleteUserDuringAWrite(t *testing.T) {
	tu.ForEachDB(t, func(t *testing.T, db tu.DB) {
		ctx := context.Background()
		st := migrated(t, db)
		now := time.Date(2026, 11, 24, 9, 30, 0, 0, time.UTC)
		createUsers(t, ctx, st, 1, now)
		contact := func(w *store.Writer, name string) []*store.Row {
			return []*store.Row{{ID: tu.ID(1), Version: w.Version(), CreatedAt: now, UpdatedAt: now, FieldVersions: "{}",
				Data: `{"name":"` + name + `"}`}}
		}
		if _, err := st.Write(ctx, "u0", func(w *store.Writer) error { return w.Save(ctx, "contact", contact(w, "Ann")) }); err != nil {
			t.Fatal(err)
		}

		inside, resume, written := make(chan int), make(chan struct{}), make(chan error, 1)
		go func() {
			_, err := st.Write(ctx, "u0", func(w *store.Writer) error {
				pid := 0 // the write's PostgreSQL backend, holding the user's row from here on
				if tx, ok := w.Tx().(bun.Tx); ok && db.Name == "postgres" {
					if err := tx.QueryRowContext(ctx, "SELECT pg_backend_pid()").Scan(&pid); err != nil {
						return err
					}
				}
				inside <- pid
				<-resume
				return w.Save(ctx, "contact", contact(w, "Ann Lee"))
			})
			written <- err
		}()
		pid := <-inside
		deleted := make(chan error, 1)
		go func() { deleted <- st.DeleteUser(ctx, "u0") }()

		// The deletion goes as far as it can before the write goes on: on PostgreSQL until it
		// waits for the write, on SQLite to its end.
		var delErr error
		delDone := false
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
			select {
			case delErr = <-deleted:
				delDone = true
			default:
			}
			if delDone || (pid != 0 && waitingFor(t, st, pid)) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the deletion neither ended nor waited for the write")
			}
		}
		close(resume)
		if err := <-written; err != nil && !errors.Is(err, store.ErrUserGone) {
			t.Errorf("the write: %v", err)
		}
		if !delDone {
			delErr = <-deleted
		}
		if delErr != nil {
			t.Fatalf("the deletion: %v", delErr)
		}
		if left := tu.RowsOf(t, st, "u0"); len(left) > 0 {
			t.Errorf("rows of the deleted account left: %v", left)
		}
	})
}

// waitingFor reports whether a PostgreSQL backend waits for a lock the backend pid holds.
func waitingFor(t *testing.T, st *store.Store, pid int) bool {
	t.Helper()
	var n int
	if err := st.QueryRow(context.Background(), "SELECT count(*) FROM pg_stat_activity WHERE ? = ANY(pg_blocking_pids(pid))", pid).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n > 0
}
