package testutil

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

// recorder keeps what check reports instead of failing the test.
type recorder struct {
	testing.TB
	errs []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

// The contract check refuses an undocumented status and an undocumented field, decodes gzip,
// leaves event streams' bodies alone and gives the caller the body as it came.
func TestContractCheck(t *testing.T) {
	c, err := loadContract()
	if err != nil {
		t.Fatal(err)
	}
	user := `{"id":"0192f3a0-0000-7000-8000-000000000001","email":"a@example.com","name":"A","timezone":"UTC",` +
		`"quiet_hours":{"start":"21:00","end":"07:00"},"goals":{},"ask_plans":{},"created_at":"2026-11-24T09:30:00Z"%s}`
	for _, tc := range []struct {
		name, method, path string
		status             int
		ctype, body        string
		gzip, bad          bool
	}{
		{"documented", "GET", "/api/v1/me", 200, "application/json", fmt.Sprintf(user, ""), false, false},
		{"undocumented status", "GET", "/api/v1/me", 418, "application/json", `{"error":{"code":"x","message":"y"}}`, false, true},
		{"undocumented field", "GET", "/api/v1/me", 200, "application/json", fmt.Sprintf(user, `,"shoe_size":44`), false, true},
		{"wrong type", "GET", "/api/v1/me", 200, "application/json", `{"id":1}`, false, true},
		{"gzipped", "POST", "/api/v1/sync/pull", 200, "application/json", `{"changes":[],"cursor":0,"has_more":false,"last_mutation_id":0,"reset":false}`, true, false},
		{"gzipped and wrong", "POST", "/api/v1/sync/pull", 200, "application/json", `{"changes":[]}`, true, true},
		{"event stream", "GET", "/api/v1/sync/events", 200, "text/event-stream", "retry: 3000\n", false, false},
		{"event stream, undocumented status", "GET", "/api/v1/sync/events", 404, "text/event-stream", "", false, true},
		{"outside the contract", "GET", "/metrics", 200, "text/plain", "go_goroutines 1", false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, "http://127.0.0.1:1"+tc.path, nil)
			raw := []byte(tc.body)
			h := http.Header{"Content-Type": {tc.ctype}}
			if tc.gzip {
				raw = gzipped(t, raw)
				h.Set("Content-Encoding", "gzip")
			}
			resp := &http.Response{StatusCode: tc.status, Header: h, Body: io.NopCloser(strings.NewReader(string(raw)))}
			rec := &recorder{TB: t}
			c.check(rec, req, resp)
			if got := len(rec.errs) > 0; got != tc.bad {
				t.Fatalf("reported %v, want %v: %v", got, tc.bad, rec.errs)
			}
			if b, _ := io.ReadAll(resp.Body); string(b) != string(raw) {
				t.Fatalf("the caller got %q, not the body as it came", b)
			}
		})
	}
}

func gzipped(t *testing.T, b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
