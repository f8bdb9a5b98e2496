package calendar_test

import (
	"bufio"
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	goical "github.com/emersion/go-ical"

	"github.com/askwell/askwell/server/internal/calendar"
	tu "github.com/askwell/askwell/server/internal/testutil"
)

func rec(entity, data string) calendar.Record { return calendar.Record{Entity: entity, Data: data} }

func TestBuildKeepsOpenItemsOnlyAndIsStable(t *testing.T) {
	recs := []calendar.Record{
		rec("contact", `{"id":"c1","name":"Lee"}`),
		rec("ask", `{"id":"a1","contact_id":"c1","target":"Harbor CFO","why":"She praised the audit"}`),
		rec("reminder", `{"id":"r1","kind":"ask","subject":{"entity":"ask","id":"a1"},"due_at":"2026-12-01T08:00:00Z","status":"pending","updated_at":"2026-11-24T09:00:00Z"}`),
		rec("reminder", `{"id":"r2","kind":"ask","subject":{"entity":"ask","id":"a1"},"due_at":"2026-12-02T08:00:00Z","status":"done"}`),
		rec("reminder", `{"id":"r3","kind":"partner_meeting","subject":{"entity":"contact","id":"c1"},"due_at":"2026-12-03T08:00:00Z","status":"snoozed","snoozed_until":"2026-12-05T16:30:00Z"}`),
		rec("reminder", `{"id":"r4","kind":"follow_up","subject":{"entity":"referral","id":"gone"},"due_at":"2026-12-03T08:00:00Z","status":"cancelled"}`),
		rec("event", `{"id":"e1","title":"Old lunch","starts_at":"2026-01-01T12:00:00Z"}`),
		rec("ask", `{"id":"a2","contact_id":"c1","target":"Kim","status":"planned","updated_at":"2026-11-24T03:00:00Z",`+
			`"readiness":{"state":"ready","window_until":"2026-11-26T12:00:00Z","reasons":[{"code":"praised","text":"Lee praised your work"}]}}`),
		rec("ask", `{"id":"a3","contact_id":"c1","status":"asked","readiness":{"state":"ready","reasons":[]}}`),
	}
	o := calendar.Options{Zone: "America/New_York", Name: "Askwell", Since: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}
	a, err := calendar.Build(recs, o)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := calendar.Build([]calendar.Record{recs[8], recs[7], recs[6], recs[5], recs[4], recs[3], recs[2], recs[1], recs[0]}, o)
	if !bytes.Equal(a, b) || calendar.ETag(a) != calendar.ETag(b) {
		t.Fatal("the same records in another order give another calendar")
	}
	cal, err := goical.NewDecoder(bytes.NewReader(a)).Decode()
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, a)
	}
	got := map[string]string{}
	ny, _ := time.LoadLocation("America/New_York")
	for _, ev := range cal.Events() {
		uid, _ := ev.Props.Text(goical.PropUID)
		sum, _ := ev.Props.Text(goical.PropSummary)
		start, err := ev.DateTimeStart(ny)
		if err != nil {
			t.Fatal(err)
		}
		end, _ := ev.DateTimeEnd(ny)
		got[uid] = fmt.Sprintf("%s @ %s–%s", sum, start.In(ny).Format("Jan 2 15:04"), end.In(ny).Format("Jan 2 15:04"))
	}
	want := map[string]string{
		"r1@askwell": "Ask Lee for an intro to Harbor CFO @ Dec 1 03:00–Dec 1 03:15",
		"r3@askwell": "Partner meeting with Lee @ Dec 5 11:30–Dec 5 11:45",
		// ready since Nov 23 in New York (03:00 UTC), until the window ends on the 26th: all day
		"a2@askwell": "Ready: Ask Lee for an intro to Kim @ Nov 23 00:00–Nov 27 00:00",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("events:\n got %v\nwant %v", got, want)
	}
	if !strings.Contains(string(a), "DTSTART;TZID=America/New_York:20261201T030000") {
		t.Fatalf("not in the user's zone:\n%s", a)
	}
}

func TestTokens(t *testing.T) {
	a, ha := calendar.NewToken()
	b, _ := calendar.NewToken()
	if a == b || len(a) != 43 || calendar.Hash(a) != ha || !calendar.Matches(a, a) || calendar.Matches(a, b) || calendar.Matches(a, a[:42]) {
		t.Fatal("tokens are not random, hashed or compared as they should be")
	}
}

// openItems makes n open items: a third events, the rest reminders of every kind with their subjects.
func openItems(n int) []calendar.Record {
	recs := []calendar.Record{rec("contact", `{"id":"c0","name":"Dana"}`)}
	kinds := []string{"ask", "thank_you", "follow_up", "partner_meeting"}
	for i := 0; i < n; i++ {
		at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Hour).Format(time.RFC3339)
		if i%3 == 0 {
			recs = append(recs, rec("event", fmt.Sprintf(`{"id":"e%d","title":"Coffee %d","starts_at":%q,"place":"Café"}`, i, i, at)))
			continue
		}
		k := kinds[i%4]
		recs = append(recs,
			rec("ask", fmt.Sprintf(`{"id":"s%d","contact_id":"c0","target":"Lee %d"}`, i, i)),
			rec("referral", fmt.Sprintf(`{"id":"s%d","contact_id":"c0","prospect":"Kim"}`, i)),
			rec("reminder", fmt.Sprintf(`{"id":"r%d","kind":%q,"subject":{"entity":"ask","id":"s%d"},"due_at":%q,"status":"pending"}`, i, k, i, at)))
	}
	return recs
}

// BenchmarkBuild2000 is the feed for a user with 2,000 open items, without the database.
func BenchmarkBuild2000(b *testing.B) {
	recs := openItems(2000)
	o := calendar.Options{Zone: "Europe/Berlin", Name: "Askwell"}
	b.ReportAllocs()
	for b.Loop() {
		body, err := calendar.Build(recs, o)
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(len(body)))
	}
}

// BenchmarkFeed2000 is GET /cal/{token}.ics end to end (SQLite) for a user with 2,000 open
// items: 667 events and 1,333 derived reminders.
func BenchmarkFeed2000(b *testing.B) {
	srv := tu.NewServer(b, tu.DB{Name: "sqlite"})
	u := srv.Register("bench@example.com")
	var muts []tu.Mutation
	id := int64(0)
	add := func(entity string, n int, fields map[string]any) {
		id++
		muts = append(muts, tu.Mutation{ID: id, Entity: entity, RecordID: tu.ID(n), Op: "put", Fields: fields})
	}
	add("contact", 1, map[string]any{"name": "Dana", "kind": "partner"})
	for i := 0; len(muts) < 2000; i++ {
		at := srv.Clock.Now().Add(time.Duration(i+24) * time.Hour).UTC().Format(time.RFC3339)
		if i%2 == 0 {
			add("event", 10+i, map[string]any{"title": fmt.Sprintf("Coffee %d", i), "kind": "one_to_one", "starts_at": at})
		} else {
			add("referral", 10+i, map[string]any{"direction": "received", "contact_id": tu.ID(1), "thanks": map[string]any{"due_at": at}})
		}
	}
	for start := 0; start < len(muts); start += 500 {
		srv.Push(u, "bench-client-1", muts[start:min(start+500, len(muts))]...)
	}
	r := srv.Do("GET", "/api/v1/me/calendar", u.Token, nil)
	var f struct{ Path string }
	r.JSON(b, &f)
	get := func() (int, int) {
		resp, err := srv.HTTP.Client().Get(srv.HTTP.URL + f.Path)
		if err != nil {
			b.Fatal(err)
		}
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		n := 0
		for sc.Scan() {
			if sc.Text() == "BEGIN:VEVENT" {
				n++
			}
		}
		return resp.StatusCode, n
	}
	if code, n := get(); code != http.StatusOK || n < 2000 {
		b.Fatalf("feed: %d with %d items", code, n)
	}
	b.ResetTimer()
	for b.Loop() {
		get()
	}
}
