package playbook

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Suggestion kinds (docs/coach.md, next steps).
const (
	SuggestSeeNext    = "see_next"
	SuggestGiveBack   = "give_back"
	SuggestShareWin   = "share_win"
	SuggestTakeOffer  = "take_offer"
	SuggestIntroPath  = "intro_path"
	SuggestPlanAsk    = "plan_ask"
	SuggestInvite     = "invite"
	SuggestShareOffer = "share_offer"
	SuggestWeekPlan   = "week_plan"
)

// Suggestion states: open until the user acts on it, dismisses it or snoozes it.
const (
	SuggestionOpen      = "open"
	SuggestionDone      = "done"
	SuggestionDismissed = "dismissed"
	SuggestionSnoozed   = "snoozed"
)

// ContactKinds are the suggestion kinds about one contact: re-derived whenever that contact,
// its asks, notes, referrals or connections change.
func ContactKinds() []string {
	return []string{SuggestPlanAsk, SuggestTakeOffer, SuggestShareWin, SuggestGiveBack, SuggestIntroPath}
}

// Suggestion is a next step the coach wants shown.
type Suggestion struct {
	ID         string
	Kind       string
	ContactID  string
	SubjectIDs []string
	Title      string
	Reasons    []Reason
	Text       string
	Score      float64
	ExpiresAt  *time.Time
}

// suggestionSpace is the UUIDv5 namespace of suggestion ids; changing it would orphan every
// dismissal.
const suggestionSpace = "8f2b1c3e-5a47-4d0e-9c61-2e7b4a9d0f15"

// SuggestionID is deterministic in the kind and what it is about, so deriving again finds the
// same record and a dismissal sticks.
func SuggestionID(kind string, key ...string) string {
	return uuid.NewSHA1(uuid.MustParse(suggestionSpace), []byte(kind+":"+strings.Join(key, ":"))).String()
}

// SuggestRules are the next-steps constants of rules.json.
type SuggestRules struct {
	ShareWinDays  int `json:"share_win_days"`
	GiveBackGap   int `json:"give_back_gap"`
	BalanceMonths int `json:"balance_months"`
	UnseenDays    int `json:"unseen_days"`
	WeekPlanHour  int `json:"week_plan_hour"`
	Top           int `json:"top"`
	SnoozeMaxDays int `json:"snooze_max_days"`
}

// ContactFacts is what the coach knows of one contact when it suggests next steps.
type ContactFacts struct {
	Contact  ContactInput
	Kind     string
	Archived bool
	Deleted  bool
	// OpenAsks are the contact's asks still to be made.
	OpenAsks []AskInput
	// Signals are the live signals about the contact.
	Signals []Signal
	// Given and Received are the times of referrals with this contact.
	Given, Received []time.Time
	// Paths are the dream customers this contact knows.
	Paths []Path
}

// Path is a connection from a contact to a dream customer.
type Path struct {
	Dream  ContactInput
	Via    string
	Detail string
}

// ContactSuggestions are the next steps about one contact: plan the ask up front for a client
// or champion, take a sincere offer, share a win, give back to a partner who gives more, and
// ask for an intro to a dream customer they know (ready when the contact's readiness is).
func (r *Rules) ContactSuggestions(f ContactFacts, plans map[string]Trigger, now time.Time, loc *time.Location) []Suggestion {
	c := f.Contact
	if f.Deleted || f.Archived || c.ID == "" {
		return nil
	}
	now = now.UTC()
	name := strings.TrimSpace(c.Name)
	if name == "" {
		name = r.FallbackName
	}
	vars := map[string]string{"name": name}
	var out []Suggestion
	circle := Circle(f.Kind, c.Stage, f.Archived, false)

	if len(f.OpenAsks) == 0 && InCircle(circle, "client", "champion") {
		who := "champion"
		if f.Kind == "client" {
			who = "client"
		}
		s := Suggestion{ID: SuggestionID(SuggestPlanAsk, c.ID), Kind: SuggestPlanAsk, ContactID: c.ID, SubjectIDs: []string{c.ID},
			Title: r.sayWith("plan_ask_title", vars), Score: 40,
			Reasons: []Reason{{Code: SuggestPlanAsk, Text: r.sayWith("plan_ask", map[string]string{"name": name, "circle": who}), ContactID: c.ID}}}
		if t, ok := plans[f.Kind]; ok && t.Kind != "" {
			s.Reasons = append(s.Reasons, Reason{Code: "ask_plan", Text: r.sayWith("ask_plan", map[string]string{"kind": f.Kind, "plan": r.planPhrase(t, name)})})
		}
		out = append(out, s)
	}

	m := r.moments(c, f.Signals, now)
	if o := m.offer; o != nil && len(f.OpenAsks) == 0 {
		end := o.At.Add(days(r.Offer.Days))
		out = append(out, Suggestion{ID: SuggestionID(SuggestTakeOffer, c.ID, o.NoteID), Kind: SuggestTakeOffer, ContactID: c.ID,
			SubjectIDs: []string{c.ID, o.NoteID}, Title: r.sayWith("take_offer_title", vars), Score: 80, ExpiresAt: &end,
			Reasons: []Reason{m.offerReason, {Code: SuggestTakeOffer, Text: r.sayWith("take_offer", vars)}}})
	}

	for _, s := range f.Signals {
		end := s.At.Add(days(r.Suggest.ShareWinDays))
		if s.Kind != "delivered_similar" || s.At.After(now) || !now.Before(end) {
			continue
		}
		at := s.At
		out = append(out, Suggestion{ID: SuggestionID(SuggestShareWin, c.ID, s.NoteID), Kind: SuggestShareWin, ContactID: c.ID,
			SubjectIDs: []string{c.ID, s.NoteID}, Title: r.sayWith("share_win_title", vars), Score: 60, ExpiresAt: &end,
			Text:    r.sayWith("share_win_text", vars),
			Reasons: []Reason{{Code: SuggestShareWin, Text: r.sayWith("share_win", vars), ContactID: c.ID, NoteID: s.NoteID, At: &at}}})
	}

	if f.Kind == "partner" {
		since := now.AddDate(0, -r.Suggest.BalanceMonths, 0)
		given, received := countSince(f.Given, since), countSince(f.Received, since)
		if received-given >= r.Suggest.GiveBackGap {
			v := map[string]string{"name": name, "given": strconv.Itoa(given), "received": strconv.Itoa(received)}
			out = append(out, Suggestion{ID: SuggestionID(SuggestGiveBack, c.ID), Kind: SuggestGiveBack, ContactID: c.ID,
				SubjectIDs: []string{c.ID}, Title: r.sayWith("give_back_title", v), Score: 70 + float64(received-given),
				Reasons: []Reason{{Code: SuggestGiveBack, Text: r.sayWith("give_back", v), ContactID: c.ID}}})
		}
	}

	for _, p := range f.Paths {
		if p.Dream.ID == "" || p.Dream.ID == c.ID || asksFor(f.OpenAsks, p.Dream.ID) {
			continue
		}
		out = append(out, r.introPath(f, p, name, now, loc))
	}
	return out
}

// introPath suggests asking a contact for an intro to a dream customer they know, as ready as a
// planned ask to them would be right now.
func (r *Rules) introPath(f ContactFacts, p Path, name string, now time.Time, loc *time.Location) Suggestion {
	c := f.Contact
	other := strings.TrimSpace(p.Dream.Name)
	if other == "" {
		other = r.FallbackName
	}
	via := r.ViaPhrases[p.Via]
	if d := strings.TrimSpace(p.Detail); d != "" {
		via = "from " + d
	}
	v := map[string]string{"name": name, "other": other, "via": via}
	s := Suggestion{ID: SuggestionID(SuggestIntroPath, c.ID, p.Dream.ID), Kind: SuggestIntroPath, ContactID: c.ID,
		SubjectIDs: []string{c.ID, p.Dream.ID}, Title: r.sayWith("intro_path_title", v), Score: 30,
		Reasons: []Reason{{Code: "path", Text: r.sayWith("path", v), ContactID: c.ID}}}
	due := now
	as := r.Assess(AskInput{ContactID: c.ID, TargetContactID: p.Dream.ID, Status: AskPlanned, DueAt: &due, CreatedAt: now}, c, f.Signals, now, loc)
	switch rd := as.Readiness; rd.State {
	case StateReady:
		s.Score = 90
		s.Reasons = append(s.Reasons, Reason{Code: "path_ready", Text: r.sayWith("path_ready", v), ContactID: c.ID})
		for _, x := range rd.Reasons {
			if r.Windows[x.Code] > 0 || x.Code == r.Offer.Kind {
				s.Reasons = append(s.Reasons, x)
			}
		}
	default:
		for _, x := range rd.Reasons {
			if !strings.HasPrefix(x.Code, "due_") {
				s.Reasons = append(s.Reasons, x)
			}
		}
	}
	return s
}

func asksFor(asks []AskInput, target string) bool {
	for _, a := range asks {
		if a.TargetContactID == target {
			return true
		}
	}
	return false
}

func countSince(ts []time.Time, since time.Time) int {
	n := 0
	for _, t := range ts {
		if !t.Before(since) {
			n++
		}
	}
	return n
}

// planPhrase says a default ask plan the way a person would.
func (r *Rules) planPhrase(t Trigger, name string) string {
	switch t.Kind {
	case TriggerAfterDays:
		return t.Value + " days after you plan it"
	case TriggerStage:
		return "when they reach “" + r.stageLabel(t.Value) + "”"
	case TriggerMilestone:
		return "right after " + strings.ReplaceAll(r.MilestonePhrases[t.Value], "{name}", "they")
	case TriggerDate:
		return "on " + t.Value
	}
	return fmt.Sprint(t.Value)
}

// momentsOf is what a contact's live signals say, without an ask: the offer to take, if any.
type momentsOf struct {
	offer       *Signal
	offerReason Reason
}

// moments finds a sincere, live offer of help (from trust or above, not right after we helped
// them), by the same scan readiness uses.
func (r *Rules) moments(c ContactInput, signals []Signal, now time.Time) momentsOf {
	x := assessment{r: r, now: now, name: c.Name, stage: r.stageLabel(c.Stage), contactID: c.ID}
	if strings.TrimSpace(x.name) == "" {
		x.name = r.FallbackName
	}
	for _, s := range signals {
		if s.ContactID == c.ID {
			x.sigs = append(x.sigs, s)
		}
	}
	sortSignals(x.sigs)
	x.scan(r.StageRank(c.Stage) >= r.StageRank(r.Offer.MinStage))
	var m momentsOf
	for _, w := range x.windows {
		if w.Code == r.Offer.Kind {
			m.offerReason = w
			for i := range x.sigs {
				if x.sigs[i].NoteID == w.NoteID && x.sigs[i].Kind == r.Offer.Kind {
					m.offer = &x.sigs[i]
					break
				}
			}
		}
	}
	return m
}

// Offer is the user's current special offer: it makes referring easy, so the coach suggests
// sharing it with partners and champions until its last day.
type Offer struct {
	Text  string    `json:"text"`
	Until time.Time `json:"until"` // the last day, at midnight UTC as a calendar date
}

// Check refuses an offer without a last day, one that ended before today in the user's zone or
// one more than a year ahead. An offer without text is no offer (it ends the current one).
func (o Offer) Check(now time.Time, loc *time.Location) error {
	if o.Text == "" {
		return nil
	}
	if o.Until.IsZero() {
		return fmt.Errorf("until (its last day) is required with a text")
	}
	y, m, d := now.In(loc).Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	if o.Until.Before(today) || o.Until.After(today.AddDate(1, 0, 0)) {
		return fmt.Errorf("until must be a day from today to a year ahead")
	}
	return nil
}

// Encode is how the offer is stored; "" for none.
func (o Offer) Encode() string {
	if o.Text == "" {
		return ""
	}
	b, _ := json.Marshal(o)
	return string(b)
}

// ParseOffer reads a stored offer.
func ParseOffer(s string) (Offer, bool) {
	var o Offer
	if s == "" || json.Unmarshal([]byte(s), &o) != nil || o.Text == "" {
		return Offer{}, false
	}
	return o, true
}
