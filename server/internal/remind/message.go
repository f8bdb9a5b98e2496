package remind

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/askwell/askwell/server/internal/playbook"
)

// What a notification may hold. Notification areas show two lines or so; the rest would be
// cut by the device anyway, and the payload must stay under push.MaxPayload.
const (
	maxTitle = 90
	maxBody  = 240
	maxName  = 40
	maxQuote = 100
)

// message is what a notification says and where tapping it leads.
type message struct {
	Title string
	Body  string
	URL   string // a deep link inside the app, e.g. "/#/asks/<id>"
}

// subjectRef is the record a reminder is about.
type subjectRef struct {
	Entity string `json:"entity"`
	ID     string `json:"id"`
}

// reminderRec is the part of a reminder record the dispatcher reads.
type reminderRec struct {
	ID           string     `json:"id"`
	Kind         string     `json:"kind"`
	Subject      subjectRef `json:"subject"`
	DueAt        *time.Time `json:"due_at"`
	Status       string     `json:"status"`
	SnoozedUntil *time.Time `json:"snoozed_until"`
}

// The parts of the records a message is written from. Fields are pointers where the record
// may hold null.
type (
	contactRec struct {
		Name    string  `json:"name"`
		Company *string `json:"company"`
	}
	askRec struct {
		ContactID       string        `json:"contact_id"`
		Readiness       *readinessRec `json:"readiness"`
		Target          *string       `json:"target"`
		TargetContactID *string       `json:"target_contact_id"`
		Why             *string       `json:"why"`
		Script          *string       `json:"script"`
	}
	referralRec struct {
		Direction         string  `json:"direction"`
		ContactID         string  `json:"contact_id"`
		Prospect          *string `json:"prospect"`
		ProspectContactID *string `json:"prospect_contact_id"`
		Status            string  `json:"status"`
		Thanks            *struct {
			Medium *string `json:"medium"`
		} `json:"thanks"`
	}
	eventRec struct {
		Title      string   `json:"title"`
		ContactIDs []string `json:"contact_ids"`
	}
	noteRec struct {
		ContactIDs []string `json:"contact_ids"`
	}
	suggestionRec struct {
		Title   string `json:"title"`
		Reasons []struct {
			Text string `json:"text"`
		} `json:"reasons"`
	}
)

// related holds one user's records a batch of reminders refers to, by id.
type related struct {
	asks        map[string]*askRec
	referrals   map[string]*referralRec
	events      map[string]*eventRec
	notes       map[string]*noteRec
	contacts    map[string]*contactRec
	suggestions map[string]*suggestionRec
}

// readinessRec is the coach's verdict on an ask, as the server derived it (playbook.Readiness).
type readinessRec struct {
	State   string `json:"state"`
	Reasons []struct {
		Code string     `json:"code"`
		Text string     `json:"text"`
		At   *time.Time `json:"at"`
	} `json:"reasons"`
	HoldUntil *time.Time `json:"hold_until"`
}

// compose writes a notification for a reminder the way a coach would say it: who, what, and
// why now, from the ask's readiness. now and loc (the user's zone) make "yesterday" mean the
// user's yesterday. Missing records (deleted, or never synced) fall back to plain words, never
// to an empty notification.
func compose(r reminderRec, rel *related, now time.Time, loc *time.Location) message {
	if rel == nil {
		rel = &related{}
	}
	name := func(id string) string {
		if c := rel.contacts[id]; c != nil && strings.TrimSpace(c.Name) != "" {
			return clip(oneLine(c.Name), maxName)
		}
		return ""
	}
	var m message
	switch {
	case r.Kind == playbook.ReminderAsk && r.Subject.Entity == "ask":
		m = askMessage(rel.asks[r.Subject.ID], name, now, loc)
		m.URL = "/#/asks/" + r.Subject.ID
	case r.Subject.Entity == "referral":
		m = referralMessage(r.Kind, rel.referrals[r.Subject.ID], name)
		m.URL = "/#/referrals/" + r.Subject.ID
	case r.Subject.Entity == "event" && r.Kind == playbook.ReminderCapture:
		m = captureMessage(rel.events[r.Subject.ID], name)
		m.URL = "/#/capture?event=" + r.Subject.ID
	case r.Subject.Entity == "event":
		m = eventMessage(rel.events[r.Subject.ID], name)
		m.URL = "/#/today"
	case r.Subject.Entity == "suggestion":
		m = suggestionMessage(rel.suggestions[r.Subject.ID])
		m.URL = "/#/today"
	case r.Subject.Entity == "contact":
		who := name(r.Subject.ID)
		switch {
		case who == "":
		case r.Kind == playbook.ReminderPartnerMeeting:
			m = message{Title: "Time for your monthly meeting with " + who,
				Body: "Partners who meet every month keep referrals flowing both ways. Suggest a date."}
		default:
			m = message{Title: "Follow up with " + who, Body: "A short note now keeps the connection warm."}
		}
		m.URL = "/#/contacts/" + r.Subject.ID
	case r.Subject.Entity == "note":
		if n := rel.notes[r.Subject.ID]; n != nil {
			if who := names(n.ContactIDs, name); who != "" {
				m = message{Title: "Follow up with " + who, Body: "A short note while it is fresh keeps the connection warm."}
			}
		}
		m.URL = "/#/notes/" + r.Subject.ID
	}
	if m.Title == "" {
		m.Title, m.Body = fallback(r.Kind)
	}
	if m.URL == "" {
		m.URL = "/#/today"
	}
	m.Title = clip(m.Title, maxTitle)
	m.Body = clip(m.Body, maxBody)
	return m
}

// windowCode: these reasons make now the moment, and go into the body with their day.
func windowCode(code string) bool {
	switch code {
	case "praised", "problem_solved", "good_news", "offered_help":
		return true
	}
	return false
}

// whoOrThem names the contact, or says "them" when its record is gone: the message still reads.
func whoOrThem(name func(string) string, id string) string {
	if who := name(id); who != "" {
		return who
	}
	return "them"
}

// otherParty names the person an ask or a referral is about: the linked contact, else the
// typed name (clipped to fit a title), else "".
func otherParty(name func(string) string, id, text *string) string {
	s := ""
	if id != nil {
		s = name(*id)
	}
	if s == "" && text != nil {
		s = clip(oneLine(*text), maxName)
	}
	return s
}

func askMessage(a *askRec, name func(string) string, now time.Time, loc *time.Location) message {
	if a == nil {
		return message{}
	}
	who, target := whoOrThem(name, a.ContactID), otherParty(name, a.TargetContactID, a.Target)
	m := message{Title: "Ask " + who + " for an introduction"}
	if target != "" {
		m.Title = "Ask " + who + " for an intro to " + target
	}
	if rd := a.Readiness; rd != nil && rd.State == "needs_work" {
		// What to fix, in the coach's words; the ask itself can wait for it.
		var fixes []string
		for _, x := range rd.Reasons {
			if !windowCode(x.Code) && !strings.HasPrefix(x.Code, "due_") && x.Code != "brought_forward" {
				fixes = append(fixes, strings.TrimRight(oneLine(x.Text), ".")+".")
			}
		}
		if len(fixes) > 0 {
			return message{Title: "Before you ask " + who + ", one thing to fix", Body: strings.Join(fixes, " ")}
		}
	}
	var why string
	if rd := a.Readiness; rd != nil && rd.State == "ready" {
		for _, x := range rd.Reasons {
			if windowCode(x.Code) && x.At != nil {
				why = oneLine(x.Text) + " " + relDay(*x.At, now, loc) + " — now is a good moment."
				break
			}
		}
	}
	switch {
	case why != "":
		m.Body = why
	case a.Why != nil && strings.TrimSpace(*a.Why) != "":
		m.Body = oneLine(*a.Why)
	case a.Script != nil && strings.TrimSpace(*a.Script) != "":
		m.Body = "Try: “" + clip(firstSentence(*a.Script), maxQuote) + "”"
	default:
		m.Body = "You planned this ask. Name one person and say why they would benefit."
	}
	return m
}

func referralMessage(kind string, r *referralRec, name func(string) string) message {
	if r == nil {
		return message{}
	}
	who, prospect := whoOrThem(name, r.ContactID), otherParty(name, r.ProspectContactID, r.Prospect)
	switch kind {
	case playbook.ReminderThankYou:
		how := "A handwritten card is remembered."
		if r.Thanks != nil && r.Thanks.Medium != nil {
			switch *r.Thanks.Medium {
			case "email":
				how = "A short, personal email today beats a perfect one next week."
			case "call":
				how = "A quick call to say thanks means a lot."
			case "gift":
				how = "A small, thoughtful gift says you noticed."
			}
		}
		m := message{Title: "Thank " + who + " for the referral", Body: how}
		if prospect != "" && r.Direction != "given" {
			m.Body = who + " referred you to " + prospect + ". " + how
		}
		return m
	case playbook.ReminderFollowUp:
		if r.Direction == "given" {
			m := message{Title: "Check in with " + who + " about your referral",
				Body: "Ask how it is going. Referrals you follow up are the ones people remember."}
			if prospect != "" {
				m.Title = "Check in with " + who + " about " + prospect
			}
			return m
		}
		m := message{Title: "Tell " + who + " how the referral went"}
		if prospect != "" {
			m.Title = "Tell " + who + " how it went with " + prospect
		}
		switch r.Status {
		case "won":
			m.Body = "You won it. " + who + " will be glad to hear — and ready to send the next one."
		case "lost":
			m.Body = "It did not work out, but closing the loop keeps " + who + " referring."
		default:
			m.Body = "A short update shows " + who + " the referral was in good hands."
		}
		return m
	}
	return message{}
}

// suggestionMessage is Monday's plan: the week in a line, then its top next steps.
func suggestionMessage(sg *suggestionRec) message {
	if sg == nil || strings.TrimSpace(sg.Title) == "" {
		return message{}
	}
	m := message{Title: oneLine(sg.Title), Body: "Open Askwell to see this week's next steps."}
	var next []string
	for _, x := range sg.Reasons {
		if t := strings.TrimRight(oneLine(x.Text), "."); t != "" {
			next = append(next, t+".")
		}
	}
	if len(next) > 0 {
		m.Body = strings.Join(next, " ")
	}
	return m
}

// eventMessage names each person once: the title says whom the event's own title leaves out.
func eventMessage(e *eventRec, name func(string) string) message {
	if e == nil {
		return message{}
	}
	title := playbook.Default().FollowUpTitle(clip(oneLine(e.Title), maxName+20), eventNames(e, name))
	if title == "" {
		return message{}
	}
	return message{Title: title, Body: "A short note while it is fresh keeps the connection warm."}
}

// captureMessage asks how a meeting went, right after it ended: "How was coffee with Dana?"
func captureMessage(e *eventRec, name func(string) string) message {
	if e == nil {
		return message{}
	}
	r := playbook.Default()
	title := r.CaptureTitle(clip(oneLine(e.Title), maxName+20), eventNames(e, name))
	if title == "" {
		return message{}
	}
	return message{Title: title, Body: r.CaptureBody()}
}

// eventNames are the known names of an event's people, each once.
func eventNames(e *eventRec, name func(string) string) []string {
	return knownNames(e.ContactIDs, name)
}

// knownNames are the names known for ids, each once.
func knownNames(ids []string, name func(string) string) []string {
	var out []string
	seen := map[string]bool{}
	for _, id := range ids {
		if n := name(id); n != "" && !seen[id] {
			seen[id] = true
			out = append(out, n)
		}
	}
	return out
}

// fallback is what a reminder says when the record it is about cannot be read.
func fallback(kind string) (title, body string) {
	const body0 = "Open Askwell to see what is due."
	switch kind {
	case playbook.ReminderAsk:
		return "Time to make your ask", body0
	case playbook.ReminderThankYou:
		return "Time to say thank you", "A referral deserves a prompt thank-you. " + body0
	case playbook.ReminderFollowUp:
		return "Time to follow up", body0
	case playbook.ReminderPartnerMeeting:
		return "Time for your partner meeting", body0
	case playbook.ReminderCapture:
		return "How did your meeting go?", playbook.Default().CaptureBody()
	case playbook.ReminderWeekPlan:
		return "Your week in referrals", "Open Askwell to see what to ask, whom to see and whom to thank."
	}
	return "Something is due today", body0
}

// names lists up to three known names: "Dana", "Dana and Lee", "Dana, Lee and Sam", "Dana, Lee
// and 2 others".
func names(ids []string, name func(string) string) string {
	ns := knownNames(ids, name)
	switch {
	case len(ns) == 0:
		return ""
	case len(ns) == 1:
		return ns[0]
	case len(ns) <= 3:
		return strings.Join(ns[:len(ns)-1], ", ") + " and " + ns[len(ns)-1]
	}
	return fmt.Sprintf("%s, %s and %d others", ns[0], ns[1], len(ns)-2)
}

// relDay says when t was, as the user counts days: today, yesterday, 3 days ago, or the date.
func relDay(t, now time.Time, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	day := func(x time.Time) time.Time {
		y, m, d := x.In(loc).Date()
		return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	}
	n := int(day(now).Sub(day(t)).Hours() / 24)
	switch {
	case n <= 0:
		return "today"
	case n == 1:
		return "yesterday"
	case n < 7:
		return fmt.Sprintf("%d days ago", n)
	}
	return "on " + t.In(loc).Format("2 Jan")
}

// oneLine folds runs of whitespace (new lines included) into single spaces.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// firstSentence is the opening of a text up to its first sentence end or line break.
func firstSentence(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, "\n"); i > 0 {
		s = s[:i]
	}
	for i, r := range s {
		if (r == '.' || r == '?' || r == '!') && i > 0 {
			rest := s[i+utf8.RuneLen(r):]
			if rest == "" || unicode.IsSpace([]rune(rest)[0]) {
				return oneLine(s[:i+utf8.RuneLen(r)])
			}
		}
	}
	return oneLine(s)
}

// clip shortens s to at most n runes, ending a cut text with an ellipsis at a word boundary
// when one is near.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	rs := []rune(s)[:n-1]
	cut := len(rs)
	for i := len(rs) - 1; i > n*3/4; i-- {
		if unicode.IsSpace(rs[i]) {
			cut = i
			break
		}
	}
	return strings.TrimRightFunc(string(rs[:cut]), func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsPunct(r) && r != '?' && r != '!'
	}) + "…"
}
