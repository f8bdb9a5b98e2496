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
		db = testutil.Fresh(t, db)
		st, err := Open(ctx, Options{PostgresURL: db.URL, SQLitePath: filepath.Join(t.TempDir(), "a.db")})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		if err := st.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		now := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
		for i := range 11 {
			if err := st.CreateUser(ctx, &User{ID: fmt.Sprint("u", i), Email: fmt.Sprint(i, "@example.com"), AskPlans: "{}",
				CreatedAt: now, UpdatedAt: now}); err != nil {
				t.Fatal(err)
			}
		}
		grouped := st.QueuedWrites() >= 0
		release, started := make(chan struct{}), make(chan struct{})
		first := make(chan error, 1)
		go func() {
			_, err := st.Write(ctx, "u0", func(*Writer) error { close(started); <-release; return nil })
			first <- err
		}()
		<-started
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
					if _, err := w.BindClient(ctx, fmt.Sprint("client-", i), now); err != nil {
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
		if grouped { // SQLite: wait until all ten are queued behind the first
			for deadline := time.Now().Add(10 * time.Second); st.QueuedWrites() < 10; {
				if time.Now().After(deadline) {
					t.Fatalf("%d writes queued", st.QueuedWrites())
				}
			}
		}
		close(release)
		wg.Wait()
		if err := <-first; err != nil {
			t.Fatal(err)
		}
		for i, err := range results {
			u, uerr := st.UserByID(ctx, fmt.Sprint("u", i+1))
			if uerr != nil {
				t.Fatal(uerr)
			}
			clientErr := BindClientOutside(st, "u0", fmt.Sprint("client-", i))
			switch i {
			case 3, 5:
				if err == nil || u.Version != 0 || clientErr != nil {
					t.Errorf("write %d: %v, version %d, client kept: %v", i, err, u.Version, clientErr == nil)
				}
			case 4:
				if err != nil || versions[i] != 0 || u.Version != 0 {
					t.Errorf("empty write %d: %v, version %d/%d", i, err, versions[i], u.Version)
				}
			default:
				if err != nil || versions[i] != 1 || u.Version != 1 || !errors.Is(clientErr, ErrClientTaken) {
					t.Errorf("write %d: %v, version %d/%d, client bound: %v", i, err, versions[i], u.Version, clientErr)
				}
			}
		}
		if grouped && len(txs) != 1 {
			t.Errorf("ten queued writes used %d transactions, want 1", len(txs))
		}
	})
}
