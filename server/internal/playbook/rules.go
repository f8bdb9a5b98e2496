package playbook

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"
)

// rulesJSON is the one copy of the coach's constants and words; the PWA imports the same file.
//
//go:embed rules.json
var rulesJSON []byte

// Rules are the coach's constants and words, as rules.json states them (docs/coach.md).
type Rules struct {
	Stages          []string `json:"stages"`
	SignalKinds     []string `json:"signal_kinds"`
	ChampionChecks  []string `json:"champion_checks"`
	OneToOneKinds   []string `json:"one_to_one_kinds"`
	OpenAskStatuses []string `json:"open_ask_statuses"`
	DayDueHour      int      `json:"day_due_hour"`
	// WorkingDays are ISO weekdays (Monday = 1 … Sunday = 7) a follow-up may land on.
	WorkingDays []int `json:"working_days"`
	// MeetingMinutes is how long a meeting without an end time is taken to last.
	MeetingMinutes int `json:"meeting_minutes"`
	// CaptureWithinHours: a meeting that ended longer ago than this gets no "how was it" push.
	CaptureWithinHours int            `json:"capture_within_hours"`
	AskMinStage        string         `json:"ask_min_stage"`
	Windows            map[string]int `json:"windows"`
	Offer              struct {
		Kind     string `json:"kind"`
		MinStage string `json:"min_stage"`
		Days     int    `json:"days"`
	} `json:"offer"`
	Mixed struct {
		With       string `json:"with"`
		WithinDays int    `json:"within_days"`
		Days       int    `json:"days"`
	} `json:"mixed"`
	Holds             map[string]int      `json:"holds"`
	HoldBreakers      map[string][]string `json:"hold_breakers"`
	BusyMaxDays       int                 `json:"busy_max_days"`
	SignalMinYear     int                 `json:"signal_min_year"`
	FutureSkewMinutes int                 `json:"future_skew_minutes"`
	VagueTargets      []string            `json:"vague_targets"`
	VaguePrefixes     []string            `json:"vague_prefixes"`
	CheckPhrases      map[string]string   `json:"check_phrases"`
	StageLabels       map[string]string   `json:"stage_labels"`
	MilestonePhrases  map[string]string   `json:"milestone_phrases"`
	Texts             map[string]string   `json:"texts"`
	EventWords        []string            `json:"event_words"`
	MeetingTexts      map[string]string   `json:"meeting_texts"`
	AssumptiveScript  string              `json:"assumptive_script"`
	FallbackName      string              `json:"fallback_name"`
	Suggest           SuggestRules        `json:"suggest"`
	ViaPhrases        map[string]string   `json:"via_phrases"`
	SuggestTexts      map[string]string   `json:"suggest_texts"`
}

// ParseRules reads a rules file; a file missing a text or a length is refused, so a typo shows
// at start-up (and in tests), never as an empty notification.
func ParseRules(b []byte) (*Rules, error) {
	var r Rules
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("playbook: rules: %w", err)
	}
	for _, code := range []string{"praised", "problem_solved", "good_news", "offered_help", "brought_forward", "due_date",
		"due_stage", "due_milestone", "polite_offer", "mixed", "bad_news", "busy", "build_trust", "champion_checks",
		"no_target", "vague_target", "waiting_date", "waiting_stage", "waiting_milestone"} {
		if r.Texts[code] == "" {
			return nil, fmt.Errorf("playbook: rules: no text for %q", code)
		}
	}
	for _, k := range r.SignalKinds {
		if r.MilestonePhrases[k] == "" {
			return nil, fmt.Errorf("playbook: rules: no milestone phrase for %q", k)
		}
	}
	for _, c := range r.ChampionChecks {
		if r.CheckPhrases[c] == "" {
			return nil, fmt.Errorf("playbook: rules: no phrase for check %q", c)
		}
	}
	for _, code := range []string{"follow_up", "follow_up_event", "follow_up_people", "capture", "capture_people", "capture_body"} {
		if r.MeetingTexts[code] == "" {
			return nil, fmt.Errorf("playbook: rules: no meeting text for %q", code)
		}
	}
	if len(r.WorkingDays) == 0 || r.MeetingMinutes <= 0 || r.CaptureWithinHours <= 0 {
		return nil, fmt.Errorf("playbook: rules: working days, meeting minutes and capture hours are required")
	}
	for _, code := range []string{"plan_ask_title", "plan_ask", "ask_plan", "take_offer_title", "take_offer", "share_win_title",
		"share_win", "share_win_text", "give_back_title", "give_back", "intro_path_title", "path", "path_ready"} {
		if r.SuggestTexts[code] == "" {
			return nil, fmt.Errorf("playbook: rules: no suggestion text for %q", code)
		}
	}
	if r.Suggest.Top <= 0 || r.Suggest.SnoozeMaxDays <= 0 || r.Suggest.ShareWinDays <= 0 || r.Suggest.BalanceMonths <= 0 {
		return nil, fmt.Errorf("playbook: rules: suggest lengths are required")
	}
	if len(r.Stages) == 0 || r.Holds["bad_news"] <= 0 || r.Holds["busy"] <= 0 || r.Offer.Days <= 0 || r.Mixed.Days <= 0 {
		return nil, fmt.Errorf("playbook: rules: stages, holds, offer and mixed lengths are required")
	}
	return &r, nil
}

// Default is the embedded rules file, parsed once; it is read-only.
var Default = sync.OnceValue(func() *Rules {
	r, err := ParseRules(rulesJSON)
	if err != nil {
		panic(err) // the embedded file is checked by the tests
	}
	return r
})

func days(n int) time.Duration { return time.Duration(n) * 24 * time.Hour }

// StageRank is a stage's position (met = 0); -1 for an unknown stage.
func (r *Rules) StageRank(stage string) int {
	for i, s := range r.Stages {
		if s == stage {
			return i
		}
	}
	return -1
}

func (r *Rules) has(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// say fills a readiness text: {name}, {stage}, {target}, {missing}, {milestone}.
func (r *Rules) say(code string, vars map[string]string) string { return fill(r.Texts[code], vars) }

// sayWith fills a next-steps text.
func (r *Rules) sayWith(code string, vars map[string]string) string {
	return fill(r.SuggestTexts[code], vars)
}

// fill puts the words into a template and starts the sentence with a capital.
func fill(s string, vars map[string]string) string {
	for k, v := range vars {
		s = strings.ReplaceAll(s, "{"+k+"}", v)
	}
	return capitalize(strings.TrimSpace(s))
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	rs := []rune(s)
	rs[0] = []rune(strings.ToUpper(string(rs[0])))[0]
	return string(rs)
}

// joinAnd lists phrases the way a person would: "a", "a and b", "a, b and c".
func joinAnd(xs []string) string {
	switch len(xs) {
	case 0:
		return ""
	case 1:
		return xs[0]
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " and " + xs[len(xs)-1]
}
