// Package config reads the server's settings from ASKWELL_* environment variables once at
// start-up and validates them together, so a bad setting stops the server with one clear
// message instead of failing later on the first request that needs it.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/askwell/askwell/server/internal/throttle"
)

// Config is the whole server configuration.
type Config struct {
	// Addr is the listen address, e.g. ":8080".
	Addr string
	// DataDir holds the SQLite file and the generated secrets.
	DataDir string
	// DatabaseURL is empty or sqlite://path for SQLite, postgres://… for PostgreSQL.
	DatabaseURL string
	// BaseURL is the public origin: https makes cookies Secure, and it is the default VAPID
	// subject. Push links stay paths, resolved by the app on its own origin.
	BaseURL string
	// JWTSecret signs access tokens; empty means generate and keep one in DataDir.
	JWTSecret string
	// AccessTTL is how long an access token lives.
	AccessTTL time.Duration
	// RefreshTTL is how long an unused refresh token lives.
	RefreshTTL time.Duration
	// RefreshReuseGrace is how long a used refresh token may be presented again and get a
	// token of the same family instead of revoking it (0 turns the grace off).
	RefreshReuseGrace time.Duration
	// Lockout is how failed sign-ins at one account turn into waiting.
	Lockout throttle.Policy
	// TrustedProxies are the address ranges of reverse proxies whose X-Forwarded-For names the
	// client; empty means the connection's address is the client's.
	TrustedProxies []netip.Prefix
	// AuthRatePerMin is the number of auth requests one address may make per minute.
	AuthRatePerMin int
	// BodyTimeout is how long a client may take to send a request body before a 408.
	BodyTimeout time.Duration
	// SubscriptionsPerUser bounds the push subscriptions of one user.
	SubscriptionsPerUser int
	// SQLiteSynchronous is "full" (a commit survives a power loss) or "normal" (faster; the
	// last acknowledged commits may not).
	SQLiteSynchronous string
	// SQLiteMaxPreparing bounds the SQLite writes reading and deriving at once (0: twice the
	// cores), so the single writer is not starved of the processor.
	SQLiteMaxPreparing int
	// StorageQuotaMB bounds the record data one user may keep, in MiB.
	StorageQuotaMB int
	// PullRatePerMin is how many pulls one user may make per minute.
	PullRatePerMin int
	// PullsInFlightPerUser bounds one user's pulls and exports being answered at once.
	PullsInFlightPerUser int
	// ExportsInFlight bounds the exports being answered at once on this server: each holds a
	// database snapshot while it streams.
	ExportsInFlight int
	// WriteIdle is how long a client may take nothing of an answer before it is cut off.
	WriteIdle time.Duration
	// StreamsPerUser bounds the open event streams of one user; a new one closes the oldest.
	StreamsPerUser int
	// TombstoneTTL is how long deleted records are kept before they are purged.
	TombstoneTTL time.Duration
	// VAPIDPublicKey and VAPIDPrivateKey sign Web Push requests; empty means generate and keep
	// a pair in DataDir.
	VAPIDPublicKey, VAPIDPrivateKey string
	// VAPIDSubject is how push services reach the operator: mailto:… or https://….
	VAPIDSubject string
	// PushAllowInsecure lists hosts (or host:port) that push endpoints may use over plain http
	// and on private or loopback addresses: only for a local test push service.
	PushAllowInsecure []string
	// MetricsToken, when set, is the bearer token /metrics requires; empty leaves it open
	// (bind the server to a private network, or set this, before exposing it).
	MetricsToken string
	// LogFormat is "text" or "json".
	LogFormat string
	// LogLevel is debug, info, warn or error.
	LogLevel string
}

// Getenv looks up one variable; os.LookupEnv in production, a map in tests.
type Getenv func(key string) (string, bool)

// FromEnv reads the configuration from the process environment.
func FromEnv() (Config, error) { return Load(os.LookupEnv) }

// positive parses s, the value of key, keeping def when s is empty; a value that does not parse
// or is not above zero also keeps def and adds an error saying what was wanted.
func positive[T int | time.Duration](s string, def T, parse func(string) (T, error), key, want string, errs *[]error) T {
	if s == "" {
		return def
	}
	v, err := parse(s)
	if err != nil || v <= 0 {
		*errs = append(*errs, fmt.Errorf("%s=%q: want %s", key, s, want))
		return def
	}
	return v
}

// Load reads and validates the configuration through getenv.
func Load(getenv Getenv) (Config, error) {
	var errs []error
	get := func(key, def string) string {
		if v, ok := getenv(key); ok && strings.TrimSpace(v) != "" {
			return strings.TrimSpace(v)
		}
		return def
	}
	duration := func(key string, def time.Duration) time.Duration {
		return positive(get(key, ""), def, time.ParseDuration, key, "a positive duration such as 15m or 720h", &errs)
	}
	// zeroOrDuration is duration where 0 is allowed and means "off".
	zeroOrDuration := func(key string, def time.Duration) time.Duration {
		if d, err := time.ParseDuration(get(key, "")); err == nil && d == 0 {
			return 0
		}
		return duration(key, def)
	}
	integer := func(key string, def int) int {
		return positive(get(key, ""), def, strconv.Atoi, key, "a positive whole number", &errs)
	}

	c := Config{
		Addr:                 get("ASKWELL_ADDR", ":8080"),
		DataDir:              get("ASKWELL_DATA_DIR", "data"),
		DatabaseURL:          get("ASKWELL_DATABASE_URL", ""),
		BaseURL:              get("ASKWELL_BASE_URL", ""),
		AccessTTL:            duration("ASKWELL_ACCESS_TTL", 15*time.Minute),
		RefreshTTL:           duration("ASKWELL_REFRESH_TTL", 60*24*time.Hour),
		AuthRatePerMin:       integer("ASKWELL_AUTH_RATE_PER_MIN", 20),
		RefreshReuseGrace:    zeroOrDuration("ASKWELL_REFRESH_REUSE_GRACE", 30*time.Second),
		TombstoneTTL:         duration("ASKWELL_TOMBSTONE_TTL", 90*24*time.Hour),
		BodyTimeout:          duration("ASKWELL_BODY_TIMEOUT", 10*time.Second),
		StreamsPerUser:       integer("ASKWELL_STREAMS_PER_USER", 10),
		SubscriptionsPerUser: integer("ASKWELL_PUSH_SUBSCRIPTIONS_PER_USER", 20),
		PullRatePerMin:       integer("ASKWELL_PULL_RATE_PER_MIN", 300),
		PullsInFlightPerUser: integer("ASKWELL_PULLS_IN_FLIGHT_PER_USER", 4),
		ExportsInFlight:      integer("ASKWELL_EXPORTS_IN_FLIGHT", 2),
		WriteIdle:            duration("ASKWELL_WRITE_IDLE", 30*time.Second),
		StorageQuotaMB:       integer("ASKWELL_STORAGE_QUOTA_MB", 200),
		SQLiteSynchronous:    get("ASKWELL_SQLITE_SYNCHRONOUS", "full"),
		SQLiteMaxPreparing:   integer("ASKWELL_SQLITE_MAX_PREPARING", 0),
		LogFormat:            get("ASKWELL_LOG_FORMAT", "text"),
		LogLevel:             get("ASKWELL_LOG_LEVEL", "info"),
	}
	for key, dst := range map[string]*string{
		"ASKWELL_JWT_SECRET": &c.JWTSecret, "ASKWELL_VAPID_PUBLIC_KEY": &c.VAPIDPublicKey, "ASKWELL_VAPID_PRIVATE_KEY": &c.VAPIDPrivateKey,
		"ASKWELL_METRICS_TOKEN": &c.MetricsToken,
	} {
		v, err := secretValue(getenv, key)
		if err != nil {
			errs = append(errs, err)
		}
		*dst = v
	}
	c.Lockout = throttle.DefaultPolicy()
	c.Lockout.Free = integer("ASKWELL_LOGIN_FREE_FAILURES", c.Lockout.Free)
	c.Lockout.Max = duration("ASKWELL_LOGIN_MAX_WAIT", c.Lockout.Max)
	for _, p := range strings.Split(get("ASKWELL_TRUSTED_PROXIES", ""), ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		pfx, err := netip.ParsePrefix(p)
		if err != nil {
			ip, err2 := netip.ParseAddr(p)
			if err2 != nil {
				errs = append(errs, fmt.Errorf("ASKWELL_TRUSTED_PROXIES: %q: want an address or a range such as 10.0.0.0/8", p))
				continue
			}
			pfx = netip.PrefixFrom(ip, ip.BitLen())
		}
		c.TrustedProxies = append(c.TrustedProxies, pfx.Masked())
	}
	for _, h := range strings.Split(get("ASKWELL_PUSH_ALLOW_INSECURE", ""), ",") {
		if h = strings.TrimSpace(h); h != "" {
			c.PushAllowInsecure = append(c.PushAllowInsecure, h)
		}
	}
	if c.BaseURL == "" {
		c.BaseURL = "http://localhost" + portOf(c.Addr)
	}
	c.VAPIDSubject = get("ASKWELL_VAPID_SUBJECT", "")
	if c.VAPIDSubject == "" {
		// Push services want a way to reach the operator; an https base URL is one.
		c.VAPIDSubject = "mailto:askwell@localhost"
		if strings.HasPrefix(c.BaseURL, "https://") {
			c.VAPIDSubject = c.BaseURL
		}
	}
	if err := c.Validate(); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return Config{}, fmt.Errorf("config: %w", errors.Join(errs...))
	}
	return c, nil
}

// Validate checks the settings that depend on each other or on their format.
func (c Config) Validate() error {
	var errs []error
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		errs = append(errs, fmt.Errorf("ASKWELL_ADDR=%q: want host:port such as :8080 or 127.0.0.1:8080", c.Addr))
	}
	if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("ASKWELL_BASE_URL=%q: want an absolute http(s) URL such as https://askwell.example.com", c.BaseURL))
	}
	if c.DatabaseURL != "" && !strings.HasPrefix(c.DatabaseURL, "postgres://") &&
		!strings.HasPrefix(c.DatabaseURL, "postgresql://") && !strings.HasPrefix(c.DatabaseURL, "sqlite://") {
		errs = append(errs, errors.New("ASKWELL_DATABASE_URL: want postgres://… or sqlite://path (empty means SQLite in the data dir)"))
	}
	if c.JWTSecret != "" && len(c.JWTSecret) < 32 {
		errs = append(errs, errors.New("ASKWELL_JWT_SECRET: must be at least 32 characters"))
	}
	if c.MetricsToken != "" && len(c.MetricsToken) < 16 {
		errs = append(errs, errors.New("ASKWELL_METRICS_TOKEN: must be at least 16 characters"))
	}
	if (c.VAPIDPublicKey == "") != (c.VAPIDPrivateKey == "") {
		errs = append(errs, errors.New("ASKWELL_VAPID_PUBLIC_KEY and ASKWELL_VAPID_PRIVATE_KEY: set both or neither"))
	}
	if !strings.HasPrefix(c.VAPIDSubject, "mailto:") && !strings.HasPrefix(c.VAPIDSubject, "https://") {
		errs = append(errs, fmt.Errorf("ASKWELL_VAPID_SUBJECT=%q: want mailto:you@example.com or an https URL", c.VAPIDSubject))
	}
	if c.RefreshReuseGrace > 5*time.Minute {
		errs = append(errs, errors.New("ASKWELL_REFRESH_REUSE_GRACE: at most 5m; a longer window lets a stolen token in"))
	}
	if c.AccessTTL > 24*time.Hour {
		errs = append(errs, errors.New("ASKWELL_ACCESS_TTL: at most 24h; access tokens should be short-lived"))
	}
	switch c.SQLiteSynchronous {
	case "full", "normal":
	default:
		errs = append(errs, fmt.Errorf("ASKWELL_SQLITE_SYNCHRONOUS=%q: want full or normal", c.SQLiteSynchronous))
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		errs = append(errs, fmt.Errorf("ASKWELL_LOG_FORMAT=%q: want text or json", c.LogFormat))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("ASKWELL_LOG_LEVEL=%q: want debug, info, warn or error", c.LogLevel))
	}
	return errors.Join(errs...)
}

// Postgres reports whether the configuration points at PostgreSQL.
func (c Config) Postgres() bool {
	return strings.HasPrefix(c.DatabaseURL, "postgres://") || strings.HasPrefix(c.DatabaseURL, "postgresql://")
}

// SQLitePath is the SQLite database file: from sqlite://path, else askwell.db in DataDir.
func (c Config) SQLitePath() string {
	if p, ok := strings.CutPrefix(c.DatabaseURL, "sqlite://"); ok && p != "" {
		return p
	}
	return filepath.Join(c.DataDir, "askwell.db")
}

// SecureCookies reports whether cookies must carry the Secure flag.
func (c Config) SecureCookies() bool { return strings.HasPrefix(c.BaseURL, "https://") }

// secretValue reads KEY, or the file named by KEY_FILE; setting both is an error.
func secretValue(getenv Getenv, key string) (string, error) {
	v, hasV := getenv(key)
	f, hasF := getenv(key + "_FILE")
	hasV = hasV && v != ""
	hasF = hasF && f != ""
	switch {
	case hasV && hasF:
		return "", fmt.Errorf("%s and %s_FILE are both set; use one", key, key)
	case hasF:
		b, err := os.ReadFile(f)
		if err != nil {
			return "", fmt.Errorf("%s_FILE: %w", key, err)
		}
		return strings.TrimSpace(string(b)), nil
	default:
		return v, nil
	}
}

func portOf(addr string) string {
	_, port, err := net.SplitHostPort(addr)
	if err != nil || port == "" {
		return ""
	}
	return ":" + port
}
