package httpapi_test

import (
	"net/http"
	"strings"
	"testing"
	"testing/fstest"

	tu "github.com/askwell/askwell/server/internal/testutil"
)

func TestHealthReadyMetrics(t *testing.T) {
	tu.ForEachDB(t, func(t *testing.T, db tu.DB) {
		srv := tu.NewServer(t, db)
		if r := srv.Do("GET", "/healthz", "", nil); r.Status != 200 || !strings.Contains(string(r.Body), `"ok"`) {
			t.Fatalf("healthz: %d %s", r.Status, r.Body)
		}
		if r := srv.Do("GET", "/readyz", "", nil); r.Status != 200 || !strings.Contains(string(r.Body), `"schema":"ok"`) {
			t.Fatalf("readyz: %d %s", r.Status, r.Body)
		}
		u := srv.Register("dana@example.com")
		srv.Push(u, "phone-0001", put(1, "contact", 1, 0, map[string]any{"name": "Bob"}))
		srv.PullAll(u, "phone-0001", 0)
		r := srv.Do("GET", "/metrics", "", nil)
		body := string(r.Body)
		if r.Status != 200 {
			t.Fatalf("metrics: %d %.300s", r.Status, body)
		}
		for _, want := range []string{
			`askwell_http_request_duration_seconds_bucket{method="POST",route="/api/v1/sync/push",status="200"`,
			`askwell_sync_mutations_total{result="applied"} 1`,
			`askwell_sync_records_pulled_total 1`,
			`askwell_sync_pushes_total 1`,
			`go_goroutines`,
		} {
			if !strings.Contains(body, want) {
				t.Errorf("metrics lack %s", want)
			}
		}
		// A database that went away makes the server not ready, without a 500.
		_ = srv.App.Store.Close()
		if r := srv.Do("GET", "/readyz", "", nil); r.Status != 503 || !strings.Contains(string(r.Body), "unavailable") {
			t.Fatalf("readyz without a database: %d %s", r.Status, r.Body)
		}
	})
}

func TestStaticFiles(t *testing.T) {
	dist := fstest.MapFS{
		"index.html":            {Data: []byte("<!doctype html><title>Askwell</title>")},
		"sw.js":                 {Data: []byte("self.addEventListener('push', () => {})")},
		"manifest.webmanifest":  {Data: []byte(`{"name":"Askwell"}`)},
		"assets/index-abc12.js": {Data: []byte("console.log(1)")},
		"icons/icon-192.png":    {Data: []byte("png")},
	}
	srv := tu.NewServer(t, tu.DB{Name: "sqlite"}, tu.WithStatic(dist))
	cases := []struct{ path, cache, body string }{
		{"/", "no-cache", "<title>Askwell</title>"},
		{"/contacts/42", "no-cache", "<title>Askwell</title>"}, // an app route
		{"/sw.js", "no-cache", "push"},
		{"/manifest.webmanifest", "no-cache", "Askwell"},
		{"/assets/index-abc12.js", "public, max-age=31536000, immutable", "console"},
		{"/icons/icon-192.png", "public, max-age=86400", "png"},
	}
	for _, c := range cases {
		r := srv.Do("GET", c.path, "", nil)
		if r.Status != 200 || r.Header.Get("Cache-Control") != c.cache || !strings.Contains(string(r.Body), c.body) {
			t.Errorf("%s: %d %q %q", c.path, r.Status, r.Header.Get("Cache-Control"), r.Body)
		}
	}
	if ct := srv.Do("GET", "/manifest.webmanifest", "", nil).Header.Get("Content-Type"); ct != "application/manifest+json" {
		t.Errorf("manifest type %q", ct)
	}
	if r := srv.Do("GET", "/assets/missing.js", "", nil); r.Status != 404 {
		t.Errorf("missing asset: %d", r.Status)
	}
	if r := srv.Do("GET", "/api/v1/unknown", "", nil); r.Status != 404 || r.ErrorCode() != "not_found" {
		t.Errorf("unknown api path: %d %s", r.Status, r.Body)
	}
	h := srv.Do("GET", "/", "", nil).Header
	if !strings.Contains(h.Get("Content-Security-Policy"), "default-src 'self'") || h.Get("X-Content-Type-Options") != "nosniff" ||
		h.Get("X-Frame-Options") != "DENY" || h.Get("X-Request-Id") == "" {
		t.Errorf("security headers: %v", h)
	}
}

func TestPlaceholderWithoutBuiltApp(t *testing.T) {
	srv := tu.NewServer(t, tu.DB{Name: "sqlite"})
	r := srv.Do("GET", "/", "", nil)
	if r.Status != http.StatusOK || !strings.Contains(string(r.Body), "make run") {
		t.Fatalf("placeholder: %d %s", r.Status, r.Body)
	}
}

func TestMetricsToken(t *testing.T) {
	srv := tu.NewServer(t, tu.DB{Name: "sqlite"}, tu.WithEnv("ASKWELL_METRICS_TOKEN", "scrape-me-please-0123"))
	for _, tok := range []string{"", "wrong-token-0123456789"} {
		if r := srv.Do("GET", "/metrics", tok, nil); r.Status != http.StatusUnauthorized || strings.Contains(string(r.Body), "go_goroutines") {
			t.Fatalf("metrics with %q: %d", tok, r.Status)
		}
	}
	if r := srv.Do("GET", "/metrics", "scrape-me-please-0123", nil); r.Status != 200 || !strings.Contains(string(r.Body), "go_goroutines") {
		t.Fatalf("metrics with the token: %d", r.Status)
	}
}
