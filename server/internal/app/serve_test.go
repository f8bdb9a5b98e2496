package app_test

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/askwell/askwell/server/internal/app"
	"github.com/askwell/askwell/server/internal/auth"
	"github.com/askwell/askwell/server/internal/config"
	tu "github.com/askwell/askwell/server/internal/testutil"
)

func testConfig(t *testing.T, dir string) config.Config {
	t.Helper()
	cfg, err := config.Load(func(k string) (string, bool) {
		v, ok := map[string]string{"ASKWELL_ADDR": "127.0.0.1:0", "ASKWELL_DATA_DIR": dir}[k]
		return v, ok
	})
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestGracefulShutdown: a cancelled context stops the server promptly even with an event
// stream open, and the stream ends instead of hanging.
func TestGracefulShutdown(t *testing.T) {
	dir := t.TempDir()
	a, err := app.New(context.Background(), testConfig(t, dir), slog.New(slog.NewTextHandler(io.Discard, nil)),
		app.Options{Migrate: true, Argon2: &auth.Argon2{Time: 1, MemoryKiB: 64, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.ServeListener(ctx, ln) }()

	resp, err := http.Post(base+"/api/v1/auth/register", "application/json",
		strings.NewReader(`{"email":"dana@example.com","password":"correct horse battery"}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	token := strings.Split(strings.Split(string(body), `"access_token":"`)[1], `"`)[0]

	req, _ := http.NewRequest("GET", base+"/api/v1/sync/events", nil)
	auth.SetBearer(req.Header, token)
	stream, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Body.Close()
	line, err := bufio.NewReader(stream.Body).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "retry:") {
		t.Fatalf("stream start: %q %v", line, err)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("shutdown hung on the open stream")
	}
	if _, err := io.ReadAll(stream.Body); err != nil && !strings.Contains(err.Error(), "EOF") {
		t.Logf("stream ended with %v", err)
	}
}

// TestSecretsKeptAcrossRestarts: the generated JWT secret is written once (0600) and reused,
// so tokens issued before a restart still work after it.
func TestSecretsKeptAcrossRestarts(t *testing.T) {
	dir := t.TempDir()
	clock := tu.NewClock()
	first := tu.Start(t, tu.DB{Name: "sqlite"}, dir, clock)
	u := first.Register("dana@example.com")
	st, err := os.Stat(filepath.Join(dir, "jwt-secret"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("secret file: %v %v", st, err)
	}
	first.HTTP.Close()
	_ = first.App.Close()
	second := tu.Start(t, tu.DB{Name: "sqlite"}, dir, clock)
	if r := second.Do("GET", "/api/v1/me", u.Token, nil); r.Status != 200 {
		t.Fatalf("token after restart: %d %s", r.Status, r.Body)
	}
}

// TestRefusesUnmigratedSchema: without migrating, a server does not start on an empty database.
func TestRefusesUnmigratedSchema(t *testing.T) {
	_, err := app.New(context.Background(), testConfig(t, t.TempDir()), slog.New(slog.NewTextHandler(io.Discard, nil)), app.Options{})
	if err == nil || !strings.Contains(err.Error(), "migrate") {
		t.Fatalf("want a schema error naming migrate, got %v", err)
	}
}
