package syncer

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/askwell/askwell/server/internal/playbook"
	"github.com/askwell/askwell/server/internal/records"
	"github.com/askwell/askwell/server/internal/store"
)

// checkDomain applies the rules the contract cannot express; now bounds signal and meeting times.
func checkDomain(entity string, fields map[string]any, now time.Time) *InvalidError {
	switch entity {
	case records.Note:
		if raw, ok := fields["meeting_at"].(string); ok {
			t, err := time.Parse(time.RFC3339Nano, raw)
			if err != nil {
				return &InvalidError{Field: "meeting_at", Reason: "want a date-time"}
			}
			if reason := playbook.Default().CheckMeetingAt(t, now); reason != "" {
				return &InvalidError{Field: "meeting_at", Reason: reason}
			}
		}
		if raw, ok := fields["signals"]; ok && raw != nil {
			var sigs []playbook.NoteSignal
			if err := remarshal(raw, &sigs); err != nil {
				return &InvalidError{Field: "signals", Reason: "want [{contact_id, kind, at?, hold_until?}]"}
			}
			if reason := playbook.Default().CheckSignals(sigs, now); reason != "" {
				return &InvalidError{Field: "signals", Reason: reason}
			}
		}
	case records.Ask:
		if raw, ok := fields["trigger"]; ok && raw != nil {
			var t playbook.Trigger
			if err := remarshal(raw, &t); err != nil {
				return &InvalidError{Field: "trigger", Reason: "want {kind, value}"}
			}
			if err := t.Validate(); err != nil {
				return &InvalidError{Field: "trigger", Reason: err.Error()}
			}
		}
	case records.Connection:
		if c, o := fields["contact_id"], fields["other_contact_id"]; c != nil && c == o {
			return &InvalidError{Field: "other_contact_id", Reason: "a contact cannot know themselves"}
		}
	case records.Suggestion:
		if st, ok := fields["status"]; ok {
			switch st {
			case playbook.SuggestionDone, playbook.SuggestionDismissed, playbook.SuggestionSnoozed:
			default:
				return &InvalidError{Field: "status", Reason: "clients may set done, dismissed or snoozed"}
			}
			if st == playbook.SuggestionSnoozed {
				until := parseTime(fields["snoozed_until"])
				limit := now.Add(time.Duration(playbook.Default().Suggest.SnoozeMaxDays) * 24 * time.Hour)
				if until == nil || !until.After(now) || until.After(limit) {
					return &InvalidError{Field: "snoozed_until", Reason: fmt.Sprintf("a snooze needs a time from now to %d days ahead", playbook.Default().Suggest.SnoozeMaxDays)}
				}
			}
		}
	case records.Reminder:
		if st, ok := fields["status"]; ok {
			switch st {
			case playbook.ReminderDone, playbook.ReminderSnoozed:
			default:
				return &InvalidError{Field: "status", Reason: "clients may set done or snoozed"}
			}
			if st == playbook.ReminderSnoozed && fields["snoozed_until"] == nil {
				return &InvalidError{Field: "snoozed_until", Reason: "required when snoozing"}
			}
		}
	}
	return nil
}

func remarshal(in any, out any) error {
	b, err := json.Marshal(in)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, out)
}

// derive applies the playbook to what the batch changed, in the same transaction: asks whose
// trigger fired get a due time, and asks and referrals get their reminders moved or cancelled.
func (b *batch) derive(ctx context.Context) error {
	v := b.w.Version()
	loc := b.location()
	if err := b.prefetchReminders(ctx); err != nil {
		return err
	}

	// Contacts the batch's asks point at, so a stage trigger can be checked against them.
	var contactIDs []string
	for _, id := range b.order[records.Ask] {
		if a := b.get(records.Ask, id); a.changed {
			contactIDs = append(contactIDs, a.str("contact_id"))
		}
	}
	if err := b.load(ctx, records.Contact, contactIDs); err != nil {
		return err
	}
	for _, id := range b.order[records.Ask] {
		a := b.get(records.Ask, id)
		if !a.changed || !(a.fieldChanged("trigger", v) || a.fieldChanged(deletedKey, v)) {
			continue
		}
		b.planAsk(a, loc)
	}
	if err := b.fireWaitingAsks(ctx); err != nil {
		return err
	}
	if err := b.deriveReadiness(ctx); err != nil {
		return err
	}
	if err := b.deriveSuggestions(ctx); err != nil {
		return err
	}
	if err := b.deriveWeekChanges(ctx); err != nil {
		return err
	}
	var askReminders []string
	for _, id := range b.order[records.Ask] {
		if b.get(records.Ask, id).changed {
			askReminders = append(askReminders, playbook.ReminderID(playbook.ReminderAsk, id))
		}
	}
	if err := b.load(ctx, records.Reminder, askReminders); err != nil {
		return err
	}
	for _, id := range b.order[records.Ask] {
		a := b.get(records.Ask, id)
		if !a.changed {
			continue
		}
		at := a.remindAt
		if a.data[readinessField] == nil { // closed: its reminder is done, or cancelled if it never had a time
			at = parseTime(a.data["due_at"])
		}
		want := playbook.AskReminder(a.id, a.str("status"), at, a.deletedAt != nil)
		// Time passing or a window closing may move the reminder earlier; what the user already
		// got (sent, done, snoozed) stays then. A new plan or status starts it afresh.
		want.Sticky = !(a.fieldChanged("trigger", v) || a.fieldChanged("status", v) || a.fieldChanged(deletedKey, v))
		if err := b.remind(ctx, want); err != nil {
			return err
		}
	}
	if err := b.deriveMeetings(ctx, loc); err != nil {
		return err
	}
	for _, id := range b.order[records.Referral] {
		r := b.get(records.Referral, id)
		if !r.changed {
			continue
		}
		var ref playbook.Referral
		_ = remarshal(r.data, &ref) // validated on the way in; a bad stored field only loses its reminder
		for _, want := range playbook.ReferralReminders(r.id, ref, r.createdAt, r.deletedAt != nil) {
			if err := b.remind(ctx, want); err != nil {
				return err
			}
		}
	}
	return nil
}

// prefetchReminders loads, in one query, every reminder the changed records may want, so the
// rules below never query one reminder at a time.
func (b *batch) prefetchReminders(ctx context.Context) error {
	kinds := map[string][]string{
		records.Ask:      {playbook.ReminderAsk},
		records.Referral: {playbook.ReminderThankYou, playbook.ReminderFollowUp},
		records.Event:    {playbook.ReminderFollowUp, playbook.ReminderCapture},
		records.Contact:  {playbook.ReminderPartnerMeeting},
	}
	var ids []string
	for entity, ks := range kinds {
		for _, id := range b.order[entity] {
			rec := b.get(entity, id)
			if !rec.changed {
				continue
			}
			for _, k := range ks {
				rid := playbook.ReminderID(k, id)
				if !rec.stored {
					// Only the server makes reminders, for records it has: a record new in this
					// batch has none yet, so its reminders are known absent without a read.
					b.absent(records.Reminder, rid)
					continue
				}
				ids = append(ids, rid)
			}
		}
	}
	return b.load(ctx, records.Reminder, ids)
}

func (b *batch) location() *time.Location { return b.zones.Get(b.w.User().Timezone) }

// planAsk sets an ask's due time from its trigger, or leaves it waiting for its event.
func (b *batch) planAsk(a *record, loc *time.Location) {
	var t playbook.Trigger
	if err := remarshal(a.data["trigger"], &t); err != nil {
		return
	}
	stage := ""
	if c := b.get(records.Contact, a.str("contact_id")); c != nil && c.deletedAt == nil {
		stage = c.str("stage")
	}
	plan := playbook.PlanAsk(t, a.createdAt, b.now, stage, loc)
	if plan.DueAt != nil {
		b.setDue(a, *plan.DueAt, t.Kind == playbook.TriggerStage)
	} else {
		delete(a.data, "due_at")
		a.stamps["due_at"] = stamp{V: b.w.Version()}
	}
}

// setDue records that an ask is due at t; an ask fired by an event is due now and says so.
func (b *batch) setDue(a *record, t time.Time, firedNow bool) {
	a.data["due_at"] = formatTime(t)
	a.stamps["due_at"] = stamp{V: b.w.Version()}
	if firedNow && (a.str("status") == "" || a.str("status") == playbook.AskPlanned) {
		a.data["status"] = playbook.AskDue
		a.stamps["status"] = stamp{V: b.w.Version()}
	}
	a.changed = true
}

// fireWaitingAsks fires asks waiting for a stage a contact reached or a signal a note logged
// in this batch; it looks at asks both in the batch and in the database.
func (b *batch) fireWaitingAsks(ctx context.Context) error {
	v := b.w.Version()
	events := map[string]map[string]time.Time{} // contact id → waiting keys that happened, and when
	add := func(contactID, key string, at time.Time) {
		if events[contactID] == nil {
			events[contactID] = map[string]time.Time{}
		}
		if at.After(events[contactID][key]) {
			events[contactID][key] = at
		}
	}
	for _, id := range b.order[records.Contact] {
		c := b.get(records.Contact, id)
		if c.changed && c.deletedAt == nil && c.fieldChanged("stage", v) {
			for _, st := range playbook.StagesUpTo(c.str("stage")) {
				add(c.id, playbook.WaitingKey(playbook.TriggerStage, st), b.now)
			}
		}
	}
	for _, id := range b.order[records.Note] {
		n := b.get(records.Note, id)
		if !n.changed || n.deletedAt != nil || !n.fieldChanged("signals", v) {
			continue
		}
		for _, s := range playbook.Signals(noteInput(n)) {
			if s.ContactID != "" && !s.At.After(b.now) {
				add(s.ContactID, playbook.WaitingKey(playbook.TriggerMilestone, s.Kind), s.At)
			}
		}
	}
	if len(events) == 0 {
		return nil
	}
	contactIDs := make([]string, 0, len(events))
	keySet := map[string]bool{}
	for cid, keys := range events {
		contactIDs = append(contactIDs, cid)
		for k := range keys {
			keySet[k] = true
		}
	}
	keys := make([]string, 0, len(keySet))
	for k := range keySet {
		keys = append(keys, k)
	}
	rows, err := b.w.AsksWaitingFor(ctx, contactIDs, keys)
	if err != nil {
		return err
	}
	if err := b.adoptRows(records.Ask, rows); err != nil {
		return err
	}
	for _, id := range b.order[records.Ask] {
		a := b.get(records.Ask, id)
		if a.deletedAt != nil || !playbook.AskOpen(a.str("status")) || a.data["due_at"] != nil {
			continue
		}
		// A milestone counts when it happened after the ask was planned (docs/coach.md): an old
		// praise logged late is history, not the moment the plan waited for.
		if at, ok := events[a.str("contact_id")][waitingKey(a)]; ok && !at.Before(a.createdAt) {
			b.setDue(a, b.now, true)
		}
	}
	return nil
}

// waitingKey is the event an ask still waits for, or "".
func waitingKey(a *record) string {
	if a.data["due_at"] != nil || a.deletedAt != nil || !playbook.AskOpen(a.str("status")) {
		return ""
	}
	var t playbook.Trigger
	if err := remarshal(a.data["trigger"], &t); err != nil {
		return ""
	}
	if t.Kind == playbook.TriggerStage || t.Kind == playbook.TriggerMilestone {
		return playbook.WaitingKey(t.Kind, t.Value)
	}
	return ""
}

// remind brings one reminder in line with what its source wants. A new due time resets it to
// pending; otherwise what the user did with it (done, snoozed) and what was sent stays.
func (b *batch) remind(ctx context.Context, want playbook.Want) error {
	if err := b.load(ctx, records.Reminder, []string{want.ID}); err != nil {
		return err
	}
	v := b.w.Version()
	rec := b.get(records.Reminder, want.ID)
	if rec == nil {
		if want.State != playbook.ReminderPending {
			return nil // nothing to remind of, and nothing reminded before
		}
		kind, _ := b.schema.Kind(records.Reminder)
		rec = &record{kind: kind, id: want.ID, createdAt: b.now, stamps: map[string]stamp{}, data: map[string]any{
			"kind":    want.Kind,
			"subject": map[string]any{"entity": want.SubjectEntity, "id": want.SubjectID},
		}}
		b.adopt(rec)
	}
	set := func(field string, val any) {
		if cur, ok := rec.data[field]; ok && cur == val {
			return
		}
		if val == nil {
			if _, ok := rec.data[field]; !ok {
				return
			}
			delete(rec.data, field)
		} else {
			rec.data[field] = val
		}
		rec.stamps[field] = stamp{V: v}
		rec.changed = true
	}
	status := rec.str("status")
	switch want.State {
	case playbook.ReminderPending:
		due := formatTime(want.DueAt)
		if cur := parseTime(rec.data["due_at"]); want.Sticky && cur != nil && want.DueAt.Before(*cur) &&
			(status == playbook.ReminderSent || status == playbook.ReminderDone || status == playbook.ReminderSnoozed) {
			return nil
		}
		if rec.data["due_at"] != due || status == "" || status == playbook.ReminderCancelled {
			set("due_at", due)
			set("status", playbook.ReminderPending)
			set("snoozed_until", nil)
			set("sent_at", nil)
		}
	case playbook.ReminderDone:
		if status != playbook.ReminderDone && status != playbook.ReminderCancelled {
			set("status", playbook.ReminderDone)
		}
	case playbook.ReminderCancelled:
		if status != playbook.ReminderDone && status != playbook.ReminderCancelled {
			set("status", playbook.ReminderCancelled)
		}
	}
	return nil
}

// indexColumns fills the columns SQL finds records by.
func indexColumns(rec *record, row *store.Row) {
	switch rec.kind.Name {
	case records.Contact:
		row.Circle = circleOf(rec)
	case records.Event:
		row.StartsAt = parseTime(rec.data["starts_at"])
		row.Meeting = meetingOf(rec)
		row.Hosted = rec.data["hosted"] == true
	case records.Referral, records.Suggestion:
		row.ContactID = rec.str("contact_id")
	case records.Connection:
		row.ContactID, row.OtherContactID = rec.str("contact_id"), rec.str("other_contact_id")
	case records.Ask:
		row.ContactID = rec.str("contact_id")
		if key := waitingKey(rec); key != "" {
			row.PendingTrigger = &key
		}
		row.RecheckAt = rec.recheckAt
	case records.Reminder:
		row.Status = rec.str("status")
		if row.Status == "" {
			row.Status = playbook.ReminderPending
		}
		if rec.deletedAt == nil {
			switch row.Status {
			case playbook.ReminderPending:
				row.FireAt = parseTime(rec.data["due_at"])
			case playbook.ReminderSnoozed:
				row.FireAt = parseTime(rec.data["snoozed_until"])
			}
		}
	}
}

// deriveMeetings: an event with people wants a "how was it?" push when it ends (until a note
// for it exists) and a follow-up on the next working morning; a one-to-one with a partner
// pushes that partner's monthly meeting reminder to a month later; a contact that becomes a
// partner starts the monthly rhythm, and one that stops being one ends it.
func (b *batch) deriveMeetings(ctx context.Context, loc *time.Location) error {
	v := b.w.Version()
	noted := b.notedEvents()
	var captured []string // events a note in this batch is about: their push is done
	for id := range noted {
		if e := b.get(records.Event, id); e == nil || !e.changed {
			captured = append(captured, playbook.ReminderID(playbook.ReminderCapture, id))
		}
	}
	if err := b.load(ctx, records.Reminder, captured); err != nil {
		return err
	}
	for _, rid := range captured {
		if err := b.remind(ctx, playbook.Want{ID: rid, State: playbook.ReminderDone}); err != nil {
			return err
		}
	}
	lastMet := map[string]time.Time{} // partner candidates met one-to-one in this batch
	var met []string
	for _, id := range b.order[records.Event] {
		e := b.get(records.Event, id)
		if !e.changed {
			continue
		}
		var ev playbook.Event
		_ = remarshal(e.data, &ev)
		if err := b.remind(ctx, playbook.EventFollowUp(e.id, ev, e.deletedAt != nil, b.now, loc)); err != nil {
			return err
		}
		// Done stays done: the user wrote the note, or dismissed the push.
		capture := playbook.ReminderID(playbook.ReminderCapture, e.id)
		done := noted[e.id]
		if r := b.get(records.Reminder, capture); r != nil && r.str("status") == playbook.ReminderDone {
			done = true
		}
		if err := b.remind(ctx, playbook.Default().CaptureReminder(e.id, ev, e.deletedAt != nil, done, b.now)); err != nil {
			return err
		}
		if e.deletedAt == nil && playbook.OneToOne(ev.Kind) && ev.StartsAt != nil {
			for _, cid := range ev.ContactIDs {
				if t, ok := lastMet[cid]; !ok || ev.StartsAt.After(t) {
					lastMet[cid] = *ev.StartsAt
					met = append(met, cid)
				}
			}
		}
	}
	if err := b.load(ctx, records.Contact, met); err != nil {
		return err
	}
	// The contacts to look at: changed ones and ones met; their reminders in one query.
	var todo, rids []string
	seen := map[string]bool{}
	for _, id := range append(append([]string(nil), b.order[records.Contact]...), met...) {
		c := b.get(records.Contact, id)
		if seen[id] || c == nil || !(c.changed || !lastMet[id].IsZero()) {
			continue
		}
		seen[id] = true
		todo = append(todo, id)
		rids = append(rids, playbook.ReminderID(playbook.ReminderPartnerMeeting, id))
	}
	if err := b.load(ctx, records.Reminder, rids); err != nil {
		return err
	}
	for _, id := range todo {
		c := b.get(records.Contact, id)
		partner := c.deletedAt == nil && c.str("kind") == "partner" && c.data["archived"] != true
		rid := playbook.ReminderID(playbook.ReminderPartnerMeeting, c.id)
		existing := b.get(records.Reminder, rid)
		want := playbook.Want{ID: rid, Kind: playbook.ReminderPartnerMeeting, SubjectEntity: records.Contact, SubjectID: c.id,
			State: playbook.ReminderCancelled}
		t, metNow := lastMet[c.id]
		switch {
		case !partner:
			if existing == nil || !c.changed {
				continue
			}
		case metNow:
			want.State, want.DueAt = playbook.ReminderPending, t.Add(playbook.PartnerEvery).UTC()
			if existing != nil && playbook.Active(existing.str("status")) {
				if cur := parseTime(existing.data["due_at"]); cur != nil && cur.After(want.DueAt) {
					continue // an older meeting edited: the rhythm already runs from a later one
				}
			}
		case c.changed && (c.fieldChanged("kind", v) || c.fieldChanged(deletedKey, v) || c.fieldChanged("archived", v)):
			if existing != nil && playbook.Active(existing.str("status")) {
				continue
			}
			want.State, want.DueAt = playbook.ReminderPending, b.now.Add(playbook.PartnerEvery).UTC()
		default:
			continue
		}
		if err := b.remind(ctx, want); err != nil {
			return err
		}
	}
	return nil
}

// notedEvents are the events that a live note changed in this batch is about.
func (b *batch) notedEvents() map[string]bool {
	out := map[string]bool{}
	for _, id := range b.order[records.Note] {
		if n := b.get(records.Note, id); n.changed && n.deletedAt == nil {
			if ev := n.str("event_id"); ev != "" {
				out[ev] = true
			}
		}
	}
	return out
}

// circleOf is a contact's coach groups as they stand in the batch.
func circleOf(c *record) string {
	if c.deletedAt != nil {
		return ""
	}
	return playbook.Circle(c.str("kind"), c.str("stage"), c.data["archived"] == true, c.data["dream"] == true)
}

// meetingOf is how an event counts toward the week, as it stands in the batch.
func meetingOf(e *record) string {
	people, _ := e.data["contact_ids"].([]any)
	return playbook.MeetingClass(e.str("kind"), len(people))
}
