package loadgen_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/askwell/askwell/server/internal/loadgen"
	"github.com/askwell/askwell/server/internal/testutil"
)

// TestRunAgainstServer runs a short load against a real server and checks that requests ran,
// the server accepted every one of them, and the figures were printed. No timing is asserted.
func TestRunAgainstServer(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db testutil.DB) {
		srv := testutil.NewServer(t, db)
		cfg := loadgen.DefaultConfig()
		cfg.URL = srv.HTTP.URL
		cfg.Devices, cfg.Users = 6, 2
		cfg.Duration, cfg.NoopDuration = 3*time.Second, 300*time.Millisecond // long enough for a few rounds under -race on a busy machine
		cfg.PushDuration = time.Second
		var log bytes.Buffer
		rep, err := loadgen.Run(context.Background(), cfg, &log)
		if err != nil {
			t.Fatalf("run: %v\n%s", err, log.String())
		}
		push, pull := rep.Sync.Kind(loadgen.KindPush), rep.Sync.Kind(loadgen.KindPull)
		if push.Count == 0 || pull.Count == 0 {
			t.Fatalf("no sync requests: push %d, pull %d", push.Count, pull.Count)
		}
		if len(rep.Sync.Errors) > 0 {
			t.Errorf("sync errors: %v", rep.Sync.Errors)
		}
		if rep.Sync.Applied == 0 {
			t.Error("no mutation applied")
		}
		// Devices share accounts, so each sees the others' records (and its own) in pulls.
		if rep.Sync.Received == 0 {
			t.Error("no change pulled")
		}
		// The push phase only pushes, and its pushes are applied.
		if rep.Push == nil || rep.Push.Kind(loadgen.KindPush).Count == 0 || rep.Push.Applied == 0 || rep.Push.MutationsPerSec() <= 0 {
			t.Fatalf("push phase: %+v", rep.Push)
		}
		if n := rep.Push.Kind(loadgen.KindPull).Count; n != 0 || rep.Push.Received != 0 {
			t.Errorf("the push phase pulled: %d requests, %d changes", n, rep.Push.Received)
		}
		if len(rep.Push.Errors) > 0 {
			t.Errorf("push phase errors: %v", rep.Push.Errors)
		}
		if rep.Noop == nil || rep.Noop.Kind(loadgen.KindHealthz).Count == 0 {
			t.Fatal("no no-op requests")
		}
		if rep.Ratio() <= 0 {
			t.Errorf("ratio %v", rep.Ratio())
		}
		// The server's own CPU, read from its /metrics, for figures steadier than requests/s.
		if rep.Sync.ServerCPU <= 0 || rep.Sync.CPUPerRequest() <= 0 {
			t.Errorf("sync phase: server CPU %v s, %v per request", rep.Sync.ServerCPU, rep.Sync.CPUPerRequest())
		}

		var out bytes.Buffer
		rep.Print(&out)
		for _, want := range []string{"sync phase", "push phase", "push throughput (push phase)", "no-op phase", "push", "pull", "healthz", "all",
			"p50", "p95", "p99", "req/s", "errors: none", "throughput ratio sync/no-op", "sync p99", "server CPU:"} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("report lacks %q:\n%s", want, out.String())
			}
		}
	})
}

// TestMain prints the report through the command-line entry point.
func TestMainCommand(t *testing.T) {
	srv := testutil.NewServer(t, testutil.DB{Name: "sqlite"})
	var out bytes.Buffer
	err := loadgen.Main(context.Background(), []string{"-url", srv.HTTP.URL + "/", "-devices", "3", "-users", "1",
		"-duration", "300ms", "-noop=false", "-think", "5ms", "-share-login"}, &out)
	if err != nil {
		t.Fatalf("main: %v\n%s", err, out.String())
	}
	for _, want := range []string{"sync phase", "push", "pull", "sync p99"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "no-op phase") || strings.Contains(out.String(), "push phase") {
		t.Errorf("-noop=false without -push-duration still ran the no-op or push phase:\n%s", out.String())
	}
}

func TestCheckURLRefusesNonLoopback(t *testing.T) {
	ctx := context.Background()
	for _, raw := range []string{
		"http://example.com:8080", "http://10.0.0.1:8080", "http://192.168.1.5", "http://[2001:db8::1]:80",
		"http://0.0.0.0:8080", "ftp://127.0.0.1", "127.0.0.1:8080", "http://127.0.0.1:8080/api", "http://user@127.0.0.1",
		"http://127.0.0.1.example.com",
	} {
		if _, err := loadgen.CheckURL(ctx, raw); err == nil {
			t.Errorf("CheckURL(%q) accepted", raw)
		}
	}
	for raw, want := range map[string]string{
		"http://127.0.0.1:8080":  "http://127.0.0.1:8080",
		"http://127.0.0.1:8080/": "http://127.0.0.1:8080",
		"http://127.1.2.3":       "http://127.1.2.3",
		"http://[::1]:9000":      "http://[::1]:9000",
	} {
		got, err := loadgen.CheckURL(ctx, raw)
		if err != nil || got != want {
			t.Errorf("CheckURL(%q) = %q, %v; want %q", raw, got, err, want)
		}
	}
	var out bytes.Buffer
	if err := loadgen.Main(ctx, []string{"-url", "http://203.0.113.7:8080", "-duration", "1s"}, &out); err == nil {
		t.Error("Main accepted a non-loopback URL")
	}
}
