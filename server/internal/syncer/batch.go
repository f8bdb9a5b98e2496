package syncer

// The batch: one push's records in memory, the merge of each mutation into them, and their
// save, stamped with the write's version.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/askwell/askwell/server/internal/playbook"
	"github.com/askwell/askwell/server/internal/records"
	"github.com/askwell/askwell/server/internal/store"
	"github.com/askwell/askwell/server/internal/zones"
)

// stamp is who last wrote a field: the version and the client.
type stamp struct {
	V int64  `json:"v"`
	C string `json:"c,omitempty"`
}

// deletedKey is the field-stamp key of a deletion.
const deletedKey = "_deleted"

// record is one record being changed by a batch.
type record struct {
	kind      *records.Kind
	id        string
	data      map[string]any
	stamps    map[string]stamp
	createdAt time.Time
	deletedAt *time.Time
	changed   bool
	// stored: the record was in the database before this batch (it was loaded, not created).
	stored bool
	// saved is the row as written by save, for callers that return the record.
	saved *store.Row

	// Asks only: the coach's assessment in this batch (assessed), when the ask's reminder
	// should go out, and when time alone next changes its readiness.
	assessed  bool
	remindAt  *time.Time
	recheckAt *time.Time
}

func (r *record) str(field string) string {
	s, _ := r.data[field].(string)
	return s
}

// fieldChanged reports whether this batch (at version v) wrote the field.
func (r *record) fieldChanged(field string, v int64) bool { return r.stamps[field].V == v }

// batch holds the records one push touches, loaded once and written once.
type batch struct {
	schema   *records.Schema
	zones    *zones.Cache
	w        *store.Writer
	now      time.Time
	clientID string
	recs     map[string]map[string]*record // entity → id → record
	order    map[string][]string           // entity → ids in first-touch order
	looked   map[string]map[string]bool    // entity → ids already looked up, found or not
	recheck  map[string]bool               // asks the scheduler re-derives because time passed
	coached  map[string]bool               // contacts whose asks' readiness was derived
	loadedBy map[string]map[string]bool    // "entity.column" → values already read by loadBy ("entity.*": all)
	circled  bool                          // the user's coach groups were read
	signals  map[string][]playbook.Signal  // live signals by contact, as read once
}

func newBatch(s *Service, w *store.Writer, now time.Time, clientID string) *batch {
	return &batch{schema: s.schema, zones: s.zones, w: w, now: now, clientID: clientID,
		recs: map[string]map[string]*record{}, order: map[string][]string{}, looked: map[string]map[string]bool{}, recheck: map[string]bool{}, loadedBy: map[string]map[string]bool{}}
}

// load brings the given records of one entity into the batch (those not there yet).
func (b *batch) load(ctx context.Context, entity string, ids []string) error {
	have := b.recs[entity]
	if have == nil {
		have = map[string]*record{}
		b.recs[entity] = have
	}
	looked := b.looked[entity]
	if looked == nil {
		looked = map[string]bool{}
		b.looked[entity] = looked
	}
	var missing []string
	for _, id := range ids {
		if _, ok := have[id]; !ok && !looked[id] {
			missing = append(missing, id)
			looked[id] = true
		}
	}
	if len(missing) == 0 {
		return nil
	}
	rows, err := b.w.Load(ctx, entity, missing)
	if err != nil {
		return err
	}
	kind, _ := b.schema.Kind(entity)
	for _, r := range rows {
		rec, err := fromRow(kind, r)
		if err != nil {
			return err
		}
		b.adopt(rec)
	}
	return nil
}

// absent records that a record is known not to exist, so load does not look for it.
func (b *batch) absent(entity, id string) {
	if b.looked[entity] == nil {
		b.looked[entity] = map[string]bool{}
	}
	if b.recs[entity][id] == nil {
		b.looked[entity][id] = true
	}
}

func (b *batch) adopt(rec *record) {
	if b.recs[rec.kind.Name] == nil {
		b.recs[rec.kind.Name] = map[string]*record{}
	}
	b.recs[rec.kind.Name][rec.id] = rec
	b.order[rec.kind.Name] = append(b.order[rec.kind.Name], rec.id)
}

func (b *batch) get(entity, id string) *record { return b.recs[entity][id] }

func fromRow(kind *records.Kind, r *store.Row) (*record, error) {
	rec := &record{kind: kind, id: r.ID, createdAt: r.CreatedAt, deletedAt: r.DeletedAt, recheckAt: r.RecheckAt, stored: true}
	if err := json.Unmarshal([]byte(r.Data), &rec.data); err != nil {
		return nil, fmt.Errorf("sync: %s %s: bad stored data: %w", kind.Name, r.ID, err)
	}
	if err := json.Unmarshal([]byte(r.FieldVersions), &rec.stamps); err != nil || rec.stamps == nil {
		rec.stamps = map[string]stamp{}
	}
	return rec, nil
}

// loadTargets brings in the records the mutations change, one read per entity.
func (b *batch) loadTargets(ctx context.Context, muts []Mutation) error {
	ids := map[string][]string{}
	for _, m := range muts {
		ids[m.Entity] = append(ids[m.Entity], m.RecordID)
	}
	for _, entity := range records.Names() {
		if err := b.load(ctx, entity, ids[entity]); err != nil {
			return err
		}
	}
	return nil
}

// apply runs the mutations in order on the in-memory records, as written by b.clientID.
func (b *batch) apply(ctx context.Context, muts []Mutation) error {
	if err := b.loadTargets(ctx, muts); err != nil {
		return err
	}
	v := b.w.Version()
	for i, m := range muts {
		if m.BaseVersion >= v {
			// No client has seen a version the server has not written (a bug, or a server
			// restored from a backup): treat the edit as made from nothing, so text it would
			// replace is kept as a conflict instead of silently overwritten.
			m.BaseVersion = 0
		}
		kind, _ := b.schema.Kind(m.Entity)
		rec := b.get(m.Entity, m.RecordID)
		if m.Op == OpDelete {
			if rec == nil || rec.deletedAt != nil {
				continue // never seen or already gone: nothing to record
			}
			t := b.now
			rec.deletedAt = &t
			rec.stamps[deletedKey] = stamp{V: v, C: b.clientID}
			rec.changed = true
			continue
		}
		if rec == nil {
			if kind.ServerOnly {
				return &InvalidError{Index: i, MutationID: m.ID, Reason: kind.Name + "s are created by the server"}
			}
			if f := kind.MissingRequired(m.Fields); f != "" { // the fields themselves were validated up front
				return &InvalidError{Index: i, MutationID: m.ID, Field: f, Reason: "required when creating a " + kind.Name}
			}
			rec = &record{kind: kind, id: m.RecordID, data: map[string]any{}, stamps: map[string]stamp{}, createdAt: b.now}
			for f, val := range createDefaults(kind.Name) {
				rec.data[f] = val
				rec.stamps[f] = stamp{V: v, C: b.clientID}
			}
			b.adopt(rec)
		}
		b.put(rec, m, v)
		if m.Entity == records.Connection {
			if err := b.checkConnection(ctx, rec); err != nil {
				var ie *InvalidError
				if errors.As(err, &ie) {
					ie.Index, ie.MutationID = i, m.ID
				}
				return err
			}
		}
		if m.Entity == records.Note && m.Fields["signals"] != nil {
			if who := unnamedSignal(rec); who != "" {
				return &InvalidError{Index: i, MutationID: m.ID, Field: "signals",
					Reason: "a signal is about contact " + who + ", whom the note does not name in contact_ids"}
			}
		}
	}
	return nil
}

// checkConnection refuses a connection that names no one it leads to, or a contact this user
// does not have: who knows whom is only ever about the user's own contacts.
func (b *batch) checkConnection(ctx context.Context, rec *record) error {
	if rec.deletedAt != nil {
		return nil
	}
	other, name := rec.str("other_contact_id"), strings.TrimSpace(rec.str("other_name"))
	switch {
	case other == "" && name == "":
		return &InvalidError{Field: "other_contact_id", Reason: "say whom they know: other_contact_id or other_name"}
	case other != "" && other == rec.str("contact_id"):
		return &InvalidError{Field: "other_contact_id", Reason: "a contact cannot know themselves"}
	}
	for _, f := range []string{"contact_id", "other_contact_id"} {
		id := rec.str(f)
		if id == "" {
			continue
		}
		err := b.load(ctx, records.Contact, []string{id})
		if err != nil && !errors.Is(err, store.ErrForeignRecord) {
			return err
		}
		if err != nil || b.get(records.Contact, id) == nil {
			return &InvalidError{Field: f, Reason: "no such contact"}
		}
	}
	return nil
}

// unnamedSignal is a contact a note's signal is about but the note does not name, or "": a
// signal counts for the asks to one contact, so it must be about someone who was there.
func unnamedSignal(n *record) string {
	named := map[string]bool{}
	ids, _ := n.data["contact_ids"].([]any)
	for _, id := range ids {
		if s, ok := id.(string); ok {
			named[s] = true
		}
	}
	sigs, _ := n.data["signals"].([]any)
	for _, s := range sigs {
		m, _ := s.(map[string]any)
		if cid, _ := m["contact_id"].(string); !named[cid] {
			return cid
		}
	}
	return ""
}

// createDefaults are the values a new record starts with unless the client sets them, so every
// device shows the same stage or status from the start.
func createDefaults(entity string) map[string]any {
	switch entity {
	case records.Contact:
		return map[string]any{"stage": "met"}
	case records.Ask:
		return map[string]any{"status": playbook.AskPlanned}
	case records.Referral:
		return map[string]any{"status": "open"}
	}
	return nil
}

// put merges one patch: later commits win per field; a deletion the client had not seen stays;
// long text replaced on the strength of an older version is kept as a conflict.
func (b *batch) put(rec *record, m Mutation, v int64) {
	if del := rec.stamps[deletedKey]; rec.deletedAt != nil && (m.BaseVersion >= del.V || del.C == b.clientID) {
		// The client saw the deletion (or made it) and wrote anyway: restore.
		rec.deletedAt = nil
		rec.stamps[deletedKey] = stamp{V: v, C: b.clientID}
	}
	for _, f := range slices.Sorted(maps.Keys(m.Fields)) {
		val := m.Fields[f]
		if f == records.ConflictsField {
			// A client resolves conflicts by putting the entries it still wants ([] for none).
			// It can only keep entries the server has (never add text), and it resolves only
			// what it could have seen: entries recorded after its base version (including by
			// this very put) stay.
			if keep := keptConflicts(rec, val, m.BaseVersion); len(keep) > 0 {
				rec.data[f] = keep
			} else {
				delete(rec.data, f)
			}
			rec.stamps[f] = stamp{V: v, C: b.clientID}
			continue
		}
		if rec.kind.LongText(f) {
			old, _ := rec.data[f].(string)
			incoming, _ := val.(string)
			st := rec.stamps[f]
			if old != "" && old != incoming && st.V > m.BaseVersion && st.C != b.clientID {
				rec.data[records.ConflictsField] = append(conflictsOf(rec), map[string]any{
					"field": f, "value": old, "version": v, "at": formatTime(b.now),
				})
			}
		}
		if val == nil {
			delete(rec.data, f)
		} else {
			rec.data[f] = val
		}
		rec.stamps[f] = stamp{V: v, C: b.clientID}
	}
	rec.changed = true
}

// keptConflicts is the record's conflicts a resolving put leaves: those the client listed
// again, and those recorded after its base version.
func keptConflicts(rec *record, wanted any, base int64) []any {
	listed := map[string]bool{}
	ws, _ := wanted.([]any)
	for _, w := range ws {
		listed[conflictKey(w)] = true
	}
	var keep []any
	for _, c := range conflictsOf(rec) {
		if conflictVersion(c) > base || listed[conflictKey(c)] {
			keep = append(keep, c)
		}
	}
	return keep
}

// conflictVersion reads an entry's version: a float64 when read from JSON, an int64 when made
// in this batch.
func conflictVersion(c any) int64 {
	m, _ := c.(map[string]any)
	switch n := m["version"].(type) {
	case float64:
		return int64(n)
	case int64:
		return n
	}
	return 0
}

// conflictKey identifies an entry by field, version and text.
func conflictKey(c any) string {
	m, _ := c.(map[string]any)
	f, _ := m["field"].(string)
	v, _ := m["value"].(string)
	return fmt.Sprintf("%s\x00%d\x00%s", f, conflictVersion(c), v)
}

func conflictsOf(rec *record) []any {
	c, _ := rec.data[records.ConflictsField].([]any)
	const keep = 20 // the newest replaced texts are what a person can still sort out
	if len(c) >= keep {
		c = c[len(c)-keep+1:]
	}
	return c
}

// save writes every changed record, stamped with this transaction's version.
func (b *batch) save(ctx context.Context) error {
	v := b.w.Version()
	for _, entity := range records.Names() {
		var rows []*store.Row
		for _, id := range b.order[entity] {
			rec := b.recs[entity][id]
			if !rec.changed {
				continue
			}
			row, err := b.toRow(rec, v)
			if err != nil {
				return err
			}
			rec.saved = row
			rows = append(rows, row)
		}
		if err := b.w.Save(ctx, entity, rows); err != nil {
			return err
		}
	}
	return nil
}

func (b *batch) toRow(rec *record, v int64) (*store.Row, error) {
	rec.data[records.IDField] = rec.id
	rec.data[records.VersionField] = v
	rec.data[records.CreatedField] = formatTime(rec.createdAt)
	rec.data[records.UpdatedField] = formatTime(b.now)
	if rec.deletedAt != nil {
		rec.data[records.DeletedField] = formatTime(*rec.deletedAt)
	} else {
		delete(rec.data, records.DeletedField)
	}
	data, err := json.Marshal(rec.data)
	if err != nil {
		return nil, fmt.Errorf("sync: encode %s: %w", rec.kind.Name, err)
	}
	stamps, err := json.Marshal(rec.stamps)
	if err != nil {
		return nil, fmt.Errorf("sync: encode stamps: %w", err)
	}
	row := &store.Row{
		ID: rec.id, Version: v, CreatedAt: rec.createdAt, UpdatedAt: b.now, DeletedAt: rec.deletedAt,
		FieldVersions: string(stamps), Data: string(data),
	}
	indexColumns(rec, row)
	return row, nil
}

// formatTime is the one wire format of server-set times.
func formatTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z07:00") }

func parseTime(v any) *time.Time {
	s, ok := v.(string)
	if !ok || s == "" {
		return nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return nil
	}
	return &t
}
