package app_test

import (
	"context"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/askwell/askwell/server/internal/app"
	"github.com/askwell/askwell/server/internal/testutil"
)

// An account deleted through one instance ends its event streams on the others too: each
// stream asks whether its account still exists at every keep-alive.
func TestDeletingEndsStreamsOnOtherInstances(t *testing.T) {
	if os.Getenv(testutil.PostgresEnv) == "" {
		t.Skip(testutil.PostgresEnv + " is not set: two instances need a shared PostgreSQL")
	}
	db := testutil.Fresh(t, testutil.DB{Name: "postgres"})
	dataDir := t.TempDir()
	clock := testutil.NewClock()
	fastPings := func(_ map[string]string, o *app.Options) { o.PingEvery = 50 * time.Millisecond }
	a := testutil.Start(t, db, dataDir, clock)
	b := testutil.Start(t, db, dataDir, clock, fastPings)
	u := a.Register("leaving@example.com")
	stream := openEvents(t, b, u.Token, "b")

	if r := a.Do("DELETE", "/api/v1/me", u.Token, map[string]any{"password": "correct horse battery"}); r.Status != http.StatusNoContent {
		t.Fatalf("delete on A: %d %s", r.Status, r.Body)
	}
	ctx, cancel := context.WithTimeout(context.Background(), eventWait)
	defer cancel()
	for {
		select {
		case _, open := <-stream.blocks:
			if !open {
				return // ended
			}
		case <-ctx.Done():
			t.Fatal("the stream on B stayed open after the account was deleted on A")
		}
	}
}
