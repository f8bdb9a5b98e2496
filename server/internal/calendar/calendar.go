// Package calendar turns one user's records into an RFC 5545 calendar for the private feed
// (asks due, thank-yous, follow-ups, partner meetings and events) and makes the feed's secret.
// It knows nothing of HTTP: the handler looks the token up and serves what Build returns.
package calendar

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"sort"
	"time"

	ics "github.com/arran4/golang-ical"
)

// Record is one live record as clients see it (JSON).
type Record struct {
	Entity string
	Data   string
}

// Entities lists the records Build reads.
func Entities() []string { return []string{"contact", "event", "ask", "referral", "reminder"} }

// Options shape the calendar.
type Options struct {
	// Zone is the user's IANA time zone; times are written in it.
	Zone string
	// Name is the calendar's display name.
	Name string
	// Since drops events that ended before it (old meetings are history, not plans).
	Since time.Time
}

// A reminder lasts this long in the calendar: a slot to act, not a meeting.
const reminderSlot = 15 * time.Minute

type rec struct {
	ID        string    `json:"id"`
	UpdatedAt time.Time `json:"updated_at"`
	// contact
	Name string `json:"name"`
	// event
	Title    string     `json:"title"`
	StartsAt *time.Time `json:"starts_at"`
	EndsAt   *time.Time `json:"ends_at"`
	Place    string     `json:"place"`
	// ask and referral
	ContactID string `json:"contact_id"`
	Target    string `json:"target"`
	Why       string `json:"why"`
	Prospect  string `json:"prospect"`
	Readiness *struct {
		State       string     `json:"state"`
		WindowUntil *time.Time `json:"window_until"`
		Reasons     []struct {
			Text string `json:"text"`
		} `json:"reasons"`
	} `json:"readiness"`
	// reminder
	Kind         string     `json:"kind"`
	Subject      subject    `json:"subject"`
	DueAt        *time.Time `json:"due_at"`
	Status       string     `json:"status"`
	SnoozedUntil *time.Time `json:"snoozed_until"`
}

// Build writes the calendar. Everything in it comes from the records, never from the clock,
// so the same records give the same bytes and pollers can be answered 304.
func Build(recs []Record, o Options) ([]byte, error) {
	loc, err := time.LoadLocation(o.Zone)
	if err != nil || o.Zone == "" {
		loc, o.Zone = time.UTC, "UTC"
	}
	by := map[string]map[string]*rec{}
	for _, r := range recs {
		var v rec
		if err := json.Unmarshal([]byte(r.Data), &v); err != nil {
			return nil, err
		}
		if by[r.Entity] == nil {
			by[r.Entity] = map[string]*rec{}
		}
		by[r.Entity][v.ID] = &v
	}
	cal := ics.NewCalendarFor("Askwell")
	cal.SetMethod(ics.MethodPublish)
	cal.SetName(o.Name)
	cal.SetXWRCalName(o.Name)
	cal.SetXWRTimezone(o.Zone)
	cal.SetRefreshInterval("PT1H")
	cal.SetXPublishedTTL("PT1H")
	local := func(t time.Time) string { return t.In(loc).Format("20060102T150405") }
	add := func(id string, start, end time.Time, updated time.Time, summary, desc, place string) {
		ev := cal.AddEvent(id + "@askwell")
		ev.SetDtStampTime(updated)
		ev.SetModifiedAt(updated)
		ev.SetProperty(ics.ComponentPropertyDtStart, local(start), ics.WithTZID(o.Zone))
		ev.SetProperty(ics.ComponentPropertyDtEnd, local(end), ics.WithTZID(o.Zone))
		ev.SetSummary(summary)
		if desc != "" {
			ev.SetDescription(desc)
		}
		if place != "" {
			ev.SetLocation(place)
		}
	}
	name := func(id string) string {
		if c := by["contact"][id]; c != nil && c.Name != "" {
			return c.Name
		}
		return "someone"
	}
	for _, r := range sorted(by["reminder"]) {
		at := r.DueAt
		if r.Status == "snoozed" && r.SnoozedUntil != nil {
			at = r.SnoozedUntil
		}
		if at == nil || r.Status == "done" || r.Status == "cancelled" {
			continue
		}
		summary, desc := describe(r, by, name)
		add(r.ID, *at, at.Add(reminderSlot), r.UpdatedAt, summary, desc, "")
	}
	// An ask the coach calls ready and that has no reminder of its own yet: an all-day item from
	// when it became ready (its last change) through the end of its good moment.
	due := map[string]bool{}
	for _, r := range by["reminder"] {
		if r.Kind == "ask" && r.Subject.Entity == "ask" && r.Status != "cancelled" {
			due[r.Subject.ID] = true
		}
	}
	for _, a := range sorted(by["ask"]) {
		if a.Readiness == nil || a.Readiness.State != "ready" || due[a.ID] || !openAsk(a.Status) {
			continue
		}
		summary, _ := describe(&rec{Kind: "ask", Subject: subject{"ask", a.ID}}, by, name)
		day := a.UpdatedAt.In(loc)
		last := day
		if w := a.Readiness.WindowUntil; w != nil && w.After(day) {
			last = w.In(loc)
		}
		ev := cal.AddEvent(a.ID + "@askwell")
		ev.SetDtStampTime(a.UpdatedAt)
		ev.SetModifiedAt(a.UpdatedAt)
		ev.SetAllDayStartAt(day)
		ev.SetAllDayEndAt(last.AddDate(0, 0, 1))
		ev.SetSummary("Ready: " + summary)
		if len(a.Readiness.Reasons) > 0 {
			ev.SetDescription(a.Readiness.Reasons[0].Text)
		}
	}
	for _, e := range sorted(by["event"]) {
		if e.StartsAt == nil {
			continue
		}
		end := e.StartsAt.Add(time.Hour)
		if e.EndsAt != nil && e.EndsAt.After(*e.StartsAt) {
			end = *e.EndsAt
		}
		if end.Before(o.Since) {
			continue
		}
		add(e.ID, *e.StartsAt, end, e.UpdatedAt, e.Title, "", e.Place)
	}
	var b bytes.Buffer
	if err := cal.SerializeTo(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

type subject struct {
	Entity string `json:"entity"`
	ID     string `json:"id"`
}

// openAsk is an ask not yet made, declined or answered.
func openAsk(status string) bool {
	return status == "" || status == "planned" || status == "due" || status == "later"
}

// describe words a reminder like the app does: who, and what to do.
func describe(r *rec, by map[string]map[string]*rec, name func(string) string) (summary, desc string) {
	subject := by[r.Subject.Entity][r.Subject.ID]
	switch r.Kind {
	case "ask":
		if subject == nil {
			return "Ask for an introduction", ""
		}
		s := "Ask " + name(subject.ContactID) + " for an intro"
		if subject.Target != "" {
			s += " to " + subject.Target
		}
		return s, subject.Why
	case "thank_you":
		if subject == nil {
			return "Say thank you for a referral", ""
		}
		return "Thank " + name(subject.ContactID) + " for the referral", prospect(subject)
	case "follow_up":
		if subject == nil {
			return "Follow up", ""
		}
		if r.Subject.Entity == "event" {
			return "Follow up on " + subject.Title, ""
		}
		return "Follow up with " + name(subject.ContactID), prospect(subject)
	case "partner_meeting":
		return "Partner meeting with " + name(r.Subject.ID), "Your monthly catch-up: what you each need, who you can introduce."
	}
	return "Askwell reminder", ""
}

func prospect(r *rec) string {
	if r.Prospect == "" {
		return ""
	}
	return "Referral: " + r.Prospect
}

func sorted(m map[string]*rec) []*rec {
	out := make([]*rec, 0, len(m))
	for _, r := range m {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// NewToken makes a feed secret (256 random bits, URL-safe) and its hash for lookups.
func NewToken() (token, hash string) {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand panics instead)
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, Hash(token)
}

// Hash is the lookup key of a token.
func Hash(token string) string {
	s := sha256.Sum256([]byte(token))
	return hex.EncodeToString(s[:])
}

// Matches compares a stored token with a given one in time that depends only on their length.
func Matches(stored, given string) bool {
	return subtle.ConstantTimeCompare([]byte(stored), []byte(given)) == 1
}

// ETag names a calendar's content, for If-None-Match.
func ETag(body []byte) string {
	s := sha256.Sum256(body)
	return `"` + hex.EncodeToString(s[:12]) + `"`
}
