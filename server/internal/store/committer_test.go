package store_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/askwell/askwell/server/internal/records"
	. "github.com/askwell/askwell/server/internal/store"
)

// The committer keeps a write's savepoint journal in memory: spilled to a file, it cost a
// system call per changed page in the one writer's turn.
func TestCommitterKeepsItsSavepointJournalInMemory(t *testing.T) {
	ctx := context.Background()
	st := openWith(t, ctx, Options{SQLitePath: filepath.Join(t.TempDir(), "a.db")})
	migrate(t, ctx, st)
	createUsers(t, ctx, st, 1, time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC))
	if got, err := st.CommitterPragma(ctx, "u0", "temp_store"); err != nil || got != 2 /* memory */ {
		t.Fatalf("committer's temp_store = %d, %v; want 2 (memory)", got, err)
	}
}

// The committer checkpoints the write-ahead log once it has grown by 8,000 pages (about
// 32 MiB), not SQLite's 1,000: a page written by many commits is copied once.
func TestCommitterCheckpointsAfter8000Pages(t *testing.T) {
	ctx := context.Background()
	st := openWith(t, ctx, Options{SQLitePath: filepath.Join(t.TempDir(), "a.db")})
	migrate(t, ctx, st)
	createUsers(t, ctx, st, 1, time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC))
	if got, err := st.CommitterPragma(ctx, "u0", "wal_autocheckpoint"); err != nil || got != 8000 {
		t.Fatalf("committer's wal_autocheckpoint = %d, %v; want 8000", got, err)
	}
}

// Under steady writes and reads the write-ahead log is checkpointed and started afresh, so it
// stays within a few times its checkpoint size (here SQLite's 1,000 pages, 4 MiB, so that
// 32 MiB of writes pass it many times). A checkpointer running beside the committer let it
// grow without bound (890 MB in 25 s of load): the log only starts afresh when a write begins
// after a checkpoint copied all of it, which the committer's own checkpoint, between its
// commits, ensures.
func TestWriteAheadLogStaysBounded(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	now := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	path := filepath.Join(t.TempDir(), "a.db")
	st := openWith(t, ctx, Options{SQLitePath: path, CheckpointPages: 1000})
	migrate(t, ctx, st)
	const users, writes, rows = 8, 50, 20 // 8 × 50 writes of 20 rows of 4 KiB: 32 MiB of records
	createUsers(t, ctx, st, users, now)
	var readers sync.WaitGroup
	for range 2 { // readers keep snapshots open, as pulls and prepares do
		readers.Go(func() {
			for ctx.Err() == nil {
				_, _ = st.UserByID(ctx, "u0")
			}
		})
	}
	data := `{"name":"` + strings.Repeat("x", 4096) + `"}`
	var writers sync.WaitGroup
	errs := make(chan error, users)
	for u := range users {
		writers.Go(func() {
			for i := range writes {
				if _, err := st.Write(ctx, fmt.Sprint("u", u), func(w *Writer) error {
					batch := make([]*Row, rows)
					for r := range batch {
						batch[r] = &Row{ID: fmt.Sprintf("u%d-%d-%d", u, i, r), Version: w.Version(), CreatedAt: now, UpdatedAt: now,
							FieldVersions: "{}", Data: data}
					}
					return w.Save(ctx, records.Contact, batch)
				}); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	writers.Wait()
	cancel()
	readers.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	info, err := os.Stat(path + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("write-ahead log: %d KiB", info.Size()>>10)
	if info.Size() > 16<<20 {
		t.Fatalf("the write-ahead log is %d MiB after 32 MiB of writes; want it checkpointed and restarted", info.Size()>>20)
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
	release := make(chan struct{})
	first := writeHeld(ctx, st, "u0", release, ErrNoChange)
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
