// Package records knows the synced entities: their names, tables, fields and the rules a
// client's patch must follow. The field rules are read from the entity schemas of openapi.yaml
// at start-up, so the contract stays the one place where a field's type, length or enum lives.
package records

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/google/uuid"
)

// Entity names as they appear on the wire.
const (
	Contact    = "contact"
	Event      = "event"
	Note       = "note"
	Ask        = "ask"
	Referral   = "referral"
	Reminder   = "reminder"
	Connection = "connection"
	Suggestion = "suggestion"
)

// Names returns every entity name in a fixed order.
func Names() []string {
	return []string{Contact, Event, Note, Ask, Referral, Reminder, Connection, Suggestion}
}

// Table is the SQL table that holds an entity.
func Table(entity string) string {
	return entity + "s"
}

// Common fields every record has; the server owns all but ConflictsField.
const (
	IDField        = "id"
	VersionField   = "version"
	CreatedField   = "created_at"
	UpdatedField   = "updated_at"
	DeletedField   = "deleted_at"
	ConflictsField = "conflicts"
)

// FieldError says which field of a patch is wrong and why; it maps to a 4xx.
type FieldError struct {
	Field  string
	Reason string
}

// Error names the field, which is what a client needs to fix its patch.
func (e *FieldError) Error() string { return fmt.Sprintf("records: field %q: %s", e.Field, e.Reason) }

// Kind describes one entity.
type Kind struct {
	// Name is the wire name, e.g. "contact".
	Name string
	// Table is the SQL table holding it.
	Table string
	// CreateRequired lists the fields a put must carry when it creates the record.
	CreateRequired []string
	// ServerOnly is true for entities clients may edit but never create or delete (reminders,
	// suggestions).
	ServerOnly bool

	fields   map[string]*openapi3.Schema
	longText map[string]bool
	readOnly map[string]bool
}

// LongText reports whether a field is text that must never be silently overwritten.
func (k *Kind) LongText(field string) bool { return k.longText[field] }

// Schema is the set of entity kinds read from the contract.
type Schema struct {
	kinds map[string]*Kind
	opts  []openapi3.SchemaValidationOption
}

// NewSchema reads the entity schemas (Contact, Event, …) from the contract.
func NewSchema(doc *openapi3.T) (*Schema, error) {
	s := &Schema{
		kinds: make(map[string]*Kind, 6),
		opts: []openapi3.SchemaValidationOption{
			openapi3.EnableFormatValidation(),
			openapi3.VisitAsRequest(),
			openapi3.WithStringFormatValidator("uuid", openapi3.NewCallbackValidator(checkUUID)),
			openapi3.WithStringFormatValidator("email", openapi3.NewCallbackValidator(func(string) error { return nil })),
			openapi3.WithStringFormatValidator("date-time", openapi3.NewCallbackValidator(checkDateTime)),
		},
	}
	for _, name := range Names() {
		component := strings.ToUpper(name[:1]) + name[1:]
		ref, ok := doc.Components.Schemas[component]
		if !ok || ref.Value == nil {
			return nil, fmt.Errorf("records: the contract has no %s schema", component)
		}
		k := &Kind{
			Name:       name,
			Table:      Table(name),
			ServerOnly: name == Reminder || name == Suggestion,
			fields:     map[string]*openapi3.Schema{},
			longText:   map[string]bool{},
			readOnly:   map[string]bool{},
		}
		collect(k, ref.Value)
		if req, ok := ref.Value.Extensions["x-askwell-create-required"].([]any); ok {
			for _, f := range req {
				if fs, ok := f.(string); ok {
					k.CreateRequired = append(k.CreateRequired, fs)
				}
			}
		}
		s.kinds[name] = k
	}
	return s, nil
}

func collect(k *Kind, sch *openapi3.Schema) {
	for _, sub := range sch.AllOf {
		if sub.Value != nil {
			collect(k, sub.Value)
		}
	}
	for name, p := range sch.Properties {
		if p.Value == nil {
			continue
		}
		k.fields[name] = p.Value
		if p.Value.ReadOnly || isAllOfReadOnly(p.Value) {
			k.readOnly[name] = true
		}
		if v, ok := p.Value.Extensions["x-askwell-long-text"].(bool); ok && v {
			k.longText[name] = true
		}
	}
}

func isAllOfReadOnly(s *openapi3.Schema) bool {
	for _, sub := range s.AllOf {
		if sub.Value != nil && sub.Value.ReadOnly {
			return true
		}
	}
	return false
}

// Kind returns the entity kind of that name.
func (s *Schema) Kind(name string) (*Kind, bool) {
	k, ok := s.kinds[name]
	return k, ok
}

// ValidatePatch checks a client's patch: every field known, writable and of the right shape;
// when creating, every required field present and not null.
func (s *Schema) ValidatePatch(k *Kind, fields map[string]any, creating bool) error {
	keys := make([]string, 0, len(fields))
	for f := range fields {
		keys = append(keys, f)
	}
	sort.Strings(keys) // the first error reported is the same on every run
	for _, f := range keys {
		v := fields[f]
		sch, ok := k.fields[f]
		if !ok {
			return &FieldError{Field: f, Reason: "unknown field"}
		}
		if k.readOnly[f] {
			return &FieldError{Field: f, Reason: "set by the server"}
		}
		if v == nil { // null clears a field, but never one a record cannot be without
			for _, req := range k.CreateRequired {
				if req == f {
					return &FieldError{Field: f, Reason: "cannot be cleared"}
				}
			}
			continue
		}
		if err := sch.VisitJSON(v, s.opts...); err != nil {
			return &FieldError{Field: f, Reason: reason(err)}
		}
	}
	if creating {
		if f := k.MissingRequired(fields); f != "" {
			return &FieldError{Field: f, Reason: "required when creating a " + k.Name}
		}
	}
	return nil
}

// MissingRequired names the first field a new record must have that fields lacks, or "".
func (k *Kind) MissingRequired(fields map[string]any) string {
	for _, f := range k.CreateRequired {
		if v, ok := fields[f]; !ok || v == nil {
			return f
		}
	}
	return ""
}

// reason turns a kin-openapi error into one short sentence without the schema dump.
func reason(err error) string {
	var se *openapi3.SchemaError
	if errors.As(err, &se) {
		if p := se.JSONPointer(); len(p) > 0 {
			return strings.Join(p, ".") + ": " + se.Reason
		}
		return se.Reason
	}
	var me openapi3.MultiError
	if errors.As(err, &me) && len(me) > 0 {
		return reason(me[0])
	}
	return err.Error()
}

// ValidID reports whether v is a record id: a UUID in its canonical lower-case form, so the
// id a client made is the id it gets back.
func ValidID(v string) bool {
	u, err := uuid.Parse(v)
	return err == nil && u.String() == v
}

// MinYear and MaxYear bound every date a client sends: year 0 and years past 9999 parse as
// RFC 3339 but PostgreSQL refuses some of them, and dates derived from them (a reminder some
// days later, a time zone away) must stay storable on both databases.
const (
	MinYear = 1000
	MaxYear = 9000
)

func checkDateTime(v string) error {
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return errors.New("not an RFC 3339 date-time")
	}
	if y := t.UTC().Year(); y < MinYear || y > MaxYear {
		return fmt.Errorf("year must be between %d and %d", MinYear, MaxYear)
	}
	return nil
}

func checkUUID(v string) error {
	if !ValidID(v) {
		return errors.New("not a UUID")
	}
	return nil
}
