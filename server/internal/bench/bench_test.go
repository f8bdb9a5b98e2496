package bench_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"regexp"
	"runtime"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/askwell/askwell/server/internal/auth"
	"github.com/askwell/askwell/server/internal/loadgen"
	"github.com/askwell/askwell/server/internal/testutil"
)

// Budgets of docs/performance.md these benchmarks check (reported, never asserted: the machines are
// shared and timing asserts would flake).
const (
	seedRecords = 10_000
	seedBatch   = 1000
)

// countingConn counts the bytes that cross a connection: what the benchmark calls "on the wire"
// (response headers, chunk framing and the compressed body; not TCP/IP headers).
type countingConn struct {
	net.Conn
	read, written *atomic.Int64
}

func (c countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.read.Add(int64(n))
	return n, err
}

func (c countingConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.written.Add(int64(n))
	return n, err
}

// env is a server on a fresh database, one user, and a raw client that does not decompress.
type env struct {
	srv           *testutil.Server
	user          testutil.User
	client        *http.Client
	read, written atomic.Int64
}

func newEnv(b *testing.B, db testutil.DB) *env {
	b.Helper()
	e := &env{srv: testutil.NewServer(b, db)}
	e.user = e.srv.Register("bench@example.com")
	d := &net.Dialer{Timeout: 5 * time.Second}
	e.client = &http.Client{Transport: &http.Transport{
		DisableCompression:  true, // the body is read as it came over the wire
		MaxIdleConnsPerHost: 4,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := d.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return countingConn{Conn: c, read: &e.read, written: &e.written}, nil
		},
	}}
	b.Cleanup(e.client.CloseIdleConnections)
	return e
}

// post sends a JSON body and returns the status and the raw (possibly gzipped) body.
func (e *env) post(path string, body []byte, gz bool) (int, []byte, http.Header, error) {
	req, err := http.NewRequest(http.MethodPost, e.srv.HTTP.URL+path, bytes.NewReader(body))
	if err != nil {
		return 0, nil, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	auth.SetBearer(req.Header, e.user.Token)
	if gz {
		req.Header.Set("Accept-Encoding", "gzip")
	}
	resp, err := e.client.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	return resp.StatusCode, raw, resp.Header, err
}

func (e *env) push(client string, muts []loadgen.Mutation) (loadgen.PushResult, error) {
	body, err := json.Marshal(map[string]any{"client_id": client, "mutations": muts})
	if err != nil {
		return loadgen.PushResult{}, err
	}
	return e.pushRaw(body)
}

func (e *env) pushRaw(body []byte) (loadgen.PushResult, error) {
	var res loadgen.PushResult
	status, raw, _, err := e.post("/api/v1/sync/push", body, false)
	if err != nil {
		return res, err
	}
	if status != http.StatusOK {
		return res, fmt.Errorf("push: %d %s", status, raw)
	}
	return res, json.Unmarshal(raw, &res)
}

// page is a decoded pull response; records stay raw, as a client would store them.
type page struct {
	Changes []struct {
		Entity   string          `json:"entity"`
		RecordID string          `json:"record_id"`
		Version  int64           `json:"version"`
		Deleted  bool            `json:"deleted"`
		Record   json.RawMessage `json:"record"`
	} `json:"changes"`
	Cursor  int64 `json:"cursor"`
	HasMore bool  `json:"has_more"`
}

// syncStats is what one full pull (all pages) cost.
type syncStats struct {
	wire, decode time.Duration // request until the raw body is read; gunzip and JSON decode
	requests     int
	wireBytes    int64 // bytes read from the connection
	bodyBytes    int64 // compressed bodies only
	changes      int
	cursor       int64
	records      []json.RawMessage // only when keep is set
}

// pullAll pages from cursor until has_more is false, asking for gzip as a browser does.
func (e *env) pullAll(client string, cursor int64, limit int, keep bool) (syncStats, error) {
	var st syncStats
	before := e.read.Load()
	for {
		body := fmt.Appendf(nil, `{"client_id":%q,"cursor":%d,"limit":%d}`, client, cursor, limit)
		t0 := time.Now()
		status, raw, h, err := e.post("/api/v1/sync/pull", body, true)
		t1 := time.Now()
		st.wire += t1.Sub(t0)
		st.requests++
		if err != nil {
			return st, err
		}
		if status != http.StatusOK {
			return st, fmt.Errorf("pull: %d %s", status, raw)
		}
		st.bodyBytes += int64(len(raw))
		plain := raw
		if h.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(bytes.NewReader(raw))
			if err != nil {
				return st, err
			}
			if plain, err = io.ReadAll(zr); err != nil {
				return st, err
			}
		}
		var p page
		if err := json.Unmarshal(plain, &p); err != nil {
			return st, err
		}
		st.decode += time.Since(t1)
		st.changes += len(p.Changes)
		if keep {
			for _, c := range p.Changes {
				st.records = append(st.records, c.Record)
			}
		}
		cursor = p.Cursor
		if !p.HasMore {
			break
		}
		if st.requests > 10_000 {
			return st, fmt.Errorf("pull does not end")
		}
	}
	st.cursor = cursor
	st.wireBytes = e.read.Load() - before
	return st, nil
}

// seed pushes n new records from one client in batches; it returns their mutations (with the
// version each got) and the next mutation id of that client.
func seed(b *testing.B, e *env, client string, f *loadgen.Faker, n, batch int) ([]loadgen.Mutation, int64) {
	b.Helper()
	var all []loadgen.Mutation
	var known []string
	next := int64(1)
	for len(all) < n {
		var muts []loadgen.Mutation
		muts, known = f.NewRecords(next, min(batch, n-len(all)), known)
		res, err := e.push(client, muts)
		if err != nil {
			b.Fatalf("seed: %v", err)
		}
		if res.Applied != len(muts) {
			b.Fatalf("seed: applied %d of %d", res.Applied, len(muts))
		}
		for i := range muts {
			muts[i].BaseVersion = res.Version // the version the record has now
		}
		all = append(all, muts...)
		next += int64(len(muts))
	}
	return all, next
}

func percentile(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[min(len(s)-1, int(p*float64(len(s))))]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// onEachDatabase runs bench as a sub-benchmark per database (named after it), each on an env of
// its own.
func onEachDatabase(b *testing.B, bench func(b *testing.B, e *env, name string)) {
	for _, db := range testutil.Databases(b) {
		b.Run(db.Name, func(b *testing.B) { bench(b, newEnv(b, db), db.Name) })
	}
}

// reportTimes reports the median time of the ops timed in durs and the CPU time they took on
// average, as p50-ms/<per> and cpu-ms/<per>.
func reportTimes(b *testing.B, durs []time.Duration, cpu time.Duration, per string) {
	b.ReportMetric(ms(percentile(durs, 0.5)), "p50-ms/"+per)
	b.ReportMetric(ms(cpu)/float64(len(durs)), "cpu-ms/"+per)
}

// BenchmarkPush500: one push of 500 new contacts and notes per op (budget: ≤ 50 ms on SQLite).
func BenchmarkPush500(b *testing.B) {
	onEachDatabase(b, func(b *testing.B, e *env, _ string) {
		f := loadgen.NewFaker(1)
		var known []string
		next := int64(1)
		var durs []time.Duration
		var cpu time.Duration
		var bodyBytes int
		for b.Loop() {
			b.StopTimer()
			var muts []loadgen.Mutation
			muts, known = f.NewRecords(next, 500, known)
			known = known[max(0, len(known)-1000):]
			next += 500
			body, err := json.Marshal(map[string]any{"client_id": "bench-push-500", "mutations": muts})
			if err != nil {
				b.Fatal(err)
			}
			bodyBytes += len(body)
			b.StartTimer()
			c0, t0 := cpuTime(), time.Now()
			res, err := e.pushRaw(body)
			durs, cpu = append(durs, time.Since(t0)), cpu+cpuTime()-c0
			if err != nil {
				b.Fatal(err)
			}
			if res.Applied != 500 {
				b.Fatalf("applied %d of 500", res.Applied)
			}
		}
		var sum time.Duration
		for _, d := range durs {
			sum += d
		}
		b.ReportMetric(ms(sum)/float64(len(durs)), "ms/push")
		reportTimes(b, durs, cpu, "push")
		b.ReportMetric(float64(bodyBytes)/float64(len(durs)), "req-B/push")
	})
}

// BenchmarkInitialPull10k: a new device downloads 10,000 records from cursor 0 with gzip
// (budget: ≤ 200 ms end to end; wire bytes ≤ 1.2 × gzip of the records as plain JSON).
func BenchmarkInitialPull10k(b *testing.B) {
	onEachDatabase(b, func(b *testing.B, e *env, name string) {
		seed(b, e, "bench-seed", loadgen.NewFaker(2), seedRecords, seedBatch)
		// The reference: the same records as a plain JSON array, gzipped once.
		ref, err := e.pullAll("bench-reference", 0, 10_000, true)
		if err != nil {
			b.Fatal(err)
		}
		// The server derives records of its own (reminders) from some of those pushed.
		if ref.changes < seedRecords {
			b.Fatalf("reference pull: %d changes, want at least %d", ref.changes, seedRecords)
		}
		plain, err := json.Marshal(ref.records)
		if err != nil {
			b.Fatal(err)
		}
		var zbuf bytes.Buffer
		zw := gzip.NewWriter(&zbuf)
		_, _ = zw.Write(plain)
		_ = zw.Close()
		refGzip := float64(zbuf.Len())
		b.Logf("%s: reference: %d records (%d pushed, the rest derived by the server), %d B as JSON, %d B gzipped (level %d)",
			name, len(ref.records), seedRecords, len(plain), zbuf.Len(), gzip.DefaultCompression)

		for _, limit := range []int{2000, 5000, 10_000} {
			b.Run(fmt.Sprintf("limit=%d", limit), func(b *testing.B) {
				var total syncStats
				var durs []time.Duration
				var cpu time.Duration
				for b.Loop() {
					// A new install pulls from 0 with its own client id.
					client := fmt.Sprintf("bench-device-%d-%d", limit, len(durs))
					c0, t0 := cpuTime(), time.Now()
					st, err := e.pullAll(client, 0, limit, false)
					durs, cpu = append(durs, time.Since(t0)), cpu+cpuTime()-c0
					if err != nil {
						b.Fatal(err)
					}
					if st.changes != ref.changes {
						b.Fatalf("pulled %d changes, want %d", st.changes, ref.changes)
					}
					total.wire += st.wire
					total.decode += st.decode
					total.requests += st.requests
					total.wireBytes += st.wireBytes
					total.bodyBytes += st.bodyBytes
				}
				n := float64(len(durs))
				reportTimes(b, durs, cpu, "pull")
				b.ReportMetric(ms(total.wire)/n, "wire-ms/pull")
				b.ReportMetric(ms(total.decode)/n, "decode-ms/pull")
				b.ReportMetric(float64(total.requests)/n, "req/sync")
				b.ReportMetric(float64(total.wireBytes)/n, "wire-B/sync")
				b.ReportMetric(float64(total.wireBytes)/n/refGzip, "wire/gzip-json")
				b.ReportMetric(float64(ref.changes), "records/sync")
			})
		}
	})
}

// BenchmarkIncrementalPull: with 10,000 records present, another device pushes 10 edits and
// this device pulls them.
func BenchmarkIncrementalPull(b *testing.B) {
	onEachDatabase(b, func(b *testing.B, e *env, _ string) {
		recs, _ := seed(b, e, "bench-seed", loadgen.NewFaker(3), seedRecords, seedBatch)
		st, err := e.pullAll("bench-reader", 0, 10_000, false)
		if err != nil {
			b.Fatal(err)
		}
		cursor := st.cursor
		f := loadgen.NewFaker(4)
		r := rand.New(rand.NewPCG(5, 6))
		next := int64(1)
		var pushD, pullD, durs []time.Duration
		var cpu time.Duration
		var wireBytes int64
		for b.Loop() {
			b.StopTimer()
			muts := make([]loadgen.Mutation, 10)
			picked := map[int]bool{}
			for i := range muts {
				k := r.IntN(len(recs))
				for picked[k] {
					k = r.IntN(len(recs))
				}
				picked[k] = true
				rec := &recs[k]
				muts[i] = loadgen.Mutation{ID: next, Entity: rec.Entity, RecordID: rec.RecordID, Op: "put",
					Fields: f.Edit(rec.Entity), BaseVersion: rec.BaseVersion}
				next++
			}
			body, err := json.Marshal(map[string]any{"client_id": "bench-writer", "mutations": muts})
			if err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			c0, t0 := cpuTime(), time.Now()
			res, err := e.pushRaw(body)
			t1 := time.Now()
			if err != nil {
				b.Fatal(err)
			}
			st, err := e.pullAll("bench-reader", cursor, 5000, false)
			t2 := time.Now()
			cpu += cpuTime() - c0
			if err != nil {
				b.Fatal(err)
			}
			pushD, pullD, durs = append(pushD, t1.Sub(t0)), append(pullD, t2.Sub(t1)), append(durs, t2.Sub(t0))
			if st.changes < 10 { // 10 edits, and whatever reminders they moved
				b.Fatalf("pulled %d changes, want at least 10", st.changes)
			}
			cursor = st.cursor
			wireBytes += st.wireBytes
			b.StopTimer()
			for k := range picked {
				recs[k].BaseVersion = res.Version
			}
			b.StartTimer()
		}
		reportTimes(b, durs, cpu, "op")
		b.ReportMetric(ms(percentile(pushD, 0.5)), "p50-push-ms")
		b.ReportMetric(ms(percentile(pullD, 0.5)), "p50-pull-ms")
		b.ReportMetric(float64(wireBytes)/float64(len(durs)), "pull-wire-B")
	})
}

// BenchmarkPullMemory30MB: an account of about 30 MB (3,000 notes of 10 KB) is pulled whole,
// page by page (10,000 records asked for, each page ending after about 4 MiB), by 4 devices at
// once; reports how far the heap rose above its level before (sampled every millisecond). A
// page is bounded in bytes, so the rise stays flat as the account grows.
func BenchmarkPullMemory30MB(b *testing.B) {
	onEachDatabase(b, func(b *testing.B, e *env, _ string) {
		const notes, size = 3000, 10_000
		body := bytes.Repeat([]byte("x"), size-100)
		next := int64(1)
		for next <= notes {
			var muts []loadgen.Mutation
			for len(muts) < 80 && next <= notes {
				muts = append(muts, loadgen.Mutation{ID: next, Entity: "note", RecordID: testutil.ID(int(next)), Op: "put",
					Fields: map[string]any{"body": fmt.Sprintf("%d %s", next, body)}})
				next++
			}
			if _, err := e.push("bench-seed", muts); err != nil {
				b.Fatal(err)
			}
		}
		// A full pull pages through the account as a phone does; each page's end is read from
		// the last bytes of its answer, so the client side holds no page.
		end := regexp.MustCompile(`"cursor":(\d+),"has_more":(true|false)`)
		pull := func(client string) error {
			for cursor, pages := "0", 0; ; pages++ {
				req, _ := http.NewRequest(http.MethodPost, e.srv.HTTP.URL+"/api/v1/sync/pull",
					bytes.NewReader([]byte(`{"client_id":"`+client+`","cursor":`+cursor+`,"limit":10000}`)))
				req.Header.Set("Content-Type", "application/json")
				auth.SetBearer(req.Header, e.user.Token)
				req.Header.Set("Accept-Encoding", "gzip")
				resp, err := e.client.Do(req)
				if err != nil {
					return err
				}
				var last tail
				var n int64
				zr, err := gzip.NewReader(resp.Body) // undone as it streams: the client holds no page
				if err == nil {
					n, err = io.Copy(&last, zr)
				}
				resp.Body.Close()
				m := end.FindSubmatch(last.b)
				if err != nil || resp.StatusCode != http.StatusOK || n < 1000 || m == nil || pages > 100 {
					return fmt.Errorf("pull: %d, %d bytes, %v", resp.StatusCode, n, err)
				}
				if cursor = string(m[1]); string(m[2]) == "false" {
					return nil
				}
			}
		}
		var peak float64
		for b.Loop() {
			runtime.GC()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			base := ms.HeapAlloc
			stop := make(chan struct{})
			sampled := make(chan uint64)
			go func() {
				top := base
				tick := time.NewTicker(time.Millisecond)
				defer tick.Stop()
				for {
					select {
					case <-stop:
						sampled <- top
						return
					case <-tick.C:
						var m runtime.MemStats
						runtime.ReadMemStats(&m)
						top = max(top, m.HeapAlloc)
					}
				}
			}()
			errs := make(chan error, 4)
			for i := range 4 {
				go func() { errs <- pull(fmt.Sprintf("bench-pull-%d", i)) }()
			}
			for range 4 {
				if err := <-errs; err != nil {
					b.Fatal(err)
				}
			}
			close(stop)
			peak = max(peak, float64(<-sampled-base)/(1<<20))
		}
		b.ReportMetric(peak, "peak-heap-rise-MiB")
	})
}

// tail keeps the last bytes written to it.
type tail struct{ b []byte }

func (t *tail) Write(p []byte) (int, error) {
	t.b = append(t.b, p...)
	if len(t.b) > 256 {
		t.b = append(t.b[:0], t.b[len(t.b)-256:]...)
	}
	return len(p), nil
}
