package playbook

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// WeekOf is the user's week around t: from Monday 00:00 in their zone to the next Monday, and
// its ISO key ("2026-W48") that names the week's suggestions.
func WeekOf(t time.Time, loc *time.Location) (start, end time.Time, key string) {
	local := t.In(loc)
	y, m, d := local.Date()
	monday := time.Date(y, m, d-(int(local.Weekday())+6)%7, 0, 0, 0, 0, loc)
	iy, iw := monday.ISOWeek()
	return monday.UTC(), monday.AddDate(0, 0, 7).UTC(), fmt.Sprintf("%d-W%02d", iy, iw)
}

// Person is a contact the coach may put on the week's list, with the last time you met them.
type Person struct {
	Contact ContactInput
	Circle  string
	LastMet *time.Time
}

// WeekFacts are what the rhythm of a week is judged from.
type WeekFacts struct {
	UserID           string
	GoalOneToOnes    int
	GoalEvents       int
	OneToOnes        []time.Time // one-to-one meetings of the last year (and this week)
	EventsThisWeek   int
	People           []Person // partners, champions and connectors
	Now              time.Time
	Loc              *time.Location
	AlreadySeenAfter time.Time // people met since then are not suggested
}

// group is the word for why a person is on the list.
func group(circle string) string {
	for _, g := range []string{"partner", "champion", "connector"} {
		if InCircle(circle, g) {
			return g
		}
	}
	return ""
}

// SeeNext is the week's rhythm (one-to-ones and events against the goals, the streak of weeks
// at goal) and whom to see next: partners, champions and connectors not seen longest.
func (r *Rules) SeeNext(f WeekFacts) Suggestion {
	start, _, key := WeekOf(f.Now, f.Loc)
	done := 0
	perWeek := map[time.Time]int{}
	for _, t := range f.OneToOnes {
		ws, _, _ := WeekOf(t, f.Loc)
		perWeek[ws]++
		if ws.Equal(start) {
			done++
		}
	}
	streak := 0
	for w := start.AddDate(0, 0, -7); f.GoalOneToOnes > 0 && perWeek[w] >= f.GoalOneToOnes; w = w.AddDate(0, 0, -7) {
		streak++
	}
	v := map[string]string{"done": strconv.Itoa(done), "goal": strconv.Itoa(f.GoalOneToOnes)}
	s := Suggestion{ID: SuggestionID(SuggestSeeNext, f.UserID, key), Kind: SuggestSeeNext, Score: 50}
	s.Reasons = append(s.Reasons, Reason{Code: "rhythm", Text: r.sayWith("rhythm", v)},
		Reason{Code: "events", Text: r.sayWith("events", map[string]string{"done": strconv.Itoa(f.EventsThisWeek), "goal": strconv.Itoa(f.GoalEvents)})})
	switch {
	case streak == 1:
		s.Reasons = append(s.Reasons, Reason{Code: "streak", Text: r.sayWith("streak_one", nil)})
	case streak > 1:
		s.Reasons = append(s.Reasons, Reason{Code: "streak", Text: r.sayWith("streak", map[string]string{"weeks": strconv.Itoa(streak)})})
	}
	people := make([]Person, 0, len(f.People))
	for _, p := range f.People {
		if group(p.Circle) != "" && (p.LastMet == nil || p.LastMet.Before(f.Now.AddDate(0, 0, -r.Suggest.UnseenDays))) {
			people = append(people, p)
		}
	}
	sort.SliceStable(people, func(i, j int) bool {
		a, b := people[i].LastMet, people[j].LastMet
		switch {
		case (a == nil) != (b == nil):
			return a == nil
		case a != nil && !a.Equal(*b):
			return a.Before(*b)
		}
		return people[i].Contact.Name < people[j].Contact.Name
	})
	for _, p := range people[:min(len(people), r.Suggest.Top)] {
		pv := map[string]string{"name": r.nameOf(p.Contact), "group": group(p.Circle)}
		code := "never_seen"
		if p.LastMet != nil {
			code = "unseen"
			pv["days"] = strconv.Itoa(int(f.Now.Sub(*p.LastMet).Hours() / 24))
		}
		s.Reasons = append(s.Reasons, Reason{Code: code, Text: r.sayWith(code, pv), ContactID: p.Contact.ID, At: p.LastMet})
		s.SubjectIDs = append(s.SubjectIDs, p.Contact.ID)
	}
	switch {
	case done >= f.GoalOneToOnes:
		s.Title = r.sayWith("see_next_title_met", v)
	case len(people) > 0:
		v["name"] = r.nameOf(people[0].Contact)
		s.Title = r.sayWith("see_next_title", v)
		s.Score += float64(10 * (f.GoalOneToOnes - done))
	default:
		s.Title = r.sayWith("rhythm", v)
	}
	_, end, _ := WeekOf(f.Now, f.Loc)
	s.ExpiresAt = &end
	return s
}

func (r *Rules) nameOf(c ContactInput) string {
	if n := strings.TrimSpace(c.Name); n != "" {
		return n
	}
	return r.FallbackName
}

// Invitee is someone to invite to an event you host, with the dream customers they know.
type Invitee struct {
	Contact ContactInput
	Circle  string
	Dreams  []string
}

// Invite suggests whom to invite to an event you host: clients and champions who know your
// dream customers first (invite them together), then other champions, with the invitation text.
func (r *Rules) Invite(eventID, title string, startsAt time.Time, invitees []Invitee, loc *time.Location) Suggestion {
	sort.SliceStable(invitees, func(i, j int) bool { return len(invitees[i].Dreams) > len(invitees[j].Dreams) })
	v := map[string]string{"event": title, "day": startsAt.In(loc).Format("Monday 2 January")}
	s := Suggestion{ID: SuggestionID(SuggestInvite, eventID), Kind: SuggestInvite, SubjectIDs: []string{eventID},
		Title: r.sayWith("invite_title", v), Text: r.sayWith("invite_text", v), Score: 55}
	end := startsAt.UTC()
	s.ExpiresAt = &end
	for _, in := range invitees[:min(len(invitees), 5)] {
		g := "client"
		if InCircle(in.Circle, "champion") {
			g = "champion"
		}
		pv := map[string]string{"name": r.nameOf(in.Contact), "group": g, "dreams": joinAnd(in.Dreams)}
		code := "invite"
		if len(in.Dreams) == 0 {
			code = "invite_champion"
		}
		s.Reasons = append(s.Reasons, Reason{Code: code, Text: r.sayWith(code, pv), ContactID: in.Contact.ID})
		s.SubjectIDs = append(s.SubjectIDs, in.Contact.ID)
	}
	return s
}

// ShareOffer suggests telling partners and champions about your special offer while it lasts.
func (r *Rules) ShareOffer(userID string, o Offer, people []ContactInput, loc *time.Location) Suggestion {
	var names []string
	for _, p := range people[:min(len(people), 5)] {
		names = append(names, r.nameOf(p))
	}
	v := map[string]string{"names": joinAnd(names), "until": o.Until.Format("2 January")}
	code := "share_offer"
	if len(names) == 0 {
		code = "share_offer_nobody"
	}
	end := time.Date(o.Until.Year(), o.Until.Month(), o.Until.Day()+1, 0, 0, 0, 0, loc).UTC()
	s := Suggestion{ID: SuggestionID(SuggestShareOffer, userID, o.Until.Format(time.DateOnly), o.Text), Kind: SuggestShareOffer,
		Title: r.sayWith("share_offer_title", nil), Text: o.Text, Score: 45, ExpiresAt: &end,
		Reasons: []Reason{{Code: SuggestShareOffer, Text: r.sayWith(code, v)}}}
	for _, p := range people[:min(len(people), 5)] {
		s.SubjectIDs = append(s.SubjectIDs, p.ID)
	}
	return s
}

// WeekPlan is Monday's plan: asks ready, thank-yous owed and the week's top next steps.
func (r *Rules) WeekPlan(userID, key string, asksReady, thanksOwed int, top []Suggestion, end time.Time) Suggestion {
	plural := "s"
	if thanksOwed == 1 {
		plural = ""
	}
	s := Suggestion{ID: SuggestionID(SuggestWeekPlan, userID, key), Kind: SuggestWeekPlan, Score: 100, ExpiresAt: &end,
		Title: r.sayWith("week_plan_title", map[string]string{"asks": strconv.Itoa(asksReady), "thanks": strconv.Itoa(thanksOwed), "s": plural})}
	for _, t := range top[:min(len(top), r.Suggest.Top)] {
		s.Reasons = append(s.Reasons, Reason{Code: t.Kind, Text: r.sayWith("week_plan_next", map[string]string{"title": t.Title}), ContactID: t.ContactID})
	}
	return s
}
