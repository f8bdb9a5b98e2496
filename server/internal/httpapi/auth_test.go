package httpapi_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/askwell/askwell/server/internal/testutil"
)

func TestAuthFlow(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db testutil.DB) {
		srv := testutil.NewServer(t, db)
		u := srv.Register("Dana@Example.com")

		// The email is compared case-insensitively and the password is checked.
		r := srv.Do("POST", "/api/v1/auth/login", "", map[string]any{"email": "dana@example.com", "password": "correct horse battery"})
		if r.Status != http.StatusOK {
			t.Fatalf("login: %d %s", r.Status, r.Body)
		}
		if c := r.Header.Get("Set-Cookie"); !strings.Contains(c, "askwell_refresh=") || !strings.Contains(c, "HttpOnly") ||
			!strings.Contains(c, "Path=/api/v1/auth") || !strings.Contains(c, "SameSite=Strict") {
			t.Fatalf("refresh cookie: %q", c)
		}
		if strings.Contains(string(r.Body), "refresh_token") {
			t.Fatal("refresh token in the body without asking for it")
		}

		// Wrong password and unknown email give the same answer.
		bad := srv.Do("POST", "/api/v1/auth/login", "", map[string]any{"email": "dana@example.com", "password": "wrong password"})
		unknown := srv.Do("POST", "/api/v1/auth/login", "", map[string]any{"email": "nobody@example.com", "password": "wrong password"})
		if bad.Status != 401 || unknown.Status != 401 || string(bad.Body) != string(unknown.Body) {
			t.Fatalf("bad credentials differ: %d %s / %d %s", bad.Status, bad.Body, unknown.Status, unknown.Body)
		}
		if bad.ErrorCode() != "invalid_credentials" {
			t.Fatalf("code %q", bad.ErrorCode())
		}

		// Registering the same email again is refused.
		if r := srv.Do("POST", "/api/v1/auth/register", "", map[string]any{"email": "dana@example.com", "password": "another password"}); r.Status != 409 || r.ErrorCode() != "email_taken" {
			t.Fatalf("duplicate register: %d %s", r.Status, r.Body)
		}

		// /me works with the access token.
		r = srv.Do("GET", "/api/v1/me", u.Token, nil)
		if r.Status != 200 || !strings.Contains(string(r.Body), `"email":"dana@example.com"`) {
			t.Fatalf("me: %d %s", r.Status, r.Body)
		}

		// Refresh rotates: the new token works once, the old one is now a reuse.
		r = srv.Do("POST", "/api/v1/auth/refresh", "", map[string]any{"refresh_token": u.Refresh, "return_refresh_token": true})
		if r.Status != 200 {
			t.Fatalf("refresh: %d %s", r.Status, r.Body)
		}
		var rotated struct {
			AccessToken  string `json:"access_token"`
			RefreshToken string `json:"refresh_token"`
		}
		r.JSON(t, &rotated)
		if rotated.RefreshToken == "" || rotated.RefreshToken == u.Refresh {
			t.Fatal("refresh token not rotated")
		}
		if r := srv.Do("GET", "/api/v1/me", rotated.AccessToken, nil); r.Status != 200 {
			t.Fatalf("new access token: %d", r.Status)
		}
		srv.Clock.Advance(31 * time.Second) // past the reuse grace window
		r = srv.Do("POST", "/api/v1/auth/refresh", "", map[string]any{"refresh_token": u.Refresh})
		if r.Status != 401 || r.ErrorCode() != "token_reused" {
			t.Fatalf("reuse: %d %s", r.Status, r.Body)
		}
		// Reuse revoked the whole family, including the token rotation had just issued.
		if r := srv.Do("POST", "/api/v1/auth/refresh", "", map[string]any{"refresh_token": rotated.RefreshToken}); r.Status != 401 {
			t.Fatalf("family not revoked: %d %s", r.Status, r.Body)
		}
	})
}

// refresh trades a refresh token and returns the status and the new refresh token.
func refresh(t *testing.T, srv *testutil.Server, token string) (int, string) {
	t.Helper()
	r := srv.Do("POST", "/api/v1/auth/refresh", "", map[string]any{"refresh_token": token, "return_refresh_token": true})
	var a struct {
		RefreshToken string `json:"refresh_token"`
	}
	if r.Status == http.StatusOK {
		r.JSON(t, &a)
	}
	return r.Status, a.RefreshToken
}

// A phone killed right after a refresh has not stored the rotated cookie: at its next start
// it presents the old token again. Within the grace window that must not end the session.
func TestRefreshReuseGrace(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db testutil.DB) {
		srv := testutil.NewServer(t, db)
		u := srv.Register("kim@example.com")
		st, next := refresh(t, srv, u.Refresh)
		if st != 200 {
			t.Fatalf("first refresh: %d", st)
		}
		srv.Clock.Advance(3 * time.Second)
		st, again := refresh(t, srv, u.Refresh)
		if st != 200 || again == "" || again == next {
			t.Fatalf("old token again within the grace window: %d %q", st, again)
		}
		srv.Clock.Advance(20 * time.Second)
		st, third := refresh(t, srv, u.Refresh)
		if st != 200 {
			t.Fatalf("old token a third time, 23 s after its first use: %d", st)
		}
		// Every successor works, and each is still single-use.
		for _, tok := range []string{next, again, third} {
			if st, _ := refresh(t, srv, tok); st != 200 {
				t.Fatalf("successor refused: %d", st)
			}
		}
		// After the window the old token is a reuse again: the family is revoked.
		srv.Clock.Advance(8 * time.Second)
		r := srv.Do("POST", "/api/v1/auth/refresh", "", map[string]any{"refresh_token": u.Refresh})
		if r.Status != 401 || r.ErrorCode() != "token_reused" {
			t.Fatalf("reuse after the window: %d %s", r.Status, r.Body)
		}
		u2 := srv.Login(u)
		if st, _ := refresh(t, srv, u2.Refresh); st != 200 {
			t.Fatalf("a new sign-in after the revocation: %d", st)
		}

		// A revoked (logged-out) token gets nothing, even within the window.
		st, fresh := refresh(t, srv, u2.Refresh)
		if st != 200 {
			t.Fatalf("refresh in window: %d", st)
		}
		if r := srv.Do("POST", "/api/v1/auth/logout", "", map[string]any{"refresh_token": fresh}); r.Status != 204 {
			t.Fatalf("logout: %d", r.Status)
		}
		if st, _ := refresh(t, srv, u2.Refresh); st != 401 {
			t.Fatalf("old token after logout: %d", st)
		}
	})
}

func TestRefreshReuseGraceOff(t *testing.T) {
	srv := testutil.NewServer(t, testutil.DB{Name: "sqlite"}, testutil.WithEnv("ASKWELL_REFRESH_REUSE_GRACE", "0"))
	u := srv.Register("lee@example.com")
	if st, _ := refresh(t, srv, u.Refresh); st != 200 {
		t.Fatalf("refresh: %d", st)
	}
	if r := srv.Do("POST", "/api/v1/auth/refresh", "", map[string]any{"refresh_token": u.Refresh}); r.Status != 401 || r.ErrorCode() != "token_reused" {
		t.Fatalf("reuse with the grace off: %d %s", r.Status, r.Body)
	}
}

func TestRefreshByCookieAndLogout(t *testing.T) {
	srv := testutil.NewServer(t, testutil.DB{Name: "sqlite"})
	srv.Register("bob@example.com")
	login := srv.Do("POST", "/api/v1/auth/login", "", map[string]any{"email": "bob@example.com", "password": "correct horse battery"})
	cookie := cookieValue(t, login.Header.Get("Set-Cookie"))

	req, _ := http.NewRequest("POST", srv.HTTP.URL+"/api/v1/auth/refresh", nil)
	req.AddCookie(&http.Cookie{Name: "askwell_refresh", Value: cookie})
	resp, err := srv.HTTP.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("cookie refresh: %d", resp.StatusCode)
	}
	next := cookieValue(t, resp.Header.Get("Set-Cookie"))

	req, _ = http.NewRequest("POST", srv.HTTP.URL+"/api/v1/auth/logout", nil)
	req.AddCookie(&http.Cookie{Name: "askwell_refresh", Value: next})
	resp, err = srv.HTTP.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 204 || !strings.Contains(resp.Header.Get("Set-Cookie"), "Max-Age=0") {
		t.Fatalf("logout: %d %q", resp.StatusCode, resp.Header.Get("Set-Cookie"))
	}
	if r := srv.Do("POST", "/api/v1/auth/refresh", "", map[string]any{"refresh_token": next}); r.Status != 401 {
		t.Fatalf("refresh after logout: %d", r.Status)
	}
	if r := srv.Do("POST", "/api/v1/auth/refresh", "", nil); r.Status != 401 || r.ErrorCode() != "unauthorized" {
		t.Fatalf("refresh without token: %d %s", r.Status, r.Body)
	}
}

func cookieValue(t *testing.T, setCookie string) string {
	t.Helper()
	c, err := http.ParseSetCookie(setCookie)
	if err != nil {
		t.Fatalf("cookie %q: %v", setCookie, err)
	}
	return c.Value
}

func TestAccessTokensRefused(t *testing.T) {
	srv := testutil.NewServer(t, testutil.DB{Name: "sqlite"})
	u := srv.Register("eve@example.com")

	forged := func(method jwt.SigningMethod, key any, header map[string]any, exp time.Time) string {
		tok := jwt.NewWithClaims(method, jwt.MapClaims{
			"sub": u.ID, "iss": "askwell", "aud": []string{"askwell"}, "exp": exp.Unix(), "iat": time.Now().Unix(),
		})
		for k, v := range header {
			tok.Header[k] = v
		}
		s, err := tok.SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	// The real token's header names the key id; reuse it so only the tested property differs.
	kid := strings.Split(u.Token, ".")[0]
	header := decodeSegment(t, kid)
	future := srv.Clock.Now().Add(time.Hour)

	cases := map[string]string{
		"missing":       "",
		"garbage":       "not-a-jwt",
		"alg none":      forged(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, header, future),
		"wrong secret":  forged(jwt.SigningMethodHS256, []byte("an attacker's secret of enough length!!"), header, future),
		"other alg":     forged(jwt.SigningMethodHS512, []byte("an attacker's secret of enough length!!"), header, future),
		"unknown kid":   forged(jwt.SigningMethodHS256, []byte("x"), map[string]any{"kid": "nope"}, future),
		"tampered body": u.Token[:strings.LastIndex(u.Token, ".")-2] + "xx" + u.Token[strings.LastIndex(u.Token, "."):],
	}
	for name, tok := range cases {
		r := srv.Do("GET", "/api/v1/me", tok, nil)
		if r.Status != 401 || r.ErrorCode() != "unauthorized" {
			t.Errorf("%s: %d %s", name, r.Status, r.Body)
		}
	}
	// Expiry follows the server's clock.
	if r := srv.Do("GET", "/api/v1/me", u.Token, nil); r.Status != 200 {
		t.Fatalf("fresh token: %d", r.Status)
	}
	srv.Clock.Advance(16 * time.Minute)
	if r := srv.Do("GET", "/api/v1/me", u.Token, nil); r.Status != 401 {
		t.Fatalf("expired token accepted: %d", r.Status)
	}
}

func TestAuthRateLimit(t *testing.T) {
	srv := testutil.NewServer(t, testutil.DB{Name: "sqlite"}, testutil.WithEnv("ASKWELL_AUTH_RATE_PER_MIN", "20"))
	limited := 0
	for i := 0; i < 30; i++ {
		r := srv.Do("POST", "/api/v1/auth/login", "", map[string]any{"email": fmt.Sprintf("x%d@example.com", i), "password": "whatever1"})
		if r.Status == http.StatusTooManyRequests {
			if r.ErrorCode() != "rate_limited" {
				t.Fatalf("code %q", r.ErrorCode())
			}
			limited++
		}
	}
	if limited == 0 {
		t.Fatal("30 quick logins were never limited")
	}
	// Other routes are not limited by it.
	u := testutil.User{}
	if r := srv.Do("GET", "/api/v1/me", u.Token, nil); r.Status != 401 {
		t.Fatalf("me: %d", r.Status)
	}
}

func TestMe(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db testutil.DB) {
		srv := testutil.NewServer(t, db)
		u := srv.Register("pat@example.com")
		r := srv.Do("PATCH", "/api/v1/me", u.Token, map[string]any{
			"name": "Pat", "timezone": "America/New_York", "quiet_hours": map[string]any{"start": "22:00", "end": "07:00"},
			"goals":     map[string]any{"one_to_ones": 4},
			"ask_plans": map[string]any{"client": map[string]any{"kind": "after_days", "value": "30"}},
		})
		if r.Status != 200 {
			t.Fatalf("patch: %d %s", r.Status, r.Body)
		}
		var me struct {
			Name       string                      `json:"name"`
			Timezone   string                      `json:"timezone"`
			QuietHours struct{ Start, End string } `json:"quiet_hours"`
			Goals      struct {
				OneToOnes int `json:"one_to_ones"`
				Events    int `json:"events"`
			}
			AskPlans map[string]struct{ Kind, Value string } `json:"ask_plans"`
		}
		srv.Do("GET", "/api/v1/me", u.Token, nil).JSON(t, &me)
		if me.Name != "Pat" || me.Timezone != "America/New_York" || me.QuietHours.Start != "22:00" ||
			me.Goals.OneToOnes != 4 || me.Goals.Events != 3 || me.AskPlans["client"].Value != "30" {
			t.Fatalf("me after patch: %+v", me)
		}
		// A second patch changes what it names, within goals and ask plans too, and keeps the rest.
		srv.Do("PATCH", "/api/v1/me", u.Token, map[string]any{"goals": map[string]any{"events": 2},
			"ask_plans": map[string]any{"prospect": map[string]any{"kind": "stage", "value": "trust"}}})
		var again struct {
			Name  string `json:"name"`
			Goals struct {
				OneToOnes int `json:"one_to_ones"`
				Events    int `json:"events"`
			}
			AskPlans map[string]struct{ Kind, Value string } `json:"ask_plans"`
		}
		srv.Do("GET", "/api/v1/me", u.Token, nil).JSON(t, &again)
		if again.Goals.OneToOnes != 4 || again.Goals.Events != 2 || again.AskPlans["client"].Value != "30" ||
			again.AskPlans["prospect"].Value != "trust" || again.Name != "Pat" {
			t.Fatalf("me after a second patch: %+v", again)
		}
		for name, body := range map[string]any{
			"bad timezone":   map[string]any{"timezone": "Mars/Olympus"},
			"bad quiet time": map[string]any{"quiet_hours": map[string]any{"start": "25:00", "end": "07:00"}},
			"bad goal":       map[string]any{"goals": map[string]any{"events": -1}},
			"bad plan":       map[string]any{"ask_plans": map[string]any{"client": map[string]any{"kind": "stage", "value": "bff"}}},
			"unknown field":  map[string]any{"shoe_size": 44},
			"empty":          map[string]any{},
		} {
			r := srv.Do("PATCH", "/api/v1/me", u.Token, body)
			if r.Status != 400 || r.ErrorCode() == "" {
				t.Errorf("%s: %d %s", name, r.Status, r.Body)
			}
		}
		var after struct{ Timezone string }
		srv.Do("GET", "/api/v1/me", u.Token, nil).JSON(t, &after)
		if after.Timezone != "America/New_York" {
			t.Fatalf("a refused patch changed the profile: %+v", after)
		}
	})
}

func decodeSegment(t *testing.T, seg string) map[string]any {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	delete(m, "alg")
	delete(m, "typ")
	return m
}

// loginFrom signs in with an X-Forwarded-For header.
func loginFrom(t *testing.T, srv *testutil.Server, forwardedFor, email, password string) *testutil.Response {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"email": email, "password": password})
	req, _ := http.NewRequest("POST", srv.HTTP.URL+"/api/v1/auth/login", strings.NewReader(string(b)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Forwarded-For", forwardedFor)
	resp, err := srv.HTTP.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return &testutil.Response{Status: resp.StatusCode, Header: resp.Header, Body: body}
}

// Guesses at one account from many addresses earn a growing wait for that account (any
// email alike, so it reveals nothing), which passes: no permanent lockout.
func TestAccountLockout(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db testutil.DB) {
		srv := testutil.NewServer(t, db)
		u := srv.Register("target@example.com")
		for _, email := range []string{u.Email, "nobody@example.com"} {
			for i := 0; i < 6; i++ {
				if r := loginFrom(t, srv, fmt.Sprintf("203.0.113.%d", i), email, "guess number "+strconv.Itoa(i)); r.Status != 401 {
					t.Fatalf("%s guess %d: %d %s", email, i+1, r.Status, r.Body)
				}
			}
			r := loginFrom(t, srv, "198.51.100.7", email, "correct horse battery")
			if r.Status != 429 || r.ErrorCode() != "account_locked" || r.Header.Get("Retry-After") != "30" {
				t.Fatalf("%s after 6 failures: %d %s %q", email, r.Status, r.Body, r.Header.Get("Retry-After"))
			}
		}
		srv.Clock.Advance(31 * time.Second)
		if r := loginFrom(t, srv, "198.51.100.7", u.Email, "correct horse battery"); r.Status != 200 {
			t.Fatalf("after the wait: %d %s", r.Status, r.Body)
		}
		// Success starts the count over.
		if r := loginFrom(t, srv, "198.51.100.7", u.Email, "one wrong guess"); r.Status != 401 {
			t.Fatalf("after success: %d", r.Status)
		}
	})
}

// Login, register and refresh each have their own per-address buckets.
func TestAuthBucketsApart(t *testing.T) {
	srv := testutil.NewServer(t, testutil.DB{Name: "sqlite"})
	u := srv.Register("apart@example.com")
	srv = testutil.Start(t, testutil.DB{Name: "sqlite", URL: srv.Config.DatabaseURL}, srv.Config.DataDir, srv.Clock,
		testutil.WithEnv("ASKWELL_AUTH_RATE_PER_MIN", "20"))
	limited := false
	for i := 0; i < 30 && !limited; i++ {
		limited = srv.Do("POST", "/api/v1/auth/login", "", map[string]any{"email": fmt.Sprintf("x%d@example.com", i), "password": "whatever1"}).Status == 429
	}
	if !limited {
		t.Fatal("logins were never limited")
	}
	if st, _ := refresh(t, srv, u.Refresh); st != 200 {
		t.Fatalf("refresh after the login bucket ran dry: %d", st)
	}
	if r := srv.Do("POST", "/api/v1/auth/register", "", map[string]any{"email": "new@example.com", "password": "correct horse battery"}); r.Status != 201 {
		t.Fatalf("register after the login bucket ran dry: %d %s", r.Status, r.Body)
	}
}

// Behind a configured proxy each client has its own bucket; without the setting the header
// is ignored, so nobody picks their own bucket.
func TestTrustedProxies(t *testing.T) {
	flood := func(srv *testutil.Server, clients int) (limited int) {
		for i := 0; i < 40; i++ {
			r := loginFrom(t, srv, fmt.Sprintf("203.0.113.%d", i%clients), fmt.Sprintf("p%d@example.com", i), "whatever1")
			if r.Status == 429 {
				limited++
			}
		}
		return limited
	}
	behind := testutil.NewServer(t, testutil.DB{Name: "sqlite"}, testutil.WithEnv("ASKWELL_AUTH_RATE_PER_MIN", "20"),
		testutil.WithEnv("ASKWELL_TRUSTED_PROXIES", "127.0.0.1/32"))
	if n := flood(behind, 10); n != 0 {
		t.Fatalf("10 clients behind the proxy, 4 logins each: %d limited", n)
	}
	if n := flood(behind, 1); n == 0 {
		t.Fatal("one client behind the proxy was never limited")
	}
	direct := testutil.NewServer(t, testutil.DB{Name: "sqlite"}, testutil.WithEnv("ASKWELL_AUTH_RATE_PER_MIN", "20"))
	if n := flood(direct, 10); n == 0 {
		t.Fatal("an untrusted X-Forwarded-For chose the bucket")
	}
}
