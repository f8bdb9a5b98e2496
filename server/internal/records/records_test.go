package records_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/askwell/askwell/api"
	"github.com/askwell/askwell/server/internal/records"
)

func schema(t *testing.T) *records.Schema {
	t.Helper()
	doc, err := api.GetSpec()
	if err != nil {
		t.Fatal(err)
	}
	s, err := records.NewSchema(doc)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestKindsFromContract(t *testing.T) {
	s := schema(t)
	note, _ := s.Kind(records.Note)
	ask, _ := s.Kind(records.Ask)
	contact, _ := s.Kind(records.Contact)
	rem, _ := s.Kind(records.Reminder)
	if !note.LongText("body") || !ask.LongText("script") || contact.LongText("name") {
		t.Fatal("long-text marks not read from the contract")
	}
	if strings.Join(contact.CreateRequired, ",") != "name" || note.Table != "notes" || !rem.ServerOnly {
		t.Fatalf("%+v %+v", contact, note)
	}
	if len(records.Names()) != 8 {
		t.Fatal(records.Names())
	}
}

func TestValidatePatch(t *testing.T) {
	s := schema(t)
	contact, _ := s.Kind(records.Contact)
	event, _ := s.Kind(records.Event)
	note, _ := s.Kind(records.Note)
	ok := []struct {
		k        *records.Kind
		f        map[string]any
		creating bool
	}{
		{contact, map[string]any{"name": "Bob", "stage": "trust", "tags": []any{"bni"}, "champion": map[string]any{"trusts_me": true}}, true},
		{contact, map[string]any{"company": nil, "tags": nil, "conflicts": []any{}}, false},
		{event, map[string]any{"title": "BNI", "starts_at": "2026-11-24T07:00:00+01:00", "contact_ids": []any{"0192f3a0-0000-7000-8000-000000000001"}}, true},
		{note, map[string]any{"body": "", "signals": []any{map[string]any{"contact_id": "0192f3a0-0000-7000-8000-000000000001", "kind": "praised"}}}, true},
	}
	for i, c := range ok {
		if err := s.ValidatePatch(c.k, c.f, c.creating); err != nil {
			t.Errorf("ok %d: %v", i, err)
		}
	}
	bad := []struct {
		k     *records.Kind
		f     map[string]any
		field string
	}{
		{contact, map[string]any{"name": ""}, "name"},
		{contact, map[string]any{"name": nil}, "name"},
		{contact, map[string]any{"stage": "bestie"}, "stage"},
		{contact, map[string]any{"tags": "bni"}, "tags"},
		{contact, map[string]any{"champion": map[string]any{"loves_me": true}}, "champion"},
		{contact, map[string]any{"id": "x"}, "id"},
		{contact, map[string]any{"updated_at": "2026-01-01T00:00:00Z"}, "updated_at"},
		{contact, map[string]any{"conflicts": []any{map[string]any{}}}, "conflicts"},
		{contact, map[string]any{"colour": "red"}, "colour"},
		{event, map[string]any{"starts_at": "2026-13-01T00:00:00Z"}, "starts_at"},
		{event, map[string]any{"contact_ids": []any{"nope"}}, "contact_ids"},
		{note, map[string]any{"body": strings.Repeat("x", 100_001)}, "body"},
		{note, map[string]any{"signals": []any{map[string]any{"contact_id": "0192f3a0-0000-7000-8000-000000000001", "kind": "hug"}}}, "signals"},
	}
	for i, c := range bad {
		err := s.ValidatePatch(c.k, c.f, false)
		var fe *records.FieldError
		if !errors.As(err, &fe) || fe.Field != c.field {
			t.Errorf("bad %d: %v", i, err)
		}
	}
	if err := s.ValidatePatch(contact, map[string]any{"company": "Acme"}, true); err == nil {
		t.Error("created without a name")
	}
	if records.ValidID("0192F3A0-0000-7000-8000-000000000001") || !records.ValidID("0192f3a0-0000-7000-8000-000000000001") {
		t.Error("ids must be canonical lower-case UUIDs")
	}
}
