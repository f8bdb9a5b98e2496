package playbook

import (
	"testing"
	"time"
)

func mustLoc(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestTriggerValidate(t *testing.T) {
	good := []Trigger{{"date", "2026-12-01"}, {"date", "2026-12-01T10:00:00+01:00"}, {"after_days", "30"},
		{"after_days", "0"}, {"stage", "trust"}, {"milestone", "problem_solved"}}
	bad := []Trigger{{"date", "next week"}, {"date", "2026-02-30"}, {"after_days", "-1"}, {"after_days", "3651"},
		{"after_days", "soon"}, {"stage", "bff"}, {"milestone", "hugged"}, {"whenever", "x"}}
	for _, tr := range good {
		if err := tr.Validate(); err != nil {
			t.Errorf("%+v: %v", tr, err)
		}
	}
	for _, tr := range bad {
		if err := tr.Validate(); err == nil {
			t.Errorf("%+v accepted", tr)
		}
	}
}

func TestPlanAsk(t *testing.T) {
	berlin := mustLoc(t, "Europe/Berlin")
	planned := time.Date(2026, 11, 24, 22, 30, 0, 0, time.UTC) // 23:30 in Berlin
	now := planned.Add(time.Minute)

	p := PlanAsk(Trigger{"date", "2026-12-01"}, planned, now, "", berlin)
	if want := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC); p.DueAt == nil || !p.DueAt.Equal(want) {
		t.Fatalf("date: %v, want 09:00 Berlin = %v", p.DueAt, want)
	}
	p = PlanAsk(Trigger{"date", "2026-12-01T15:04:00Z"}, planned, now, "", berlin)
	if p.DueAt == nil || !p.DueAt.Equal(time.Date(2026, 12, 1, 15, 4, 0, 0, time.UTC)) {
		t.Fatalf("date-time: %v", p.DueAt)
	}
	// "30 days from now" counts local days: planned late on the 24th in Berlin → 09:00 on Dec 24.
	p = PlanAsk(Trigger{"after_days", "30"}, planned, now, "", berlin)
	if want := time.Date(2026, 12, 24, 8, 0, 0, 0, time.UTC); p.DueAt == nil || !p.DueAt.Equal(want) {
		t.Fatalf("after_days: %v want %v", p.DueAt, want)
	}
	p = PlanAsk(Trigger{"after_days", "0"}, planned, now, "", berlin)
	if p.DueAt == nil || !p.DueAt.Equal(planned) {
		t.Fatalf("after 0 days: %v", p.DueAt)
	}
	// A stage trigger waits until the contact gets there, and fires at once if already there.
	p = PlanAsk(Trigger{"stage", "trust"}, planned, now, "like", berlin)
	if p.DueAt != nil {
		t.Fatalf("stage not reached: %+v", p)
	}
	p = PlanAsk(Trigger{"stage", "trust"}, planned, now, "champion", berlin)
	if p.DueAt == nil || !p.DueAt.Equal(now) {
		t.Fatalf("stage passed: %+v", p)
	}
	p = PlanAsk(Trigger{"milestone", "praised"}, planned, now, "champion", berlin)
	if p.DueAt != nil {
		t.Fatalf("milestone: %+v", p)
	}
}

func TestStages(t *testing.T) {
	if got := StagesUpTo("like"); len(got) != 3 || got[2] != "like" {
		t.Fatalf("%v", got)
	}
	if StagesUpTo("bff") != nil || StageRank("champion") != 4 {
		t.Fatal("ranks")
	}
}

func TestAskReminder(t *testing.T) {
	due := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	w := AskReminder("a1", "planned", &due, false)
	if w.State != ReminderPending || !w.DueAt.Equal(due) || w.ID != ReminderID(ReminderAsk, "a1") || w.SubjectEntity != "ask" {
		t.Fatalf("%+v", w)
	}
	if w := AskReminder("a1", "asked", &due, false); w.State != ReminderDone {
		t.Fatalf("asked: %+v", w)
	}
	if w := AskReminder("a1", "later", &due, false); w.State != ReminderPending {
		t.Fatalf("later: %+v", w)
	}
	if w := AskReminder("a1", "planned", &due, true); w.State != ReminderCancelled {
		t.Fatalf("deleted: %+v", w)
	}
	if w := AskReminder("a1", "planned", nil, false); w.State != ReminderCancelled {
		t.Fatalf("no due: %+v", w)
	}
	if a, b := ReminderID(ReminderAsk, "a1"), ReminderID(ReminderAsk, "a1"); a != b || a == ReminderID(ReminderThankYou, "a1") {
		t.Fatal("reminder ids must be deterministic and distinct per kind")
	}
}

func TestReferralReminders(t *testing.T) {
	created := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	byKind := func(ws []Want) map[string]Want {
		m := map[string]Want{}
		for _, w := range ws {
			m[w.Kind] = w
		}
		return m
	}
	got := byKind(ReferralReminders("r1", Referral{Direction: "received"}, created, false))
	if got[ReminderThankYou].State != ReminderPending || !got[ReminderThankYou].DueAt.Equal(created.Add(24*time.Hour)) ||
		got[ReminderFollowUp].State != ReminderCancelled {
		t.Fatalf("received: %+v", got)
	}
	sent := created.Add(30 * time.Hour)
	r := Referral{Direction: "received"}
	r.Thanks = &struct {
		DueAt  *time.Time `json:"due_at"`
		SentAt *time.Time `json:"sent_at"`
	}{SentAt: &sent}
	got = byKind(ReferralReminders("r1", r, created, false))
	if got[ReminderThankYou].State != ReminderDone || got[ReminderFollowUp].State != ReminderPending ||
		!got[ReminderFollowUp].DueAt.Equal(sent.Add(14*24*time.Hour)) {
		t.Fatalf("thanked: %+v", got)
	}
	got = byKind(ReferralReminders("r1", Referral{Direction: "given"}, created, false))
	if got[ReminderThankYou].State != ReminderCancelled || got[ReminderFollowUp].State != ReminderCancelled {
		t.Fatalf("given: %+v", got)
	}
	for _, w := range ReferralReminders("r1", r, created, true) {
		if w.State != ReminderCancelled {
			t.Fatalf("deleted: %+v", w)
		}
	}
}

func TestEventFollowUp(t *testing.T) {
	ny := mustLoc(t, "America/New_York")
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	start := time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC) // 22:00 on the 24th in New York
	w := EventFollowUp("e1", Event{Kind: "coffee", StartsAt: &start, ContactIDs: []string{"c"}}, false, now, ny)
	if w.State != ReminderPending || !w.DueAt.Equal(time.Date(2026, 11, 25, 14, 0, 0, 0, time.UTC)) {
		t.Fatalf("next local morning: %+v", w)
	}
	if w := EventFollowUp("e1", Event{StartsAt: &start}, false, now, ny); w.State != ReminderCancelled {
		t.Fatalf("no people: %+v", w)
	}
	old := now.Add(-30 * 24 * time.Hour)
	if w := EventFollowUp("e1", Event{StartsAt: &old, ContactIDs: []string{"c"}}, false, now, ny); w.State != ReminderCancelled {
		t.Fatalf("long past: %+v", w)
	}
	if !OneToOne("coffee") || OneToOne("conference") {
		t.Fatal("one-to-one kinds")
	}
}
