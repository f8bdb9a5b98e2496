package store_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/askwell/askwell/server/internal/store"
	tu "github.com/askwell/askwell/server/internal/testutil"
)

// open opens a store on a fresh copy of db, not migrated yet.
func open(t *testing.T, db tu.DB) *store.Store {
	t.Helper()
	db = tu.Fresh(t, db)
	return openWith(t, context.Background(), store.Options{PostgresURL: db.URL, SQLitePath: filepath.Join(t.TempDir(), "a.db")})
}

// openWith opens a store with opts; it is closed when the test ends.
func openWith(t *testing.T, ctx context.Context, opts store.Options) *store.Store {
	t.Helper()
	st, err := store.Open(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// migrated opens a store on a fresh copy of db and migrates it.
func migrated(t *testing.T, db tu.DB) *store.Store {
	t.Helper()
	st := open(t, db)
	migrate(t, context.Background(), st)
	return st
}

// migrate brings st's schema up to date, failing the test if it cannot.
func migrate(t *testing.T, ctx context.Context, st *store.Store) {
	t.Helper()
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
}

// createUsers adds the users u0 to u<n-1>, made at now.
func createUsers(t *testing.T, ctx context.Context, st *store.Store, n int, now time.Time) {
	t.Helper()
	for i := range n {
		if err := st.CreateUser(ctx, &store.User{ID: fmt.Sprint("u", i), Email: fmt.Sprint(i, "@example.com"), AskPlans: "{}",
			CreatedAt: now, UpdatedAt: now}); err != nil {
			t.Fatal(err)
		}
	}
}

func TestSchemaCheck(t *testing.T) {
	tu.ForEachDB(t, func(t *testing.T, db tu.DB) {
		ctx := context.Background()
		st := open(t, db)
		if err := st.CheckSchema(ctx); !errors.Is(err, store.ErrSchemaBehind) {
			t.Fatalf("empty database: %v", err)
		}
		if err := st.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		if err := st.Migrate(ctx); err != nil { // idempotent
			t.Fatal(err)
		}
		if err := st.CheckSchema(ctx); err != nil {
			t.Fatalf("migrated: %v", err)
		}
		// A migration this binary does not know: the database was migrated by a newer one.
		if err := st.Exec(ctx, "INSERT INTO bun_migrations (name, group_id, migrated_at) VALUES ('29991231000000_future', 99, CURRENT_TIMESTAMP)"); err != nil {
			t.Fatal(err)
		}
		if err := st.CheckSchema(ctx); !errors.Is(err, store.ErrSchemaAhead) {
			t.Fatalf("newer schema: %v", err)
		}
	})
}

func TestRefreshTokenSingleUse(t *testing.T) {
	tu.ForEachDB(t, func(t *testing.T, db tu.DB) {
		ctx := context.Background()
		st := migrated(t, db)
		now := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
		u := &store.User{ID: tu.ID(1), Email: "a@example.com", PasswordHash: "x", Timezone: "UTC", QuietStart: "21:00",
			QuietEnd: "07:00", AskPlans: "{}", CreatedAt: now, UpdatedAt: now}
		if err := st.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		if err := st.CreateUser(ctx, &store.User{ID: tu.ID(2), Email: "a@example.com", PasswordHash: "x", AskPlans: "{}", CreatedAt: now, UpdatedAt: now}); !errors.Is(err, store.ErrEmailTaken) {
			t.Fatalf("duplicate email: %v", err)
		}
		tok := &store.RefreshToken{ID: tu.ID(3), UserID: u.ID, FamilyID: "f", TokenHash: "h", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
		if err := st.InsertRefreshToken(ctx, tok); err != nil {
			t.Fatal(err)
		}
		// Many concurrent uses: exactly one is the first.
		firsts := make(chan bool, 8)
		for i := 0; i < 8; i++ {
			go func() {
				_, first, err := st.UseRefreshToken(ctx, "h", now)
				firsts <- err == nil && first
			}()
		}
		n := 0
		for i := 0; i < 8; i++ {
			if <-firsts {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("%d first uses", n)
		}
		if _, _, err := st.UseRefreshToken(ctx, "nope", now); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown token: %v", err)
		}
		if _, err := st.UserByID(ctx, "missing"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("missing user: %v", err)
		}
	})
}
