package loadgen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"
)

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
	// ServerCPU is the CPU the server used during the phase (seconds, from /metrics; 0 when
	// unknown). Per request it varies far less than requests a second on a shared machine.
	ServerCPU float64
	perKind   map[string]*KindReport
}

// CPUPerRequest is the server's CPU per completed request of the phase (0 when unknown).
func (p *Phase) CPUPerRequest() time.Duration {
	n := p.Kind(KindAll).Count
	if p.ServerCPU <= 0 || n == 0 {
		return 0
	}
	return time.Duration(p.ServerCPU / float64(n) * 1e9)
}

// Kind returns the figures of one kind (KindAll for the whole phase).
func (p *Phase) Kind(kind string) KindReport {
	if k, ok := p.perKind[kind]; ok {
		return *k
	}
	return KindReport{Kind: kind}
}

// MutationsPerSec is the mutations the server applied per second of the phase.
func (p *Phase) MutationsPerSec() float64 {
	if p.Elapsed <= 0 {
		return 0
	}
	return float64(p.Applied) / p.Elapsed.Seconds()
}

// Report is the result of a run.
type Report struct {
	Config      Config
	SetupTime   time.Duration
	SetupLimits int     // 429s waited out during setup
	IdleRSS     float64 // server RSS before the sync phase (bytes; 0 when unknown)
	Sync        *Phase
	Push        *Phase // nil when skipped
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

// pct is the nearest-rank percentile of sorted durations.
func pct(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
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
	for _, p := range []*Phase{r.Sync, r.Push, r.Noop} {
		if p == nil {
			continue
		}
		fmt.Fprintf(w, "\n%s phase: %d workers, %s\n", p.Name, p.Workers, p.Elapsed.Round(time.Millisecond))
		fmt.Fprintf(w, "  %-8s %9s %7s %10s %9s %9s %9s %9s\n", "kind", "requests", "errors", "req/s", "p50", "p95", "p99", "max")
		for _, k := range p.Kinds {
			fmt.Fprintf(w, "  %-8s %9d %7d %10.1f %9s %9s %9s %9s\n", k.Kind, k.Count, k.Errors, k.PerSec,
				fmtDur(k.P50), fmtDur(k.P95), fmtDur(k.P99), fmtDur(k.Max))
		}
		if p != r.Noop {
			fmt.Fprintf(w, "  mutations applied: %d (%.1f/s); changes pulled: %d\n", p.Applied, p.MutationsPerSec(), p.Received)
		}
		fmt.Fprintf(w, "  errors: %s\n", fmtErrors(p.Errors))
		if p.PeakRSS > 0 {
			fmt.Fprintf(w, "  server RSS peak: %.1f MB\n", p.PeakRSS/1e6)
		}
		if c := p.CPUPerRequest(); c > 0 {
			fmt.Fprintf(w, "  server CPU: %.2f cores, %.0f µs per request\n", p.ServerCPU/p.Elapsed.Seconds(), float64(c)/1e3)
		}
	}
	fmt.Fprintln(w, "\nbudgets (docs/performance.md):")
	p99 := r.Sync.Kind(KindAll).P99
	fmt.Fprintf(w, "  sync p99 (push+pull): %s (budget ≤ 100ms) %s\n", fmtDur(p99), verdict(p99 <= 100*time.Millisecond))
	if r.Noop != nil {
		fmt.Fprintf(w, "  throughput ratio sync/no-op: %.1f/%.1f req/s = %.1f %% (budget ≥ 15 %%) %s\n",
			r.Sync.Kind(KindAll).PerSec, r.Noop.Kind(KindAll).PerSec, 100*r.Ratio(), verdict(r.Ratio() >= 0.15))
	}
	if r.Noop != nil && r.Sync.CPUPerRequest() > 0 && r.Noop.CPUPerRequest() > 0 {
		// The ratio above with the CPU each side got taken out: steadier between runs.
		fmt.Fprintf(w, "  server CPU per request, no-op/sync: %.0f/%.0f µs = %.1f %%\n",
			float64(r.Noop.CPUPerRequest())/1e3, float64(r.Sync.CPUPerRequest())/1e3,
			100*float64(r.Noop.CPUPerRequest())/float64(r.Sync.CPUPerRequest()))
	}
	if r.Push != nil {
		fmt.Fprintf(w, "  push throughput (push phase): %.0f mutations/s (budget ≥ 5,000) %s\n",
			r.Push.MutationsPerSec(), verdict(r.Push.MutationsPerSec() >= 5000))
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
