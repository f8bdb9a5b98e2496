package app_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/askwell/askwell/server/internal/testutil"
)

// An account deleted through one instance ends its event streams on the others too: each
// stream asks whether its account still exists at every keep-alive.
func TestDeletingEndsStreamsOnOtherInstances(t *testing.T) {
	a, b := twoInstances(t, testutil.WithPingEvery(50*time.Millisecond))
	u := a.Register("leaving@example.com")
	stream := openEvents(t, b, u.Token, "stream on B")

	if r := a.Do("DELETE", "/api/v1/me", u.Token, map[string]any{"password": "correct horse battery"}); r.Status != http.StatusNoContent {
		t.Fatalf("delete on A: %d %s", r.Status, r.Body)
	}
	stream.await(func(_ []string, open bool) bool { return !open },
		"stayed open after the account was deleted on A")
}
