package syncer

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/askwell/askwell/server/internal/playbook"
	"github.com/askwell/askwell/server/internal/records"
	"github.com/askwell/askwell/server/internal/store"
)

// PlanWeeks plans the new week of up to limit users whose week has turned (Monday 00:00 in
// their zone): the week's rhythm and whom to see, the special offer to share, invitations for
// the events they host, and Monday's plan with its push at the morning hour. The dispatcher calls
// it on its own clock; a self-hosted server needs no cron job.
func (s *Service) PlanWeeks(ctx context.Context, limit int) (int, error) {
	now := s.now().UTC()
	// New accounts (and those from before weeks were planned) start at their next week.
	fresh, err := s.store.Unscheduled(ctx, limit)
	if err != nil {
		return 0, err
	}
	for id, tz := range fresh {
		_, next, _ := playbook.WeekOf(now, s.zones.Get(tz))
		if err := s.store.ScheduleWeek(ctx, id, next); err != nil {
			return 0, err
		}
	}
	users, err := s.store.WeeksDue(ctx, now, limit)
	if err != nil {
		return 0, err
	}
	done := 0
	var first error
	for _, u := range users {
		if err := s.PlanWeek(ctx, u); err != nil {
			if first == nil { // one user's failure must not hold back the others
				first = fmt.Errorf("sync: plan week of user %s: %w", u, err)
			}
			continue
		}
		done++
	}
	return done, first
}

// PlanWeek plans the user's current week again (also when their special offer changes).
func (s *Service) PlanWeek(ctx context.Context, userID string) error {
	now := s.now().UTC()
	_, err := s.store.Write(ctx, userID, func(w *store.Writer) error {
		b := newBatch(s, w, now, serverClient)
		if err := b.planWeek(ctx); err != nil {
			return err
		}
		_, next, _ := playbook.WeekOf(now, b.location())
		if err := w.SetNextWeek(ctx, next); err != nil {
			return err
		}
		return b.save(ctx)
	})
	if err == nil && s.poker != nil {
		s.poker.Poke(ctx, userID)
	}
	return err
}

// planWeek derives the week's suggestions and Monday's plan.
func (b *batch) planWeek(ctx context.Context) error {
	rules, loc := playbook.Default(), b.location()
	start, end, key := playbook.WeekOf(b.now, loc)
	if err := b.deriveSeeNext(ctx); err != nil {
		return err
	}
	if err := b.deriveShareOffer(ctx); err != nil {
		return err
	}
	if err := b.deriveInvites(ctx, ""); err != nil {
		return err
	}
	// Last week's rhythm and plan are history now.
	prevStart := start.AddDate(0, 0, -7)
	_, _, prevKey := playbook.WeekOf(prevStart, loc)
	uid := b.w.User().ID
	stale := []string{playbook.SuggestionID(playbook.SuggestSeeNext, uid, prevKey), playbook.SuggestionID(playbook.SuggestWeekPlan, uid, prevKey)}
	if err := b.load(ctx, records.Suggestion, stale); err != nil {
		return err
	}
	for _, id := range stale {
		if s := b.get(records.Suggestion, id); s != nil && s.deletedAt == nil {
			b.unsuggest(s)
		}
	}

	ready, err := b.countAll(ctx, records.Ask, func(a *record) bool {
		r, _ := a.data[readinessField].(map[string]any)
		return r["state"] == playbook.StateReady
	})
	if err != nil {
		return err
	}
	owed, err := b.countAll(ctx, records.Referral, func(r *record) bool {
		thanks, _ := r.data["thanks"].(map[string]any)
		return r.str("direction") == "received" && (thanks == nil || thanks["sent_at"] == nil)
	})
	if err != nil {
		return err
	}
	if err := b.loadAll(ctx, records.Suggestion); err != nil {
		return err
	}
	var top []playbook.Suggestion
	for _, id := range b.order[records.Suggestion] {
		s := b.get(records.Suggestion, id)
		if s.deletedAt != nil || s.str("status") != playbook.SuggestionOpen || s.str("kind") == playbook.SuggestWeekPlan {
			continue
		}
		if t := parseTime(s.data["expires_at"]); t != nil && !t.After(b.now) {
			continue
		}
		score, _ := s.data["score"].(float64)
		top = append(top, playbook.Suggestion{Kind: s.str("kind"), Title: s.str("title"), ContactID: s.str("contact_id"), Score: score})
	}
	sort.SliceStable(top, func(i, j int) bool { return top[i].Score > top[j].Score })
	plan := rules.WeekPlan(uid, key, ready, owed, top, end)
	if err := b.load(ctx, records.Suggestion, []string{plan.ID}); err != nil {
		return err
	}
	if err := b.suggest(plan); err != nil {
		return err
	}
	// One push on Monday at the plan hour; a week planned late (a new account, a server that
	// was down) gets the plan without a push once that morning is long gone.
	due := start.In(loc).Add(time.Duration(rules.Suggest.WeekPlanHour) * time.Hour).UTC()
	if b.now.After(due.Add(12 * time.Hour)) {
		return nil
	}
	return b.remind(ctx, playbook.Want{ID: playbook.ReminderID(playbook.ReminderWeekPlan, plan.ID), Kind: playbook.ReminderWeekPlan,
		SubjectEntity: records.Suggestion, SubjectID: plan.ID, DueAt: due, State: playbook.ReminderPending})
}

// deriveSeeNext writes this week's rhythm: one-to-ones and events against the goals, the
// streak, and the partners, champions and connectors not seen longest.
func (b *batch) deriveSeeNext(ctx context.Context) error {
	rules, loc := playbook.Default(), b.location()
	start, end, _ := playbook.WeekOf(b.now, loc)
	u := b.w.User()
	year := start.AddDate(0, 0, -7*53)
	// The database holds what was saved; the batch, what this push changed: adopt the one, read
	// the other (a record in the batch is as the batch has it).
	rows, err := b.w.Meetings(ctx, "", false, year, end)
	if err != nil {
		return err
	}
	if err := b.adoptRows(records.Event, rows); err != nil {
		return err
	}
	circle, err := b.circle(ctx)
	if err != nil {
		return err
	}
	f := playbook.WeekFacts{UserID: u.ID, GoalOneToOnes: u.GoalOneToOnes, GoalEvents: u.GoalEvents, Now: b.now, Loc: loc}
	lastMet := map[string]time.Time{}
	for _, id := range b.order[records.Event] {
		e := b.get(records.Event, id)
		at := parseTime(e.data["starts_at"])
		if e.deletedAt != nil || at == nil || at.Before(year) || !at.Before(end) {
			continue
		}
		switch meetingOf(e) {
		case playbook.MeetingEvent:
			if !at.Before(start) {
				f.EventsThisWeek++
			}
		case playbook.MeetingOneToOne:
			f.OneToOnes = append(f.OneToOnes, *at)
			ids, _ := e.data["contact_ids"].([]any)
			for _, id := range ids {
				if s, _ := id.(string); at.After(lastMet[s]) && !at.After(b.now) {
					lastMet[s] = *at
				}
			}
		}
	}
	for _, c := range circle {
		p := playbook.Person{Contact: b.contactInput(c.id), Circle: circleOf(c)}
		if t, ok := lastMet[c.id]; ok {
			p.LastMet = &t
		}
		f.People = append(f.People, p)
	}
	see := rules.SeeNext(f)
	if err := b.load(ctx, records.Suggestion, []string{see.ID}); err != nil {
		return err
	}
	return b.suggest(see)
}

// deriveShareOffer suggests sharing the user's special offer with partners and champions while
// it lasts, and removes the suggestion of an offer that ended or changed.
func (b *batch) deriveShareOffer(ctx context.Context) error {
	rules, loc := playbook.Default(), b.location()
	u := b.w.User()
	o, ok := playbook.ParseOffer(u.SpecialOffer)
	var want *playbook.Suggestion
	if ok {
		circle, err := b.circle(ctx)
		if err != nil {
			return err
		}
		var people []playbook.ContactInput
		for _, c := range circle {
			if playbook.InCircle(circleOf(c), "partner", "champion") {
				people = append(people, b.contactInput(c.id))
			}
		}
		s := rules.ShareOffer(u.ID, o, people, loc)
		if s.ExpiresAt.After(b.now) {
			want = &s
		}
	}
	if err := b.loadAll(ctx, records.Suggestion); err != nil {
		return err
	}
	for _, id := range b.order[records.Suggestion] {
		if s := b.get(records.Suggestion, id); s.deletedAt == nil && s.str("kind") == playbook.SuggestShareOffer && (want == nil || id != want.ID) {
			b.unsuggest(s)
		}
	}
	if want == nil {
		return nil
	}
	if err := b.load(ctx, records.Suggestion, []string{want.ID}); err != nil {
		return err
	}
	return b.suggest(*want)
}

// deriveInvites writes the invitation suggestion of the events the user hosts from now on (or
// of one event, when eventID is set): clients and champions who know dream customers first.
func (b *batch) deriveInvites(ctx context.Context, eventID string) error {
	rules, loc := playbook.Default(), b.location()
	var events []*record
	if eventID != "" {
		if e := b.get(records.Event, eventID); e != nil {
			events = append(events, e)
		}
	} else {
		rows, err := b.w.Meetings(ctx, "", true, b.now, b.now.AddDate(1, 0, 0))
		if err != nil {
			return err
		}
		if err := b.adoptRows(records.Event, rows); err != nil {
			return err
		}
		for _, id := range b.order[records.Event] { // saved ones and those this batch changes
			if e := b.get(records.Event, id); e.data["hosted"] == true || e.fieldChanged("hosted", b.w.Version()) {
				events = append(events, e)
			}
		}
	}
	if len(events) == 0 {
		return nil
	}
	ids := make([]string, len(events))
	for i, e := range events {
		ids[i] = playbook.SuggestionID(playbook.SuggestInvite, e.id)
	}
	if err := b.load(ctx, records.Suggestion, ids); err != nil {
		return err
	}
	invitees, err := b.invitees(ctx)
	if err != nil {
		return err
	}
	for i, e := range events {
		start := parseTime(e.data["starts_at"])
		if e.deletedAt != nil || e.data["hosted"] != true || start == nil || !start.After(b.now) {
			if s := b.get(records.Suggestion, ids[i]); s != nil && s.deletedAt == nil {
				b.unsuggest(s)
			}
			continue
		}
		if err := b.suggest(rules.Invite(e.id, e.str("title"), *start, invitees, loc)); err != nil {
			return err
		}
	}
	return nil
}

// invitees are the user's clients and champions, with the dream customers each knows.
func (b *batch) invitees(ctx context.Context) ([]playbook.Invitee, error) {
	circle, err := b.circle(ctx)
	if err != nil {
		return nil, err
	}
	var dreams []string
	var people []*record
	for _, c := range circle {
		if playbook.InCircle(circleOf(c), "dream") {
			dreams = append(dreams, c.id)
		}
		if playbook.InCircle(circleOf(c), "client", "champion") {
			people = append(people, c)
		}
	}
	if _, err := b.loadBy(ctx, records.Connection, "other_contact_id", dreams); err != nil {
		return nil, err
	}
	dream := map[string]bool{}
	for _, id := range dreams {
		dream[id] = true
	}
	knows := map[string][]string{}
	for _, id := range b.order[records.Connection] {
		c := b.get(records.Connection, id)
		if o := c.str("other_contact_id"); c.deletedAt == nil && dream[o] {
			knows[c.str("contact_id")] = append(knows[c.str("contact_id")], b.contactInput(o).Name)
		}
	}
	out := make([]playbook.Invitee, 0, len(people))
	for _, c := range people {
		out = append(out, playbook.Invitee{Contact: b.contactInput(c.id), Circle: circleOf(c), Dreams: knows[c.id]})
	}
	return out, nil
}

// circle is the user's contacts in any coach group, as they stand in the batch.
func (b *batch) circle(ctx context.Context) ([]*record, error) {
	if !b.circled { // read once per batch: the week's rhythm, the offer and the invitations share it
		rows, err := b.w.InCircle(ctx)
		if err != nil {
			return nil, err
		}
		if err := b.adoptRows(records.Contact, rows); err != nil {
			return nil, err
		}
		b.circled = true
	}
	var out []*record
	for _, id := range b.order[records.Contact] {
		if c := b.get(records.Contact, id); circleOf(c) != "" {
			out = append(out, c)
		}
	}
	return out, nil
}

func (b *batch) kind(entity string) *records.Kind {
	k, _ := b.schema.Kind(entity)
	return k
}

// deriveWeekChanges keeps the week's suggestions in step with the batch: a meeting logged this
// week changes the rhythm and whom to see; a hosted event, a connection or a dream customer
// changes the invitations.
func (b *batch) deriveWeekChanges(ctx context.Context) error {
	v := b.w.Version()
	start, end, _ := playbook.WeekOf(b.now, b.location())
	rhythm, allInvites := false, false
	var hosted []string
	for _, id := range b.order[records.Event] {
		e := b.get(records.Event, id)
		if !e.changed || !e.fieldsChangedAt(v) {
			continue
		}
		if t := parseTime(e.data["starts_at"]); t != nil && !t.Before(start) && t.Before(end) || e.fieldChanged(deletedKey, v) {
			rhythm = true
		}
		if e.data["hosted"] == true || e.fieldChanged("hosted", v) {
			hosted = append(hosted, id)
		}
	}
	for _, id := range b.order[records.Connection] {
		if c := b.get(records.Connection, id); c.changed && c.fieldsChangedAt(v) {
			allInvites = true
		}
	}
	for _, id := range b.order[records.Contact] {
		if c := b.get(records.Contact, id); c.changed && (c.fieldChanged("dream", v) || c.fieldChanged("kind", v) || c.fieldChanged("stage", v)) {
			allInvites, rhythm = true, rhythm || c.fieldChanged("kind", v) || c.fieldChanged("stage", v)
		}
	}
	if rhythm {
		// The week's rhythm is created when the week is planned; a push keeps it current.
		_, _, key := playbook.WeekOf(b.now, b.location())
		id := playbook.SuggestionID(playbook.SuggestSeeNext, b.w.User().ID, key)
		if err := b.load(ctx, records.Suggestion, []string{id}); err != nil {
			return err
		}
		if s := b.get(records.Suggestion, id); s != nil && s.deletedAt == nil {
			if err := b.deriveSeeNext(ctx); err != nil {
				return err
			}
		}
	}
	if allInvites {
		return b.deriveInvites(ctx, "")
	}
	for _, id := range hosted {
		if err := b.deriveInvites(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

// countAll counts the user's live records of an entity that match (for the weekly plan).
func (b *batch) countAll(ctx context.Context, entity string, match func(*record) bool) (int, error) {
	rows, err := b.w.LoadAll(ctx, entity)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, row := range rows {
		rec, err := fromRow(b.kind(entity), row)
		if err != nil {
			return 0, err
		}
		if match(rec) {
			n++
		}
	}
	return n, nil
}

// loadAll brings every live record of an entity into the batch, reading them once per batch.
func (b *batch) loadAll(ctx context.Context, entity string) error {
	if b.loadedBy[entity+".*"] != nil {
		return nil
	}
	rows, err := b.w.LoadAll(ctx, entity)
	if err != nil {
		return err
	}
	b.loadedBy[entity+".*"] = map[string]bool{}
	return b.adoptRows(entity, rows)
}
