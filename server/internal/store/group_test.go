package store_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	. "github.com/askwell/askwell/server/internal/store"
	"github.com/askwell/askwell/server/internal/testutil"
)

// Writes waiting while one runs share the next transaction; each keeps its own version and
// result, and a failing, empty or panicking write is undone alone.
func TestGroupCommit(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db testutil.DB) {
		ctx := context.Background()
		st := migrated(t, db)
		now := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
		createUsers(t, ctx, st, 11, now)
		grouped := st.QueuedWrites() >= 0
		var release func() error
		if grouped { // SQLite: keep the committer busy so the next writes wait together
			release = st.HoldCommitter(ctx, "u0")
			defer func() { _ = release() }() // never leave the committer held, even on failure
		}
		commits := st.Commits()
		var mu sync.Mutex
		txs := map[any]int{}
		results := make([]error, 10)
		versions := make([]int64, 10)
		var wg sync.WaitGroup
		for i := range 10 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				versions[i], results[i] = st.Write(ctx, fmt.Sprint("u", i+1), func(w *Writer) error {
					mu.Lock()
					txs[w.Tx()]++
					mu.Unlock()
					client := fmt.Sprint("client-", i)
					if i == 6 { // the same new client id as write 2: only one of them can have it
						client = "client-2"
					}
					if _, err := w.BindClient(ctx, client, now); err != nil {
						return err
					}
					switch i {
					case 3:
						return errors.New("a bad push")
					case 4:
						return ErrNoChange
					case 5:
						if grouped { // on PostgreSQL a panic stays the request's own (Echo recovers it)
							panic("a bug")
						}
						return errors.New("a bug")
					}
					return nil
				})
			}()
		}
		if grouped { // SQLite: wait until the seven that have something to write are queued
			for deadline := time.Now().Add(10 * time.Second); st.QueuedWrites() < 7; {
				if time.Now().After(deadline) {
					t.Fatalf("%d writes queued", st.QueuedWrites())
				}
			}
			if err := release(); err != nil {
				t.Fatal(err)
			}
		}
		wg.Wait()
		taken := 0
		for i, err := range results {
			u, uerr := st.UserByID(ctx, fmt.Sprint("u", i+1))
			if uerr != nil {
				t.Fatal(uerr)
			}
			clientErr := BindClientOutside(st, "u0", fmt.Sprint("client-", i))
			switch {
			case i == 3 || i == 5:
				if err == nil || u.Version != 0 || clientErr != nil {
					t.Errorf("write %d: %v, version %d, client kept: %v", i, err, u.Version, clientErr == nil)
				}
			case i == 4:
				if err != nil || versions[i] != 0 || u.Version != 0 {
					t.Errorf("empty write %d: %v, version %d/%d", i, err, versions[i], u.Version)
				}
			case (i == 2 || i == 6) && errors.Is(err, ErrClientTaken):
				taken++
				if u.Version != 0 {
					t.Errorf("write %d lost the client id but kept version %d", i, u.Version)
				}
			case i == 6:
				if err != nil || versions[i] != 1 || u.Version != 1 {
					t.Errorf("write %d: %v, version %d/%d", i, err, versions[i], u.Version)
				}
			default:
				if err != nil || versions[i] != 1 || u.Version != 1 || !errors.Is(clientErr, ErrClientTaken) {
					t.Errorf("write %d: %v, version %d/%d, client bound: %v", i, err, versions[i], u.Version, clientErr)
				}
			}
		}
		if taken != 1 {
			t.Errorf("%d of the two writes of one new client id were refused, want 1", taken)
		}
		if grouped && st.Commits()-commits != 2 {
			t.Errorf("the held write and seven queued behind it used %d transactions, want 2", st.Commits()-commits)
		}
		if len(txs) != 10 {
			t.Errorf("ten writes read through %d transactions, want one each", len(txs))
		}
	})
}

// A statement's first use inside a write's snapshot must not wait for another pooled
// connection: with every connection held by such writes, none would come free.
func TestFirstStatementsDoNotStarveThePool(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel) // after the store is closed, as it was opened with ctx
	st := openWith(t, ctx, Options{SQLitePath: filepath.Join(t.TempDir(), "a.db"), MaxOpenConns: 3})
	migrate(t, ctx, st)
	now := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	const n = 12
	createUsers(t, ctx, st, n, now)
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			_, errs[i] = st.Write(ctx, fmt.Sprint("u", i), func(w *Writer) error {
				if _, err := w.BindClient(ctx, fmt.Sprint("client-", i), now); err != nil {
					return err
				}
				_, err := w.Load(ctx, "contact", []string{fmt.Sprint("c", i)})
				return err
			})
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("write %d: %v", i, err)
		}
	}
}

// A write that reaches the committer's queue after Close has stopped it is answered with
// ErrClosed; it used to wait forever for an answer no one would send, and with it the
// server's shutdown.
func TestWriteQueuedAfterCloseIsRefused(t *testing.T) {
	now := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	// Write picks at random between queueing and seeing the store closed; 16 rounds make a
	// queued write all but certain.
	for round := range 16 {
		ctx := context.Background()
		st, err := Open(ctx, Options{SQLitePath: filepath.Join(t.TempDir(), fmt.Sprint(round, ".db"))})
		if err != nil {
			t.Fatal(err)
		}
		migrate(t, ctx, st)
		createUsers(t, ctx, st, 1, now)
		closed := make(chan struct{})
		// The snapshot is read; the committer stops before the write is queued.
		result := writeHeld(ctx, st, "u0", closed, nil)
		if err := st.Close(); err != nil {
			t.Fatal(err)
		}
		close(closed)
		select {
		case err := <-result:
			if !errors.Is(err, ErrClosed) {
				t.Fatalf("round %d: a write after Close returned %v, want ErrClosed", round, err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("round %d: a write after Close is still waiting after 10 s", round)
		}
	}
}

// writeHeld starts a write of userID that holds its first phase, its snapshot read, until
// release is closed, and then returns then from its callback. It returns once the write is
// inside that phase; the write's result comes on the channel.
func writeHeld(ctx context.Context, st *Store, userID string, release <-chan struct{}, then error) <-chan error {
	started, result := make(chan struct{}), make(chan error, 1)
	go func() {
		_, err := st.Write(ctx, userID, func(w *Writer) error {
			close(started)
			<-release
			return then
		})
		result <- err
	}()
	<-started
	return result
}
