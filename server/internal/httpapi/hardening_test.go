package httpapi_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/askwell/askwell/server/internal/auth"
	"github.com/askwell/askwell/server/internal/records"
	"github.com/askwell/askwell/server/internal/testutil"
)

// On a PostgreSQL whose default lets a backslash escape a quote, a name ending the string
// literal early must stay a name: nobody else's email may change.
func TestNoInjectionWithNonStandardStrings(t *testing.T) {
	if os.Getenv(testutil.PostgresEnv) == "" {
		t.Skip("PostgreSQL only: set " + testutil.PostgresEnv)
	}
	db := testutil.Fresh(t, testutil.DB{Name: "postgres"})
	db.URL += "&options=" + "-c%20standard_conforming_strings%3Doff"
	srv := testutil.Start(t, db, t.TempDir(), testutil.NewClock())

	victim := srv.Register("victim@example.com")
	attacker := srv.Register("attacker@example.com")
	name := `\', email = $$attacker2@example.com$$ --`
	if r := srv.Do("PATCH", "/api/v1/me", attacker.Token, map[string]any{"name": name}); r.Status != http.StatusOK {
		t.Fatalf("patch: %d %s", r.Status, r.Body)
	}
	var me struct{ Name, Email string }
	srv.Do("GET", "/api/v1/me", attacker.Token, nil).JSON(t, &me)
	if me.Name != name || me.Email != "attacker@example.com" {
		t.Fatalf("the name was not stored as written: %+v", me)
	}
	srv.Do("GET", "/api/v1/me", victim.Token, nil).JSON(t, &me)
	if me.Email != "victim@example.com" {
		t.Fatalf("another account's email changed: %+v", me)
	}
	srv.Login(victim)
}

func contactPut(id int64, rec int, fields map[string]any) testutil.Mutation {
	return testutil.Mutation{ID: id, Entity: "contact", RecordID: testutil.ID(rec), Op: "put", Fields: fields}
}

// A NUL character in any text is refused with a 422 on both databases, and changes nothing.
func TestNULRefused(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db testutil.DB) {
		srv := testutil.NewServer(t, db)
		u := srv.Register("nul@example.com")
		push := func(name string) *testutil.Response {
			return srv.Do("POST", "/api/v1/sync/push", u.Token, []byte(`{"client_id":"client-nul-1","mutations":[`+
				`{"id":1,"entity":"contact","record_id":"`+testutil.ID(1)+`","op":"put","fields":{"name":"`+name+`"}}]}`))
		}
		for name, r := range map[string]*testutil.Response{
			"push":     push(`Ann\u0000e`),
			"me":       srv.Do("PATCH", "/api/v1/me", u.Token, []byte(`{"name":"Pat\u0000"}`)),
			"register": srv.Do("POST", "/api/v1/auth/register", "", []byte(`{"email":"x@example.com","password":"long enough pw","name":"\u0000"}`)),
		} {
			if r.Status != http.StatusUnprocessableEntity || r.ErrorCode() != "invalid_text" {
				t.Errorf("%s: %d %s", name, r.Status, r.Body)
			}
		}
		if changes, _ := srv.PullAll(u, "client-nul-2", 0); len(changes) != 0 {
			t.Fatalf("a refused push stored %d changes", len(changes))
		}
		// An escaped backslash before "u0000" is plain text, not a NUL.
		if r := push(`Ann\\u0000e`); r.Status != http.StatusOK {
			t.Fatalf("escaped backslash: %d %s", r.Status, r.Body)
		}
	})
}

// Dates that parse but that a database cannot hold (or a derived date would leave the range)
// are refused with a 422 naming the field, on both databases.
func TestOutOfRangeDatesRefused(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db testutil.DB) {
		srv := testutil.NewServer(t, db)
		u := srv.Register("dates@example.com")
		for i, at := range []string{"0000-01-01T00:00:00Z", "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-05:00"} {
			m := testutil.Mutation{ID: 1, Entity: "event", RecordID: testutil.ID(10 + i), Op: "put",
				Fields: map[string]any{"title": "Breakfast", "starts_at": at}}
			r := srv.Do("POST", "/api/v1/sync/push", u.Token, map[string]any{"client_id": "client-dates", "mutations": []testutil.Mutation{m}})
			if r.Status != http.StatusUnprocessableEntity || r.ErrorCode() != "invalid_mutation" || !strings.Contains(string(r.Body), "starts_at") {
				t.Errorf("%s: %d %s", at, r.Status, r.Body)
			}
		}
		ok := testutil.Mutation{ID: 1, Entity: "event", RecordID: testutil.ID(20), Op: "put",
			Fields: map[string]any{"title": "Breakfast", "starts_at": "2026-12-01T08:00:00+01:00"}}
		srv.Push(u, "client-dates", ok)
	})
}

// rawRequest writes a request by hand on a new connection and returns the status line's code
// and the body, for bodies net/http would never send.
func rawRequest(t *testing.T, srv *testutil.Server, head, body string) (int, string) {
	t.Helper()
	conn, err := net.Dial("tcp", srv.HTTP.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second)) // a bound for a server that never answers
	if _, err := io.WriteString(conn, head+"\r\n"+body); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("read response: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// A body that stops arriving gets a 408 once the body timeout passes, and a broken chunked
// body a 400, instead of a 500 after the server-wide read timeout.
func TestStalledAndUnframedBodies(t *testing.T) {
	srv := testutil.NewServer(t, testutil.DB{Name: "sqlite"}, testutil.WithEnv("ASKWELL_BODY_TIMEOUT", "200ms"))
	u := srv.Register("slow@example.com")
	head := "POST /api/v1/sync/pull HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + u.Token + "\r\nContent-Type: application/json\r\n"
	st, body := rawRequest(t, srv, head+"Content-Length: 100\r\n", `{"client_id":`)
	if st != http.StatusRequestTimeout || !strings.Contains(body, `"body_timeout"`) {
		t.Fatalf("stalled body: %d %s", st, body)
	}
	st, body = rawRequest(t, srv, head+"Transfer-Encoding: chunked\r\n", "zz\r\n{}\r\n0\r\n\r\n")
	if st != http.StatusBadRequest || !strings.Contains(body, `"malformed_body"`) {
		t.Fatalf("unframed body: %d %s", st, body)
	}
}

// A well-signed token of an account that no longer exists is a 401 on every route, the event
// stream included; so is the token of a sign-in that was ended by logout.
func TestTokenOfGoneUserOrSession(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db testutil.DB) {
		srv := testutil.NewServer(t, db)
		gone := srv.Register("gone@example.com")
		srv.Push(gone, "client-gone", contactPut(1, 1, map[string]any{"name": "Ann"}))
		if err := srv.App.Store.Exec(context.Background(), "DELETE FROM users WHERE id = ?", gone.ID); err != nil {
			t.Fatal(err)
		}
		srv.Clock.Advance(3 * time.Second) // past the time a session found live is trusted
		left := srv.Register("left@example.com")
		if r := srv.Do("POST", "/api/v1/auth/logout", "", map[string]any{"refresh_token": left.Refresh}); r.Status != 204 {
			t.Fatalf("logout: %d", r.Status)
		}
		for _, u := range []testutil.User{gone, left} {
			for _, rq := range []struct {
				method, path string
				body         any
			}{
				{"GET", "/api/v1/me", nil},
				{"POST", "/api/v1/sync/push", map[string]any{"client_id": "client-gone", "mutations": []testutil.Mutation{contactPut(2, 2, map[string]any{"name": "Bo"})}}},
				{"POST", "/api/v1/sync/pull", map[string]any{"client_id": "client-gone", "cursor": 0}},
				{"GET", "/api/v1/sync/events", nil},
				{"POST", "/api/v1/push/subscriptions", map[string]any{"endpoint": "https://push.example.com/x", "keys": map[string]any{"p256dh": "x", "auth": "y"}}},
				{"POST", "/api/v1/reminders/" + testutil.ID(9) + "/done", nil},
			} {
				if r := doWithin(t, srv, rq.method, rq.path, u.Token, rq.body); r.Status != http.StatusUnauthorized || r.ErrorCode() != "unauthorized" {
					t.Errorf("%s %s %s: %d %s", u.Email, rq.method, rq.path, r.Status, r.Body)
				}
			}
		}
	})
}

// A request whose token was found live a moment before its account was deleted (through
// another instance, or between the check and the work) gets the same 401 as a later one, not
// a 500 from a missing user row or a foreign key; so do reminder actions after DELETE /me.
func TestRequestsOfAnAccountDeletedMeanwhile(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db testutil.DB) {
		srv := testutil.NewServer(t, db, testutil.WithEnv("ASKWELL_PUSH_ALLOW_INSECURE", "127.0.0.1"))
		u := srv.Register("meanwhile@example.com")
		srv.Push(u, "phone-0001", contactPut(1, 1, map[string]any{"name": "Ann"})) // the session is now trusted a moment
		if err := srv.App.Store.DeleteUser(context.Background(), u.ID); err != nil {
			t.Fatal(err)
		}
		reminder := "/api/v1/reminders/" + testutil.ID(9)
		for _, rq := range []struct {
			method, path string
			body         any
		}{
			{"POST", "/api/v1/sync/push", map[string]any{"client_id": "phone-0001", "mutations": []testutil.Mutation{contactPut(2, 2, map[string]any{"name": "Bo"})}}},
			{"POST", "/api/v1/sync/push", map[string]any{"client_id": "laptop-0001", "mutations": []testutil.Mutation{contactPut(1, 3, map[string]any{"name": "Cy"})}}},
			{"POST", "/api/v1/sync/pull", map[string]any{"client_id": "phone-0001", "cursor": 0}},
			{"POST", "/api/v1/sync/pull", map[string]any{"client_id": "tablet-0001", "cursor": 0}},
			{"PATCH", "/api/v1/me", map[string]any{"name": "Still here?"}},
			{"GET", "/api/v1/me/calendar", nil},
			{"POST", "/api/v1/me/calendar/rotate", nil},
			{"POST", "/api/v1/push/subscriptions", map[string]any{"endpoint": "http://127.0.0.1:9/push/meanwhile", "keys": map[string]any{"p256dh": "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM", "auth": "tBHItJI5svbpez7KI4CCXg"}}},
			{"POST", reminder + "/snooze", map[string]any{"until": "2026-11-25T09:00:00Z"}},
			{"POST", reminder + "/done", nil},
			{"GET", "/api/v1/export", nil},
			{"GET", "/api/v1/sync/events", nil},
		} {
			if r := doWithin(t, srv, rq.method, rq.path, u.Token, rq.body); r.Status != http.StatusUnauthorized || r.ErrorCode() != "unauthorized" {
				t.Errorf("%s %s: %d %s", rq.method, rq.path, r.Status, r.Body)
			}
		}

		v := srv.Register("deleter@example.com")
		srv.Push(v, "phone-0002", contactPut(1, 4, map[string]any{"name": "Di"}))
		if r := srv.Do("DELETE", "/api/v1/me", v.Token, map[string]any{"password": "correct horse battery"}); r.Status != http.StatusNoContent {
			t.Fatalf("delete: %d %s", r.Status, r.Body)
		}
		for _, path := range []string{reminder + "/snooze", reminder + "/done"} {
			if r := srv.Do("POST", path, v.Token, map[string]any{"until": "2026-11-25T09:00:00Z"}); r.Status != http.StatusUnauthorized || r.ErrorCode() != "unauthorized" {
				t.Errorf("after DELETE /me, POST %s: %d %s", path, r.Status, r.Body)
			}
		}
	})
}

// An account deleted in the middle of its devices' syncing goes whole, on both databases:
// every request around the deletion is answered as the contract says (no 500 from a write
// that outlived its user, no deadlock of the deletion with a write), and nothing of it stays.
func TestDeleteDuringASyncStorm(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db testutil.DB) {
		srv := testutil.NewServer(t, db, testutil.WithEnv("ASKWELL_PUSH_ALLOW_INSECURE", "127.0.0.1"))
		for round := range 5 {
			u := srv.Register(fmt.Sprintf("storm%d@example.com", round))
			var devices, started sync.WaitGroup
			failures := make(chan error, 4)
			started.Add(4)
			for d := range 4 {
				client := fmt.Sprintf("storm-%d-%d", round, d)
				devices.Go(func() {
					for i := range 12 {
						for _, rq := range []struct {
							method, path string
							body         any
						}{
							{"POST", "/api/v1/sync/push", map[string]any{"client_id": client, "mutations": []testutil.Mutation{contactPut(int64(i+1), 1000*round+100*d+i, map[string]any{"name": "Ann"})}}},
							{"POST", "/api/v1/sync/pull", map[string]any{"client_id": client, "cursor": 0}},
							{"POST", "/api/v1/push/subscriptions", map[string]any{"endpoint": "http://127.0.0.1:9/push/" + client, "keys": map[string]any{"p256dh": "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM", "auth": "tBHItJI5svbpez7KI4CCXg"}}},
							{"POST", "/api/v1/me/calendar/rotate", nil},
							{"POST", "/api/v1/reminders/" + testutil.ID(9) + "/done", nil},
						} {
							// Each answer is checked against the contract by the test client.
							if _, err := within(srv, rq.method, rq.path, u.Token, rq.body); err != nil {
								failures <- err
								return
							}
						}
						if i == 2 {
							started.Done() // this device has synced: the deletion may come
						}
					}
				})
			}
			started.Wait()
			if r := srv.Do("DELETE", "/api/v1/me", u.Token, map[string]any{"password": "correct horse battery"}); r.Status != http.StatusNoContent {
				t.Fatalf("round %d: delete: %d %s", round, r.Status, r.Body)
			}
			devices.Wait()
			close(failures)
			for err := range failures {
				t.Fatalf("round %d: %v", round, err)
			}
			if left := testutil.RowsOf(t, srv.App.Store, u.ID); len(left) > 0 {
				t.Errorf("round %d: rows of the deleted account left: %v", round, left)
			}
		}
	})
}

// Two devices changing different settings at the same moment both keep their change: PATCH
// /me writes only the fields it was given, not the whole profile as it read it a moment before.
func TestConcurrentSettingsChangesBothKept(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db testutil.DB) {
		srv := testutil.NewServer(t, db)
		u := srv.Register("settings@example.com")
		for round := range 20 {
			name, zone := fmt.Sprintf("Dana %d", round), []string{"Europe/Berlin", "America/New_York"}[round%2]
			var wg sync.WaitGroup
			failures := make(chan error, 2)
			for _, patch := range []map[string]any{{"name": name}, {"timezone": zone}} {
				wg.Go(func() {
					if r, err := within(srv, "PATCH", "/api/v1/me", u.Token, patch); err != nil || r.Status != http.StatusOK {
						failures <- fmt.Errorf("PATCH %v: %v %v", patch, r, err)
					}
				})
			}
			wg.Wait()
			close(failures)
			for err := range failures {
				t.Fatalf("round %d: %v", round, err)
			}
			var me struct{ Name, Timezone string }
			srv.Do("GET", "/api/v1/me", u.Token, nil).JSON(t, &me)
			if me.Name != name || me.Timezone != zone {
				t.Fatalf("round %d: set name %q and time zone %q at once, kept %q and %q", round, name, zone, me.Name, me.Timezone)
			}
		}
	})
}

// bigAccount is a user with about 11 MB of notes, whose ids start after first.
func bigAccount(srv *testutil.Server, email string, first int) testutil.User {
	u := srv.Register(email)
	body := strings.Repeat("word ", 18_000)
	n := 0
	for range 14 {
		var muts []testutil.Mutation
		for range 9 {
			n++
			muts = append(muts, testutil.Mutation{ID: int64(n), Entity: "note", RecordID: testutil.ID(first + n), Op: "put", Fields: map[string]any{"body": body}})
		}
		srv.Push(u, fmt.Sprintf("phone-%06d", first), muts...)
	}
	return u
}

// stalled sends a request on a connection of its own whose reader takes nothing, and returns
// the answer's status line once it comes; the connection stays open until the test ends.
func stalled(t *testing.T, srv *testutil.Server, method, path, token, body string) string {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(srv.HTTP.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	_ = c.(*net.TCPConn).SetReadBuffer(4096)
	fmt.Fprintf(c, "%s %s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
		method, path, token, len(body), body)
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	line, err := bufio.NewReaderSize(c, 16).ReadString('\n')
	if err != nil {
		t.Fatalf("%s %s: no status line: %v", method, path, err)
	}
	return strings.TrimSpace(line)
}

// Clients that ask for large answers and then read none of them (or read very slowly) hold
// neither the database nor the server from anyone else: a pull's page is built whole before
// it goes out, each user may have only a few pulls and exports answered at once, and only a
// few exports (which hold a database snapshot while they stream) run at a time. Before, 20
// such pulls of one user took every pooled connection and another user's push waited in vain.
func TestStalledAnswersHoldNothingOfOthers(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db testutil.DB) {
		srv := testutil.NewServer(t, db)
		a, b := bigAccount(srv, "pull@example.com", 10_000), bigAccount(srv, "export@example.com", 20_000)
		o := srv.Register("other@example.com")
		statuses := map[string]int{}
		for i := range 20 {
			statuses["pull "+stalled(t, srv, "POST", "/api/v1/sync/pull", a.Token, fmt.Sprintf(`{"client_id":"stalled-%02d","cursor":0,"limit":10000}`, i))]++
		}
		for range 3 {
			statuses["export "+stalled(t, srv, "GET", "/api/v1/export", b.Token, "")]++
		}
		if statuses["pull HTTP/1.1 429 Too Many Requests"] == 0 || statuses["export HTTP/1.1 429 Too Many Requests"] == 0 ||
			statuses["pull HTTP/1.1 200 OK"]+statuses["pull HTTP/1.1 429 Too Many Requests"] != 20 {
			t.Errorf("answers to the stalled requests: %v", statuses)
		}
		for i := range 3 {
			if r := doWithin(t, srv, "POST", "/api/v1/sync/push", o.Token, map[string]any{"client_id": "phone-other", "mutations": []testutil.Mutation{contactPut(int64(i+1), 5000+i, map[string]any{"name": "Bo"})}}); r.Status != http.StatusOK {
				t.Fatalf("another user's push: %d %s", r.Status, r.Body)
			}
			if r := doWithin(t, srv, "POST", "/api/v1/sync/pull", o.Token, map[string]any{"client_id": "phone-other", "cursor": 0}); r.Status != http.StatusOK {
				t.Fatalf("another user's pull: %d %s", r.Status, r.Body)
			}
		}
	})
}

// A client that takes nothing of an answer for ASKWELL_WRITE_IDLE is cut off, and what it
// held is given back: here the two export slots, which a third export finds taken at first
// and free again once the stalled ones were cut off.
func TestStalledAnswerIsCutOff(t *testing.T) {
	srv := testutil.NewServer(t, testutil.DB{Name: "sqlite"}, testutil.WithEnv("ASKWELL_WRITE_IDLE", "1s"))
	a, b := bigAccount(srv, "one@example.com", 10_000), bigAccount(srv, "two@example.com", 20_000)
	c := srv.Register("three@example.com")
	for _, u := range []testutil.User{a, b} {
		if got := stalled(t, srv, "GET", "/api/v1/export", u.Token, ""); got != "HTTP/1.1 200 OK" {
			t.Fatalf("export: %s", got)
		}
	}
	if r := doWithin(t, srv, "GET", "/api/v1/export", c.Token, nil); r.Status != http.StatusTooManyRequests || r.ErrorCode() != "rate_limited" {
		t.Fatalf("a third export while two are stalled: %d %s", r.Status, r.Body)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		r := doWithin(t, srv, "GET", "/api/v1/export", c.Token, nil)
		if r.Status == http.StatusOK {
			break
		}
		if r.Status != http.StatusTooManyRequests || time.Now().After(deadline) {
			t.Fatalf("a third export: %d %s", r.Status, r.Body)
		}
	}
}

// within makes one request with a 5 s deadline and reads its answer; an answer still coming
// then (an event stream) reads as "(stream stayed open)". It does not stop the test, so the
// goroutines of a test may call it.
func within(srv *testutil.Server, method, path, token string, body any) (*testutil.Response, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(b)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, srv.HTTP.URL+path, rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	auth.SetBearer(req.Header, token)
	resp, err := srv.HTTP.Client().Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return &testutil.Response{Status: resp.StatusCode, Body: []byte("(stream stayed open)")}, nil
	}
	return &testutil.Response{Status: resp.StatusCode, Header: resp.Header, Body: b}, nil
}

// doWithin is srv.Do with a deadline, for requests that would otherwise open a stream.
func doWithin(t *testing.T, srv *testutil.Server, method, path, token string, body any) *testutil.Response {
	t.Helper()
	r, err := within(srv, method, path, token, body)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// Without a token, a request with a bad body is a 401, not a 400 that describes the schema.
func TestAuthenticationBeforeValidation(t *testing.T) {
	srv := testutil.NewServer(t, testutil.DB{Name: "sqlite"})
	for _, rq := range []struct{ method, path, body string }{
		{"POST", "/api/v1/sync/push", `{"client_id":1}`},
		{"POST", "/api/v1/sync/pull", `{"cursor":"x","secret_field":true}`},
		{"PATCH", "/api/v1/me", `{"shoe_size":44}`},
		{"POST", "/api/v1/push/subscriptions", `[]`},
	} {
		r := srv.Do(rq.method, rq.path, "", []byte(rq.body))
		if r.Status != http.StatusUnauthorized || strings.Contains(string(r.Body), "field") {
			t.Errorf("%s %s: %d %s", rq.method, rq.path, r.Status, r.Body)
		}
	}
}

// A malformed value in the path is refused naming its parameter, as a body's field is named.
func TestBadPathValueNamesItsParameter(t *testing.T) {
	srv := testutil.NewServer(t, testutil.DB{Name: "sqlite"})
	u := srv.Register("path@example.com")
	r := srv.Do("POST", "/api/v1/reminders/"+strings.Repeat("a", 300)+"/done", u.Token, nil)
	var body struct {
		Error struct {
			Details struct{ Field string } `json:"details"`
		} `json:"error"`
	}
	r.JSON(t, &body)
	if r.Status != http.StatusBadRequest || r.ErrorCode() != "invalid_request" || body.Error.Details.Field != "id" {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
}

// A base_version above the server's version cannot have been seen: it is treated as stale, so
// another device's long text stays as a conflict instead of being overwritten.
func TestBaseVersionAheadIsStale(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db testutil.DB) {
		srv := testutil.NewServer(t, db)
		u := srv.Register("ahead@example.com")
		note := func(id int64, base int64, body string) testutil.Mutation {
			return testutil.Mutation{ID: id, Entity: "note", RecordID: testutil.ID(1), Op: "put", Fields: map[string]any{"body": body}, BaseVersion: base}
		}
		srv.Push(u, "phone-0001", note(1, 0, "Coffee with Bob. He knows Lee at Acme."))
		srv.Push(u, "laptop-0001", note(1, 1_000_000, "Coffee with Bob."))
		changes, _ := srv.PullAll(u, "tablet-0001", 0)
		rec := testutil.Latest(changes)[testutil.ID(1)].Record
		conflicts, _ := rec["conflicts"].([]any)
		if len(conflicts) != 1 || conflicts[0].(map[string]any)["value"] != "Coffee with Bob. He knows Lee at Acme." {
			t.Fatalf("the other device's text was overwritten: %v", rec)
		}
	})
}

// streamEnds reports whether the server ends the stream within a bound (5 s for a server that
// never does; an ending stream ends at the next ping).
func streamEnds(done <-chan struct{}) bool {
	select {
	case <-done:
		return true
	case <-time.After(5 * time.Second):
		return false
	}
}

// One user's event streams are bounded (the oldest is closed), and a stream ends when its
// access token expires or its sign-in ends.
func TestStreamLimits(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db testutil.DB) {
		srv := testutil.NewServer(t, db, testutil.WithEnv("ASKWELL_STREAMS_PER_USER", "2"), testutil.WithPingEvery(20*time.Millisecond))
		u := srv.Register("streams@example.com")
		first := openStream(t, srv, u.Token)
		openStream(t, srv, u.Token)
		openStream(t, srv, u.Token)
		if !streamEnds(first) {
			t.Fatal("the oldest of three streams was not closed")
		}
		if n := srv.App.Hub.Subscribers(); n != 2 {
			t.Fatalf("%d streams open, want 2", n)
		}

		other := srv.Register("logout@example.com")
		s := openStream(t, srv, other.Token)
		if r := srv.Do("POST", "/api/v1/auth/logout", "", map[string]any{"refresh_token": other.Refresh}); r.Status != 204 {
			t.Fatalf("logout: %d", r.Status)
		}
		if !streamEnds(s) {
			t.Fatal("a stream outlived its sign-in")
		}

		late := srv.Register("expiry@example.com")
		s = openStream(t, srv, late.Token)
		srv.Clock.Advance(16 * time.Minute)
		if !streamEnds(s) {
			t.Fatal("a stream outlived its access token")
		}
	})
}

// Each user has a pull bucket, whatever address they pull from; others are not affected.
func TestPullRateLimitPerUser(t *testing.T) {
	srv := testutil.NewServer(t, testutil.DB{Name: "sqlite"}, testutil.WithEnv("ASKWELL_PULL_RATE_PER_MIN", "20"))
	u := srv.Register("puller@example.com")
	limited := 0
	for i := 0; i < 30; i++ {
		r := srv.Do("POST", "/api/v1/sync/pull", u.Token, map[string]any{"client_id": "client-pull-1", "cursor": 0})
		if r.Status == http.StatusTooManyRequests {
			if r.ErrorCode() != "rate_limited" || r.Header.Get("Retry-After") == "" {
				t.Fatalf("limited pull: %s %q", r.Body, r.Header.Get("Retry-After"))
			}
			limited++
		}
	}
	if limited == 0 {
		t.Fatal("30 quick pulls were never limited")
	}
	other := srv.Register("other@example.com")
	if r := srv.Do("POST", "/api/v1/sync/pull", other.Token, map[string]any{"client_id": "client-pull-2", "cursor": 0}); r.Status != 200 {
		t.Fatalf("another user's pull: %d", r.Status)
	}
}

// A pull larger than what the server holds before streaming arrives whole, gzipped or not.
func TestLargePullStreams(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db testutil.DB) {
		srv := testutil.NewServer(t, db)
		u := srv.Register("big@example.com")
		text := strings.Repeat("Lunch with Noor, again. ", 100)
		var muts []testutil.Mutation
		for i := 1; i <= 150; i++ {
			muts = append(muts, testutil.Mutation{ID: int64(i), Entity: "note", RecordID: testutil.ID(i), Op: "put",
				Fields: map[string]any{"body": fmt.Sprintf("%d %s", i, text)}})
		}
		srv.Push(u, "client-big-1", muts...)
		for _, gz := range []bool{true, false} {
			req, _ := http.NewRequest("POST", srv.HTTP.URL+"/api/v1/sync/pull", strings.NewReader(`{"client_id":"client-big-2","cursor":0}`))
			req.Header.Set("Content-Type", "application/json")
			auth.SetBearer(req.Header, u.Token)
			if !gz {
				req.Header.Set("Accept-Encoding", "identity")
			}
			resp, err := srv.HTTP.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var page testutil.PullResult
			err = json.NewDecoder(resp.Body).Decode(&page)
			resp.Body.Close()
			if err != nil || resp.StatusCode != 200 || len(page.Changes) != 150 || page.HasMore || page.Cursor != 1 {
				t.Fatalf("gzip %v: %d %v, %d changes, has_more %v, cursor %d", gz, resp.StatusCode, err, len(page.Changes), page.HasMore, page.Cursor)
			}
			if gz != resp.Uncompressed {
				t.Fatalf("gzip %v: uncompressed by the client %v", gz, resp.Uncompressed)
			}
		}
	})
}

// A user's records are bounded by a storage quota: a push that would pass it is a 413 and
// changes nothing; shrinking or deleting and purging makes room again.
func TestStorageQuota(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db testutil.DB) {
		srv := testutil.NewServer(t, db, testutil.WithEnv("ASKWELL_STORAGE_QUOTA_MB", "1"))
		u := srv.Register("quota@example.com")
		big := strings.Repeat("z", 90_000)
		note := func(id int64, rec int, body string) testutil.Mutation {
			return testutil.Mutation{ID: id, Entity: "note", RecordID: testutil.ID(rec), Op: "put", Fields: map[string]any{"body": body}}
		}
		var muts []testutil.Mutation
		for i := 1; i <= 11; i++ { // about 990 KB of a 1 MiB quota
			muts = append(muts, note(int64(i), i, big))
		}
		srv.Push(u, "client-quota", muts[:6]...)
		srv.Push(u, "client-quota", muts[6:]...)
		r := srv.Do("POST", "/api/v1/sync/push", u.Token, map[string]any{"client_id": "client-quota",
			"mutations": []testutil.Mutation{note(12, 12, big)}})
		if r.Status != http.StatusRequestEntityTooLarge || r.ErrorCode() != "quota_exceeded" {
			t.Fatalf("over the quota: %d %s", r.Status, r.Body)
		}
		if changes, _ := srv.PullAll(u, "client-quota-2", 0); len(changes) != 11 {
			t.Fatalf("%d records after a refused push", len(changes))
		}
		// Making a note shorter frees room for the next one.
		srv.Push(u, "client-quota", note(12, 1, "short now"))
		srv.Push(u, "client-quota", note(13, 12, big))
		// Another user is not affected.
		srv.Push(srv.Register("roomy@example.com"), "client-roomy", note(1, 100, big))
		// A deletion keeps the content until the tombstone is purged; then the room is back.
		muts = nil
		for i := 2; i <= 5; i++ {
			muts = append(muts, testutil.Mutation{ID: int64(12 + i), Entity: "note", RecordID: testutil.ID(i), Op: "delete"})
		}
		srv.Push(u, "client-quota", muts...)
		if r := srv.Do("POST", "/api/v1/sync/push", u.Token, map[string]any{"client_id": "client-quota",
			"mutations": []testutil.Mutation{note(18, 13, big)}}); r.Status != http.StatusRequestEntityTooLarge {
			t.Fatalf("deleted but not purged: %d %s", r.Status, r.Body)
		}
		if _, err := srv.App.Store.PurgeTombstones(context.Background(), srv.Clock.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		srv.Push(u, "client-quota", note(18, 13, big), note(19, 14, big))
	})
}

// What a user's records take is counted once: a record the coach writes again (an ask whose
// readiness a note changes, a contact's suggestions) adds the difference in its size, not its
// whole size again, so the quota is not used up by re-derivation.
func TestStorageCountsWhatIsKept(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db testutil.DB) {
		srv := testutil.NewServer(t, db)
		u := srv.Register("kept@example.com")
		put := func(id int64, entity string, rec int, fields map[string]any) testutil.Mutation {
			return testutil.Mutation{ID: id, Entity: entity, RecordID: testutil.ID(rec), Op: "put", Fields: fields}
		}
		srv.Push(u, "phone-kept",
			put(1, "contact", 1, map[string]any{"name": "Bob Stone", "stage": "know"}),
			put(2, "ask", 2, map[string]any{"contact_id": testutil.ID(1), "target": "Lee Park",
				"trigger": map[string]any{"kind": "milestone", "value": "praised"}}))
		kinds := []string{"praised", "good_news", "offered_help", "we_helped", "problem_solved"}
		for i := range 8 {
			day := fmt.Sprintf("2026-11-%02dT10:00:00Z", 10+i)
			srv.Push(u, "phone-kept", put(int64(3+i), "note", 10+i, map[string]any{"body": "Coffee with Bob", "meeting_at": day,
				"contact_ids": []any{testutil.ID(1)},
				"signals":     []any{map[string]any{"contact_id": testutil.ID(1), "kind": kinds[i%len(kinds)], "at": day}}}))
		}
		ctx := context.Background()
		var counted, kept int64
		if err := srv.App.Store.QueryRow(ctx, "SELECT bytes_used FROM users WHERE id = ?", u.ID).Scan(&counted); err != nil {
			t.Fatal(err)
		}
		var parts []string
		for _, entity := range records.Names() {
			parts = append(parts, "SELECT COALESCE(SUM(OCTET_LENGTH(data)), 0) AS n FROM "+records.Table(entity)+" WHERE user_id = '"+u.ID+"'")
		}
		if err := srv.App.Store.QueryRow(ctx, "SELECT SUM(n) FROM ("+strings.Join(parts, " UNION ALL ")+") AS t").Scan(&kept); err != nil {
			t.Fatal(err)
		}
		if counted != kept {
			t.Errorf("bytes counted %d, bytes kept %d", counted, kept)
		}
	})
}
