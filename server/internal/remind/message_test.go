package remind

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/askwell/askwell/server/internal/push"
)

func ptr[T any](v T) *T { return &v }

const (
	dana   = "c0000000-0000-7000-8000-000000000001"
	lee    = "c0000000-0000-7000-8000-000000000002"
	bob    = "c0000000-0000-7000-8000-000000000003"
	carol  = "c0000000-0000-7000-8000-000000000004"
	askID  = "a0000000-0000-7000-8000-000000000001"
	refID  = "b0000000-0000-7000-8000-000000000001"
	evID   = "e0000000-0000-7000-8000-000000000001"
	noteID = "d0000000-0000-7000-8000-000000000001"
)

func people() map[string]*contactRec {
	return map[string]*contactRec{
		dana: {Name: "Dana"}, lee: {Name: "Lee"}, bob: {Name: "Bob"}, carol: {Name: "Carol"},
	}
}

func TestComposeMessages(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	now := time.Date(2026, 11, 25, 14, 0, 0, 0, time.UTC) // 09:00 in New York
	rem := func(kind, entity, id string) reminderRec {
		return reminderRec{ID: "r1", Kind: kind, Subject: subjectRef{Entity: entity, ID: id}}
	}
	longWhy := strings.Repeat("Lee is hiring three designers this quarter and ", 20)
	cases := []struct {
		name string
		r    reminderRec
		rel  related
		want message
	}{
		{
			name: "ask with a recent praise",
			r:    rem("ask", "ask", askID),
			rel: related{asks: map[string]*askRec{askID: {ContactID: dana, TargetContactID: ptr(lee), Why: ptr("ignored when a signal speaks"),
				Readiness: readiness("ready", "praised", "Dana praised your work", now.Add(-20*time.Hour))}}}, // 13:00 the day before, New York
			want: message{Title: "Ask Dana for an intro to Lee", Body: "Dana praised your work yesterday — now is a good moment.", URL: "/#/asks/" + askID},
		},
		{
			name: "ask that needs work says what to fix",
			r:    rem("ask", "ask", askID),
			rel: related{asks: map[string]*askRec{askID: {ContactID: dana, Target: ptr("anyone"),
				Readiness: readiness("needs_work", "vague_target", "“anyone” is vague: name one person, and say why they would benefit", now)}}},
			want: message{Title: "Before you ask Dana, one thing to fix", Body: "“anyone” is vague: name one person, and say why they would benefit.", URL: "/#/asks/" + askID},
		},
		{
			name: "ask with a why",
			r:    rem("ask", "ask", askID),
			rel:  related{asks: map[string]*askRec{askID: {ContactID: dana, Target: ptr("Globex"), Why: ptr("Globex needs\na new website.")}}},
			want: message{Title: "Ask Dana for an intro to Globex", Body: "Globex needs a new website.", URL: "/#/asks/" + askID},
		},
		{
			name: "ask with only a script",
			r:    rem("ask", "ask", askID),
			rel:  related{asks: map[string]*askRec{askID: {ContactID: dana, Script: ptr("Who else do you know who runs a bakery? I'd love to help them too.")}}},
			want: message{Title: "Ask Dana for an introduction", Body: "Try: “Who else do you know who runs a bakery?”", URL: "/#/asks/" + askID},
		},
		{
			name: "ask whose contact is unknown",
			r:    rem("ask", "ask", askID),
			rel:  related{asks: map[string]*askRec{askID: {ContactID: "gone"}}},
			want: message{Title: "Ask them for an introduction", Body: "You planned this ask. Name one person and say why they would benefit.", URL: "/#/asks/" + askID},
		},
		{
			name: "thank-you with a prospect",
			r:    rem("thank_you", "referral", refID),
			rel:  related{referrals: map[string]*referralRec{refID: {Direction: "received", ContactID: bob, Prospect: ptr("Globex")}}},
			want: message{Title: "Thank Bob for the referral", Body: "Bob referred you to Globex. A handwritten card is remembered.", URL: "/#/referrals/" + refID},
		},
		{
			name: "thank-you by email",
			r:    rem("thank_you", "referral", refID),
			rel: related{referrals: map[string]*referralRec{refID: {Direction: "received", ContactID: bob,
				Thanks: &struct {
					Medium *string `json:"medium"`
				}{Medium: ptr("email")}}}},
			want: message{Title: "Thank Bob for the referral", Body: "A short, personal email today beats a perfect one next week.", URL: "/#/referrals/" + refID},
		},
		{
			name: "follow-up on a referral won",
			r:    rem("follow_up", "referral", refID),
			rel:  related{referrals: map[string]*referralRec{refID: {Direction: "received", ContactID: bob, ProspectContactID: ptr(carol), Status: "won"}}},
			want: message{Title: "Tell Bob how it went with Carol", Body: "You won it. Bob will be glad to hear — and ready to send the next one.", URL: "/#/referrals/" + refID},
		},
		{
			name: "follow-up on a referral given",
			r:    rem("follow_up", "referral", refID),
			rel:  related{referrals: map[string]*referralRec{refID: {Direction: "given", ContactID: bob, Prospect: ptr("Initech")}}},
			want: message{Title: "Check in with Bob about Initech", Body: "Ask how it is going. Referrals you follow up are the ones people remember.", URL: "/#/referrals/" + refID},
		},
		{
			name: "follow-up after an event",
			r:    rem("follow_up", "event", evID),
			rel:  related{events: map[string]*eventRec{evID: {Title: "Chamber breakfast", ContactIDs: []string{dana, lee, dana, "unknown"}}}},
			want: message{Title: "Follow up with Dana and Lee after Chamber breakfast", Body: "A short note while it is fresh keeps the connection warm.", URL: "/#/today"},
		},
		{
			name: "follow-up after an event named for its person says the name once",
			r:    rem("follow_up", "event", evID),
			rel:  related{events: map[string]*eventRec{evID: {Title: "Chapter / group with Dana", ContactIDs: []string{dana}}}},
			want: message{Title: "Follow up after chapter / group with Dana", Body: "A short note while it is fresh keeps the connection warm.", URL: "/#/today"},
		},
		{
			name: "how was it, when a planned meeting ends",
			r:    rem("capture", "event", evID),
			rel:  related{events: map[string]*eventRec{evID: {Title: "Coffee with Dana", ContactIDs: []string{dana}}}},
			want: message{Title: "How was coffee with Dana?", Body: "Jot it down while it is fresh.", URL: "/#/capture?event=" + evID},
		},
		{
			name: "how was it, event gone",
			r:    rem("capture", "event", evID),
			want: message{Title: "How did your meeting go?", Body: "Jot it down while it is fresh.", URL: "/#/capture?event=" + evID},
		},
		{
			name: "partner meeting",
			r:    rem("partner_meeting", "contact", carol),
			want: message{Title: "Time for your monthly meeting with Carol", Body: "Partners who meet every month keep referrals flowing both ways. Suggest a date.", URL: "/#/contacts/" + carol},
		},
		{
			name: "follow-up after a note",
			r:    rem("follow_up", "note", noteID),
			rel:  related{notes: map[string]*noteRec{noteID: {ContactIDs: []string{dana, lee, bob, carol}}}},
			want: message{Title: "Follow up with Dana, Lee and 2 others", Body: "A short note while it is fresh keeps the connection warm.", URL: "/#/notes/" + noteID},
		},
		{
			name: "subject deleted",
			r:    rem("thank_you", "referral", refID),
			want: message{Title: "Time to say thank you", Body: "A referral deserves a prompt thank-you. Open Askwell to see what is due.", URL: "/#/referrals/" + refID},
		},
		{
			name: "unknown kind and subject",
			r:    rem("mystery", "widget", "x"),
			want: message{Title: "Something is due today", Body: "Open Askwell to see what is due.", URL: "/#/today"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rel := c.rel
			if rel.contacts == nil {
				rel.contacts = people()
			}
			got := compose(c.r, &rel, now, ny)
			if got != c.want {
				t.Errorf("got  %+v\nwant %+v", got, c.want)
			}
		})
	}

	t.Run("long text is clipped", func(t *testing.T) {
		rel := related{contacts: map[string]*contactRec{dana: {Name: strings.Repeat("Dana-Marie ", 30)}},
			asks: map[string]*askRec{askID: {ContactID: dana, Target: ptr(strings.Repeat("Globex ", 80)), Why: ptr(longWhy)}}}
		got := compose(rem("ask", "ask", askID), &rel, now, ny)
		if n := utf8.RuneCountInString(got.Title); n > maxTitle {
			t.Errorf("title has %d runes: %q", n, got.Title)
		}
		if n := utf8.RuneCountInString(got.Body); n > maxBody || !strings.HasSuffix(got.Body, "…") {
			t.Errorf("body has %d runes: %q", n, got.Body)
		}
	})
}

func TestRelDay(t *testing.T) {
	la, _ := time.LoadLocation("America/Los_Angeles")
	now := time.Date(2026, 11, 25, 7, 0, 0, 0, time.UTC) // 23:00 on the 24th in Los Angeles
	for _, c := range []struct {
		at   time.Time
		want string
	}{
		{now.Add(-time.Hour), "today"},
		{time.Date(2026, 11, 24, 8, 1, 0, 0, time.UTC), "today"},       // 00:01 on the 24th in Los Angeles
		{time.Date(2026, 11, 24, 7, 59, 0, 0, time.UTC), "yesterday"},  // 23:59 on the 23rd in Los Angeles
		{time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC), "3 days ago"}, // the 21st in LA
		{time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC), "on 1 Nov"},
	} {
		if got := relDay(c.at, now, la); got != c.want {
			t.Errorf("relDay(%v) = %q, want %q", c.at, got, c.want)
		}
	}
}

func TestClipAndSentence(t *testing.T) {
	if got := clip("short", 10); got != "short" {
		t.Errorf("clip short: %q", got)
	}
	if got := clip("one two three four five six", 15); got != "one two three…" {
		t.Errorf("clip at a word: %q", got)
	}
	if got := clip(strings.Repeat("é", 50), 10); got != strings.Repeat("é", 9)+"…" {
		t.Errorf("clip runes: %q", got)
	}
	if got := firstSentence("Hi Dana. How are you?"); got != "Hi Dana." {
		t.Errorf("first sentence: %q", got)
	}
	if got := firstSentence("Version 2.0 is out\nsecond line"); got != "Version 2.0 is out" {
		t.Errorf("first line: %q", got)
	}
}

func TestPayloadStaysSmall(t *testing.T) {
	m := message{Title: strings.Repeat("<Title> ", 200), Body: strings.Repeat("Body & more ", 500), URL: "/#/asks/x"}
	p := newPayload(m, "r1", "ask", strings.Repeat("t", 300), "https://askwell.example/")
	b, err := p.encode()
	if err != nil {
		t.Fatal(err)
	}
	if len(b) > push.MaxPayload {
		t.Fatalf("payload is %d bytes, limit %d", len(b), push.MaxPayload)
	}
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if got["url"] != "https://askwell.example/#/asks/x" || got["api"] != "https://askwell.example/api/v1/reminders/r1" || got["tag"] != "r1" {
		t.Errorf("links: %v", got)
	}
	if !strings.Contains(string(b), "<Title>") {
		t.Errorf("HTML escaped: %s", b[:80])
	}
	actions, _ := got["actions"].([]any)
	if len(actions) != 2 {
		t.Errorf("actions: %v", got["actions"])
	}
}

// readiness is a derived readiness with one reason, as the server stores it on an ask.
func readiness(state, code, text string, at time.Time) *readinessRec {
	r := &readinessRec{State: state}
	r.Reasons = append(r.Reasons, struct {
		Code string     `json:"code"`
		Text string     `json:"text"`
		At   *time.Time `json:"at"`
	}{code, text, &at})
	return r
}
