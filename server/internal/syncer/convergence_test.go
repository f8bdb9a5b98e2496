package syncer_test

// The randomized convergence test of the sync protocol (docs/sync.md): several simulated
// devices of one user edit shared records offline and sync through the real HTTP API with
// dropped, lost, duplicated and reordered pushes and interrupted, small-paged pulls. A reference
// model, built from what the server acknowledged in commit order, predicts every record; at the
// end every device must equal the server and no acknowledged write may be lost.
//
// Everything runs on one goroutine, so a seed replays the same run exactly:
//
//	ASKWELL_CONVERGENCE_SEED=12345 go test -race -run TestConvergence ./server/internal/syncer/

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/askwell/askwell/server/internal/auth"
	"github.com/askwell/askwell/server/internal/loadgen"
	"github.com/askwell/askwell/server/internal/testutil"
)

const (
	convergenceSeedEnv = "ASKWELL_CONVERGENCE_SEED"
	convDefaultSeed    = 20261124
	convClients        = 5
	convMutations      = 2000 // local writes over all clients, before the final flush
	convMaxBatch       = 300
)

// convLongText lists the fields whose replaced text must survive in conflicts.
var convLongText = map[string]map[string]bool{
	"contact": {"how_met": true, "what_they_do": true},
	"note":    {"body": true},
	"ask":     {"why": true, "script": true, "outcome": true},
}

// convServerFields are the keys a record may carry that no client wrote.
var convServerFields = map[string]bool{"id": true, "version": true, "created_at": true, "updated_at": true, "deleted_at": true, "conflicts": true}

func TestConvergence(t *testing.T) {
	seed := uint64(convDefaultSeed)
	if s := os.Getenv(convergenceSeedEnv); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("%s=%q: %v", convergenceSeedEnv, s, err)
		}
		seed = v
	}
	testutil.ForEachDB(t, func(t *testing.T, db testutil.DB) {
		t.Logf("seed %d (rerun with %s=%d)", seed, convergenceSeedEnv, seed)
		start := time.Now()
		srv := testutil.NewServer(t, db)
		s := &convSim{
			t: t, seed: seed, rng: rand.New(rand.NewPCG(seed, 0x5eed)), srv: srv,
			user: srv.Register("convergence@example.com"), model: newConvModel(), serverLast: map[string]int64{},
		}
		for i := range convClients {
			s.clients = append(s.clients, &convClient{
				id: fmt.Sprintf("conv-device-%d", i), n: i,
				view: map[string]*convEntry{}, replica: map[string]*convEntry{},
			})
		}
		s.run()
		s.finish()
		t.Logf("seed %d: %s in %v", seed, s.stats, time.Since(start).Round(time.Millisecond))
	})
}

// convEntry is one record as a device holds it.
type convEntry struct {
	Entity  string
	ID      string
	Version int64
	Deleted bool
	Record  map[string]any
}

func (e *convEntry) clone() *convEntry {
	c := *e
	c.Record = make(map[string]any, len(e.Record)+2)
	for k, v := range e.Record {
		c.Record[k] = v
	}
	return &c
}

func convKey(entity, id string) string { return entity + "/" + id }

// convClient is one simulated device: the server's records as of its cursor (view), its outbox
// (log entries after acked) and what it shows (replica = view + outbox re-applied).
type convClient struct {
	id      string
	n       int
	log     []testutil.Mutation // log[i] is mutation id i+1; entries never change once made
	restore []bool              // the put was an explicit "restore this deleted record"
	acked   int64               // highest id the device knows the server applied
	view    map[string]*convEntry
	cursor  int64
	replica map[string]*convEntry
	made    int
}

func (c *convClient) pending() []testutil.Mutation { return c.log[c.acked:] }

func (c *convClient) ack(id int64) {
	if id > c.acked {
		c.acked = id
	}
}

// rebuild makes the replica the server's records with the outbox re-applied on top.
func (c *convClient) rebuild() {
	c.replica = make(map[string]*convEntry, len(c.view))
	for k, e := range c.view {
		c.replica[k] = e
	}
	for i := c.acked; i < int64(len(c.log)); i++ {
		c.applyLocal(c.log[i], c.restore[i])
	}
}

// applyLocal is what the device shows right after a local write (copy on write: view entries
// are shared with the replica and never changed in place).
func (c *convClient) applyLocal(m testutil.Mutation, restore bool) {
	k := convKey(m.Entity, m.RecordID)
	var e *convEntry
	if old := c.replica[k]; old != nil {
		e = old.clone()
	} else {
		e = &convEntry{Entity: m.Entity, ID: m.RecordID, Record: map[string]any{"id": m.RecordID}}
	}
	if m.Op == "delete" {
		e.Deleted = true
	} else {
		for f, v := range m.Fields {
			switch {
			case f == "conflicts" || v == nil:
				delete(e.Record, f)
			default:
				e.Record[f] = v
			}
		}
		if restore {
			e.Deleted = false
		}
	}
	c.replica[k] = e
}

type convStats struct {
	mutations, pushes, requests, dropped, lost, duplicated, reordered, stale, gaps int
	pulls, pages, interrupted, creates, edits, deletes, restores, clears, merges   int
	conflictsMade, keptInConflicts, replaced, clearedSeen, clearedUnseen, trimmed  int
}

func (s convStats) String() string {
	return fmt.Sprintf("%d mutations, %d push rounds (%d requests: %d dropped, %d lost responses, %d duplicated, %d reordered, %d stale resends, %d gaps answered), "+
		"%d pulls in %d pages (%d interrupted); ops: %d creates, %d edits, %d deletes, %d restores, %d conflict clears, %d merges; "+
		"conflicts made %d; replaced writes: %d superseded, %d kept in conflicts, %d cleared after being seen, %d cleared unseen, %d trimmed",
		s.mutations, s.pushes, s.requests, s.dropped, s.lost, s.duplicated, s.reordered, s.stale, s.gaps,
		s.pulls, s.pages, s.interrupted, s.creates, s.edits, s.deletes, s.restores, s.clears, s.merges,
		s.conflictsMade, s.replaced, s.keptInConflicts, s.clearedSeen, s.clearedUnseen, s.trimmed)
}

type convSim struct {
	t          *testing.T
	seed       uint64
	rng        *rand.Rand
	srv        *testutil.Server
	user       testutil.User
	clients    []*convClient
	model      *convModel
	serverLast map[string]int64 // per device, the highest mutation id the server applied
	version    int64            // the user's change counter as the server reported it
	stats      convStats
}

func (s *convSim) fatalf(format string, args ...any) {
	s.t.Helper()
	s.t.Fatalf("seed %d (rerun with %s=%d): %s", s.seed, convergenceSeedEnv, s.seed, fmt.Sprintf(format, args...))
}

func (s *convSim) post(path string, body any) (int, []byte) {
	s.t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		s.fatalf("marshal: %v", err)
	}
	req, err := http.NewRequest(http.MethodPost, s.srv.HTTP.URL+path, bytes.NewReader(b))
	if err != nil {
		s.fatalf("request: %v", err)
	}
	req.Header.Set("Content-Type", "application/json")
	auth.SetBearer(req.Header, s.user.Token)
	resp, err := s.srv.HTTP.Client().Do(req)
	if err != nil {
		s.fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		s.fatalf("POST %s: read: %v", path, err)
	}
	return resp.StatusCode, out
}

// run does random local writes and sync rounds until convMutations writes were made.
func (s *convSim) run() {
	for step := 0; s.stats.mutations < convMutations; step++ {
		c := s.clients[s.rng.IntN(len(s.clients))]
		switch r := s.rng.Float64(); {
		case r < 0.90:
			s.localOp(c)
		case r < 0.96:
			s.pushRound(c)
		default:
			s.pull(c, 5+s.rng.IntN(56), true)
		}
		if step%50 == 0 {
			s.srv.Clock.Advance(time.Second) // stays well inside the access token lifetime
		}
	}
}

// finish flushes every outbox without faults, pulls on every device and checks the end state.
func (s *convSim) finish() {
	for _, c := range s.clients {
		for len(c.pending()) > 0 {
			p := c.pending()
			batch := p[:min(len(p), convMaxBatch)]
			st, res, exp := s.send(c, batch)
			if st != http.StatusOK {
				s.fatalf("final flush of %s: status %d", c.id, st)
			}
			s.receive(c, st, res, exp, batch[len(batch)-1].ID)
		}
	}
	for _, c := range s.clients {
		if !s.pull(c, 1+s.rng.IntN(12), false) {
			s.fatalf("final pull of %s did not complete", c.id)
		}
	}
	// What a device that never synced before downloads is the server's truth.
	server := map[string]*convEntry{}
	var cursor int64
	for {
		st, body := s.post("/api/v1/sync/pull", map[string]any{"client_id": "conv-observer", "cursor": cursor, "limit": 50})
		if st != http.StatusOK {
			s.fatalf("observer pull: %d %s", st, body)
		}
		var p testutil.PullResult
		if err := json.Unmarshal(body, &p); err != nil {
			s.fatalf("observer pull: %v", err)
		}
		for _, ch := range p.Changes {
			server[convKey(ch.Entity, ch.RecordID)] = &convEntry{Entity: ch.Entity, ID: ch.RecordID, Version: ch.Version, Deleted: ch.Deleted, Record: ch.Record}
		}
		cursor = p.Cursor
		if !p.HasMore {
			break
		}
	}
	if cursor != s.version {
		s.fatalf("full download ends at version %d, the server reported %d", cursor, s.version)
	}

	// Every mutation every device made was applied exactly once.
	for _, c := range s.clients {
		for id := int64(1); id <= int64(len(c.log)); id++ {
			if _, ok := s.model.applied[c.id][id]; !ok {
				s.fatalf("%s mutation %d was never applied", c.id, id)
			}
		}
	}

	// Every device equals the server exactly.
	for _, c := range s.clients {
		if len(c.pending()) != 0 {
			s.fatalf("%s still has %d pending mutations", c.id, len(c.pending()))
		}
		if len(c.replica) != len(server) {
			s.fatalf("%s holds %d records, the server %d", c.id, len(c.replica), len(server))
		}
		for k, want := range server {
			got := c.replica[k]
			if got == nil {
				s.fatalf("%s lacks %s", c.id, k)
			}
			if got.Version != want.Version || got.Deleted != want.Deleted || !reflect.DeepEqual(got.Record, want.Record) {
				s.fatalf("%s differs from the server on %s:\n device: v%d deleted=%v %v\n server: v%d deleted=%v %v",
					c.id, k, got.Version, got.Deleted, got.Record, want.Version, want.Deleted, want.Record)
			}
		}
	}

	// The server equals the model built from the acknowledged writes in commit order.
	if err := s.model.check(server); err != nil {
		s.fatalf("final state: %v", err)
	}

	// No acknowledged write is lost.
	for _, r := range s.model.recs {
		s.stats.conflictsMade += len(r.made)
	}
	s.checkNothingLost(server)
}

// checkNothingLost walks every acknowledged write of every field: it is the final value, or a
// later commit replaced it; long text replaced by another device that had not seen it must be
// in conflicts, unless a device that had seen it there cleared it or the cap of 20 entries per
// record pushed it out.
func (s *convSim) checkNothingLost(server map[string]*convEntry) {
	var problems []string
	fks := make([]convFieldKey, 0, len(s.model.writes))
	for fk := range s.model.writes {
		fks = append(fks, fk)
	}
	sort.Slice(fks, func(i, j int) bool {
		if fks[i].key != fks[j].key {
			return fks[i].key < fks[j].key
		}
		return fks[i].field < fks[j].field
	})
	for _, fk := range fks {
		ws := s.model.writes[fk]
		e := server[fk.key]
		if e == nil {
			problems = append(problems, fmt.Sprintf("%s is gone from the server", fk.key))
			continue
		}
		for i, w := range ws {
			if i == len(ws)-1 {
				got, ok := e.Record[fk.field]
				if (w.value == nil && ok) || (w.value != nil && !reflect.DeepEqual(got, w.value)) {
					problems = append(problems, fmt.Sprintf("%s.%s: last write (%s #%d at v%d) was %v, the server has %v",
						fk.key, fk.field, w.client, w.mutID, w.version, w.value, got))
				}
				continue
			}
			next := ws[i+1]
			old, _ := w.value.(string)
			incoming, _ := next.value.(string)
			stale := convLongText[s.model.recs[fk.key].entity][fk.field] && old != "" && old != incoming &&
				next.client != w.client && next.base < w.version
			if !stale {
				s.stats.replaced++
				continue
			}
			ck := convConflictKey{field: fk.field, value: old, version: next.version}
			r := s.model.recs[fk.key]
			seenClear, unseenClear := false, false
			for _, cl := range r.clears {
				if cl.seq > r.made[ck] {
					seenClear = seenClear || cl.base >= ck.version
					unseenClear = unseenClear || cl.base < ck.version
				}
			}
			switch {
			case convHasConflict(e.Record, ck):
				s.stats.keptInConflicts++
			case seenClear: // a device that had seen it cleared it
				s.stats.clearedSeen++
			case s.model.trimmed[ck]: // one of more than 20 on the record
				s.stats.trimmed++
			case unseenClear:
				// Lost all the same: the only devices that cleared it had not seen it (see
				// TestClearingConflictsKeepsOnesTheDeviceHadNotSeen and the test after it).
				s.stats.clearedUnseen++
				problems = append(problems, fmt.Sprintf("%s.%s: %q (%s #%d at v%d), replaced at v%d by %s (base v%d), was cleared from conflicts only by devices that had not seen it: %s",
					fk.key, fk.field, old, w.client, w.mutID, w.version, next.version, next.client, next.base, r.clearsAfter(r.made[ck])))
			default:
				problems = append(problems, fmt.Sprintf("%s.%s: %q (%s #%d at v%d) was replaced at v%d by %s (base v%d) and is not in conflicts %v",
					fk.key, fk.field, old, w.client, w.mutID, w.version, next.version, next.client, next.base, e.Record["conflicts"]))
			}
		}
	}
	if len(problems) > 0 {
		s.t.Logf("seed %d: %s", s.seed, s.stats)
		n := len(problems)
		if len(problems) > 20 {
			problems = append(problems[:20], fmt.Sprintf("… and %d more", len(problems)-20))
		}
		s.fatalf("%d acknowledged writes lost:\n%s", n, strings.Join(problems, "\n"))
	}
}

func convHasConflict(rec map[string]any, ck convConflictKey) bool {
	list, _ := rec["conflicts"].([]any)
	for _, x := range list {
		m, _ := x.(map[string]any)
		if m["field"] == ck.field && m["value"] == ck.value && m["version"] == float64(ck.version) {
			return true
		}
	}
	return false
}

// --- pushing -------------------------------------------------------------------------------

// send posts one batch and checks the answer against what the server is known to have applied;
// what it applied goes into the model. Whether the device learns the answer is up to the caller.
func (s *convSim) send(c *convClient, muts []testutil.Mutation) (status int, res testutil.PushResult, expected int64) {
	s.stats.requests++
	status, body := s.post("/api/v1/sync/push", map[string]any{"client_id": c.id, "mutations": muts})
	prev := s.serverLast[c.id]
	first, last := muts[0].ID, muts[len(muts)-1].ID
	switch status {
	case http.StatusOK:
		if err := json.Unmarshal(body, &res); err != nil {
			s.fatalf("push %s %d..%d: %v in %s", c.id, first, last, err, body)
		}
		if first > prev+1 {
			s.fatalf("push %s %d..%d accepted though the server had applied only up to %d: %s", c.id, first, last, prev, body)
		}
		want := max(prev, last)
		if res.LastMutationID != want || res.Applied != int(want-prev) {
			s.fatalf("push %s %d..%d after %d: want last_mutation_id %d applied %d, got %s", c.id, first, last, prev, want, want-prev, body)
		}
		if res.Applied == 0 {
			if res.Version != s.version {
				s.fatalf("replayed push %s %d..%d reports version %d, the counter is at %d", c.id, first, last, res.Version, s.version)
			}
			return status, res, 0
		}
		if res.Version <= s.version {
			s.fatalf("push %s %d..%d committed at version %d, not after %d", c.id, first, last, res.Version, s.version)
		}
		s.version = res.Version
		s.serverLast[c.id] = want
		if err := s.model.commit(c.id, res.Version, muts[len(muts)-res.Applied:]); err != nil {
			s.fatalf("%v", err)
		}
	case http.StatusConflict:
		next, gap := loadgen.GapExpected(body)
		if !gap || first <= prev+1 || next != prev+1 {
			s.fatalf("push %s %d..%d after %d: unexpected 409 %s", c.id, first, last, prev, body)
		}
		s.stats.gaps++
		expected = next
	default:
		s.fatalf("push %s %d..%d: %d %s", c.id, first, last, status, body)
	}
	return status, res, expected
}

// receive is the device handling an answer: drop what the server applied from the outbox; on
// a gap, resend from the expected id up to the end of the batch that was refused.
func (s *convSim) receive(c *convClient, status int, res testutil.PushResult, expected, batchEnd int64) {
	switch status {
	case http.StatusOK:
		c.ack(res.LastMutationID)
	case http.StatusConflict:
		c.ack(expected - 1)
		if expected <= batchEnd {
			st, r, e := s.send(c, c.log[expected-1:batchEnd])
			s.receive(c, st, r, e, batchEnd)
		}
	}
	if c.acked > int64(len(c.log)) {
		s.fatalf("%s was told %d were applied but made only %d", c.id, c.acked, len(c.log))
	}
}

// pushRound sends a random prefix of the outbox with one random fault.
func (s *convSim) pushRound(c *convClient) {
	pend := c.pending()
	if len(pend) == 0 {
		if len(c.log) > 0 && s.rng.IntN(4) == 0 { // an old request arrives late
			s.staleResend(c)
		}
		return
	}
	s.stats.pushes++
	batch := pend[:1+s.rng.IntN(min(len(pend), convMaxBatch))]
	end := batch[len(batch)-1].ID
	switch r := s.rng.Float64(); {
	case r < 0.12: // dropped: never sent
		s.stats.dropped++
	case r < 0.28: // sent and applied, but the answer is lost: the device resends later
		s.stats.lost++
		s.send(c, batch)
	case r < 0.40: // duplicated
		s.stats.duplicated++
		st1, r1, e1 := s.send(c, batch)
		st2, r2, e2 := s.send(c, batch)
		s.receive(c, st1, r1, e1, end)
		s.receive(c, st2, r2, e2, end)
	case r < 0.54 && len(batch) >= 2: // two requests in flight arrive in the wrong order
		s.stats.reordered++
		k := 1 + s.rng.IntN(len(batch)-1)
		older, newer := batch[:k], batch[k:]
		stN, rN, eN := s.send(c, newer)
		stO, rO, eO := s.send(c, older)
		s.receive(c, stO, rO, eO, older[len(older)-1].ID)
		s.receive(c, stN, rN, eN, end)
	case r < 0.62:
		st, res, e := s.send(c, batch)
		s.receive(c, st, res, e, end)
		s.staleResend(c)
	default:
		st, res, e := s.send(c, batch)
		s.receive(c, st, res, e, end)
	}
}

// staleResend replays an old range of the device's mutations (a retried request that arrives
// after newer ones); whatever the server answers, the device handles it.
func (s *convSim) staleResend(c *convClient) {
	s.stats.stale++
	hi := 1 + s.rng.IntN(len(c.log))
	lo := hi - s.rng.IntN(min(hi, convMaxBatch))
	st, res, e := s.send(c, c.log[lo-1:hi])
	s.receive(c, st, res, e, int64(hi))
}

// --- pulling -------------------------------------------------------------------------------

// pull pages from the device's cursor; it may stop early (the app was closed). It reports
// whether it reached the end, and then checks the device's view against the model.
func (s *convSim) pull(c *convClient, limit int, mayStop bool) bool {
	s.stats.pulls++
	complete := false
	for page := 0; ; page++ {
		s.stats.pages++
		st, body := s.post("/api/v1/sync/pull", map[string]any{"client_id": c.id, "cursor": c.cursor, "limit": limit})
		if st != http.StatusOK {
			s.fatalf("pull %s from %d: %d %s", c.id, c.cursor, st, body)
		}
		var p testutil.PullResult
		if err := json.Unmarshal(body, &p); err != nil {
			s.fatalf("pull %s: %v", c.id, err)
		}
		if p.Reset {
			s.fatalf("pull %s from %d: unexpected reset", c.id, c.cursor)
		}
		if p.LastMutationID != s.serverLast[c.id] {
			s.fatalf("pull %s: last_mutation_id %d, the server applied up to %d", c.id, p.LastMutationID, s.serverLast[c.id])
		}
		prev := c.cursor
		for _, ch := range p.Changes {
			if ch.Version <= c.cursor || ch.Version < prev {
				s.fatalf("pull %s from %d: change %s/%s at v%d out of order (after v%d)", c.id, c.cursor, ch.Entity, ch.RecordID, ch.Version, prev)
			}
			prev = ch.Version
		}
		if len(p.Changes) > limit && p.Changes[0].Version != p.Changes[len(p.Changes)-1].Version {
			s.fatalf("pull %s: %d changes over limit %d span several versions", c.id, len(p.Changes), limit)
		}
		// A page that stops early ends at its last version, so the next page misses nothing;
		// the last page catches up to the committed counter, also past versions that left no
		// record (a batch whose only mutation deleted a record already gone).
		if len(p.Changes) == 0 && p.HasMore {
			s.fatalf("pull %s from %d: empty page with has_more", c.id, c.cursor)
		}
		if p.HasMore && p.Cursor != prev {
			s.fatalf("pull %s: has_more, but cursor %d is not the page's last version %d", c.id, p.Cursor, prev)
		}
		if !p.HasMore && p.Cursor != max(prev, s.version) {
			s.fatalf("pull %s from %d: last page ends at cursor %d, want %d (last change v%d, counter %d)", c.id, c.cursor, p.Cursor, max(prev, s.version), prev, s.version)
		}
		for _, ch := range p.Changes {
			c.view[convKey(ch.Entity, ch.RecordID)] = &convEntry{Entity: ch.Entity, ID: ch.RecordID, Version: ch.Version, Deleted: ch.Deleted, Record: ch.Record}
		}
		c.cursor = p.Cursor
		c.ack(p.LastMutationID)
		if !p.HasMore {
			complete = true
			break
		}
		if mayStop && s.rng.IntN(10) == 0 {
			s.stats.interrupted++
			break
		}
		if page > 100000 {
			s.fatalf("pull %s does not end", c.id)
		}
	}
	c.rebuild()
	if complete {
		if c.cursor != s.version {
			s.fatalf("%s pulled to the end at %d, the counter is at %d", c.id, c.cursor, s.version)
		}
		if err := s.model.check(c.view); err != nil {
			s.fatalf("%s after a complete pull: %v", c.id, err)
		}
	}
	return complete
}

// --- local writes --------------------------------------------------------------------------

var (
	convStages    = []string{"met", "know", "like", "trust", "champion"}
	convAskStatus = []string{"planned", "due", "asked", "introduced", "declined", "later"}
	convTags      = []string{"warm", "vip", "local", "tech", "finance", "school"}
	convWords     = []string{"coffee", "pricing", "intro", "follow up", "kids", "marathon", "Berlin", "referral", "budget", "Q3"}
)

// pick returns a random record of the kinds this test writes that ok accepts, or nil; keys
// are sorted so a seed replays the same choices.
func (c *convClient) pick(rng *rand.Rand, ok func(e *convEntry) bool) *convEntry {
	var keys []string
	for k, e := range c.replica {
		if convLongText[e.Entity] != nil && ok(e) {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return nil
	}
	sort.Strings(keys)
	return c.replica[keys[rng.IntN(len(keys))]]
}

func (s *convSim) localOp(c *convClient) {
	live := 0
	for _, e := range c.replica {
		if convLongText[e.Entity] != nil && !e.Deleted {
			live++
		}
	}
	create := 0.04
	switch {
	case live < 6:
		create = 0.6
	case live < 25:
		create = 0.2
	}
	r := s.rng.Float64()
	if r < create {
		s.create(c)
		return
	}
	r = s.rng.Float64()
	switch {
	case r < 0.10:
		if e := c.pick(s.rng, func(e *convEntry) bool { return !e.Deleted }); e != nil {
			s.stats.deletes++
			s.add(c, e.Entity, e.ID, "delete", nil, false)
			return
		}
	case r < 0.16:
		// Restore a deletion the device has seen from the server.
		if e := c.pick(s.rng, func(e *convEntry) bool {
			v := c.view[convKey(e.Entity, e.ID)]
			return e.Deleted && v != nil && v.Deleted
		}); e != nil {
			s.stats.restores++
			f := map[string]string{"contact": "name", "note": "body", "ask": "script"}[e.Entity]
			s.add(c, e.Entity, e.ID, "put", map[string]any{f: s.text(c, f)}, true)
			return
		}
	case r < 0.26:
		if e := c.pick(s.rng, func(e *convEntry) bool { l, _ := e.Record["conflicts"].([]any); return len(l) > 0 }); e != nil {
			s.stats.clears++
			s.add(c, e.Entity, e.ID, "put", map[string]any{"conflicts": []any{}}, false)
			return
		}
	case r < 0.30:
		if s.merge(c) {
			return
		}
	}
	if e := c.pick(s.rng, func(e *convEntry) bool { return !e.Deleted }); e != nil {
		s.stats.edits++
		s.add(c, e.Entity, e.ID, "put", s.fields(c, e.Entity, false), false)
		return
	}
	s.create(c)
}

// merge does what the app's duplicate merge does, as one run of local writes: the survivor
// takes a field of the other contact, every live note and ask naming the other moves to the
// survivor, and the other is deleted with merged_into pointing at it.
func (s *convSim) merge(c *convClient) bool {
	live := func(e *convEntry) bool { return e.Entity == "contact" && !e.Deleted }
	keep, gone := c.pick(s.rng, live), c.pick(s.rng, live)
	if keep == nil || gone == nil || keep.ID == gone.ID {
		return false
	}
	s.stats.merges++
	if company, ok := gone.Record["company"]; ok && company != nil {
		s.add(c, "contact", keep.ID, "put", map[string]any{"company": company}, false)
	}
	var keys []string
	for k := range c.replica {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		e := c.replica[k]
		if e.Deleted {
			continue
		}
		switch e.Entity {
		case "note":
			ids, _ := e.Record["contact_ids"].([]any)
			moved, hit := []any{}, false
			for _, id := range ids {
				if id == gone.ID {
					id, hit = keep.ID, true
				}
				if !slices.Contains(moved, id) {
					moved = append(moved, id)
				}
			}
			if hit {
				s.add(c, "note", e.ID, "put", map[string]any{"contact_ids": moved}, false)
			}
		case "ask":
			if e.Record["contact_id"] == gone.ID {
				s.add(c, "ask", e.ID, "put", map[string]any{"contact_id": keep.ID}, false)
			}
		}
	}
	s.add(c, "contact", gone.ID, "put", map[string]any{"merged_into": keep.ID}, false)
	s.add(c, "contact", gone.ID, "delete", nil, false)
	return true
}

func (s *convSim) create(c *convClient) {
	entity := "contact"
	switch r := s.rng.Float64(); {
	case r < 0.4:
		entity = "note"
	case r < 0.55:
		if c.pick(s.rng, func(e *convEntry) bool { return e.Entity == "contact" && !e.Deleted }) != nil {
			entity = "ask"
		}
	}
	c.made++
	id := fmt.Sprintf("0192f3a0-0c%02x-7000-8000-%012x", c.n, c.made)
	s.stats.creates++
	s.add(c, entity, id, "put", s.fields(c, entity, true), false)
}

// text is a long text no other write has, so where it ends up is unambiguous.
func (s *convSim) text(c *convClient, field string) string {
	return fmt.Sprintf("%s by %s #%d: %s, %s", field, c.id, len(c.log)+1, convWords[s.rng.IntN(len(convWords))], convWords[s.rng.IntN(len(convWords))])
}

func (s *convSim) longOrNull(c *convClient, field string) any {
	if s.rng.IntN(10) == 0 {
		return nil
	}
	return s.text(c, field)
}

// fields makes a random patch: some of the entity's fields, the required ones when creating.
func (s *convSim) fields(c *convClient, entity string, creating bool) map[string]any {
	f := map[string]any{}
	some := func() bool { return s.rng.IntN(3) == 0 }
	for len(f) == 0 {
		switch entity {
		case "contact":
			if creating || some() {
				f["name"] = fmt.Sprintf("Name %d.%d", c.n, len(c.log)+1)
			}
			if some() {
				f["stage"] = convStages[s.rng.IntN(len(convStages))]
			}
			if some() {
				var tags []any
				for _, t := range convTags {
					if s.rng.IntN(3) == 0 {
						tags = append(tags, t)
					}
				}
				f["tags"] = append([]any{}, tags...)
			}
			if some() {
				f["how_met"] = s.longOrNull(c, "how_met")
			}
			if some() {
				f["what_they_do"] = s.longOrNull(c, "what_they_do")
			}
			if some() {
				if s.rng.IntN(4) == 0 {
					f["company"] = nil
				} else {
					f["company"] = fmt.Sprintf("Company %d", s.rng.IntN(50))
				}
			}
		case "note":
			if creating || s.rng.IntN(2) == 0 {
				if s.rng.IntN(15) == 0 {
					f["body"] = ""
				} else {
					f["body"] = s.text(c, "body")
				}
			}
			if some() {
				ids := []any{}
				for range s.rng.IntN(3) {
					if e := c.pick(s.rng, func(e *convEntry) bool { return e.Entity == "contact" }); e != nil {
						ids = append(ids, e.ID)
					}
				}
				f["contact_ids"] = ids
			}
			if some() {
				if s.rng.IntN(4) == 0 {
					f["meeting_at"] = nil
				} else {
					// before the test clock (Nov 24): a meeting time ahead of now is refused
					f["meeting_at"] = time.Date(2026, 11, 1+s.rng.IntN(23), s.rng.IntN(24), 0, 0, 0, time.UTC).Format(time.RFC3339)
				}
			}
		case "ask":
			if creating {
				f["contact_id"] = c.pick(s.rng, func(e *convEntry) bool { return e.Entity == "contact" && !e.Deleted }).ID
				if s.rng.IntN(2) == 0 {
					f["trigger"] = map[string]any{"kind": "date", "value": fmt.Sprintf("2027-%02d-%02d", 1+s.rng.IntN(12), 1+s.rng.IntN(28))}
				} else {
					f["trigger"] = map[string]any{"kind": "after_days", "value": strconv.Itoa(1 + s.rng.IntN(30))}
				}
			}
			for _, lf := range []string{"script", "why", "outcome"} {
				if some() {
					f[lf] = s.longOrNull(c, lf)
				}
			}
			if some() {
				f["status"] = convAskStatus[s.rng.IntN(len(convAskStatus))]
			}
			if some() {
				f["target"] = fmt.Sprintf("Target %d", s.rng.IntN(20))
			}
		}
	}
	return f
}

// add queues one local write: into the log (the outbox) and onto the replica.
func (s *convSim) add(c *convClient, entity, id, op string, fields map[string]any, restore bool) {
	m := testutil.Mutation{ID: int64(len(c.log) + 1), Entity: entity, RecordID: id, Op: op}
	if v := c.view[convKey(entity, id)]; v != nil {
		m.BaseVersion = v.Version
	}
	if fields != nil {
		// As the server will see them: JSON values (tags as []any, and so on).
		b, err := json.Marshal(fields)
		if err != nil {
			s.fatalf("marshal fields: %v", err)
		}
		if err := json.Unmarshal(b, &m.Fields); err != nil {
			s.fatalf("unmarshal fields: %v", err)
		}
	}
	c.log = append(c.log, m)
	c.restore = append(c.restore, restore)
	c.applyLocal(m, restore)
	s.stats.mutations++
}

// --- the reference model -------------------------------------------------------------------

// The model states the merge rules again on purpose, apart from sync.go's: it is the oracle the
// server is checked against, so the two must not share code (duplicate finders pair them).

// convModel replays the acknowledged mutations in commit order with the merge rules of §5: per
// field last writer wins, a delete wins over edits made without seeing it, a put that saw the
// deletion restores, long text replaced by another device's stale write becomes a conflict.
type convModel struct {
	recs    map[string]*convRec
	writes  map[convFieldKey][]convWrite
	applied map[string]map[int64]int64 // device → mutation id → version
	trimmed map[convConflictKey]bool
	seq     int // orders every field write of every commit
}

type convFieldKey struct{ key, field string }

type convConflictKey struct {
	field, value string
	version      int64
}

type convWrite struct {
	version int64
	client  string
	mutID   int64
	base    int64
	value   any
}

// convClear is a device putting `conflicts: []`.
type convClear struct {
	seq           int
	base, version int64
}

type convStamp struct {
	v int64
	c string
}

type convRec struct {
	entity, id string
	fields     map[string]any
	stamps     map[string]convStamp
	deleted    bool
	del        convStamp
	version    int64
	made       map[convConflictKey]int // every conflict ever recorded on this record → seq
	clears     []convClear
	list       []convConflictKey // the conflicts the record should list if a clear dropped only those seen; only used to know what the cap of 20 pushed out
}

func (r *convRec) clearsAfter(seq int) string {
	var out []string
	for _, cl := range r.clears {
		if cl.seq > seq {
			out = append(out, fmt.Sprintf("at v%d based on v%d", cl.version, cl.base))
		}
	}
	return strings.Join(out, ", ")
}

func newConvModel() *convModel {
	return &convModel{recs: map[string]*convRec{}, writes: map[convFieldKey][]convWrite{}, applied: map[string]map[int64]int64{},
		trimmed: map[convConflictKey]bool{}}
}

func (m *convModel) commit(clientID string, v int64, muts []testutil.Mutation) error {
	if m.applied[clientID] == nil {
		m.applied[clientID] = map[int64]int64{}
	}
	for _, mu := range muts {
		if at, ok := m.applied[clientID][mu.ID]; ok {
			return fmt.Errorf("%s mutation %d applied twice (v%d and v%d)", clientID, mu.ID, at, v)
		}
		m.applied[clientID][mu.ID] = v
		k := convKey(mu.Entity, mu.RecordID)
		r := m.recs[k]
		if mu.Op == "delete" {
			if r == nil || r.deleted {
				continue
			}
			r.deleted, r.del, r.version = true, convStamp{v, clientID}, v
			continue
		}
		if r == nil {
			r = &convRec{entity: mu.Entity, id: mu.RecordID, fields: map[string]any{}, stamps: map[string]convStamp{}, made: map[convConflictKey]int{}}
			switch mu.Entity { // the server's defaults for a new record
			case "contact":
				r.fields["stage"], r.stamps["stage"] = "met", convStamp{v, clientID}
			case "ask":
				r.fields["status"], r.stamps["status"] = "planned", convStamp{v, clientID}
			}
			m.recs[k] = r
		}
		if r.deleted && (mu.BaseVersion >= r.del.v || r.del.c == clientID) {
			r.deleted, r.del = false, convStamp{v, clientID}
		}
		names := make([]string, 0, len(mu.Fields))
		for f := range mu.Fields {
			names = append(names, f)
		}
		sort.Strings(names)
		for _, f := range names {
			val := mu.Fields[f]
			m.seq++
			if f == "conflicts" {
				r.clears = append(r.clears, convClear{seq: m.seq, base: mu.BaseVersion, version: v})
				var keep []convConflictKey
				for _, ck := range r.list {
					if ck.version > mu.BaseVersion {
						keep = append(keep, ck)
					}
				}
				r.list = keep
				continue
			}
			if convLongText[mu.Entity][f] {
				old, _ := r.fields[f].(string)
				in, _ := val.(string)
				if st := r.stamps[f]; old != "" && old != in && st.v > mu.BaseVersion && st.c != clientID {
					ck := convConflictKey{f, old, v}
					r.made[ck] = m.seq
					if len(r.list) >= 20 {
						for _, gone := range r.list[:len(r.list)-19] {
							m.trimmed[gone] = true
						}
						r.list = append([]convConflictKey{}, r.list[len(r.list)-19:]...)
					}
					r.list = append(r.list, ck)
				}
			}
			if val == nil {
				delete(r.fields, f)
			} else {
				r.fields[f] = val
			}
			r.stamps[f] = convStamp{v, clientID}
			fk := convFieldKey{k, f}
			m.writes[fk] = append(m.writes[fk], convWrite{version: v, client: clientID, mutID: mu.ID, base: mu.BaseVersion, value: val})
		}
		r.version = v
	}
	return nil
}

// check compares records (a device's view or the server's full download) with the model: every
// record the model knows, with its version, deletion and every field clients wrote; nothing
// else but server fields; and only conflicts the rules could have made, each once.
func (m *convModel) check(got map[string]*convEntry) error {
	keys := make([]string, 0, len(m.recs))
	for k := range m.recs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		r := m.recs[k]
		e := got[k]
		if e == nil {
			return fmt.Errorf("%s is missing", k)
		}
		// An ask's readiness is derived from its contact and notes, so a batch that changes
		// those re-stamps the ask: its version may be ahead of the last client write, never behind.
		derived := r.entity == "ask" && e.Version > r.version
		if (e.Version != r.version && !derived) || e.Deleted != r.deleted {
			return fmt.Errorf("%s: v%d deleted=%v, want v%d deleted=%v: %v", k, e.Version, e.Deleted, r.version, r.deleted, e.Record)
		}
		rec := e.Record
		if rec["id"] != r.id || rec["version"] != float64(e.Version) {
			return fmt.Errorf("%s: record says id %v version %v", k, rec["id"], rec["version"])
		}
		if _, ok := rec["deleted_at"]; ok != r.deleted {
			return fmt.Errorf("%s: deleted_at %v but deleted=%v", k, rec["deleted_at"], r.deleted)
		}
		for f, want := range r.fields {
			if !reflect.DeepEqual(rec[f], want) {
				return fmt.Errorf("%s.%s = %#v, want %#v (record %v)", k, f, rec[f], want, rec)
			}
		}
		for f := range rec {
			if _, ok := r.fields[f]; !ok && !convServerFields[f] && !(r.entity == "ask" && (f == "due_at" || f == "readiness")) {
				return fmt.Errorf("%s: unexpected field %s = %v", k, f, rec[f])
			}
		}
		if c, ok := rec["conflicts"]; ok {
			list, isList := c.([]any)
			if !isList {
				return fmt.Errorf("%s: conflicts is %T", k, c)
			}
			seen := map[convConflictKey]bool{}
			for _, x := range list {
				cm, _ := x.(map[string]any)
				v, _ := cm["version"].(float64)
				ck := convConflictKey{field: fmt.Sprint(cm["field"]), value: fmt.Sprint(cm["value"]), version: int64(v)}
				if _, ok := r.made[ck]; !ok || seen[ck] {
					return fmt.Errorf("%s: conflict %v was not made by the rules (or is listed twice)", k, cm)
				}
				if at, _ := cm["at"].(string); at == "" {
					return fmt.Errorf("%s: conflict %v has no time", k, cm)
				}
				seen[ck] = true
			}
		}
	}
	for k, e := range got {
		if convLongText[e.Entity] != nil && m.recs[k] == nil {
			return fmt.Errorf("%s exists but no acknowledged write made it", k)
		}
	}
	return nil
}

// --- conflicts a device had not seen ---------------------------------------------------------
//
// The convergence test counts "cleared unseen": conflict entries removed by a device's
// `conflicts: []` although that device's base_version is older than the entry. The two tests
// below pin the two ways this loses long text without anyone having seen it.

// noteOf downloads everything and returns one note's record.
func noteOf(t *testing.T, srv *testutil.Server, u testutil.User, id string) map[string]any {
	t.Helper()
	changes, _ := srv.PullAll(u, "reader-device", 0)
	c, ok := testutil.Latest(changes)[id]
	if !ok {
		t.Fatalf("note %s not pulled", id)
	}
	return c.Record
}

// Resolving a conflict is one put of the chosen text plus `conflicts: []` (the PWA's Conflicts
// screen does this). If another device changed the text after this device last pulled, that
// text becomes a conflict in the same put, and must survive the clear.
func TestResolvingAConflictKeepsTextItHadNotSeen(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db testutil.DB) {
		srv := testutil.NewServer(t, db)
		u := srv.Register("resolve@example.com")
		note := testutil.ID(1)
		v1 := srv.Push(u, "phone-device", testutil.Mutation{ID: 1, Entity: "note", RecordID: note, Op: "put",
			Fields: map[string]any{"body": "first draft"}}).Version
		// The laptop pulls v1. The phone then adds to the note.
		v2 := srv.Push(u, "phone-device", testutil.Mutation{ID: 2, Entity: "note", RecordID: note, Op: "put",
			Fields: map[string]any{"body": "first draft + typed on the phone"}, BaseVersion: v1}).Version
		// The laptop, still at v1, saves its text and clears the conflicts it showed (none).
		v3 := srv.Push(u, "laptop-device", testutil.Mutation{ID: 1, Entity: "note", RecordID: note, Op: "put",
			Fields: map[string]any{"body": "typed on the laptop", "conflicts": []any{}}, BaseVersion: v1}).Version
		rec := noteOf(t, srv, u, note)
		if rec["body"] != "typed on the laptop" {
			t.Fatalf("body %q", rec["body"])
		}
		if !convHasConflict(rec, convConflictKey{field: "body", value: "first draft + typed on the phone", version: v3}) {
			t.Fatalf("the phone's text (written at v%d) was replaced at v%d by a device that never saw it, and is gone: %v", v2, v3, rec)
		}
	})
}

// A device clears the conflicts it has shown; a conflict recorded after its last pull is not
// one of them and must stay.
func TestClearingConflictsKeepsOnesTheDeviceHadNotSeen(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db testutil.DB) {
		srv := testutil.NewServer(t, db)
		u := srv.Register("clear@example.com")
		note := testutil.ID(2)
		v1 := srv.Push(u, "phone-device", testutil.Mutation{ID: 1, Entity: "note", RecordID: note, Op: "put",
			Fields: map[string]any{"body": "one"}}).Version
		v2 := srv.Push(u, "phone-device", testutil.Mutation{ID: 2, Entity: "note", RecordID: note, Op: "put",
			Fields: map[string]any{"body": "two (phone)"}, BaseVersion: v1}).Version
		v3 := srv.Push(u, "laptop-device", testutil.Mutation{ID: 1, Entity: "note", RecordID: note, Op: "put",
			Fields: map[string]any{"body": "three (laptop)"}, BaseVersion: v1}).Version
		seen := noteOf(t, srv, u, note) // the tablet shows this: one conflict, "two (phone)"
		if !convHasConflict(seen, convConflictKey{field: "body", value: "two (phone)", version: v3}) {
			t.Fatalf("setup: no conflict for the phone's text: %v", seen)
		}
		// The phone, still at v2, writes again: the laptop's text becomes a conflict.
		v4 := srv.Push(u, "phone-device", testutil.Mutation{ID: 3, Entity: "note", RecordID: note, Op: "put",
			Fields: map[string]any{"body": "four (phone)"}, BaseVersion: v2}).Version
		// The tablet clears what it showed, based on v3.
		v5 := srv.Push(u, "tablet-device", testutil.Mutation{ID: 1, Entity: "note", RecordID: note, Op: "put",
			Fields: map[string]any{"conflicts": []any{}}, BaseVersion: v3}).Version
		rec := noteOf(t, srv, u, note)
		if convHasConflict(rec, convConflictKey{field: "body", value: "two (phone)", version: v3}) {
			t.Fatalf("the conflict the tablet saw is still there after its clear at v%d: %v", v5, rec)
		}
		if !convHasConflict(rec, convConflictKey{field: "body", value: "three (laptop)", version: v4}) {
			t.Fatalf("the laptop's text, replaced at v%d, was cleared at v%d by a device based on v%d that never saw it: %v", v4, v5, v3, rec)
		}
	})
}
