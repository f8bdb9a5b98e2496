package httpapi_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	goical "github.com/emersion/go-ical"

	"github.com/askwell/askwell/server/internal/auth"
	tu "github.com/askwell/askwell/server/internal/testutil"
)

// seedNetwork gives a user a partner contact, a received referral with a thank-you due, a
// one-to-one and a note: enough for every kind of calendar item and every table.
func seedNetwork(srv *tu.Server, u tu.User, client string, base int) {
	srv.Push(u, client,
		put(1, "contact", base+1, 0, map[string]any{"name": "Dana Ødegård 🌱", "kind": "partner", "company": "Harbor"}),
		put(2, "referral", base+2, 0, map[string]any{"direction": "received", "contact_id": tu.ID(base + 1),
			"prospect": "Lee", "thanks": map[string]any{"due_at": "2026-11-26T08:00:00Z"}}),
		put(3, "event", base+3, 0, map[string]any{"title": "Coffee with Dana", "kind": "coffee",
			"starts_at": "2026-11-25T13:00:00Z", "ends_at": "2026-11-25T14:00:00Z", "place": "Café Nord"}),
		put(4, "note", base+4, 0, map[string]any{"body": "Dana praised the launch", "contact_ids": []string{tu.ID(base + 1)}}),
		put(5, "contact", base+5, 0, map[string]any{"name": "Gone"}),
		del(6, "contact", base+5, 0),
	)
}

func TestExportStreamsOwnLiveData(t *testing.T) {
	tu.ForEachDB(t, func(t *testing.T, db tu.DB) {
		srv := tu.NewServer(t, db)
		a, b := srv.Register("ana@example.com"), srv.Register("ben@example.com")
		seedNetwork(srv, a, "phone-a-001", 0)
		seedNetwork(srv, b, "phone-b-001", 100)

		if r := srv.Do("GET", "/api/v1/export", "", nil); r.Status != http.StatusUnauthorized {
			t.Fatalf("no token: %d", r.Status)
		}
		r := srv.Do("GET", "/api/v1/export", a.Token, nil)
		if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") ||
			!strings.Contains(r.Header.Get("Content-Disposition"), `filename="askwell-export-2026-11-24.json"`) {
			t.Fatalf("export: %d %v", r.Status, r.Header)
		}
		var doc map[string]json.RawMessage
		r.JSON(t, &doc)
		for _, k := range []string{"format", "version", "exported_at", "user", "contacts", "events", "notes", "asks", "referrals", "reminders"} {
			if _, ok := doc[k]; !ok {
				t.Fatalf("export lacks %q: %s", k, r.Body)
			}
		}
		var contacts []map[string]any
		_ = json.Unmarshal(doc["contacts"], &contacts)
		if len(contacts) != 1 || contacts[0]["name"] != "Dana Ødegård 🌱" || contacts[0]["id"] != tu.ID(1) {
			t.Fatalf("contacts: only the live one of this user, got %v", contacts)
		}
		var user struct{ Email string }
		_ = json.Unmarshal(doc["user"], &user)
		if user.Email != "ana@example.com" || bytes.Contains(r.Body, []byte(tu.ID(101))) || bytes.Contains(r.Body, []byte("password")) {
			t.Fatalf("export leaks: %s", r.Body)
		}
		var asks []any
		if err := json.Unmarshal(doc["asks"], &asks); err != nil || asks == nil || len(asks) != 0 {
			t.Fatalf("asks should be an empty list: %s", doc["asks"])
		}
	})
}

// feed fetches the calendar at path, with an optional ETag.
func feed(t *testing.T, srv *tu.Server, path, etag string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest("GET", srv.HTTP.URL+path, nil)
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	resp, err := srv.HTTP.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func calendarPath(t *testing.T, srv *tu.Server, u tu.User, method, path string) string {
	t.Helper()
	r := srv.Do(method, path, u.Token, nil)
	var f struct{ Token, Path string }
	r.JSON(t, &f)
	if r.Status != 200 || len(f.Token) != 43 || f.Path != "/cal/"+f.Token+".ics" {
		t.Fatalf("%s %s: %d %s", method, path, r.Status, r.Body)
	}
	return f.Path
}

func TestCalendarFeed(t *testing.T) {
	tu.ForEachDB(t, func(t *testing.T, db tu.DB) {
		srv := tu.NewServer(t, db)
		a, b := srv.Register("ana@example.com"), srv.Register("ben@example.com")
		if r := srv.Do("PATCH", "/api/v1/me", a.Token, map[string]any{"timezone": "Europe/Berlin"}); r.Status != 200 {
			t.Fatalf("zone: %d %s", r.Status, r.Body)
		}
		seedNetwork(srv, a, "phone-a-001", 0)
		seedNetwork(srv, b, "phone-b-001", 100)
		path := calendarPath(t, srv, a, "GET", "/api/v1/me/calendar")
		if again := calendarPath(t, srv, a, "GET", "/api/v1/me/calendar"); again != path {
			t.Fatal("showing the feed twice changed its secret")
		}

		resp := feed(t, srv, path, "")
		defer resp.Body.Close()
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/calendar") || resp.Header.Get("ETag") == "" {
			t.Fatalf("feed: %d %v", resp.StatusCode, resp.Header)
		}
		cal, err := goical.NewDecoder(bufio.NewReader(resp.Body)).Decode()
		if err != nil {
			t.Fatalf("an independent parser refuses the feed: %v", err)
		}
		berlin, _ := time.LoadLocation("Europe/Berlin")
		byUID := map[string]goical.Event{}
		for _, ev := range cal.Events() {
			uid, _ := ev.Props.Text(goical.PropUID)
			byUID[uid] = ev
		}
		coffee, ok := byUID[tu.ID(3)+"@askwell"]
		if !ok {
			t.Fatalf("the event is missing; uids %v", keys(byUID))
		}
		start, err := coffee.DateTimeStart(nil)
		if err != nil || !start.Equal(time.Date(2026, 11, 25, 14, 0, 0, 0, berlin)) || start.Location().String() != "Europe/Berlin" {
			t.Fatalf("event start %v (%v), want 14:00 Berlin", start, err)
		}
		if p := coffee.Props.Get(goical.PropDateTimeStart); p.Params.Get(goical.ParamTimezoneID) != "Europe/Berlin" {
			t.Fatalf("DTSTART is not in the user's zone: %+v", p)
		}
		summaries := map[string]bool{}
		for _, ev := range byUID {
			s, _ := ev.Props.Text(goical.PropSummary)
			summaries[s] = true
		}
		for _, want := range []string{"Coffee with Dana", "Thank Dana Ødegård 🌱 for the referral", "Partner meeting with Dana Ødegård 🌱"} {
			if !summaries[want] {
				t.Fatalf("feed lacks %q; has %v", want, summaries)
			}
		}
		for uid := range byUID {
			if strings.HasPrefix(uid, "0192f3a0-0000-7000-8000-0000000001") {
				t.Fatalf("another user's item in the feed: %s", uid)
			}
		}

		// Pollers: the same content gives the same ETag and a 304.
		etag := resp.Header.Get("ETag")
		if r := feed(t, srv, path, etag); r.StatusCode != http.StatusNotModified {
			t.Fatalf("If-None-Match: %d", r.StatusCode)
		}
		srv.Push(a, "phone-a-001", put(7, "event", 8, 0, map[string]any{"title": "Board lunch", "starts_at": "2026-11-27T11:00:00Z"}))
		if r := feed(t, srv, path, etag); r.StatusCode != 200 || r.Header.Get("ETag") == etag {
			t.Fatalf("a change must change the ETag: %d", r.StatusCode)
		}

		// Rotating kills the old URL; guessed and malformed ones are 404 too.
		newPath := calendarPath(t, srv, a, "POST", "/api/v1/me/calendar/rotate")
		for _, p := range []string{path, "/cal/" + strings.Repeat("A", 43) + ".ics", "/cal/x.ics", strings.TrimSuffix(newPath, ".ics") + ".txt"} {
			if r := feed(t, srv, p, ""); r.StatusCode != http.StatusNotFound {
				t.Fatalf("%s: %d, want 404", p, r.StatusCode)
			}
		}
		if r := feed(t, srv, newPath, ""); r.StatusCode != 200 {
			t.Fatalf("new path: %d", r.StatusCode)
		}
	})
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestDeleteAccountLeavesNothing(t *testing.T) {
	tu.ForEachDB(t, func(t *testing.T, db tu.DB) {
		srv := tu.NewServer(t, db, tu.WithEnv("ASKWELL_PUSH_ALLOW_INSECURE", "127.0.0.1"))
		a, b := srv.Register("ana@example.com"), srv.Register("ben@example.com")
		for _, u := range []tu.User{a, b} {
			seedNetwork(srv, u, "phone-"+u.Email[:3]+"-001", map[string]int{a.ID: 0, b.ID: 100}[u.ID])
			if r := srv.Do("POST", "/api/v1/push/subscriptions", u.Token, sub("http://127.0.0.1:9/push/"+u.Email)); r.Status != 201 {
				t.Fatalf("subscribe: %d %s", r.Status, r.Body)
			}
			calendarPath(t, srv, u, "GET", "/api/v1/me/calendar")
		}
		feedPath := calendarPath(t, srv, a, "GET", "/api/v1/me/calendar")
		before := tu.RowsOf(t, srv.App.Store, a.ID)
		for _, table := range []string{"users", "contacts", "events", "notes", "referrals", "reminders", "refresh_tokens", "sync_clients", "push_subscriptions", "calendar_feeds"} {
			if before[table] == 0 {
				t.Fatalf("the seed left %s empty, so the test would prove nothing: %v", table, before)
			}
		}
		stream := openStream(t, srv, a.Token)
		if r := srv.Do("POST", "/api/v1/auth/login", "", map[string]any{"email": a.Email, "password": "a wrong guess"}); r.Status != http.StatusUnauthorized {
			t.Fatalf("a failed sign-in: %d", r.Status)
		}
		if n := loginFailuresOf(t, srv, a.Email); n != 1 {
			t.Fatalf("the failed sign-in was not counted: %d rows", n)
		}

		r := srv.Do("DELETE", "/api/v1/me", a.Token, map[string]any{"password": "not my password"})
		if r.Status != http.StatusForbidden || r.ErrorCode() != "wrong_password" {
			t.Fatalf("wrong password: %d %s", r.Status, r.Body)
		}
		if after := tu.RowsOf(t, srv.App.Store, a.ID); after["contacts"] != before["contacts"] {
			t.Fatal("a wrong password deleted something")
		}
		if r := srv.Do("DELETE", "/api/v1/me", a.Token, map[string]any{}); r.Status != 400 {
			t.Fatalf("no password: %d", r.Status)
		}

		if r := srv.Do("DELETE", "/api/v1/me", a.Token, map[string]any{"password": "correct horse battery"}); r.Status != http.StatusNoContent {
			t.Fatalf("delete: %d %s", r.Status, r.Body)
		}
		for table, n := range tu.RowsOf(t, srv.App.Store, a.ID) {
			if n != 0 {
				t.Errorf("%d rows of the deleted user left in %s", n, table)
			}
		}
		if n := loginFailuresOf(t, srv, a.Email); n != 0 {
			t.Errorf("the deleted account's failed sign-ins are kept under its email: %d rows", n)
		}
		select {
		case <-stream:
		case <-time.After(5 * time.Second):
			t.Fatal("the event stream stayed open after the account was deleted")
		}
		if r := srv.Do("POST", "/api/v1/auth/refresh", "", map[string]any{"refresh_token": a.Refresh}); r.Status != http.StatusUnauthorized {
			t.Fatalf("refresh after delete: %d", r.Status)
		}
		// The access token outlives the account by minutes at most; everything it reaches says so.
		for _, call := range []struct{ method, path string }{
			{"GET", "/api/v1/me"}, {"GET", "/api/v1/export"}, {"GET", "/api/v1/me/calendar"},
			{"POST", "/api/v1/sync/push"}, {"POST", "/api/v1/sync/pull"}, {"GET", "/api/v1/sync/events"},
		} {
			var body any
			if call.method == "POST" {
				body = map[string]any{"client_id": "phone-ana-001", "mutations": []tu.Mutation{put(99, "contact", 50, 0, map[string]any{"name": "X"})}}
				if call.path == "/api/v1/sync/pull" {
					body = map[string]any{"client_id": "phone-ana-001", "cursor": 0}
				}
			}
			if r := srv.Do(call.method, call.path, a.Token, body); r.Status != http.StatusUnauthorized {
				t.Errorf("%s %s after delete: %d %s", call.method, call.path, r.Status, r.Body)
			}
		}
		if r := feed(t, srv, feedPath, ""); r.StatusCode != http.StatusNotFound {
			t.Fatalf("feed after delete: %d", r.StatusCode)
		}
		if r := srv.Do("POST", "/api/v1/auth/login", "", map[string]any{"email": a.Email, "password": "correct horse battery"}); r.Status != http.StatusUnauthorized {
			t.Fatalf("login after delete: %d", r.Status)
		}
		// The other account is untouched.
		if other := tu.RowsOf(t, srv.App.Store, b.ID); other["contacts"] != before["contacts"] || other["push_subscriptions"] != 1 || other["calendar_feeds"] != 1 {
			t.Fatalf("the other user lost data: %v", other)
		}
	})
}

// loginFailuresOf counts the rows of failed sign-ins kept for email.
func loginFailuresOf(t *testing.T, srv *tu.Server, email string) int {
	t.Helper()
	var n []int
	if err := srv.App.Store.Query(context.Background(), &n, "SELECT COUNT(*) FROM login_failures WHERE email = '"+email+"'"); err != nil {
		t.Fatal(err)
	}
	return n[0]
}

// openStream opens the event stream and returns a channel closed when the server ends it.
func openStream(t *testing.T, srv *tu.Server, token string) <-chan struct{} {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.HTTP.URL+"/api/v1/sync/events", nil)
	auth.SetBearer(req.Header, token)
	resp, err := srv.HTTP.Client().Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("stream: %v", err)
	}
	r := bufio.NewReader(resp.Body)
	if line, err := r.ReadString('\n'); err != nil || !strings.HasPrefix(line, "retry:") {
		t.Fatalf("stream start: %q %v", line, err)
	}
	// The handler subscribes before it writes its first line, so the stream is registered now.
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer resp.Body.Close()
		for {
			if _, err := r.ReadString('\n'); err != nil {
				return
			}
		}
	}()
	return done
}
