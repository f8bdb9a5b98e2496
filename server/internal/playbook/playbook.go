// Package playbook encodes the referral playbook: when a planned ask becomes due, whether now is
// the moment to make it (readiness), and which reminders a referral or an ask calls for. It is
// pure: it takes records and a clock reading and returns decisions, so every rule can be tested
// without a database or a server. Its constants and words live in rules.json, which the PWA reads
// too (docs/coach.md).
package playbook

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Stages are the relationship stages in order: asking before trust rarely works.
func Stages() []string { return Default().Stages }

// SignalKind reports whether k is something a note can log about a contact.
func SignalKind(k string) bool { return Default().has(Default().SignalKinds, k) }

// StageRank is a stage's position (met = 0); -1 for an unknown stage.
func StageRank(stage string) int { return Default().StageRank(stage) }

// StagesUpTo lists every stage at or below stage: reaching "trust" also satisfies a "like" trigger.
func StagesUpTo(stage string) []string {
	r := StageRank(stage)
	if r < 0 {
		return nil
	}
	return Stages()[:r+1]
}

// Trigger kinds of an ask plan.
const (
	TriggerDate      = "date"
	TriggerAfterDays = "after_days"
	TriggerStage     = "stage"
	TriggerMilestone = "milestone"
)

// Trigger is when an ask becomes due.
type Trigger struct {
	Kind  string `json:"kind"`
	Value string `json:"value"`
}

// ErrBadTrigger wraps every reason a trigger is refused.
var ErrBadTrigger = errors.New("referral: bad trigger")

// Validate checks the value against the kind.
func (t Trigger) Validate() error {
	switch t.Kind {
	case TriggerDate:
		if _, _, err := parseDay(t.Value); err != nil {
			return fmt.Errorf("%w: date wants a day (2026-12-01) or a date-time", ErrBadTrigger)
		}
	case TriggerAfterDays:
		n, err := strconv.Atoi(t.Value)
		if err != nil || n < 0 || n > 3650 {
			return fmt.Errorf("%w: after_days wants a whole number of days from 0 to 3650", ErrBadTrigger)
		}
	case TriggerStage:
		if StageRank(t.Value) < 0 {
			return fmt.Errorf("%w: stage wants one of met, know, like, trust, champion", ErrBadTrigger)
		}
	case TriggerMilestone:
		if !SignalKind(t.Value) {
			return fmt.Errorf("%w: milestone wants a signal kind such as problem_solved or praised", ErrBadTrigger)
		}
	default:
		return fmt.Errorf("%w: unknown kind %q", ErrBadTrigger, t.Kind)
	}
	return nil
}

// parseDay accepts a day or a date-time; dayOnly tells which.
func parseDay(v string) (t time.Time, dayOnly bool, err error) {
	if d, err := time.Parse(time.DateOnly, v); err == nil {
		return d, true, nil
	}
	t, err = time.Parse(time.RFC3339Nano, v)
	return t, false, err
}

func morningOf(y int, m time.Month, d int, loc *time.Location) time.Time {
	return time.Date(y, m, d, Default().DayDueHour, 0, 0, 0, loc).UTC()
}

// Plan is what a trigger means right now: a due time, or none while it waits for its event
// (a stage reached, a milestone logged).
type Plan struct {
	DueAt *time.Time
}

// PlanAsk works out when an ask planned at plannedAt falls due. contactStage is the contact's
// current stage, so a stage trigger that is already met fires at once.
func PlanAsk(t Trigger, plannedAt, now time.Time, contactStage string, loc *time.Location) Plan {
	switch t.Kind {
	case TriggerDate:
		d, dayOnly, err := parseDay(t.Value)
		if err != nil {
			return Plan{}
		}
		if dayOnly {
			d = morningOf(d.Year(), d.Month(), d.Day(), loc)
		}
		d = d.UTC()
		return Plan{DueAt: &d}
	case TriggerAfterDays:
		n, _ := strconv.Atoi(t.Value)
		local := plannedAt.In(loc).AddDate(0, 0, n)
		d := morningOf(local.Year(), local.Month(), local.Day(), loc)
		if n == 0 || d.Before(plannedAt) {
			d = plannedAt.UTC()
		}
		return Plan{DueAt: &d}
	case TriggerStage:
		if r := StageRank(contactStage); r >= 0 && r >= StageRank(t.Value) {
			n := now.UTC()
			return Plan{DueAt: &n}
		}
	}
	return Plan{} // a stage not reached yet, or a milestone: it waits for that event
}

// WaitingKey names the event a stage or milestone trigger waits for.
func WaitingKey(kind, value string) string { return kind + ":" + value }

// Ask statuses.
const (
	AskPlanned    = "planned"
	AskDue        = "due"
	AskAsked      = "asked"
	AskIntroduced = "introduced"
	AskDeclined   = "declined"
	AskLater      = "later"
)

// AskOpen reports whether an ask is still to be made ("later" is: the user put it off, not away).
func AskOpen(status string) bool {
	return status == "" || Default().has(Default().OpenAskStatuses, status)
}

// Reminder kinds and states.
const (
	ReminderAsk            = "ask"
	ReminderThankYou       = "thank_you"
	ReminderFollowUp       = "follow_up"
	ReminderPartnerMeeting = "partner_meeting"
	ReminderWeekPlan       = "week_plan"

	ReminderPending   = "pending"
	ReminderSent      = "sent"
	ReminderDone      = "done"
	ReminderSnoozed   = "snoozed"
	ReminderCancelled = "cancelled"
)

// Want is what a source record asks of one of its reminders.
type Want struct {
	// ID is deterministic: the same source and kind always give the same reminder.
	ID            string
	Kind          string
	SubjectEntity string
	SubjectID     string
	// DueAt is when it falls due (zero when the reminder is not wanted at all).
	DueAt time.Time
	// State is pending (remind at DueAt), done (the source was completed) or cancelled.
	State string
	// Sticky keeps a reminder the user already got (sent, done, snoozed) when only time moved
	// its due time earlier (a window closing), so it is not pushed twice.
	Sticky bool
}

// reminderSpace is the UUIDv5 namespace of reminder ids; changing it would orphan every reminder.
const reminderSpace = "5d0c6f1e-6b1a-4c59-9a57-3f1c2b7e9a41"

// ReminderID is the id of a source's reminder of one kind.
func ReminderID(kind, subjectID string) string {
	return uuid.NewSHA1(uuid.MustParse(reminderSpace), []byte(kind+":"+subjectID)).String()
}

// AskReminder is the reminder an ask wants: pending at its due time while open, done once
// asked, cancelled when deleted or without a due time.
func AskReminder(askID, status string, dueAt *time.Time, deleted bool) Want {
	w := Want{ID: ReminderID(ReminderAsk, askID), Kind: ReminderAsk, SubjectEntity: "ask", SubjectID: askID}
	switch {
	case deleted || dueAt == nil:
		w.State = ReminderCancelled
	case AskOpen(status):
		w.State = ReminderPending
	default:
		w.State = ReminderDone
	}
	if dueAt != nil {
		w.DueAt = *dueAt
	}
	return w
}

// Referral is the part of a referral record the rules read.
type Referral struct {
	Direction  string     `json:"direction"`
	At         *time.Time `json:"at"`
	FollowUpAt *time.Time `json:"follow_up_at"`
	Thanks     *struct {
		DueAt  *time.Time `json:"due_at"`
		SentAt *time.Time `json:"sent_at"`
	} `json:"thanks"`
}

// Default delays of the thank-you and the "tell them how it went" follow-up.
const (
	ThankYouAfter = 24 * time.Hour
	FollowUpAfter = 14 * 24 * time.Hour
)

// ReferralReminders: a referral received wants a thank-you a day later until thanks are sent,
// then a follow-up two weeks after the thanks; an explicit follow_up_at wins; a deleted
// referral cancels both.
func ReferralReminders(id string, r Referral, createdAt time.Time, deleted bool) []Want {
	thank := Want{ID: ReminderID(ReminderThankYou, id), Kind: ReminderThankYou, SubjectEntity: "referral", SubjectID: id, State: ReminderCancelled}
	follow := Want{ID: ReminderID(ReminderFollowUp, id), Kind: ReminderFollowUp, SubjectEntity: "referral", SubjectID: id, State: ReminderCancelled}
	if deleted {
		return []Want{thank, follow}
	}
	var sentAt *time.Time
	if r.Thanks != nil {
		sentAt = r.Thanks.SentAt
	}
	if r.Direction == "received" {
		base := createdAt
		if r.At != nil {
			base = *r.At
		}
		thank.DueAt = base.Add(ThankYouAfter).UTC()
		if r.Thanks != nil && r.Thanks.DueAt != nil {
			thank.DueAt = r.Thanks.DueAt.UTC()
		}
		thank.State = ReminderPending
		if sentAt != nil {
			thank.State = ReminderDone
		}
	}
	switch {
	case r.FollowUpAt != nil:
		follow.DueAt, follow.State = r.FollowUpAt.UTC(), ReminderPending
	case sentAt != nil && r.Direction == "received":
		follow.DueAt, follow.State = sentAt.Add(FollowUpAfter).UTC(), ReminderPending
	}
	return []Want{thank, follow}
}

// Event is the part of an event record the rules read.
type Event struct {
	Kind       string     `json:"kind"`
	StartsAt   *time.Time `json:"starts_at"`
	EndsAt     *time.Time `json:"ends_at"`
	ContactIDs []string   `json:"contact_ids"`
}

// PartnerEvery is the rhythm of referral-partner meetings: monthly.
const PartnerEvery = 30 * 24 * time.Hour

// followUpWindow: a meeting logged later than this is history, not something to follow up.
const followUpWindow = 7 * 24 * time.Hour

// OneToOne reports whether an event kind is a meeting with one person (a call counts).
func OneToOne(kind string) bool { return Default().has(Default().OneToOneKinds, kind) }

// Active reports whether a reminder state still has something to remind of.
func Active(status string) bool {
	return status == ReminderPending || status == ReminderSnoozed || status == ReminderSent
}

// EventFollowUp: an event with people wants a follow-up on the next working morning after it
// ends, in the user's time zone (a Friday or weekend meeting: Monday); an event without people,
// deleted, or logged long after wants none.
func EventFollowUp(id string, e Event, deleted bool, now time.Time, loc *time.Location) Want {
	w := Want{ID: ReminderID(ReminderFollowUp, id), Kind: ReminderFollowUp, SubjectEntity: "event", SubjectID: id, State: ReminderCancelled}
	end := e.EndsAt
	if end == nil {
		end = e.StartsAt
	}
	if deleted || len(e.ContactIDs) == 0 || end == nil {
		return w
	}
	due := Default().WorkingMorning(*end, loc)
	if due.Before(now.Add(-followUpWindow)) {
		return w
	}
	w.DueAt, w.State = due, ReminderPending
	return w
}

// Circle names the groups a contact belongs to for the coach, space-separated: "client",
// "partner", "connector", "champion", "dream" (a client can be a champion too). Stored beside
// the contact so the coach finds whom to see, invite or share with without reading them all.
func Circle(kind, stage string, archived, dream bool) string {
	if archived {
		return ""
	}
	var cs []string
	switch kind {
	case "client", "partner", "connector":
		cs = append(cs, kind)
	}
	if stage == "champion" {
		cs = append(cs, "champion")
	}
	if dream {
		cs = append(cs, "dream")
	}
	return strings.Join(cs, " ")
}

// InCircle reports whether a circle value includes one of the groups.
func InCircle(circle string, groups ...string) bool {
	for _, c := range strings.Fields(circle) {
		for _, g := range groups {
			if c == g {
				return true
			}
		}
	}
	return false
}

// Meeting classes of an event for the weekly rhythm (docs/coach.md): a one-to-one is a meeting
// of a one-to-one kind with at least one person; other kinds are events.
const (
	MeetingOneToOne = "one_to_one"
	MeetingEvent    = "event"
)

// MeetingClass is how an event counts toward the week's goals, or "" when it does not.
func MeetingClass(kind string, people int) string {
	switch {
	case OneToOne(kind) && people > 0:
		return MeetingOneToOne
	case kind != "" && !OneToOne(kind):
		return MeetingEvent
	}
	return ""
}
