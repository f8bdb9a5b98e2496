// Package httpapi is the HTTP face of the server: it implements the interface generated from
// openapi.yaml, validates requests against the contract, maps every error to one JSON shape,
// and serves the PWA from the same origin.
package httpapi

import (
	"cmp"
	"context"
	"crypto/subtle"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"golang.org/x/time/rate"

	"github.com/askwell/askwell/api"
	"github.com/askwell/askwell/server/internal/auth"
	"github.com/askwell/askwell/server/internal/push"
	"github.com/askwell/askwell/server/internal/store"
	"github.com/askwell/askwell/server/internal/syncer"
)

// Deps is everything the HTTP layer needs, passed in by the app.
type Deps struct {
	Log           *slog.Logger
	Spec          *openapi3.T
	Store         *store.Store
	Auth          *auth.Service
	Tokens        *auth.Tokens
	Sync          *syncer.Service
	Hub           *syncer.Hub
	Metrics       *Metrics
	Registry      *prometheus.Registry
	Static        fs.FS
	SecureCookies bool
	RefreshTTL    time.Duration
	// AuthRatePerMin limits auth requests per client address, for each auth route apart.
	AuthRatePerMin int
	// PullRatePerMin limits each user's pulls (300 when zero).
	PullRatePerMin int
	// PullsInFlightPerUser bounds one user's pulls and exports answered at once (4 when zero).
	PullsInFlightPerUser int
	// ExportsInFlight bounds the exports answered at once, whoever asks (2 when zero).
	ExportsInFlight int
	// WriteIdle is how long a client may take nothing of an answer (30 s when zero).
	WriteIdle time.Duration
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names the client.
	TrustedProxies []netip.Prefix
	// BodyTimeout is how long a client may take to send a request body (10 s when zero).
	BodyTimeout time.Duration
	// SubscriptionsPerUser bounds each user's push subscriptions (20 when zero).
	SubscriptionsPerUser int
	// MetricsToken, when set, is the bearer token /metrics requires.
	MetricsToken string
	// Shutdown closes when the server stops, ending event streams.
	Shutdown <-chan struct{}
	// PingEvery is the event-stream keep-alive interval (25 s when zero).
	PingEvery time.Duration
	// Guard checks push endpoints; VAPIDPublicKey is handed to browsers.
	Guard          push.Guard
	VAPIDPublicKey string
	// Now is the clock.
	Now func() time.Time
}

// Metrics is the HTTP and sync instrumentation; make it with NewMetrics and give it to both
// the sync service (as its Observer) and New.
type Metrics = metrics

// NewMetrics registers the HTTP and sync metrics on reg.
func NewMetrics(reg prometheus.Registerer, streams func() float64) *Metrics {
	return newMetrics(reg, streams)
}

// New builds the Echo instance with every route registered here and nowhere else.
func New(d Deps) (*echo.Echo, error) {
	bodyTimeout := d.BodyTimeout
	if bodyTimeout == 0 {
		bodyTimeout = 10 * time.Second
	}
	v, err := newValidator(d.Spec, bodyTimeout)
	if err != nil {
		return nil, err
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = errorHandler(d.Log)
	e.IPExtractor = ipExtractor(d.TrustedProxies)

	e.Pre(middleware.RequestIDWithConfig(middleware.RequestIDConfig{Generator: newRequestID}))
	e.Use(d.Metrics.middleware())
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
		d.Log.Error("panic", "err", err, "path", c.Path(), "stack", string(stack))
		return err
	}}))
	e.Use(requestLogger(d.Log))
	e.Use(middleware.SecureWithConfig(middleware.SecureConfig{
		XSSProtection:         "0",
		ContentTypeNosniff:    "nosniff",
		XFrameOptions:         "DENY",
		HSTSMaxAge:            31536000,
		ReferrerPolicy:        "same-origin",
		ContentSecurityPolicy: "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; manifest-src 'self'; worker-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
	}))
	e.Use(middleware.GzipWithConfig(middleware.GzipConfig{
		Level:     5,
		MinLength: 1024,
		Skipper: func(c echo.Context) bool {
			// Only the app's files: API answers are small except pulls, which compress
			// themselves (a gzip writer per small answer costs more than it saves), streams
			// must not be buffered, and promhttp compresses /metrics itself.
			p := c.Request().URL.Path
			return strings.HasPrefix(p, "/api/") || p == "/metrics" || p == "/healthz" || p == "/readyz"
		},
	}))

	e.GET("/healthz", func(c echo.Context) error { return c.JSON(http.StatusOK, health{Status: "ok"}) })
	e.GET("/readyz", readyz(d.Store))
	e.GET("/metrics", echo.WrapHandler(promhttp.HandlerFor(d.Registry, promhttp.HandlerOpts{})), metricsGuard(d.MetricsToken))

	ended := newEndedAccounts(d.Tokens.TTL(), d.Now)
	g := e.Group("/api/v1",
		middleware.BodyLimit("1M"),
		middleware.ContextTimeoutWithConfig(middleware.ContextTimeoutConfig{
			Timeout: 30 * time.Second,
			Skipper: func(c echo.Context) bool { return strings.HasSuffix(c.Request().URL.Path, "/sync/events") },
		}),
		// Who may call comes before what they sent: a stranger learns nothing about the schema.
		routeGuard(d.Tokens, d.Auth, d.AuthRatePerMin, cmp.Or(d.PullRatePerMin, 300), ended,
			newInFlight(cmp.Or(d.PullsInFlightPerUser, 4), cmp.Or(d.ExportsInFlight, 2))),
		v.middleware(),
	)
	ping := d.PingEvery
	if ping == 0 {
		ping = 25 * time.Second
	}
	api.RegisterHandlers(g, &handlers{
		auth: d.Auth, store: d.Store, sync: d.Sync, hub: d.Hub, secureCookies: d.SecureCookies,
		refreshTTL: d.RefreshTTL, pingEvery: ping, shutdown: d.Shutdown,
		guard: d.Guard, vapidPublic: d.VAPIDPublicKey, now: d.Now, gz: newGzipPool(cmp.Or(d.WriteIdle, 30*time.Second)), ended: ended,
		maxSubscriptions: cmp.Or(d.SubscriptionsPerUser, 20),
	})
	g.Any("/*", func(echo.Context) error { return echo.ErrNotFound })
	e.GET("/cal/:file", calendarFeed(d.Store, d.Now))
	e.GET("/*", staticHandler(d.Static))
	return e, nil
}

// routeGuard rate-limits the unauthenticated auth routes, lets reminder actions in with an
// action token, and requires an access token everywhere else under /api/v1.
func routeGuard(tokens *auth.Tokens, svc *auth.Service, perMin, pullsPerMin int, ended *endedAccounts, flight *inFlight) echo.MiddlewareFunc {
	user, reminder := requireUser(tokens, svc), reminderUser(tokens, svc)
	// Pulls are the heaviest reads: each user gets a bucket, whatever addresses they use.
	pulls := limiter(pullsPerMin, userID)
	// Each auth route has its own buckets: signing in a lot must not stop an app from
	// refreshing its token, nor the other way round. (Made here, once: Echo applies group
	// middleware on every request.)
	limiters := map[string]echo.MiddlewareFunc{}
	for _, r := range []string{"login", "register", "refresh", "logout"} {
		limiters["/api/v1/auth/"+r] = limiter(perMin, echo.Context.RealIP)
	}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		// An account deleted on this instance is refused at once, before any cached trust.
		authed, acted := user(ended.guard(next)), reminder(ended.guard(next))
		pulled := user(ended.guard(pulls(flight.admit(false, 1)(next))))
		exported := user(ended.guard(flight.admit(true, 10)(next)))
		return func(c echo.Context) error {
			switch {
			case strings.HasPrefix(c.Path(), "/api/v1/auth/"):
				if l, ok := limiters[c.Path()]; ok {
					return l(next)(c)
				}
				return next(c)
			case c.Path() == "/api/v1/push/vapid-public-key":
				return next(c)
			case strings.HasPrefix(c.Path(), "/api/v1/reminders/"):
				return acted(c)
			case c.Path() == "/api/v1/*":
				return next(c) // not an endpoint: answer 404 whether signed in or not
			case c.Path() == "/api/v1/sync/pull":
				return pulled(c)
			case c.Path() == "/api/v1/export":
				return exported(c)
			}
			return authed(c)
		}
	}
}

// limiter allows perMin requests a minute (a quarter of them at once) per key: the client
// address or the user.
func limiter(perMin int, key func(echo.Context) string) echo.MiddlewareFunc {
	return middleware.RateLimiterWithConfig(middleware.RateLimiterConfig{
		Store: middleware.NewRateLimiterMemoryStoreWithConfig(middleware.RateLimiterMemoryStoreConfig{
			Rate: rate.Limit(float64(perMin) / 60), Burst: max(perMin/4, 5), ExpiresIn: 3 * time.Minute,
		}),
		IdentifierExtractor: func(c echo.Context) (string, error) { return key(c), nil },
		DenyHandler: func(c echo.Context, _ string, _ error) error {
			return newError(http.StatusTooManyRequests, "rate_limited", msgRateLimited).
				with(map[string]any{"retry_after": 60})
		},
		ErrorHandler: func(c echo.Context, err error) error { return err },
	})
}

// ipExtractor finds the client address: the connection's, or, behind the configured proxies,
// the nearest X-Forwarded-For entry that is not one of them. Only listed ranges are trusted,
// so nobody else can choose their own address (and bucket) with the header.
func ipExtractor(proxies []netip.Prefix) echo.IPExtractor {
	if len(proxies) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, p := range proxies {
		bits := p.Addr().BitLen()
		opts = append(opts, echo.TrustIPRange(&net.IPNet{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), bits)}))
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}

// metricsGuard requires the metrics token when one is configured: the figures say how many
// people use the server and how busy it is, which is nobody else's business.
func metricsGuard(token string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		if token == "" {
			return next
		}
		return func(c echo.Context) error {
			if subtle.ConstantTimeCompare([]byte(auth.Bearer(c.Request().Header)), []byte(token)) != 1 {
				return newError(http.StatusUnauthorized, "unauthorized", "send Authorization: Bearer <metrics token>")
			}
			return next(c)
		}
	}
}

// health is the Health schema of openapi.yaml (its ops routes are not generated).
type health struct {
	Status string            `json:"status"`
	Checks map[string]string `json:"checks,omitempty"`
}

func readyz(st *store.Store) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
		defer cancel()
		checks := map[string]string{"database": "ok", "schema": "ok"}
		status := http.StatusOK
		if err := st.Ping(ctx); err != nil {
			checks["database"], status = "unreachable", http.StatusServiceUnavailable
		} else if err := st.CheckSchema(ctx); err != nil {
			checks["schema"], status = err.Error(), http.StatusServiceUnavailable
		}
		h := health{Status: "ok", Checks: checks}
		if status != http.StatusOK {
			h.Status = "unavailable"
		}
		return c.JSON(status, h)
	}
}

func requestLogger(log *slog.Logger) echo.MiddlewareFunc {
	return middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
		LogStatus: true, LogURIPath: true, LogMethod: true, LogLatency: true, LogRequestID: true, LogError: true,
		HandleError: true,
		LogValuesFunc: func(c echo.Context, v middleware.RequestLoggerValues) error {
			level := slog.LevelDebug
			if v.Status >= 500 {
				level = slog.LevelError
			}
			log.LogAttrs(c.Request().Context(), level, "request",
				slog.String("method", v.Method), slog.String("path", v.URIPath), slog.Int("status", v.Status),
				slog.Duration("latency", v.Latency), slog.String("request_id", v.RequestID))
			return nil
		},
	})
}
