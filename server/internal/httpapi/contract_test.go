package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/askwell/askwell/api"
	"github.com/askwell/askwell/server/internal/auth"
	tu "github.com/askwell/askwell/server/internal/testutil"
)

// The refusals every operation can meet are in the contract: a body over 1 MiB (413) on any
// operation, a body that is not JSON (415) on those that take one, a malformed id in the path
// (400), and too many sign-outs (429). The test server's client checks each answer against
// openapi.yaml, so one it does not list fails here.
func TestRefusalsAreDocumented(t *testing.T) {
	srv := tu.NewServer(t, tu.DB{Name: "sqlite"})
	u := srv.Register("refusals@example.com")
	spec, err := api.GetSpec()
	if err != nil {
		t.Fatal(err)
	}
	send := func(method, path, ctype, body string) int {
		t.Helper()
		req, _ := http.NewRequest(method, srv.HTTP.URL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", ctype)
		auth.SetBearer(req.Header, u.Token)
		resp, err := srv.HTTP.Client().Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	big := `{"x":"` + strings.Repeat("a", 1<<20) + `"}`
	n := 0
	for path, item := range spec.Paths.Map() {
		for method, op := range item.Operations() {
			url := "/api/v1" + strings.ReplaceAll(path, "{id}", tu.ID(1))
			if st := send(method, url, "application/json", big); st != http.StatusRequestEntityTooLarge {
				t.Errorf("%s %s with a body over 1 MiB: %d", method, path, st)
			}
			if op.RequestBody != nil {
				if st := send(method, url, "text/plain", "hello"); st != http.StatusUnsupportedMediaType {
					t.Errorf("%s %s with a text body: %d", method, path, st)
				}
			}
			n++
		}
	}
	if n < 18 {
		t.Fatalf("only %d operations tried", n)
	}
	for _, action := range []string{"done", "snooze"} {
		if st := send("POST", "/api/v1/reminders/not-a-uuid/"+action, "application/json", ""); st != http.StatusBadRequest {
			t.Errorf("reminder %s with a malformed id: %d", action, st)
		}
	}

	limited := tu.NewServer(t, tu.DB{Name: "sqlite"}, tu.WithEnv("ASKWELL_AUTH_RATE_PER_MIN", "4"))
	st := 0
	for i := 0; i < 10 && st != http.StatusTooManyRequests; i++ {
		st = limited.Do("POST", "/api/v1/auth/logout", "", map[string]any{"refresh_token": "unknown"}).Status
	}
	if st != http.StatusTooManyRequests {
		t.Fatalf("ten quick sign-outs were never limited: %d", st)
	}
}
