package playbook

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// Readiness states (docs/coach.md).
const (
	StateReady     = "ready"
	StateHold      = "hold"
	StateNotYet    = "not_yet"
	StateNeedsWork = "needs_work"
	StateMixed     = "mixed"
)

// Reason is one thing the coach says about an ask: a stable code for code, text for people.
type Reason struct {
	Code      string     `json:"code"`
	Text      string     `json:"text"`
	ContactID string     `json:"contact_id,omitempty"`
	NoteID    string     `json:"note_id,omitempty"`
	At        *time.Time `json:"at,omitempty"`
	Script    string     `json:"script,omitempty"`
}

// Readiness says whether now is the moment to make an ask, and why; it is synced on the ask.
type Readiness struct {
	State       string     `json:"state"`
	Reasons     []Reason   `json:"reasons"`
	HoldUntil   *time.Time `json:"hold_until,omitempty"`
	WindowUntil *time.Time `json:"window_until,omitempty"`
	Missing     []string   `json:"missing,omitempty"`
}

// Assessment is readiness plus what the server schedules from it.
type Assessment struct {
	// Readiness is nil for an ask that is no longer open (asked, declined, deleted).
	Readiness *Readiness
	// RemindAt is when the ask's reminder should go out; nil when none is wanted yet.
	RemindAt *time.Time
	// RecheckAt is the next instant at which time alone changes the readiness (a hold or window
	// ending, a planned day arriving); nil when only a change of its inputs can.
	RecheckAt *time.Time
}

// AskInput is the part of an ask readiness reads.
type AskInput struct {
	ID              string
	ContactID       string
	Status          string
	Target          string
	TargetContactID string
	Trigger         *Trigger
	// DueAt is the server's due time, when it has set one.
	DueAt     *time.Time
	CreatedAt time.Time
	Deleted   bool
}

// ContactInput is the part of the asked contact readiness reads.
type ContactInput struct {
	ID       string
	Name     string
	Stage    string
	Champion map[string]bool
}

// NoteInput is a note as far as its signals go.
type NoteInput struct {
	ID        string
	Deleted   bool
	MeetingAt *time.Time
	CreatedAt time.Time
	Signals   []NoteSignal
}

// NoteSignal is a signal as a note stores it.
type NoteSignal struct {
	ContactID string     `json:"contact_id"`
	Kind      string     `json:"kind"`
	At        *time.Time `json:"at"`
	HoldUntil *time.Time `json:"hold_until"`
}

// Signal is a logged moment that counts: its note exists, and At is resolved.
type Signal struct {
	ContactID string
	Kind      string
	NoteID    string
	At        time.Time
	HoldUntil *time.Time
}

// Signals are a note's signals as they count: none for a deleted note; each at its own time,
// else the meeting's, else when the note was written.
func Signals(n NoteInput) []Signal {
	if n.Deleted {
		return nil
	}
	base := n.CreatedAt
	if n.MeetingAt != nil {
		base = *n.MeetingAt
	}
	out := make([]Signal, 0, len(n.Signals))
	for _, s := range n.Signals {
		at := base
		if s.At != nil {
			at = *s.At
		}
		out = append(out, Signal{ContactID: s.ContactID, Kind: s.Kind, NoteID: n.ID, At: at.UTC(), HoldUntil: s.HoldUntil})
	}
	return out
}

// Lookback is how far back a signal can still matter (the longest hold a user may pick).
func (r *Rules) Lookback() time.Duration { return days(r.BusyMaxDays) }

// Assess derives an ask's readiness from its contact and the signals logged about people. Only
// signals about the asked contact count, and only from their moment until their window or
// hold ends. loc is the user's zone (a day-only date falls due at the morning hour there).
func (r *Rules) Assess(a AskInput, c ContactInput, signals []Signal, now time.Time, loc *time.Location) Assessment {
	if a.Deleted || !AskOpen(a.Status) {
		return Assessment{}
	}
	now = now.UTC()
	name := strings.TrimSpace(c.Name)
	if name == "" {
		name = r.FallbackName
	}
	x := assessment{r: r, now: now, name: name, stage: r.stageLabel(c.Stage), contactID: a.ContactID}
	for _, s := range signals {
		if s.ContactID == a.ContactID && s.ContactID != "" {
			x.sigs = append(x.sigs, s)
		}
	}
	sortSignals(x.sigs)
	x.scan(r.StageRank(c.Stage) >= r.StageRank(r.Offer.MinStage))

	due, dueCode := r.dueOf(a, c, x.sigs, now, loc)
	reached := due != nil && !due.After(now)
	if due != nil && !reached {
		x.later(*due)
	}
	fixes, missing := r.fixes(a, c, name)

	var out Readiness
	var remind *time.Time
	switch {
	case x.holdUntil != nil:
		out.State, out.HoldUntil = StateHold, x.holdUntil
		out.Reasons = x.holds
		switch {
		case due != nil:
			remind = latest(due, x.holdUntil)
		case x.windowUntil != nil && x.windowUntil.After(*x.holdUntil):
			remind = x.holdUntil
		}
	case x.windowUntil != nil || reached:
		out.State = StateReady
		if len(fixes) > 0 {
			out.State, out.Missing = StateNeedsWork, missing
			out.Reasons = append(out.Reasons, fixes...)
		}
		out.Reasons = append(out.Reasons, x.windows...)
		if x.windowUntil != nil {
			out.WindowUntil = x.windowUntil
			remind = x.windowStart
			if !reached {
				out.Reasons = append(out.Reasons, Reason{Code: "brought_forward", Text: r.say("brought_forward", nil), At: due})
			}
		} else {
			remind = due
		}
		if reached {
			out.Reasons = append(out.Reasons, Reason{Code: dueCode, Text: r.say(dueCode, x.vars(a)), ContactID: c.ID, At: due})
		}
		out.Reasons = append(out.Reasons, x.mixed...)
	case len(x.mixed) > 0:
		out.State, remind = StateMixed, due
		out.Reasons = x.mixed
	default:
		out.State, remind = StateNotYet, due
		wait := r.waiting(a, due, x.vars(a))
		out.Reasons = append(out.Reasons, wait)
		for _, f := range fixes {
			if !(wait.Code == "waiting_stage" && f.Code == "build_trust") { // said already
				out.Reasons = append(out.Reasons, f)
			}
		}
		out.Missing = missing
	}
	out.Reasons = append(out.Reasons, x.polite...)
	return Assessment{Readiness: &out, RemindAt: remind, RecheckAt: x.recheck}
}

// assessment is the work of one Assess call.
type assessment struct {
	r         *Rules
	now       time.Time
	name      string
	stage     string // the contact's stage as people read it
	contactID string
	sigs      []Signal

	holds, windows, mixed, polite []Reason
	holdUntil, windowUntil        *time.Time
	windowStart                   *time.Time
	recheck                       *time.Time
}

// later notes a future instant at which the readiness changes by itself.
func (x *assessment) later(t time.Time) {
	if t.After(x.now) && (x.recheck == nil || t.Before(*x.recheck)) {
		t := t
		x.recheck = &t
	}
}

func (x *assessment) reason(code string, s Signal, vars map[string]string) Reason {
	at := s.At
	return Reason{Code: code, Text: x.r.say(code, vars), ContactID: s.ContactID, NoteID: s.NoteID, At: &at}
}

// scan sorts the contact's live signals into holds, windows, mixed offers and polite offers.
func (x *assessment) scan(close bool) {
	r := x.r
	seen := map[string]bool{}
	once := func(code string) bool {
		if seen[code] {
			return false
		}
		seen[code] = true
		return true
	}
	nameVars := map[string]string{"name": x.name}
	for _, s := range x.sigs {
		if s.At.After(x.now) {
			x.later(s.At) // logged ahead of time: it counts from its moment
			continue
		}
		switch {
		case r.Windows[s.Kind] > 0:
			end := s.At.Add(days(r.Windows[s.Kind]))
			if !x.now.Before(end) {
				continue
			}
			x.later(end)
			x.windowUntil, x.windowStart = latest(x.windowUntil, &end), latest(x.windowStart, &s.At)
			if once(s.Kind) {
				x.windows = append(x.windows, x.reason(s.Kind, s, nameVars))
			}
		case s.Kind == r.Offer.Kind:
			x.offer(s, close, once, nameVars)
		case s.Kind == "bad_news" || s.Kind == "busy":
			end := s.At.Add(days(r.Holds[s.Kind]))
			if s.Kind == "busy" && s.HoldUntil != nil {
				end = s.HoldUntil.UTC()
			}
			if !x.now.Before(end) || x.broken(s) {
				continue
			}
			x.later(end)
			x.holdUntil = latest(x.holdUntil, &end)
			if once(s.Kind) {
				x.holds = append(x.holds, x.reason(s.Kind, s, nameVars))
			}
		}
	}
}

// offer weighs an offer of help: mixed right after we helped them, a window from someone close,
// politeness from someone we just met.
func (x *assessment) offer(s Signal, close bool, once func(string) bool, vars map[string]string) {
	r := x.r
	for _, w := range x.sigs {
		if w.Kind != r.Mixed.With || w.At.After(x.now) {
			continue
		}
		gap := w.At.Sub(s.At)
		if gap < 0 {
			gap = -gap
		}
		if w.NoteID == s.NoteID || gap <= days(r.Mixed.WithinDays) {
			if end := s.At.Add(days(r.Mixed.Days)); x.now.Before(end) {
				x.later(end)
				if once("mixed") {
					x.mixed = append(x.mixed, x.reason("mixed", s, vars))
				}
			}
			return
		}
	}
	end := s.At.Add(days(r.Offer.Days))
	if !x.now.Before(end) {
		return
	}
	x.later(end)
	if !close {
		if once("polite_offer") {
			x.polite = append(x.polite, x.reason("polite_offer", s, map[string]string{"name": x.name, "stage": x.stage}))
		}
		return
	}
	x.windowUntil, x.windowStart = latest(x.windowUntil, &end), latest(x.windowStart, &s.At)
	if once(s.Kind) {
		x.windows = append(x.windows, x.reason(s.Kind, s, vars))
	}
}

// broken: a bad-news hold ends early once a later good moment is logged.
func (x *assessment) broken(hold Signal) bool {
	for _, s := range x.sigs {
		if s.At.After(hold.At) && !s.At.After(x.now) && x.r.has(x.r.HoldBreakers[hold.Kind], s.Kind) {
			return true
		}
	}
	return false
}

// vars are the words a text about this ask may use.
func (x *assessment) vars(a AskInput) map[string]string {
	v := map[string]string{"name": x.name, "stage": x.stage}
	if a.Trigger != nil {
		switch a.Trigger.Kind {
		case TriggerStage:
			v["stage"] = x.r.stageLabel(a.Trigger.Value)
		case TriggerMilestone:
			v["milestone"] = strings.ReplaceAll(x.r.MilestonePhrases[a.Trigger.Value], "{name}", x.name)
		}
	}
	return v
}

func (r *Rules) stageLabel(stage string) string {
	if l := r.StageLabels[stage]; l != "" {
		return l
	}
	return stage
}

// dueOf is when the ask falls due: the server's due time, else what its trigger says, with the
// code of the reason that will say so. A milestone counts when logged after the ask was planned.
func (r *Rules) dueOf(a AskInput, c ContactInput, sigs []Signal, now time.Time, loc *time.Location) (*time.Time, string) {
	code := "due_date"
	if a.Trigger != nil {
		switch a.Trigger.Kind {
		case TriggerStage:
			code = "due_stage"
		case TriggerMilestone:
			code = "due_milestone"
		}
	}
	if a.DueAt != nil {
		t := a.DueAt.UTC()
		return &t, code
	}
	if a.Status == AskDue {
		return &now, code
	}
	if a.Trigger == nil {
		return nil, code
	}
	if a.Trigger.Kind == TriggerMilestone {
		var first *time.Time
		for _, s := range sigs {
			if s.Kind == a.Trigger.Value && !s.At.Before(a.CreatedAt) && !s.At.After(now) {
				first = earliest(first, &s.At)
			}
		}
		return first, code
	}
	return PlanAsk(*a.Trigger, a.CreatedAt, now, c.Stage, loc).DueAt, code
}

// fixes says what must change before the ask can be made well: trust first, a champion's four
// checks for an ask planned for champions, and one named target.
func (r *Rules) fixes(a AskInput, c ContactInput, name string) (reasons []Reason, missing []string) {
	vars := map[string]string{"name": name, "stage": r.stageLabel(c.Stage)}
	if r.StageRank(c.Stage) < r.StageRank(r.AskMinStage) {
		reasons = append(reasons, Reason{Code: "build_trust", Text: r.say("build_trust", vars), ContactID: c.ID})
	} else if c.Stage == "champion" || (a.Trigger != nil && a.Trigger.Kind == TriggerStage && a.Trigger.Value == "champion") {
		var phrases []string
		for _, k := range r.ChampionChecks {
			if !c.Champion[k] {
				missing = append(missing, k)
				phrases = append(phrases, r.CheckPhrases[k])
			}
		}
		if len(missing) > 0 {
			vars["missing"] = joinAnd(phrases)
			reasons = append(reasons, Reason{Code: "champion_checks", Text: r.say("champion_checks", vars), ContactID: c.ID})
		}
	}
	if a.TargetContactID == "" {
		switch t := strings.TrimSpace(a.Target); {
		case normTarget(t) == "":
			reasons = append(reasons, Reason{Code: "no_target", Text: r.say("no_target", nil), Script: r.AssumptiveScript})
		case r.Vague(t):
			reasons = append(reasons, Reason{Code: "vague_target", Text: r.say("vague_target", map[string]string{"target": t}), Script: r.AssumptiveScript})
		}
	}
	return reasons, missing
}

// Vague reports whether a target names nobody in particular ("anyone", "someone who…").
func (r *Rules) Vague(target string) bool {
	t := normTarget(target)
	if t == "" || r.has(r.VagueTargets, t) {
		return true
	}
	for _, p := range r.VaguePrefixes {
		if strings.HasPrefix(t+" ", p) {
			return true
		}
	}
	return false
}

// normTarget lower-cases, folds spaces and drops trailing punctuation, the same on both sides.
func normTarget(s string) string {
	s = strings.Join(strings.Fields(strings.ToLower(s)), " ")
	return strings.TrimRight(s, ".,;:!?…")
}

// waiting says what a not-yet ask waits for.
func (r *Rules) waiting(a AskInput, due *time.Time, vars map[string]string) Reason {
	if a.Trigger != nil && due == nil {
		switch a.Trigger.Kind {
		case TriggerStage:
			return Reason{Code: "waiting_stage", Text: r.say("waiting_stage", vars), ContactID: a.ContactID}
		case TriggerMilestone:
			return Reason{Code: "waiting_milestone", Text: r.say("waiting_milestone", vars), ContactID: a.ContactID}
		}
	}
	return Reason{Code: "waiting_date", Text: r.say("waiting_date", nil), At: due}
}

func latest(a, b *time.Time) *time.Time { return pick(a, b, time.Time.After) }

func earliest(a, b *time.Time) *time.Time { return pick(a, b, time.Time.Before) }

// pick returns a when it beats b (or b is nil), else b; a nil a never wins.
func pick(a, b *time.Time, beats func(x, y time.Time) bool) *time.Time {
	switch {
	case a == nil:
		return b
	case b == nil || beats(*a, *b):
		return a
	}
	return b
}

// CheckSignals says what is wrong with signals a client sends, or "": a time before the rules'
// first year or ahead of now (beyond clock skew), or a picked hold that is not a busy signal's,
// ends before its moment, or lies further out than the longest hold.
func (r *Rules) CheckSignals(sigs []NoteSignal, now time.Time) string {
	floor := time.Date(r.SignalMinYear, 1, 1, 0, 0, 0, 0, time.UTC)
	ahead := now.Add(time.Duration(r.FutureSkewMinutes) * time.Minute)
	for i, s := range sigs {
		at := now
		if s.At != nil {
			if s.At.Before(floor) || s.At.After(ahead) {
				return fmt.Sprintf("signal %d: at must lie between %d and now", i, r.SignalMinYear)
			}
			at = *s.At
		}
		if s.HoldUntil == nil {
			continue
		}
		switch {
		case s.Kind != "busy":
			return fmt.Sprintf("signal %d: only a busy signal takes hold_until", i)
		case !s.HoldUntil.After(at) || !s.HoldUntil.After(now):
			return fmt.Sprintf("signal %d: hold_until must be after the signal and in the future", i)
		case s.HoldUntil.After(at.Add(days(r.BusyMaxDays))):
			return fmt.Sprintf("signal %d: hold_until at most %d days after the signal", i, r.BusyMaxDays)
		}
	}
	return ""
}

// sortSignals puts the newest first, so each reason names the latest signal of its kind.
func sortSignals(sigs []Signal) {
	sort.SliceStable(sigs, func(i, j int) bool {
		if !sigs[i].At.Equal(sigs[j].At) {
			return sigs[i].At.After(sigs[j].At)
		}
		return sigs[i].NoteID < sigs[j].NoteID
	})
}
