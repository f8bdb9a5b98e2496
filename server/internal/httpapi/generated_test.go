package httpapi_test

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/askwell/askwell/api"
	"github.com/askwell/askwell/server/internal/push/pushtest"
	"github.com/askwell/askwell/server/internal/records"
	"github.com/askwell/askwell/server/internal/remind"
	"github.com/askwell/askwell/server/internal/store"
	"github.com/askwell/askwell/server/internal/testutil"
)

// Bodies made from openapi.yaml's schemas, mostly well-formed and now and then not (wrong
// types, extremes, NUL, dates out of range, unknown fields, deep nesting), sent to every
// operation that takes one but the account's deletion, as one user would: whatever is refused
// is refused with a 4xx (every answer is checked against the contract too), what was taken can
// still be pulled, exported and read as a calendar, and the server's passes over time (the
// coach's re-derivations, reminders sent) take it too. A seeded generator, so a failure repeats.
func TestNoServerErrorOnGeneratedInput(t *testing.T) {
	spec, err := api.GetSpec()
	if err != nil {
		t.Fatal(err)
	}
	kinds, err := records.NewSchema(spec)
	if err != nil {
		t.Fatal(err)
	}
	testutil.ForEachDB(t, func(t *testing.T, db testutil.DB) {
		srv := testutil.NewServer(t, db)
		u := srv.Register("generated@example.com")
		for seed := uint64(1); seed <= generatedSeeds(t); seed++ {
			g := &generator{seed: seed, r: rand.New(rand.NewPCG(seed, 7)), schemas: spec.Components.Schemas, kinds: kinds, odd: 0.01}
			g.run(t, srv, u, 250)
			g.odd = 0.2
			g.run(t, srv, u, 100)
			t.Logf("seed %d: %v", seed, g.answers)
		}
		for _, path := range []string{"/api/v1/me", "/api/v1/export", calendarPath(t, srv, u, "GET", "/api/v1/me/calendar")} {
			if r := srv.Do("GET", path, u.Token, nil); r.Status != http.StatusOK {
				t.Errorf("GET %s after the generated input: %d %s", path, r.Status, r.Body)
			}
		}
		if changes, _ := srv.PullAll(u, "generated-check", 0); len(changes) == 0 {
			t.Error("nothing generated was taken: the generator no longer makes valid records")
		}
		// Time passes over what was taken: holds end, weeks turn, reminders come due. The
		// server's own passes over the records (readiness re-derived, the week planned, due
		// reminders composed, encrypted and sent to a device) must not trip on any of them.
		ctx := context.Background()
		svc := pushtest.NewService(t)
		sender, _ := svc.Sender(t)
		sub := svc.NewSubscription()
		if err := srv.App.Store.SaveSubscription(ctx, &store.PushSubscription{ID: testutil.ID(999_999), UserID: u.ID,
			Endpoint: sub.Endpoint, P256dh: sub.P256dh, Auth: sub.Auth, CreatedAt: srv.Clock.Now()}); err != nil {
			t.Fatal(err)
		}
		d, err := remind.New(remind.Deps{Store: srv.App.Store, Sync: srv.App.Sync, Sender: sender, Tokens: srv.App.Tokens,
			Now: srv.Clock.Now, Metrics: prometheus.NewRegistry()})
		if err != nil {
			t.Fatal(err)
		}
		for day := range 60 {
			srv.Clock.Advance(24 * time.Hour)
			if _, err := srv.App.Sync.Recheck(ctx, 10_000); err != nil {
				t.Errorf("day %d: re-deriving readiness: %v", day, err)
			}
			if _, err := srv.App.Sync.PlanWeeks(ctx, 10_000); err != nil {
				t.Errorf("day %d: planning the week: %v", day, err)
			}
			if _, err := d.RunOnce(ctx); err != nil {
				t.Errorf("day %d: delivering reminders: %v", day, err)
			}
		}
		if len(svc.Received()) == 0 {
			t.Error("no reminder reached the device in 60 days: the generator no longer makes records that remind")
		}
		t.Logf("reminders delivered: %d", len(svc.Received()))
	})
}

// generatedSeeds is how many seeds the test runs: 2, or ASKWELL_TEST_GENERATED_SEEDS to
// explore further on a developer's machine.
func generatedSeeds(t *testing.T) uint64 {
	v := os.Getenv("ASKWELL_TEST_GENERATED_SEEDS")
	if v == "" {
		return 2
	}
	n, err := strconv.ParseUint(v, 10, 32)
	if err != nil || n == 0 {
		t.Fatalf("ASKWELL_TEST_GENERATED_SEEDS=%q: want a count of seeds", v)
	}
	return n
}

// generator makes request bodies from the contract's schemas; odd is the chance that a value
// is one of the odd ones instead of one its schema asks for.
type generator struct {
	seed    uint64
	r       *rand.Rand
	schemas openapi3.Schemas
	kinds   *records.Schema // which entities clients may create, and what a new one must carry
	odd     float64
	ids     map[string][]string // ids of the records taken so far, by entity
	made    map[string][]string // ids of the records the batch in flight makes, by entity
	next    int64               // the next mutation id of the generator's client
	client  string
	answers map[string]int // by method, path and status, for the log
}

var oddValues = []any{
	nil, "", "a\x00b", strings.Repeat("x", 70_000), -1, 0, 1 << 31, float64(1 << 62), 1e308, 1.5, true,
	[]any{}, map[string]any{}, []any{nil}, map[string]any{"a": map[string]any{"b": []any{}}},
	"0000-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "2026-02-30", "2026-11-29T25:00:00Z", "-0001-01-01T00:00:00Z",
	"Europe/Nowhere", "not-a-uuid", "\u202e", strings.Repeat("🙂", 3000), "NaN",
}

func (g *generator) run(t *testing.T, srv *testutil.Server, u testutil.User, n int) {
	t.Helper()
	if g.ids == nil {
		g.ids, g.made, g.answers = map[string][]string{}, map[string][]string{}, map[string]int{}
	}
	g.newClient()
	entities := records.Names()
	for i := range n {
		var method, path string
		var body any
		switch k := g.r.Float64(); {
		case k < 0.7:
			method, path, body = "POST", "/api/v1/sync/push", g.push(entities)
		case k < 0.78:
			method, path, body = "POST", "/api/v1/sync/pull", g.object("PullRequest")
		case k < 0.86:
			method, path, body = "PATCH", "/api/v1/me", g.object("UserPatch")
		case k < 0.91:
			method, path, body = "POST", "/api/v1/reminders/"+pick(g, []string{"x", testutil.ID(1), strings.Repeat("a", 300)})+"/snooze", g.object("SnoozeRequest")
		case k < 0.94:
			method, path, body = "POST", "/api/v1/push/subscriptions", g.object("PushSubscription")
		case k < 0.95:
			method, path, body = "DELETE", "/api/v1/push/subscriptions", g.object("PushEndpoint")
		case k < 0.96:
			method, path, body = "POST", "/api/v1/auth/login", g.object("LoginRequest")
		case k < 0.97:
			method, path, body = "POST", "/api/v1/auth/register", g.object("RegisterRequest")
		case k < 0.98:
			method, path, body = "POST", "/api/v1/auth/refresh", g.object("RefreshRequest")
		default:
			method, path = "POST", "/api/v1/sync/push"
			body = []byte(pick(g, []string{`{`, `{"client_id":`, "\xff\xfe", `[]`, `null`, `{"a":1,"a":2}`,
				`{"client_id":"generated-1","mutations":[` + strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + `]}`}))
		}
		r := srv.Do(method, path, u.Token, body)
		name := strings.TrimPrefix(path, "/api/v1/")
		if strings.HasPrefix(name, "reminders/") {
			name = "reminders/{id}/snooze"
		}
		g.answers[fmt.Sprintf("%s %s %d", method, name, r.Status)]++
		if r.Status >= 500 {
			t.Fatalf("seed %d, request %d, %s %s: %d %s\nbody: %.600v", g.seed, i, method, path, r.Status, r.Body, body)
		}
		if path == "/api/v1/sync/push" && r.Status != http.StatusOK {
			g.newClient() // a refused batch leaves a gap in the ids: start a client afresh
		} else if path == "/api/v1/sync/push" {
			for e, ids := range g.made { // taken: later records may refer to these
				g.ids[e] = append(g.ids[e], ids...)
			}
		}
		clear(g.made)
	}
}

func (g *generator) newClient() {
	g.client, g.next = fmt.Sprintf("generated-%d", g.r.Int64N(1<<40)), 1
}

func pick[T any](g *generator, xs []T) T { return xs[g.r.IntN(len(xs))] }

// push is a batch of one to three mutations of records new or made before, of any entity (the
// ones only the server makes, reminders and suggestions, only as odd ones), with references
// to records that exist.
func (g *generator) push(entities []string) map[string]any {
	var muts []any
	for range pick(g, []int{1, 1, 1, 2, 3}) {
		e := entities[g.r.IntN(len(entities))]
		if k, _ := g.kinds.Kind(e); k.ServerOnly && g.r.Float64() >= g.odd {
			e = records.Note // only the server makes these: most batches stay acceptable
		}
		kind, _ := g.kinds.Kind(e)
		schema := g.schemas[strings.ToUpper(e[:1])+e[1:]]
		fields, _ := g.value(schema, 0).(map[string]any)
		if fields == nil {
			fields = map[string]any{}
		}
		var id string
		if ids := g.ids[e]; len(ids) > 0 && g.r.IntN(10) < 4 {
			id = ids[g.r.IntN(len(ids))]
		} else {
			id = fmt.Sprintf("0192f3a0-%04x-7%03x-8%03x-%012x", g.r.IntN(1<<16), g.r.IntN(1<<12), g.r.IntN(1<<12), g.r.Int64N(1<<48))
			g.made[e] = append(g.made[e], id)
			for _, f := range kind.CreateRequired {
				if fields[f] == nil {
					fields[f] = g.value(property(schema, f), 1)
				}
			}
		}
		for _, ref := range []struct{ field, entity string }{
			{"contact_id", "contact"}, {"other_contact_id", "contact"}, {"ask_id", "ask"}, {"event_id", "event"}, {"note_id", "note"},
		} {
			if ids := g.ids[ref.entity]; property(schema, ref.field) != nil && len(ids) > 0 && g.r.IntN(10) < 8 {
				fields[ref.field] = ids[g.r.IntN(len(ids))]
			}
		}
		if ids := g.ids["contact"]; property(schema, "contact_ids") != nil && len(ids) > 0 && g.r.IntN(10) < 6 {
			fields["contact_ids"] = []any{ids[g.r.IntN(len(ids))]}
		}
		if g.r.Float64() >= g.odd {
			g.coachable(fields)
		}
		m := map[string]any{"id": g.next, "entity": e, "record_id": id, "op": "put", "fields": fields, "base_version": 0}
		if g.r.IntN(12) == 0 {
			m["op"] = "delete"
			delete(m, "fields")
		}
		if g.r.Float64() < g.odd {
			m[pick(g, []string{"id", "entity", "record_id", "op", "base_version"})] = pick(g, oddValues)
		}
		g.next++
		muts = append(muts, m)
	}
	return map[string]any{"client_id": g.client, "mutations": muts}
}

// coachable mends what the schemas cannot say about the coach's inputs, so that asks and
// signals are mostly taken and the coach runs over them: an ask's trigger value fits its
// kind, and a note's signals are about its contacts, in the past, with a hold only when busy.
func (g *generator) coachable(fields map[string]any) {
	if t, ok := fields["trigger"].(map[string]any); ok {
		switch t["kind"] {
		case "date":
			t["value"] = pick(g, []string{"2026-11-20", "2026-12-01", "2027-02-14T09:00:00Z"})
		case "after_days":
			t["value"] = pick(g, []string{"0", "3", "30", "365"})
		case "stage":
			t["value"] = pick(g, []string{"met", "know", "like", "trust", "champion"})
		case "milestone":
			t["value"] = pick(g, []string{"praised", "good_news", "problem_solved", "we_helped"})
		}
	}
	signals, _ := fields["signals"].([]any)
	contacts, _ := fields["contact_ids"].([]any)
	for _, sig := range signals {
		m, ok := sig.(map[string]any)
		if !ok || len(contacts) == 0 {
			continue
		}
		m["contact_id"] = pick(g, contacts)
		m["at"] = pick(g, []string{"2026-11-24T08:00:00Z", "2026-11-01T12:00:00Z", "2025-06-01T00:00:00Z"})
		if m["kind"] == "busy" {
			m["hold_until"] = "2026-12-15T09:00:00Z"
		} else {
			delete(m, "hold_until")
		}
	}
}

// property is the schema of a field of an entity, looked for through its allOf parts.
func property(s *openapi3.SchemaRef, name string) *openapi3.SchemaRef {
	if s == nil || s.Value == nil {
		return nil
	}
	if p := s.Value.Properties[name]; p != nil {
		return p
	}
	for _, part := range s.Value.AllOf {
		if p := property(part, name); p != nil {
			return p
		}
	}
	return nil
}

func (g *generator) object(name string) any { return g.value(g.schemas[name], 0) }

// value is a value of the schema, or now and then an odd one. Fields the server sets are left
// out, as a client would; required ones are always there.
func (g *generator) value(ref *openapi3.SchemaRef, depth int) any {
	if g.r.Float64() < g.odd || depth > 4 || ref == nil || ref.Value == nil {
		return pick(g, oddValues)
	}
	s := ref.Value
	switch {
	case len(s.Enum) > 0:
		return s.Enum[g.r.IntN(len(s.Enum))]
	case len(s.OneOf) > 0:
		return g.value(s.OneOf[g.r.IntN(len(s.OneOf))], depth+1)
	case len(s.AnyOf) > 0:
		return g.value(s.AnyOf[g.r.IntN(len(s.AnyOf))], depth+1)
	case len(s.AllOf) > 0:
		out := map[string]any{}
		for _, part := range s.AllOf {
			if m, ok := g.value(part, depth+1).(map[string]any); ok {
				for k, v := range m {
					out[k] = v
				}
			}
		}
		return out
	case s.Type.Is("object") || len(s.Properties) > 0:
		out := map[string]any{}
		required := map[string]bool{}
		for _, k := range s.Required {
			required[k] = true
		}
		for _, k := range slices.Sorted(maps.Keys(s.Properties)) { // in order: the seed decides all
			p := s.Properties[k]
			if p.Value != nil && p.Value.ReadOnly {
				continue
			}
			if required[k] || g.r.IntN(10) < 6 {
				out[k] = g.value(p, depth+1)
			}
		}
		if g.r.Float64() < g.odd {
			out["unknown_field"] = 1
		}
		return out
	case s.Type.Is("array"):
		out := []any{}
		for range g.r.IntN(4) {
			out = append(out, g.value(s.Items, depth+1))
		}
		return out
	case s.Example != nil && g.r.IntN(2) == 0:
		return s.Example
	case s.Type.Is("string"):
		switch s.Format {
		case "date-time": // mostly past, as most times a person logs are (the test clock is 24 November 2026)
			return pick(g, []string{"2026-11-24T08:00:00Z", "2026-11-20T17:30:00+01:00", "2025-06-01T00:00:00Z", "2026-12-01T09:30:00+01:00"})
		case "date":
			return pick(g, []string{"2026-11-24", "2026-11-30", "2027-01-31"})
		case "uuid":
			return testutil.ID(1 + g.r.IntN(1000))
		}
		lo, hi := int(s.MinLength), 40
		if s.MaxLength != nil {
			hi = min(hi, int(*s.MaxLength))
			if g.r.IntN(6) == 0 { // at the limit, or just past it
				lo, hi = int(*s.MaxLength), int(*s.MaxLength)+1
			}
		}
		return strings.Repeat(pick(g, []string{"a", "b", " ", "é"}), lo+g.r.IntN(max(hi-lo, 0)+1))
	case s.Type.Is("integer"), s.Type.Is("number"):
		if s.Min != nil && g.r.IntN(3) == 0 {
			return *s.Min
		}
		if s.Max != nil && g.r.IntN(3) == 0 {
			return *s.Max
		}
		return g.r.IntN(100)
	case s.Type.Is("boolean"):
		return g.r.IntN(2) == 0
	}
	return pick(g, oddValues)
}
