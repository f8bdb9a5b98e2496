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
// false, then wait -think (default none). With -push-duration the devices then only push for
// that long: the push throughput of small batches from many users, its own budget. Afterwards
// the same number of workers call GET /healthz for -noop-duration, and the report compares
// the sync and no-op throughputs. Only loopback servers are accepted: this is a benchmark
// tool, not a way to load someone else's server.
package loadgen

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/askwell/askwell/server/internal/auth"
)

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
	rep.IdleRSS = g.metric(ctx, "process_resident_memory_bytes")

	g.logf("setup done in %s; sync phase, %d devices for %s …", rep.SetupTime.Round(time.Millisecond), cfg.Devices, cfg.Duration)
	workers := make([]func(context.Context, *stats), len(devs))
	for i, d := range devs {
		workers[i] = d.loop
	}
	rep.Sync = g.phase(ctx, "sync", cfg.Duration, workers, []string{KindPush, KindPull})
	if ctx.Err() == nil && cfg.PushDuration > 0 {
		g.logf("push phase, %d devices only pushing for %s …", cfg.Devices, cfg.PushDuration)
		for i, d := range devs {
			workers[i] = d.pushLoop
		}
		rep.Push = g.phase(ctx, "push", cfg.PushDuration, workers, []string{KindPush})
	}
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
				peak = math.Max(peak, g.metric(pctx, "process_resident_memory_bytes"))
			}
		}
	}()
	cpu0 := g.metric(ctx, "process_cpu_seconds_total")
	start := time.Now()
	for i, w := range workers {
		all[i] = newStats()
		wg.Go(func() { w(pctx, all[i]) })
	}
	wg.Wait()
	elapsed := time.Since(start)
	<-rssDone
	var cpu float64
	if cpu0 > 0 {
		cpu = max(g.metric(ctx, "process_cpu_seconds_total")-cpu0, 0)
	}

	p := &Phase{Name: name, Workers: len(workers), Elapsed: elapsed, Errors: map[string]int{}, PeakRSS: peak,
		ServerCPU: cpu, perKind: map[string]*KindReport{}}
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
		auth.SetBearer(req.Header, token)
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

func (g *gen) healthzLoop(ctx context.Context, st *stats) {
	for ctx.Err() == nil {
		status, _, d, err := g.do(ctx, http.MethodGet, "/healthz", "", nil)
		record(ctx, st, KindHealthz, status, d, err)
	}
}

// metric reads one of the server's own gauges or counters (its resident memory, the CPU it
// has used) from /metrics; 0 when it cannot.
func (g *gen) metric(ctx context.Context, name string) float64 {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, g.cfg.URL+"/metrics", nil)
	if err != nil {
		return 0
	}
	// Uncompressed: gzip gains nothing on a scrape mid-run, and servers whose gzip middleware
	// did not yet skip /metrics compressed it twice (with promhttp) under one Content-Encoding.
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
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			f, _ := strconv.ParseFloat(strings.TrimSpace(v), 64)
			return f
		}
	}
	return 0
}

// ---- setup ----
