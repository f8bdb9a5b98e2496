package playbook_test

import (
	"encoding/json"
	"os"
	"reflect"
	"testing"
	"time"

	"github.com/askwell/askwell/server/internal/playbook"
)

// vector is one case of testdata/readiness.json, which the PWA's unit tests run too.
type vector struct {
	Name string    `json:"name"`
	Now  time.Time `json:"now"`
	TZ   string    `json:"tz"`
	Ask  struct {
		ID              string            `json:"id"`
		ContactID       string            `json:"contact_id"`
		Status          string            `json:"status"`
		Target          *string           `json:"target"`
		TargetContactID string            `json:"target_contact_id"`
		Trigger         *playbook.Trigger `json:"trigger"`
		DueAt           *time.Time        `json:"due_at"`
		CreatedAt       time.Time         `json:"created_at"`
		Deleted         bool              `json:"deleted"`
	} `json:"ask"`
	Contact struct {
		ID       string          `json:"id"`
		Name     string          `json:"name"`
		Stage    string          `json:"stage"`
		Champion map[string]bool `json:"champion"`
	} `json:"contact"`
	Notes []struct {
		ID        string                `json:"id"`
		Deleted   bool                  `json:"deleted"`
		MeetingAt *time.Time            `json:"meeting_at"`
		CreatedAt time.Time             `json:"created_at"`
		Signals   []playbook.NoteSignal `json:"signals"`
	} `json:"notes"`
	Want struct {
		State       *string    `json:"state"`
		Codes       []string   `json:"codes"`
		Texts       []string   `json:"texts"`
		HoldUntil   *time.Time `json:"hold_until"`
		WindowUntil *time.Time `json:"window_until"`
		Missing     []string   `json:"missing"`
		RemindAt    *time.Time `json:"remind_at"`
		RecheckAt   *time.Time `json:"recheck_at"`
	} `json:"want"`
}

func loadVectors(t *testing.T) []vector {
	t.Helper()
	b, err := os.ReadFile("testdata/readiness.json")
	if err != nil {
		t.Fatal(err)
	}
	var f struct{ Cases []vector }
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Cases) < 60 {
		t.Fatalf("only %d vectors", len(f.Cases))
	}
	return f.Cases
}

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}

func TestReadinessVectors(t *testing.T) {
	rules := playbook.Default()
	for _, v := range loadVectors(t) {
		t.Run(v.Name, func(t *testing.T) {
			loc, err := time.LoadLocation(v.TZ)
			if err != nil {
				t.Fatal(err)
			}
			a := playbook.AskInput{ID: v.Ask.ID, ContactID: v.Ask.ContactID, Status: v.Ask.Status, TargetContactID: v.Ask.TargetContactID,
				Trigger: v.Ask.Trigger, DueAt: v.Ask.DueAt, CreatedAt: v.Ask.CreatedAt, Deleted: v.Ask.Deleted}
			if v.Ask.Target != nil {
				a.Target = *v.Ask.Target
			}
			c := playbook.ContactInput{ID: v.Contact.ID, Name: v.Contact.Name, Stage: v.Contact.Stage, Champion: v.Contact.Champion}
			var sigs []playbook.Signal
			for _, n := range v.Notes {
				sigs = append(sigs, playbook.Signals(playbook.NoteInput{ID: n.ID, Deleted: n.Deleted, MeetingAt: n.MeetingAt, CreatedAt: n.CreatedAt, Signals: n.Signals})...)
			}
			got := rules.Assess(a, c, sigs, v.Now, loc)
			if v.Want.State == nil {
				if got.Readiness != nil {
					t.Fatalf("want no readiness, got %+v", got.Readiness)
				}
				return
			}
			r := got.Readiness
			if r == nil {
				t.Fatalf("want %s, got no readiness", *v.Want.State)
			}
			var codes, texts []string
			for _, x := range r.Reasons {
				codes, texts = append(codes, x.Code), append(texts, x.Text)
			}
			if r.State != *v.Want.State || !reflect.DeepEqual(codes, v.Want.Codes) {
				t.Fatalf("got %s %v, want %s %v (%q)", r.State, codes, *v.Want.State, v.Want.Codes, texts)
			}
			if v.Want.Texts != nil && !reflect.DeepEqual(texts, v.Want.Texts) {
				t.Errorf("texts %q, want %q", texts, v.Want.Texts)
			}
			if !sameTime(r.HoldUntil, v.Want.HoldUntil) || !sameTime(r.WindowUntil, v.Want.WindowUntil) {
				t.Errorf("hold_until %v window_until %v, want %v %v", r.HoldUntil, r.WindowUntil, v.Want.HoldUntil, v.Want.WindowUntil)
			}
			if !reflect.DeepEqual(r.Missing, v.Want.Missing) {
				t.Errorf("missing %v, want %v", r.Missing, v.Want.Missing)
			}
			if v.Want.RemindAt != nil && !sameTime(got.RemindAt, v.Want.RemindAt) {
				t.Errorf("remind_at %v, want %v", got.RemindAt, v.Want.RemindAt)
			}
			if v.Want.RecheckAt != nil && !sameTime(got.RecheckAt, v.Want.RecheckAt) {
				t.Errorf("recheck_at %v, want %v", got.RecheckAt, v.Want.RecheckAt)
			}
		})
	}
}

func TestRulesFileIsComplete(t *testing.T) {
	b, err := os.ReadFile("rules.json")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := playbook.ParseRules(b); err != nil {
		t.Fatal(err)
	}
	if _, err := playbook.ParseRules([]byte(`{"stages":["met"],"texts":{}}`)); err == nil {
		t.Fatal("a rules file without texts was accepted")
	}
}

func TestMeetingClassVectors(t *testing.T) {
	b, err := os.ReadFile("testdata/readiness.json")
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Meetings []struct {
			Kind   string `json:"kind"`
			People int    `json:"people"`
			Class  string `json:"class"`
		} `json:"meetings"`
	}
	if err := json.Unmarshal(b, &f); err != nil || len(f.Meetings) == 0 {
		t.Fatalf("meetings: %v", err)
	}
	for _, m := range f.Meetings {
		if got := playbook.MeetingClass(m.Kind, m.People); got != m.Class {
			t.Errorf("%s with %d: %q, want %q", m.Kind, m.People, got, m.Class)
		}
	}
}
