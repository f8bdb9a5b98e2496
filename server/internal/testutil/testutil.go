// Package testutil starts real servers on real databases for tests: SQLite in a temp dir
// always, and PostgreSQL in a fresh schema when ASKWELL_TEST_POSTGRES_URL is set.
package testutil

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/askwell/askwell/server/internal/app"
	"github.com/askwell/askwell/server/internal/auth"
	"github.com/askwell/askwell/server/internal/config"
	"github.com/askwell/askwell/server/internal/loadgen"
	"github.com/askwell/askwell/server/internal/store"
)

// PostgresEnv names the variable that enables the PostgreSQL tests.
const PostgresEnv = "ASKWELL_TEST_POSTGRES_URL"

// Clock is a settable clock shared by a test and the server under test.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock starts at a fixed, realistic instant.
func NewClock() *Clock { return &Clock{t: time.Date(2026, 11, 24, 9, 30, 0, 0, time.UTC)} }

// Now reads the clock.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// DB is one database a test can run on.
type DB struct {
	// Name is "sqlite" or "postgres", for subtest names.
	Name string
	// URL is the ASKWELL_DATABASE_URL to use ("" for SQLite in the data dir).
	URL string
}

// Databases lists SQLite, and PostgreSQL when configured.
func Databases(t testing.TB) []DB {
	dbs := []DB{{Name: "sqlite"}}
	if os.Getenv(PostgresEnv) != "" {
		dbs = append(dbs, DB{Name: "postgres"})
	}
	return dbs
}

// ForEachDB runs f as a subtest on every database.
func ForEachDB(t *testing.T, f func(t *testing.T, db DB)) {
	for _, db := range Databases(t) {
		t.Run(db.Name, func(t *testing.T) { f(t, db) })
	}
}

// Fresh returns a database URL with nothing in it: SQLite in a new temp dir (URL empty, the
// data dir decides), or a new PostgreSQL schema dropped when the test ends.
func Fresh(t testing.TB, db DB) DB {
	t.Helper()
	if db.Name != "postgres" {
		return db
	}
	base := os.Getenv(PostgresEnv)
	raw := make([]byte, 6)
	_, _ = rand.Read(raw)
	schema := "t_" + hex.EncodeToString(raw)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("postgres: %v", err)
	}
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("postgres: create schema: %v", err)
	}
	_ = conn.Close(ctx)
	t.Cleanup(func() {
		conn, err := pgx.Connect(context.Background(), base)
		if err != nil {
			return
		}
		defer conn.Close(context.Background())
		_, _ = conn.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("postgres url: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return DB{Name: db.Name, URL: u.String()}
}

// Server is a running app behind httptest.
type Server struct {
	T      testing.TB
	App    *app.App
	HTTP   *httptest.Server
	Clock  *Clock
	Config config.Config
}

// Option changes the config or options of a test server.
type Option func(env map[string]string, o *app.Options)

// WithEnv sets a config variable.
func WithEnv(k, v string) Option {
	return func(env map[string]string, _ *app.Options) { env[k] = v }
}

// WithPingEvery sets the event-stream ping interval (streams check their session at each).
func WithPingEvery(d time.Duration) Option {
	return func(_ map[string]string, o *app.Options) { o.PingEvery = d }
}

// WithStatic serves a fake built PWA.
func WithStatic(files fstest.MapFS) Option {
	return func(_ map[string]string, o *app.Options) { o.Static = files }
}

// NewServer starts a server on a fresh database; it stops when the test ends.
func NewServer(t testing.TB, db DB, opts ...Option) *Server {
	t.Helper()
	return Start(t, Fresh(t, db), t.TempDir(), NewClock(), opts...)
}

// Start runs a server on an existing database and data dir (two instances can share them).
func Start(t testing.TB, db DB, dataDir string, clock *Clock, opts ...Option) *Server {
	t.Helper()
	env := map[string]string{
		"ASKWELL_ADDR":              "127.0.0.1:0",
		"ASKWELL_DATA_DIR":          dataDir,
		"ASKWELL_DATABASE_URL":      db.URL,
		"ASKWELL_AUTH_RATE_PER_MIN": "100000",
		"ASKWELL_PULL_RATE_PER_MIN": "100000",
		"ASKWELL_LOG_LEVEL":         "error",
	}
	o := app.Options{Now: clock.Now, Migrate: true, Argon2: &auth.Argon2{Time: 1, MemoryKiB: 64, Threads: 1}}
	for _, f := range opts {
		f(env, &o)
	}
	cfg, err := config.Load(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	a, err := app.New(context.Background(), cfg, log, o)
	if err != nil {
		t.Fatalf("app: %v", err)
	}
	srv := httptest.NewServer(a.Echo)
	checkAnswers(t, srv.Client()) // every request through the server's client, Do's included
	t.Cleanup(func() {
		_ = a.Close() // ends event streams first, so Close below does not wait on them
		srv.Close()
	})
	select {
	case <-a.ListenReady():
	case <-time.After(10 * time.Second):
		t.Fatal("poke listener did not start")
	}
	return &Server{T: t, App: a, HTTP: srv, Clock: clock, Config: cfg}
}

// Response is a finished request.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into v, failing the test when it cannot.
func (r *Response) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// ErrorCode is the error.code of an error body, or "".
func (r *Response) ErrorCode() string {
	var e struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	_ = json.Unmarshal(r.Body, &e)
	return e.Error.Code
}

// Do sends a request with an optional bearer token; body is marshalled unless it is []byte.
func (s *Server) Do(method, path, token string, body any) *Response {
	s.T.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	case string:
		rd = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			s.T.Fatalf("marshal: %v", err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, s.HTTP.URL+path, rd)
	if err != nil {
		s.T.Fatalf("request: %v", err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		auth.SetBearer(req.Header, token)
	}
	resp, err := s.HTTP.Client().Do(req)
	if err != nil {
		s.T.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		s.T.Fatalf("read: %v", err)
	}
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// User is a registered account.
type User struct {
	ID, Email, Token, Refresh string
}

// Register creates an account and returns its tokens.
func (s *Server) Register(email string) User {
	s.T.Helper()
	r := s.Do("POST", "/api/v1/auth/register", "", map[string]any{
		"email": email, "password": "correct horse battery", "name": "Test", "return_refresh_token": true,
	})
	if r.Status != http.StatusCreated {
		s.T.Fatalf("register %s: %d %s", email, r.Status, r.Body)
	}
	var a struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
		User         struct {
			ID string `json:"id"`
		} `json:"user"`
	}
	r.JSON(s.T, &a)
	return User{ID: a.User.ID, Email: email, Token: a.AccessToken, Refresh: a.RefreshToken}
}

// Login signs in again (after the clock moved past the access token's life).
func (s *Server) Login(u User) User {
	s.T.Helper()
	r := s.Do("POST", "/api/v1/auth/login", "", map[string]any{"email": u.Email, "password": "correct horse battery", "return_refresh_token": true})
	if r.Status != http.StatusOK {
		s.T.Fatalf("login %s: %d %s", u.Email, r.Status, r.Body)
	}
	var a struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
	}
	r.JSON(s.T, &a)
	u.Token, u.Refresh = a.AccessToken, a.RefreshToken
	return u
}

// Mutation is a push mutation as JSON: the load generator's, so tests, benchmarks and the
// load generator send one shape.
type Mutation = loadgen.Mutation

// PushResult is a decoded push response (the load generator's type).
type PushResult = loadgen.PushResult

// Change is a decoded pull change.
type Change struct {
	Entity   string         `json:"entity"`
	RecordID string         `json:"record_id"`
	Version  int64          `json:"version"`
	Deleted  bool           `json:"deleted"`
	Record   map[string]any `json:"record"`
}

// PullResult is a decoded pull response.
type PullResult struct {
	Changes        []Change `json:"changes"`
	Cursor         int64    `json:"cursor"`
	HasMore        bool     `json:"has_more"`
	LastMutationID int64    `json:"last_mutation_id"`
	Reset          bool     `json:"reset"`
}

// Push sends mutations and requires a 200.
func (s *Server) Push(u User, client string, muts ...Mutation) PushResult {
	s.T.Helper()
	r := s.Do("POST", "/api/v1/sync/push", u.Token, map[string]any{"client_id": client, "mutations": muts})
	if r.Status != http.StatusOK {
		s.T.Fatalf("push: %d %s", r.Status, r.Body)
	}
	var p PushResult
	r.JSON(s.T, &p)
	return p
}

// PullAll pages from cursor to the end and returns every change and the final cursor.
func (s *Server) PullAll(u User, client string, cursor int64) ([]Change, int64) {
	s.T.Helper()
	var all []Change
	for i := 0; ; i++ {
		r := s.Do("POST", "/api/v1/sync/pull", u.Token, map[string]any{"client_id": client, "cursor": cursor, "limit": 500})
		if r.Status != http.StatusOK {
			s.T.Fatalf("pull: %d %s", r.Status, r.Body)
		}
		var p PullResult
		r.JSON(s.T, &p)
		all = append(all, p.Changes...)
		cursor = p.Cursor
		if !p.HasMore {
			return all, cursor
		}
		if i > 10000 {
			s.T.Fatal("pull does not end")
		}
	}
}

// Latest folds changes into the newest record per id.
func Latest(changes []Change) map[string]Change {
	out := map[string]Change{}
	for _, c := range changes {
		out[c.RecordID] = c
	}
	return out
}

// ID makes a deterministic UUID-shaped id for tests.
func ID(n int) string { return fmt.Sprintf("0192f3a0-0000-7000-8000-%012d", n) }

// RowsOf counts what the database holds of a user, by table (the users row included),
// leaving out the tables that hold nothing of theirs: empty once the account is deleted.
func RowsOf(t testing.TB, st *store.Store, userID string) map[string]int {
	t.Helper()
	ctx := context.Background()
	tables, err := st.UserTables(ctx)
	if err != nil {
		t.Fatal(err)
	}
	left := map[string]int{}
	for _, table := range append(tables, "users") {
		col := "user_id"
		if table == "users" {
			col = "id"
		}
		var n int
		if err := st.QueryRow(ctx, "SELECT count(*) FROM "+table+" WHERE "+col+" = ?", userID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			left[table] = n
		}
	}
	return left
}
