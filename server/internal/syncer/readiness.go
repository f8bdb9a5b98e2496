package syncer

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"time"

	"github.com/askwell/askwell/server/internal/playbook"
	"github.com/askwell/askwell/server/internal/records"
	"github.com/askwell/askwell/server/internal/store"
)

// readinessField is the ask field the coach writes (read-only for clients, like due_at).
const readinessField = "readiness"

// deriveReadiness re-derives, in the batch's transaction, the readiness of every ask whose
// inputs the batch changed: the ask itself, its contact (stage, checks, name), or a note that
// logs or logged a signal about that contact. Signals are re-indexed here first, so the
// derivation reads them by contact instead of reading notes.
func (b *batch) deriveReadiness(ctx context.Context) error {
	v := b.w.Version()
	contacts := map[string]bool{} // contacts whose asks are looked at again
	var stored, fresh []string    // notes whose signals are replaced: saved before, new now
	var rows []store.SignalRow
	for _, id := range b.order[records.Note] {
		n := b.get(records.Note, id)
		if !n.changed || !(n.fieldChanged("signals", v) || n.fieldChanged("meeting_at", v) || n.fieldChanged(deletedKey, v)) {
			continue
		}
		if n.stored {
			stored = append(stored, id)
		} else {
			fresh = append(fresh, id)
		}
		for _, s := range playbook.Signals(noteInput(n)) {
			rows = append(rows, store.SignalRow{NoteID: id, ContactID: s.ContactID, Kind: s.Kind, At: s.At, HoldUntil: s.HoldUntil})
			contacts[s.ContactID] = true
		}
	}
	before, err := b.w.ReplaceSignals(ctx, stored, fresh, rows)
	if err != nil {
		return err
	}
	for _, c := range before {
		contacts[c] = true
	}
	for _, id := range b.order[records.Contact] {
		c := b.get(records.Contact, id)
		if c.changed && (c.fieldChanged("stage", v) || c.fieldChanged("champion", v) || c.fieldChanged("name", v) || c.fieldChanged(deletedKey, v)) {
			contacts[id] = true
		}
	}
	if _, err := b.loadBy(ctx, records.Ask, "contact_id", keys(contacts)); err != nil {
		return err
	}
	b.coached = contacts // their next steps are looked at again too
	var todo []*record
	need := map[string]bool{}
	for _, id := range b.order[records.Ask] {
		a := b.get(records.Ask, id)
		if a.changed || b.recheck[id] || contacts[a.str("contact_id")] {
			todo = append(todo, a)
			need[a.str("contact_id")] = true
		}
	}
	if len(todo) == 0 {
		return nil
	}
	if err := b.load(ctx, records.Contact, keys(need)); err != nil {
		return err
	}
	for id := range need {
		contacts[id] = true
	}
	bySubject, err := b.signalsAbout(ctx, keys(need))
	if err != nil {
		return err
	}
	rules, loc := playbook.Default(), b.location()
	for _, a := range todo {
		cid := a.str("contact_id")
		if err := b.setReadiness(a, rules.Assess(askInput(a), b.contactInput(cid), bySubject[cid], b.now, loc)); err != nil {
			return err
		}
	}
	return nil
}

// setReadiness stores an assessment on the ask: the synced readiness (stamped only when it
// changed), the recheck time, and when its reminder should go out.
func (b *batch) setReadiness(a *record, as playbook.Assessment) error {
	a.assessed, a.remindAt = true, as.RemindAt
	var val any
	if as.Readiness != nil {
		var err error
		if val, err = readinessData(as.Readiness); err != nil {
			return err
		}
	}
	if !reflect.DeepEqual(a.data[readinessField], val) {
		if val == nil {
			delete(a.data, readinessField)
		} else {
			a.data[readinessField] = val
		}
		a.stamps[readinessField] = stamp{V: b.w.Version()}
		a.changed = true
	}
	if !sameInstant(a.recheckAt, as.RecheckAt) {
		a.recheckAt = as.RecheckAt
		a.changed = true
	}
	return nil
}

// readinessData is readiness as it is stored and synced: JSON values, times in the one wire
// format, so an unchanged readiness compares equal to the stored one.
func readinessData(r *playbook.Readiness) (any, error) {
	out := struct {
		State       string   `json:"state"`
		Reasons     []any    `json:"reasons"`
		HoldUntil   *string  `json:"hold_until,omitempty"`
		WindowUntil *string  `json:"window_until,omitempty"`
		Missing     []string `json:"missing,omitempty"`
	}{State: r.State, Reasons: reasonsData(r.Reasons), HoldUntil: wireTime(r.HoldUntil), WindowUntil: wireTime(r.WindowUntil), Missing: r.Missing}
	b, err := json.Marshal(out)
	if err != nil {
		return nil, fmt.Errorf("sync: encode readiness: %w", err)
	}
	var v any
	return v, json.Unmarshal(b, &v)
}

func wireTime(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := formatTime(*t)
	return &s
}

func sameInstant(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		if k != "" {
			out = append(out, k)
		}
	}
	return out
}

// loadBy brings into the batch this user's live records of an entity whose index column holds
// one of values, reading each value once per batch; it returns the rows it read.
func (b *batch) loadBy(ctx context.Context, entity, column string, values []string) ([]*store.Row, error) {
	return b.loadByWith(ctx, entity, column, values, b.w.LoadBy, "")
}

// loadAnyBy is loadBy with the deleted records too.
func (b *batch) loadAnyBy(ctx context.Context, entity, column string, values []string) ([]*store.Row, error) {
	return b.loadByWith(ctx, entity, column, values, b.w.LoadAnyBy, "+deleted")
}

func (b *batch) loadByWith(ctx context.Context, entity, column string, values []string,
	read func(ctx context.Context, entity, column string, values []string) ([]*store.Row, error), also string) ([]*store.Row, error) {
	key := entity + "." + column + also
	if b.loadedBy[key] == nil {
		b.loadedBy[key] = map[string]bool{}
	}
	var todo []string
	for _, v := range values {
		if v != "" && !b.loadedBy[key][v] {
			b.loadedBy[key][v] = true
			todo = append(todo, v)
		}
	}
	rows, err := read(ctx, entity, column, todo)
	if err != nil {
		return nil, err
	}
	return rows, b.adoptRows(entity, rows)
}

// adoptRows brings rows already read into the batch, keeping what the batch holds already.
func (b *batch) adoptRows(entity string, rows []*store.Row) error {
	kind, _ := b.schema.Kind(entity)
	if b.looked[entity] == nil {
		b.looked[entity] = map[string]bool{}
	}
	for _, r := range rows {
		b.looked[entity][r.ID] = true
		if b.get(entity, r.ID) != nil {
			continue
		}
		rec, err := fromRow(kind, r)
		if err != nil {
			return err
		}
		b.adopt(rec)
	}
	return nil
}

func askInput(a *record) playbook.AskInput {
	in := playbook.AskInput{ID: a.id, ContactID: a.str("contact_id"), Status: a.str("status"), Target: a.str("target"),
		TargetContactID: a.str("target_contact_id"), DueAt: parseTime(a.data["due_at"]), CreatedAt: a.createdAt, Deleted: a.deletedAt != nil}
	var t playbook.Trigger
	if remarshal(a.data["trigger"], &t) == nil && t.Kind != "" {
		in.Trigger = &t
	}
	return in
}

func (b *batch) contactInput(id string) playbook.ContactInput {
	c := b.get(records.Contact, id)
	if c == nil || c.deletedAt != nil {
		return playbook.ContactInput{ID: id}
	}
	in := playbook.ContactInput{ID: id, Name: c.str("name"), Stage: c.str("stage")}
	_ = remarshal(c.data["champion"], &in.Champion) // validated on the way in
	return in
}

func noteInput(n *record) playbook.NoteInput {
	in := playbook.NoteInput{ID: n.id, Deleted: n.deletedAt != nil, MeetingAt: parseTime(n.data["meeting_at"]), CreatedAt: n.createdAt}
	_ = remarshal(n.data["signals"], &in.Signals) // validated on the way in
	return in
}

// Recheck re-derives the asks whose readiness time alone has changed (a hold or window ended,
// a planned day came), up to limit of them, one transaction per user. The dispatcher calls it
// on its own clock before it claims reminders, so a self-hosted server needs no cron job.
func (s *Service) Recheck(ctx context.Context, limit int) (int, error) {
	now := s.now().UTC()
	due, err := s.store.DueRechecks(ctx, now, limit)
	if err != nil {
		return 0, err
	}
	byUser := map[string][]string{}
	var users []string
	for _, r := range due {
		if byUser[r.UserID] == nil {
			users = append(users, r.UserID)
		}
		byUser[r.UserID] = append(byUser[r.UserID], r.AskID)
	}
	done := 0
	var first error
	for _, u := range users {
		ids := byUser[u]
		_, err := s.store.Write(ctx, u, func(w *store.Writer) error {
			b := newBatch(s, w, now, serverClient)
			if err := b.load(ctx, records.Ask, ids); err != nil {
				return err
			}
			for _, id := range ids {
				b.recheck[id] = true
			}
			if err := b.derive(ctx); err != nil {
				return err
			}
			if !b.anyChanged() {
				return store.ErrNoChange // another instance got there first
			}
			return b.save(ctx)
		})
		if err != nil {
			if first == nil { // one user's failure must not hold back the others
				first = fmt.Errorf("sync: recheck readiness of user %s: %w", u, err)
			}
			continue
		}
		done += len(ids)
		if s.poker != nil {
			s.poker.Poke(ctx, u)
		}
	}
	return done, first
}

// anyChanged reports whether the batch has something to write.
func (b *batch) anyChanged() bool {
	for _, recs := range b.recs {
		for _, r := range recs {
			if r.changed {
				return true
			}
		}
	}
	return false
}
