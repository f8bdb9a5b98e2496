package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	. "github.com/askwell/askwell/server/internal/store"
)

// The committer's connection neither checkpoints nor spills a write's savepoint journal to a
// file: both cost system calls in the one writer's turn. The checkpointer copies the log into
// the database file instead, once the writes pause.
func TestCommitterLeavesCheckpointsToTheCheckpointer(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	path := filepath.Join(t.TempDir(), "a.db")
	st := openWith(t, ctx, Options{SQLitePath: path})
	migrate(t, ctx, st)
	createUsers(t, ctx, st, 1, now)
	for pragma, want := range map[string]int64{"wal_autocheckpoint": 0, "temp_store": 2 /* memory */} {
		got, err := st.CommitterPragma(ctx, "u0", pragma)
		if err != nil || got != want {
			t.Fatalf("committer's %s = %d, %v; want %d", pragma, got, err, want)
		}
	}
	before := st.Checkpoints()
	for i := range 20 {
		if _, err := st.Write(ctx, "u0", func(w *Writer) error {
			_, err := w.BindClient(ctx, fmt.Sprint("client-", i), now)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	if !st.WaitForCheckpoints(before + 1) {
		t.Fatal("no checkpoint after the writes paused")
	}
	// The database file itself, read without the log (immutable), gets every write: the
	// checkpointer copied them, as nothing else checkpoints here.
	file, err := sql.Open("sqlite", "file:"+path+"?immutable=1&mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	inFile := func() (n int) {
		file.SetMaxIdleConns(0) // a fresh look at the file each time
		_ = file.QueryRow("SELECT count(*) FROM sync_clients WHERE user_id = 'u0'").Scan(&n)
		return n
	}
	deadline := time.Now().Add(10 * time.Second)
	for inFile() != 20 {
		if time.Now().After(deadline) {
			t.Fatalf("the database file holds %d of the 20 writes 10 s after they paused", inFile())
		}
		time.Sleep(time.Millisecond)
	}
}

// Only MaxPreparing writes read and derive at once; one more waits without running, and
// gives up when its request does.
func TestPreparingIsBounded(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	st := openWith(t, ctx, Options{SQLitePath: filepath.Join(t.TempDir(), "a.db"), MaxPreparing: 1})
	migrate(t, ctx, st)
	createUsers(t, ctx, st, 2, now)
	started, release, first := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		_, err := st.Write(ctx, "u0", func(w *Writer) error {
			close(started)
			<-release
			return ErrNoChange
		})
		first <- err
	}()
	<-started
	waiting, cancel := context.WithCancel(ctx)
	second := make(chan error, 1)
	ran := false
	go func() {
		_, err := st.Write(waiting, "u1", func(w *Writer) error { ran = true; return ErrNoChange })
		second <- err
	}()
	cancel()
	if err := <-second; !errors.Is(err, context.Canceled) || ran {
		t.Fatalf("a write beyond the limit: ran %v, returned %v; want it to wait and give up", ran, err)
	}
	close(release)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	if _, err := st.Write(ctx, "u1", func(w *Writer) error { return ErrNoChange }); err != nil {
		t.Fatalf("a write after the slot came free: %v", err)
	}
}
