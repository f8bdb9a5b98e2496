package loadgen

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"time"
)

// Config is what one run does.
type Config struct {
	URL          string        // base URL of the server, loopback only
	Devices      int           // simulated devices (concurrent workers)
	Users        int           // accounts the devices share
	Duration     time.Duration // length of the sync phase
	NoopDuration time.Duration // length of the GET /healthz phase; 0 skips it
	PushDuration time.Duration // length of the push-only phase; 0 skips it
	Think        time.Duration // mean pause between a device's rounds; 0 for none
	MaxBatch     int           // a push carries 1..MaxBatch new mutations
	PullLimit    int           // limit of each pull request
	Timeout      time.Duration // per request
	SetupWorkers int           // concurrent registrations and logins
	ShareLogin   bool          // devices reuse their account's first token instead of signing in
	Seed         uint64        // for the generated records
}

// DefaultConfig is the run of docs/performance.md.
func DefaultConfig() Config {
	return Config{
		URL: "http://127.0.0.1:8080", Devices: 200, Users: 50, Duration: 20 * time.Second, NoopDuration: -1,
		MaxBatch: 5, PullLimit: 500, Timeout: 10 * time.Second, SetupWorkers: 4, Seed: 1,
	}
}

// Main runs the load generator with command-line args and prints the report to out.
func Main(ctx context.Context, args []string, out io.Writer) error {
	cfg := DefaultConfig()
	fs := flag.NewFlagSet("askwell loadgen", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.StringVar(&cfg.URL, "url", cfg.URL, "server base URL (loopback addresses only)")
	fs.IntVar(&cfg.Devices, "devices", cfg.Devices, "simulated devices, each a concurrent worker")
	fs.IntVar(&cfg.Users, "users", cfg.Users, "accounts; devices are spread over them and sign in with their own login")
	fs.DurationVar(&cfg.Duration, "duration", cfg.Duration, "length of the sync phase")
	fs.DurationVar(&cfg.NoopDuration, "noop-duration", cfg.NoopDuration, "length of the GET /healthz phase with the same concurrency (negative: same as -duration, 0: skip)")
	noop := fs.Bool("noop", true, "also measure GET /healthz for the throughput ratio (false is -noop-duration 0)")
	fs.DurationVar(&cfg.PushDuration, "push-duration", cfg.PushDuration, "length of a phase in which the devices only push, for the push throughput (0: skip)")
	fs.DurationVar(&cfg.Think, "think", cfg.Think, "mean pause between a device's push+pull rounds (0: none)")
	fs.IntVar(&cfg.MaxBatch, "max-batch", cfg.MaxBatch, "a push carries 1..max-batch new mutations")
	fs.IntVar(&cfg.PullLimit, "pull-limit", cfg.PullLimit, "limit of each pull request")
	fs.DurationVar(&cfg.Timeout, "timeout", cfg.Timeout, "per-request timeout")
	fs.IntVar(&cfg.SetupWorkers, "setup-workers", cfg.SetupWorkers, "concurrent registrations and logins during setup")
	fs.BoolVar(&cfg.ShareLogin, "share-login", cfg.ShareLogin, "only the first device of an account signs in; the others reuse its access token (setup without a password hash per device)")
	fs.Uint64Var(&cfg.Seed, "seed", cfg.Seed, "seed of the generated records")
	fs.Usage = func() {
		fmt.Fprint(out, `usage: askwell loadgen [flags]

Simulates devices pushing and pulling against a running server on this machine, then calls
GET /healthz with the same concurrency, and prints throughput, latency percentiles and errors.
Start the server with ASKWELL_AUTH_RATE_PER_MIN=100000: setup signs in every device, and at the
default of 20 auth requests a minute it would wait out rate limits for minutes.

`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("loadgen: unexpected argument %q", fs.Arg(0))
	}
	if !*noop {
		cfg.NoopDuration = 0
	}
	rep, err := Run(ctx, cfg, out)
	if err != nil {
		return err
	}
	rep.Print(out)
	return nil
}

// CheckURL accepts an http(s) URL whose host is a loopback address (127.0.0.0/8, ::1, or
// localhost resolving only to those) and returns it without a trailing slash.
func CheckURL(ctx context.Context, raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("loadgen: -url: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", fmt.Errorf("loadgen: -url %q: want http://127.0.0.1:PORT", raw)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" || (u.Path != "" && u.Path != "/") {
		return "", fmt.Errorf("loadgen: -url %q: want only scheme, host and port", raw)
	}
	host := u.Hostname()
	switch {
	case host == "":
		return "", fmt.Errorf("loadgen: -url %q: no host", raw)
	case strings.EqualFold(host, "localhost"):
		addrs, err := net.DefaultResolver.LookupIPAddr(ctx, host)
		if err != nil || len(addrs) == 0 {
			return "", fmt.Errorf("loadgen: -url: cannot resolve localhost: %v", err)
		}
		for _, a := range addrs {
			if !a.IP.IsLoopback() {
				return "", fmt.Errorf("loadgen: -url: localhost resolves to %s, which is not a loopback address", a.IP)
			}
		}
	default:
		ip := net.ParseIP(host)
		if ip == nil || !ip.IsLoopback() {
			return "", fmt.Errorf("loadgen: -url %q: refusing a host that is not a loopback address (use 127.0.0.1 or ::1)", raw)
		}
	}
	return strings.TrimSuffix(u.String(), "/"), nil
}

func (c *Config) check(ctx context.Context) error {
	base, err := CheckURL(ctx, c.URL)
	if err != nil {
		return err
	}
	c.URL = base
	switch {
	case c.Devices < 1:
		return errors.New("loadgen: -devices must be at least 1")
	case c.Users < 1:
		return errors.New("loadgen: -users must be at least 1")
	case c.Duration <= 0:
		return errors.New("loadgen: -duration must be positive")
	case c.PushDuration < 0:
		return errors.New("loadgen: -push-duration must not be negative")
	case c.MaxBatch < 1 || c.MaxBatch > 1000:
		return errors.New("loadgen: -max-batch must be 1..1000")
	case c.PullLimit < 1 || c.PullLimit > 10000:
		return errors.New("loadgen: -pull-limit must be 1..10000")
	case c.Timeout <= 0:
		return errors.New("loadgen: -timeout must be positive")
	}
	c.Users = min(c.Users, c.Devices)
	c.SetupWorkers = max(c.SetupWorkers, 1)
	if c.NoopDuration < 0 {
		c.NoopDuration = c.Duration
	}
	return nil
}
