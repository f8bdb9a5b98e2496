// Package app wires the server together: storage, services, the HTTP layer and the background
// loops, and runs them until a signal asks it to stop gracefully.
package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/askwell/askwell/api"
	"github.com/askwell/askwell/server/internal/auth"
	"github.com/askwell/askwell/server/internal/config"
	"github.com/askwell/askwell/server/internal/httpapi"
	"github.com/askwell/askwell/server/internal/push"
	"github.com/askwell/askwell/server/internal/records"
	"github.com/askwell/askwell/server/internal/remind"
	"github.com/askwell/askwell/server/internal/store"
	"github.com/askwell/askwell/server/internal/syncer"
)

// Options are what tests and main may change beyond the config.
type Options struct {
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Static is the built PWA; an empty FS serves a placeholder page.
	Static fs.FS
	// Argon2 overrides the password hashing cost (tests use a cheap one).
	Argon2 *auth.Argon2
	// Migrate applies pending migrations at start (the server refuses an unknown schema either way).
	Migrate bool
	// PingEvery is the event-stream keep-alive interval.
	PingEvery time.Duration
	// Dispatch runs the reminder dispatcher in the background (tests drive their own).
	Dispatch bool
}

// App is a wired server.
type App struct {
	cfg    config.Config
	log    *slog.Logger
	Store  *store.Store
	Echo   *echo.Echo
	Hub    *syncer.Hub
	Sync   *syncer.Service
	Auth   *auth.Service
	Tokens *auth.Tokens
	// VAPID are the Web Push keys; Guard checks push endpoints.
	VAPID push.VAPIDKeys
	Guard push.Guard
	// Dispatcher delivers due reminders by Web Push.
	Dispatcher *remind.Dispatcher
	dispatch   bool
	now        func() time.Time
	shutdown   chan struct{}
	endOnce    sync.Once // the shutdown hook and Close both end the streams, possibly at once
	// listenReady is closed once the PostgreSQL LISTEN for pokes is in place.
	listenReady chan struct{}
	cancel      context.CancelFunc
	bg          chan struct{}
}

// OpenStore opens the configured database.
func OpenStore(ctx context.Context, cfg config.Config) (*store.Store, error) {
	o := store.Options{SQLitePath: cfg.SQLitePath(), QuotaBytes: int64(cfg.StorageQuotaMB) << 20,
		SQLiteNormalSync: cfg.SQLiteSynchronous == "normal", MaxPreparing: cfg.SQLiteMaxPreparing}
	if cfg.Postgres() {
		o.PostgresURL = cfg.DatabaseURL
	}
	return store.Open(ctx, o)
}

// New wires everything and starts the background loops (poke listener, tombstone purge).
// Close stops them.
func New(ctx context.Context, cfg config.Config, log *slog.Logger, o Options) (*App, error) {
	now := o.Now
	if now == nil {
		now = time.Now
	}
	st, err := OpenStore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	a := &App{cfg: cfg, log: log, Store: st, now: now, shutdown: make(chan struct{}), listenReady: make(chan struct{}), bg: make(chan struct{})}
	if err := a.wire(ctx, o); err != nil {
		_ = st.Close()
		return nil, err
	}
	return a, nil
}

func (a *App) wire(ctx context.Context, o Options) error {
	if o.Migrate {
		if err := a.Store.Migrate(ctx); err != nil {
			return err
		}
	}
	if err := a.Store.CheckSchema(ctx); err != nil {
		return err
	}
	secret, err := jwtSecret(a.cfg)
	if err != nil {
		return err
	}
	spec, err := api.GetSpec()
	if err != nil {
		return fmt.Errorf("app: contract: %w", err)
	}
	schema, err := records.NewSchema(spec)
	if err != nil {
		return err
	}
	argon := auth.DefaultArgon2()
	if o.Argon2 != nil {
		argon = *o.Argon2
	}
	a.Tokens = auth.NewTokens(secret, a.cfg.AccessTTL, a.now)
	if a.Auth, err = auth.NewService(a.Store, a.Tokens, argon, a.cfg.RefreshTTL, a.cfg.RefreshReuseGrace, a.cfg.Lockout, a.now); err != nil {
		return err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	a.Hub = syncer.NewHub(a.cfg.StreamsPerUser)
	m := httpapi.NewMetrics(reg, func() float64 { return float64(a.Hub.Subscribers()) })
	poker := &wakingPoker{Poker: a.Hub}
	if a.Store.Postgres() {
		poker.Poker = syncer.ClusterPoker{Notifier: pgNotifier{a.Store}, Local: a.Hub,
			OnError: func(err error) { a.log.Warn("poke through database failed", "err", err) }}
	} else {
		close(a.listenReady)
	}
	a.Sync = syncer.New(a.Store, schema, a.now, poker, m)
	static := o.Static
	if static == nil {
		static = emptyFS{}
	}
	if a.VAPID, err = vapidKeys(a.cfg); err != nil {
		return err
	}
	a.Guard = push.Guard{AllowInsecure: a.cfg.PushAllowInsecure}
	sender, err := push.NewSender(a.VAPID, a.cfg.VAPIDSubject, a.Guard.Client(push.DefaultTimeout))
	if err != nil {
		return err
	}
	a.Dispatcher, err = remind.New(remind.Deps{Store: a.Store, Sync: a.Sync, Sender: sender, Tokens: a.Tokens,
		Now: a.now, Log: a.log, Metrics: reg})
	if err != nil {
		return err
	}
	a.dispatch = o.Dispatch
	poker.wake = a.Dispatcher.Wake // a write may make a reminder due at once (a stage reached)
	a.Echo, err = httpapi.New(httpapi.Deps{
		Log: a.log, Spec: spec, Store: a.Store, Auth: a.Auth, Tokens: a.Tokens, Sync: a.Sync, Hub: a.Hub,
		Metrics: m, Registry: reg, Static: static, SecureCookies: a.cfg.SecureCookies(), RefreshTTL: a.cfg.RefreshTTL,
		AuthRatePerMin: a.cfg.AuthRatePerMin, Shutdown: a.shutdown, PingEvery: o.PingEvery, BodyTimeout: a.cfg.BodyTimeout,
		MetricsToken: a.cfg.MetricsToken, TrustedProxies: a.cfg.TrustedProxies,
		PullRatePerMin: a.cfg.PullRatePerMin, SubscriptionsPerUser: a.cfg.SubscriptionsPerUser,
		PullsInFlightPerUser: a.cfg.PullsInFlightPerUser, ExportsInFlight: a.cfg.ExportsInFlight, WriteIdle: a.cfg.WriteIdle,
		Guard: a.Guard, VAPIDPublicKey: a.VAPID.Public, Now: a.now,
	})
	if err != nil {
		return err
	}
	bgCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	a.cancel = cancel
	go a.background(bgCtx)
	return nil
}

// ListenReady is closed once pokes from other instances can arrive.
func (a *App) ListenReady() <-chan struct{} { return a.listenReady }

func (a *App) background(ctx context.Context) {
	defer close(a.bg)
	if a.Store.Postgres() {
		go a.Store.Listen(ctx, store.PokeChannel, func(userID string) { a.Hub.Poke(ctx, userID) },
			func() {
				select {
				case <-a.listenReady:
				default:
					close(a.listenReady)
				}
			},
			func(err error) { a.log.Warn("poke listener", "err", err) })
	}
	if a.dispatch {
		done := make(chan struct{})
		go func() { defer close(done); a.Dispatcher.Run(ctx) }()
		defer func() { <-done }() // Close waits for the batch in flight
	}
	tick := time.NewTicker(time.Hour)
	defer tick.Stop()
	for {
		a.housekeep(ctx)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// housekeep purges old tombstones and expired refresh tokens; failures are logged and retried
// on the next tick.
func (a *App) housekeep(ctx context.Context) {
	now := a.now()
	if n, err := a.Store.PurgeTombstones(ctx, now.Add(-a.cfg.TombstoneTTL)); err != nil {
		if ctx.Err() == nil {
			a.log.Warn("tombstone purge failed", "err", err)
		}
	} else if n > 0 {
		a.log.Info("purged tombstones", "records", n)
	}
	if _, err := a.Store.DeleteExpiredRefreshTokens(ctx, now); err != nil && ctx.Err() == nil {
		a.log.Warn("refresh token cleanup failed", "err", err)
	}
	if err := a.Auth.ForgetFailures(ctx); err != nil && ctx.Err() == nil {
		a.log.Warn("login failure cleanup failed", "err", err)
	}
}

// Serve listens on the configured address until ctx ends, then shuts down gracefully:
// stop accepting, end event streams, let requests finish (up to 15 s).
func (a *App) Serve(ctx context.Context) error {
	ln, err := net.Listen("tcp", a.cfg.Addr)
	if err != nil {
		return fmt.Errorf("app: listen: %w", err)
	}
	return a.ServeListener(ctx, ln)
}

// ServeListener is Serve on a listener the caller opened (tests pick a free port).
func (a *App) ServeListener(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           a.Echo,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       120 * time.Second,
		// No WriteTimeout: event streams stay open; handlers have their own context timeout.
		MaxHeaderBytes: 64 << 10,
	}
	srv.RegisterOnShutdown(func() { a.endStreams() })
	a.log.Info("askwell listening", "addr", ln.Addr().String(), "database", a.dbKind())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	a.log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("app: shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func (a *App) endStreams() {
	a.endOnce.Do(func() { close(a.shutdown) })
}

// Close stops the background loops and closes the database.
func (a *App) Close() error {
	a.endStreams()
	if a.cancel != nil {
		a.cancel()
		<-a.bg
	}
	return a.Store.Close()
}

func (a *App) dbKind() string {
	if a.Store.Postgres() {
		return "postgres"
	}
	return "sqlite:" + a.cfg.SQLitePath()
}

// jwtSecret is the configured secret, or one generated on first start and kept in the data dir
// so tokens survive restarts.
func jwtSecret(cfg config.Config) ([]byte, error) {
	if cfg.JWTSecret != "" {
		return []byte(cfg.JWTSecret), nil
	}
	path := filepath.Join(cfg.DataDir, "jwt-secret")
	if b, err := os.ReadFile(path); err == nil {
		if s := strings.TrimSpace(string(b)); len(s) >= 32 {
			return []byte(s), nil
		}
		return nil, fmt.Errorf("app: %s is too short; delete it to make a new one", path)
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("app: data dir: %w", err)
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return nil, err
	}
	s := hex.EncodeToString(raw)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) { // another instance won the race: use its secret
		return jwtSecret(cfg)
	}
	if err != nil {
		return nil, fmt.Errorf("app: write jwt secret: %w", err)
	}
	defer f.Close()
	if _, err := f.WriteString(s + "\n"); err != nil {
		return nil, fmt.Errorf("app: write jwt secret: %w", err)
	}
	return []byte(s), nil
}

// vapidKeys are the configured pair, or one generated on first start and kept in the data dir.
func vapidKeys(cfg config.Config) (push.VAPIDKeys, error) {
	if cfg.VAPIDPublicKey != "" {
		k := push.VAPIDKeys{Public: cfg.VAPIDPublicKey, Private: cfg.VAPIDPrivateKey}
		if err := k.Validate(); err != nil {
			return push.VAPIDKeys{}, fmt.Errorf("app: ASKWELL_VAPID_*: %w", err)
		}
		return k, nil
	}
	return push.LoadOrCreateVAPID(cfg.DataDir)
}

// wakingPoker pokes the user's devices and wakes the dispatcher.
type wakingPoker struct {
	syncer.Poker
	wake func()
}

// Poke also wakes the dispatcher: a write can make a reminder due at once (a stage reached),
// which should not wait for the next tick.
func (p *wakingPoker) Poke(ctx context.Context, userID string) {
	p.Poker.Poke(ctx, userID)
	if p.wake != nil {
		p.wake()
	}
}

// pgNotifier tells the other instances through PostgreSQL NOTIFY, for clusters.
type pgNotifier struct{ st *store.Store }

// Notify implements syncer.Notifier on the poke channel every instance listens on.
func (n pgNotifier) Notify(ctx context.Context, userID string) error {
	return n.st.Notify(ctx, store.PokeChannel, userID)
}

// emptyFS stands in for an unbuilt PWA.
type emptyFS struct{}

// Open finds nothing, so the static handler serves its placeholder saying to build the app.
func (emptyFS) Open(string) (fs.File, error) { return nil, fs.ErrNotExist }

// NewLogger makes the process logger from the config.
func NewLogger(cfg config.Config, w *os.File) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
