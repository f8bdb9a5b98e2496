// Package loadgen simulates many devices syncing against a running server, and measures a
// no-op route with the same concurrency in the same run, for the figures of docs/performance.md
// (mixed sync load from 200 devices: p99 ≤ 100 ms, throughput ≥ 15 % of a no-op handler).
//
//	askwell loadgen -url http://127.0.0.1:8080 -devices 200 -users 50 -duration 20s
//
// Setup registers -users accounts and signs every further device in with its own login (several
// devices share one account, so their pushes meet in each other's pulls). The server limits auth
// requests to ASKWELL_AUTH_RATE_PER_MIN per address (20 by default): start the server under test
// with ASKWELL_AUTH_RATE_PER_MIN=100000, or loadgen waits out every 429 and setup takes minutes.
// Setup is not measured.
//
// Then every device loops until -duration has passed: push 1 to -max-batch mutations (new
// contacts and notes, edits of its own records; its own client id and mutation sequence, resent
// until acknowledged as a real client's outbox is), then pull from its cursor until has_more is
// false, then wait -think (default none). Afterwards the same number of workers call GET /healthz
// for -noop-duration, and the report compares the two throughputs. Only loopback servers are
// accepted: this is a benchmark tool, not a way to load someone else's server.
package loadgen

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Config is what one run does.
type Config struct {
	URL          string        // base URL of the server, loopback only
	Devices      int           // simulated devices (concurrent workers)
	Users        int           // accounts the devices share
	Duration     time.Duration // length of the sync phase
	NoopDuration time.Duration // length of the GET /healthz phase; 0 skips it
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

// Request kinds in the report.
const (
	KindPush    = "push"
	KindPull    = "pull"
	KindHealthz = "healthz"
	KindAll     = "all"
)

// stats is one worker's record of a phase; workers never share one, so nothing is locked
// per request, and the slices are merged when the phase ends.
type stats struct {
	lat      map[string][]time.Duration // completed requests (any status) by kind
	errs     map[string]int             // "push 409", "pull timeout", …
	applied  int64                      // mutations the server applied
	received int64                      // changes pulled
}

func newStats() *stats {
	return &stats{lat: map[string][]time.Duration{}, errs: map[string]int{}}
}

// KindReport is the figures of one request kind in a phase.
type KindReport struct {
	Kind               string
	Count              int // completed requests, any status
	Errors             int // non-2xx statuses and transport failures
	PerSec             float64
	P50, P95, P99, Max time.Duration
}

// Phase is the result of one timed phase.
type Phase struct {
	Name     string
	Workers  int
	Elapsed  time.Duration
	Kinds    []KindReport   // per kind, then "all"
	Errors   map[string]int // by kind and status ("push 409") or failure ("pull timeout")
	Applied  int64          // mutations applied (sync phase)
	Received int64          // changes pulled (sync phase)
	PeakRSS  float64        // bytes, from the server's /metrics; 0 when unknown
	perKind  map[string]*KindReport
}

// Kind returns the figures of one kind (KindAll for the whole phase).
func (p *Phase) Kind(kind string) KindReport {
	if k, ok := p.perKind[kind]; ok {
		return *k
	}
	return KindReport{Kind: kind}
}

// Report is the result of a run.
type Report struct {
	Config      Config
	SetupTime   time.Duration
	SetupLimits int     // 429s waited out during setup
	IdleRSS     float64 // server RSS before the sync phase (bytes; 0 when unknown)
	Sync        *Phase
	Noop        *Phase // nil when skipped
}

// Ratio is sync throughput over no-op throughput (0 without a no-op phase).
func (r *Report) Ratio() float64 {
	if r.Noop == nil {
		return 0
	}
	n := r.Noop.Kind(KindAll).PerSec
	if n == 0 {
		return 0
	}
	return r.Sync.Kind(KindAll).PerSec / n
}

// gen is the shared state of a run.
type gen struct {
	cfg    Config
	client *http.Client
	runID  string
	logMu  sync.Mutex
	logw   io.Writer
}

func (g *gen) logf(format string, args ...any) {
	g.logMu.Lock()
	defer g.logMu.Unlock()
	fmt.Fprintf(g.logw, "loadgen: "+format+"\n", args...)
}

// Run sets up the accounts and runs the phases; progress lines go to logw.
func Run(ctx context.Context, cfg Config, logw io.Writer) (*Report, error) {
	if err := cfg.check(ctx); err != nil {
		return nil, err
	}
	raw := make([]byte, 4)
	_, _ = rand.Read(raw)
	g := &gen{cfg: cfg, runID: hex.EncodeToString(raw), logw: logw}
	conns := cfg.Devices + cfg.SetupWorkers + 4
	tr := &http.Transport{
		Proxy:               nil, // loopback only: never through a proxy
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        conns,
		MaxIdleConnsPerHost: conns,
		IdleConnTimeout:     90 * time.Second,
	}
	defer tr.CloseIdleConnections()
	g.client = &http.Client{Transport: tr, Timeout: cfg.Timeout}

	if status, _, _, err := g.do(ctx, http.MethodGet, "/healthz", "", nil); err != nil || status != http.StatusOK {
		return nil, fmt.Errorf("loadgen: %s/healthz: status %d, %v: is the server running?", cfg.URL, status, err)
	}
	rep := &Report{Config: cfg}
	g.logf("setting up %d devices on %d accounts at %s …", cfg.Devices, cfg.Users, cfg.URL)
	start := time.Now()
	devs, limited, err := g.setup(ctx)
	rep.SetupTime, rep.SetupLimits = time.Since(start), limited
	if err != nil {
		return nil, err
	}
	rep.IdleRSS = g.rss(ctx)

	g.logf("setup done in %s; sync phase, %d devices for %s …", rep.SetupTime.Round(time.Millisecond), cfg.Devices, cfg.Duration)
	workers := make([]func(context.Context, *stats), len(devs))
	for i, d := range devs {
		workers[i] = d.loop
	}
	rep.Sync = g.phase(ctx, "sync", cfg.Duration, workers, []string{KindPush, KindPull})
	if ctx.Err() == nil && cfg.NoopDuration > 0 {
		g.logf("no-op phase, %d workers on GET /healthz for %s …", cfg.Devices, cfg.NoopDuration)
		noop := make([]func(context.Context, *stats), cfg.Devices)
		for i := range noop {
			noop[i] = g.healthzLoop
		}
		rep.Noop = g.phase(ctx, "no-op", cfg.NoopDuration, noop, []string{KindHealthz})
	}
	return rep, nil
}

// phase runs the workers until the duration is over (or ctx ends) and merges their stats.
func (g *gen) phase(ctx context.Context, name string, d time.Duration, workers []func(context.Context, *stats), kinds []string) *Phase {
	pctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	all := make([]*stats, len(workers))
	var wg sync.WaitGroup
	var peak float64
	rssDone := make(chan struct{})
	go func() { // the server's memory, once a second, on a connection of its own
		defer close(rssDone)
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-pctx.Done():
				return
			case <-t.C:
				peak = math.Max(peak, g.rss(pctx))
			}
		}
	}()
	start := time.Now()
	for i, w := range workers {
		all[i] = newStats()
		wg.Go(func() { w(pctx, all[i]) })
	}
	wg.Wait()
	elapsed := time.Since(start)
	<-rssDone

	p := &Phase{Name: name, Workers: len(workers), Elapsed: elapsed, Errors: map[string]int{}, PeakRSS: peak,
		perKind: map[string]*KindReport{}}
	merged := map[string][]time.Duration{}
	errsByKind := map[string]int{}
	for _, s := range all {
		for k, l := range s.lat {
			merged[k] = append(merged[k], l...)
			merged[KindAll] = append(merged[KindAll], l...)
		}
		for k, n := range s.errs {
			p.Errors[k] += n
			kind, _, _ := strings.Cut(k, " ")
			errsByKind[kind] += n
			errsByKind[KindAll] += n
		}
		p.Applied += s.applied
		p.Received += s.received
	}
	for _, k := range append(kinds, KindAll) {
		l := merged[k]
		slices.Sort(l)
		kr := KindReport{Kind: k, Count: len(l), Errors: errsByKind[k], PerSec: float64(len(l)) / elapsed.Seconds(),
			P50: pct(l, 0.50), P95: pct(l, 0.95), P99: pct(l, 0.99)}
		if len(l) > 0 {
			kr.Max = l[len(l)-1]
		}
		p.Kinds = append(p.Kinds, kr)
	}
	for i := range p.Kinds {
		p.perKind[p.Kinds[i].Kind] = &p.Kinds[i]
	}
	return p
}

// pct is the nearest-rank percentile of sorted durations.
func pct(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// do sends one request and reads the whole response; the duration covers both.
func (g *gen) do(ctx context.Context, method, path, token string, body []byte) (int, []byte, time.Duration, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, g.cfg.URL+path, rd)
	if err != nil {
		return 0, nil, 0, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	start := time.Now()
	resp, err := g.client.Do(req)
	if err != nil {
		return 0, nil, time.Since(start), err
	}
	b, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	return resp.StatusCode, b, time.Since(start), err
}

// record files a finished request: its latency when a response came, its error otherwise.
// A request cut off by the end of the phase is not counted at all.
func record(ctx context.Context, st *stats, kind string, status int, d time.Duration, err error) bool {
	if err != nil {
		if ctx.Err() != nil {
			return false
		}
		reason := "transport"
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			reason = "timeout"
		}
		st.errs[kind+" "+reason]++
		return false
	}
	st.lat[kind] = append(st.lat[kind], d)
	if status < 200 || status > 299 {
		st.errs[kind+" "+strconv.Itoa(status)]++
		return false
	}
	return true
}

func (g *gen) healthzLoop(ctx context.Context, st *stats) {
	for ctx.Err() == nil {
		status, _, d, err := g.do(ctx, http.MethodGet, "/healthz", "", nil)
		record(ctx, st, KindHealthz, status, d, err)
	}
}

// rss reads the server's resident memory from /metrics (0 when it cannot).
func (g *gen) rss(ctx context.Context) float64 {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, g.cfg.URL+"/metrics", nil)
	if err != nil {
		return 0
	}
	// Uncompressed on purpose: with gzip the server compresses /metrics twice (promhttp and
	// the Echo gzip middleware) under one Content-Encoding header.
	req.Header.Set("Accept-Encoding", "identity")
	resp, err := g.client.Do(req)
	if err != nil {
		return 0
	}
	body, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		return 0
	}
	for line := range strings.Lines(string(body)) {
		if v, ok := strings.CutPrefix(line, "process_resident_memory_bytes "); ok {
			f, _ := strconv.ParseFloat(strings.TrimSpace(v), 64)
			return f
		}
	}
	return 0
}

// ---- setup ----

type account struct {
	email string
	token string // from the registration, for -share-login
}

const password = "loadgen correct horse battery"

// setup registers the accounts and signs in every device; it returns the devices and how many
// 429s it waited out.
func (g *gen) setup(ctx context.Context) ([]*device, int, error) {
	devs := make([]*device, g.cfg.Devices)
	accts := make([]account, g.cfg.Users)
	for i := range accts {
		accts[i] = account{email: fmt.Sprintf("loadgen-%s-%d@example.com", g.runID, i)}
	}
	for i := range devs {
		devs[i] = &device{
			g: g, acct: &accts[i%len(accts)], clientID: fmt.Sprintf("lg-%s-d%d", g.runID, i),
			f: NewFaker(g.cfg.Seed*1_000_003 + uint64(i)), nextID: 1,
			r: mrand.New(mrand.NewPCG(g.cfg.Seed, uint64(i))),
		}
	}
	var limited int
	var mu sync.Mutex
	// Each account's first device registers; the others sign in once every account exists.
	stage := func(jobs []*device, register bool) error {
		ch := make(chan *device)
		errc := make(chan error, g.cfg.SetupWorkers)
		var wg sync.WaitGroup
		for range g.cfg.SetupWorkers {
			wg.Go(func() {
				for d := range ch {
					n, err := d.signIn(ctx, register)
					mu.Lock()
					limited += n
					mu.Unlock()
					if err != nil {
						errc <- err
						return
					}
				}
			})
		}
		var err error
	feed:
		for _, d := range jobs {
			select {
			case ch <- d:
			case err = <-errc:
				break feed
			}
		}
		close(ch)
		wg.Wait()
		if err == nil {
			select {
			case err = <-errc:
			default:
			}
		}
		return err
	}
	if err := stage(devs[:len(accts)], true); err != nil {
		return nil, limited, err
	}
	if g.cfg.ShareLogin {
		for _, d := range devs[len(accts):] {
			d.token = d.acct.token
		}
		return devs, limited, nil
	}
	if err := stage(devs[len(accts):], false); err != nil {
		return nil, limited, err
	}
	return devs, limited, nil
}

// ---- one device ----

type ownRecord struct {
	entity, id string
	version    int64
}

type device struct {
	g        *gen
	acct     *account
	clientID string
	token    string
	f        *Faker
	r        *mrand.Rand

	nextID   int64       // next mutation id of this client
	outbox   []Mutation  // sent or not, not yet acknowledged
	own      []ownRecord // records this device made, for edits
	contacts []string    // contact ids notes may refer to
	cursor   int64
}

// signIn registers the account or logs in, waiting out rate limits; it returns the 429 count.
func (d *device) signIn(ctx context.Context, register bool) (int, error) {
	path := "/api/v1/auth/login"
	body := map[string]any{"email": d.acct.email, "password": password}
	want := http.StatusOK
	if register {
		path, want = "/api/v1/auth/register", http.StatusCreated
		body["name"] = "Loadgen " + d.clientID
	}
	b, _ := json.Marshal(body)
	limited := 0
	for wait := time.Second; ; wait = min(2*wait, 15*time.Second) {
		status, resp, _, err := d.g.do(ctx, http.MethodPost, path, "", b)
		if err != nil {
			return limited, fmt.Errorf("loadgen: %s: %w", path, err)
		}
		if status == http.StatusTooManyRequests {
			limited++
			if limited == 1 || limited%10 == 0 {
				d.g.logf("%s rate limited (%d so far by this worker); start the server with ASKWELL_AUTH_RATE_PER_MIN=100000", path, limited)
			}
			select {
			case <-ctx.Done():
				return limited, ctx.Err()
			case <-time.After(wait):
			}
			continue
		}
		if status != want {
			return limited, fmt.Errorf("loadgen: %s %s: %d %s", path, d.acct.email, status, bytes.TrimSpace(resp))
		}
		var a struct {
			AccessToken string `json:"access_token"`
		}
		if err := json.Unmarshal(resp, &a); err != nil || a.AccessToken == "" {
			return limited, fmt.Errorf("loadgen: %s: no access token in %s", path, resp)
		}
		d.token = a.AccessToken
		if register {
			d.acct.token = a.AccessToken
		}
		return limited, nil
	}
}

// loop is the device's life in the sync phase.
func (d *device) loop(ctx context.Context, st *stats) {
	for ctx.Err() == nil {
		d.push(ctx, st)
		if ctx.Err() != nil {
			return
		}
		d.pull(ctx, st)
		if d.g.cfg.Think > 0 {
			pause := d.g.cfg.Think/2 + time.Duration(d.r.Int64N(int64(d.g.cfg.Think)+1))
			select {
			case <-ctx.Done():
			case <-time.After(pause):
			}
		}
	}
}

// write adds 1..MaxBatch local changes to the outbox: mostly new notes and contacts, some
// edits of records this device made.
func (d *device) write() {
	n := 1 + d.r.IntN(d.g.cfg.MaxBatch)
	for range n {
		m := Mutation{ID: d.nextID, Op: "put"}
		switch k := d.r.IntN(10); {
		case len(d.own) > 0 && k < 3:
			o := d.own[d.r.IntN(len(d.own))]
			m.Entity, m.RecordID, m.Fields, m.BaseVersion = o.entity, o.id, d.f.Edit(o.entity), o.version
		case len(d.contacts) == 0 || k < 6:
			m.Entity, m.RecordID, m.Fields = "contact", d.f.ID(), d.f.Contact()
			d.contacts = append(d.contacts, m.RecordID)
			d.own = append(d.own, ownRecord{entity: m.Entity, id: m.RecordID})
		default:
			m.Entity, m.RecordID, m.Fields = "note", d.f.ID(), d.f.Note(d.contacts[max(0, len(d.contacts)-50):])
			d.own = append(d.own, ownRecord{entity: m.Entity, id: m.RecordID})
		}
		d.nextID++
		d.outbox = append(d.outbox, m)
	}
	if len(d.own) > 500 { // keep memory flat on long runs
		d.own = d.own[len(d.own)-500:]
	}
	if len(d.contacts) > 500 {
		d.contacts = d.contacts[len(d.contacts)-500:]
	}
}

type pushRequest struct {
	ClientID  string     `json:"client_id"`
	Mutations []Mutation `json:"mutations"`
}

func (d *device) push(ctx context.Context, st *stats) {
	d.write()
	batch := d.outbox[:min(len(d.outbox), 1000)]
	body, err := json.Marshal(pushRequest{ClientID: d.clientID, Mutations: batch})
	if err != nil {
		st.errs["push encode"]++
		return
	}
	status, resp, dur, err := d.g.do(ctx, http.MethodPost, "/api/v1/sync/push", d.token, body)
	if record(ctx, st, KindPush, status, dur, err) {
		var res struct {
			LastMutationID int64 `json:"last_mutation_id"`
			Version        int64 `json:"version"`
			Applied        int   `json:"applied"`
		}
		if json.Unmarshal(resp, &res) != nil {
			st.errs["push bad-response"]++
			return
		}
		st.applied += int64(res.Applied)
		d.ack(res.LastMutationID, res.Version)
		return
	}
	switch status {
	case http.StatusConflict: // a gap: the server says where it stands
		var e struct {
			Error struct {
				Code    string `json:"code"`
				Details struct {
					ExpectedID int64 `json:"expected_id"`
				} `json:"details"`
			} `json:"error"`
		}
		if json.Unmarshal(resp, &e) == nil && e.Error.Code == "mutation_gap" {
			d.ack(e.Error.Details.ExpectedID-1, 0)
		}
	case http.StatusUnauthorized: // the access token expired on a long run: sign in again
		_, _ = d.signIn(ctx, false)
	case http.StatusBadRequest, http.StatusUnprocessableEntity, http.StatusRequestEntityTooLarge:
		// The server will never take this batch: drop it and reuse its ids, or every later
		// push would fail the same way.
		if len(d.outbox) > 0 {
			d.nextID = d.outbox[0].ID
			d.outbox = d.outbox[:0]
		}
	}
	// Other failures (5xx, timeouts): the outbox stays and goes again with the next push.
}

// ack drops acknowledged mutations and remembers the version of the records they changed.
func (d *device) ack(last, version int64) {
	i := 0
	for i < len(d.outbox) && d.outbox[i].ID <= last {
		i++
	}
	if version > 0 {
		acked := map[string]bool{}
		for _, m := range d.outbox[:i] {
			acked[m.RecordID] = true
		}
		for j := range d.own {
			if acked[d.own[j].id] {
				d.own[j].version = version
			}
		}
	}
	d.outbox = append(d.outbox[:0], d.outbox[i:]...)
}

func (d *device) pull(ctx context.Context, st *stats) {
	for page := 0; page < 20 && ctx.Err() == nil; page++ {
		body := fmt.Appendf(nil, `{"client_id":%q,"cursor":%d,"limit":%d}`, d.clientID, d.cursor, d.g.cfg.PullLimit)
		status, resp, dur, err := d.g.do(ctx, http.MethodPost, "/api/v1/sync/pull", d.token, body)
		if !record(ctx, st, KindPull, status, dur, err) {
			if status == http.StatusUnauthorized {
				_, _ = d.signIn(ctx, false)
			}
			return
		}
		var p struct {
			Changes []json.RawMessage `json:"changes"`
			Cursor  int64             `json:"cursor"`
			HasMore bool              `json:"has_more"`
			Reset   bool              `json:"reset"`
		}
		if json.Unmarshal(resp, &p) != nil {
			st.errs["pull bad-response"]++
			return
		}
		st.received += int64(len(p.Changes))
		d.cursor = p.Cursor
		if !p.HasMore {
			return
		}
	}
}

// ---- report ----

// Print writes the report as a table.
func (r *Report) Print(w io.Writer) {
	c := r.Config
	fmt.Fprintf(w, "\naskwell loadgen  %s  devices=%d users=%d duration=%s think=%s batch=1-%d pull-limit=%d\n",
		c.URL, c.Devices, c.Users, c.Duration, c.Think, c.MaxBatch, c.PullLimit)
	signedIn := c.Devices
	if c.ShareLogin {
		signedIn = c.Users
	}
	fmt.Fprintf(w, "setup: %d accounts, %d devices signed in, in %s", c.Users, signedIn, r.SetupTime.Round(time.Millisecond))
	if r.SetupLimits > 0 {
		fmt.Fprintf(w, " (waited out %d rate limits: raise ASKWELL_AUTH_RATE_PER_MIN)", r.SetupLimits)
	}
	fmt.Fprintln(w)
	for _, p := range []*Phase{r.Sync, r.Noop} {
		if p == nil {
			continue
		}
		fmt.Fprintf(w, "\n%s phase: %d workers, %s\n", p.Name, p.Workers, p.Elapsed.Round(time.Millisecond))
		fmt.Fprintf(w, "  %-8s %9s %7s %10s %9s %9s %9s %9s\n", "kind", "requests", "errors", "req/s", "p50", "p95", "p99", "max")
		for _, k := range p.Kinds {
			fmt.Fprintf(w, "  %-8s %9d %7d %10.1f %9s %9s %9s %9s\n", k.Kind, k.Count, k.Errors, k.PerSec,
				fmtDur(k.P50), fmtDur(k.P95), fmtDur(k.P99), fmtDur(k.Max))
		}
		if p.Name == "sync" {
			fmt.Fprintf(w, "  mutations applied: %d (%.1f/s); changes pulled: %d\n", p.Applied,
				float64(p.Applied)/p.Elapsed.Seconds(), p.Received)
		}
		fmt.Fprintf(w, "  errors: %s\n", fmtErrors(p.Errors))
		if p.PeakRSS > 0 {
			fmt.Fprintf(w, "  server RSS peak: %.1f MB\n", p.PeakRSS/1e6)
		}
	}
	fmt.Fprintln(w, "\nbudgets (docs/performance.md):")
	p99 := r.Sync.Kind(KindAll).P99
	fmt.Fprintf(w, "  sync p99 (push+pull): %s (budget ≤ 100ms) %s\n", fmtDur(p99), verdict(p99 <= 100*time.Millisecond))
	if r.Noop != nil {
		fmt.Fprintf(w, "  throughput ratio sync/no-op: %.1f/%.1f req/s = %.1f %% (budget ≥ 15 %%) %s\n",
			r.Sync.Kind(KindAll).PerSec, r.Noop.Kind(KindAll).PerSec, 100*r.Ratio(), verdict(r.Ratio() >= 0.15))
	}
	if r.IdleRSS > 0 && r.Sync.PeakRSS > 0 {
		fmt.Fprintf(w, "  server RSS: %.1f MB after setup, %.1f MB peak under sync load (budget ≤ 200 MB) %s\n",
			r.IdleRSS/1e6, r.Sync.PeakRSS/1e6, verdict(r.Sync.PeakRSS <= 200e6))
	}
}

func verdict(ok bool) string {
	if ok {
		return "ok"
	}
	return "OVER BUDGET"
}

func fmtDur(d time.Duration) string {
	switch {
	case d == 0:
		return "-"
	case d < 10*time.Millisecond:
		return fmt.Sprintf("%.2fms", float64(d)/1e6)
	case d < time.Second:
		return fmt.Sprintf("%.1fms", float64(d)/1e6)
	}
	return d.Round(time.Millisecond).String()
}

func fmtErrors(m map[string]int) string {
	if len(m) == 0 {
		return "none"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s: %d", k, m[k])
	}
	return strings.Join(parts, ", ")
}
