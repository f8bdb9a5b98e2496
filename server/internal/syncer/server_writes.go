package syncer

import (
	"context"
	"errors"

	"github.com/askwell/askwell/server/internal/playbook"
	"github.com/askwell/askwell/server/internal/records"
	"github.com/askwell/askwell/server/internal/store"
)

// serverClient stands for writes the server makes on the user's behalf (reminder actions
// from a notification, delivery marks); it is no client's sequence, so it needs no binding.
const serverClient = "server"

// ErrNotFound: the user has no such record.
var ErrNotFound = errors.New("sync: no such record")

// Claimed is a reminder the dispatcher delivered, at the version it claimed.
type Claimed struct {
	ID      string
	Version int64
}

// MarkSent records delivery of a user's reminders in one transaction. A reminder a client
// changed since it was claimed (done, snoozed, moved) is left as the client made it.
func (s *Service) MarkSent(ctx context.Context, userID string, sent []Claimed) (int, error) {
	now := s.now().UTC()
	marked := 0
	_, err := s.store.Write(ctx, userID, func(w *store.Writer) error {
		b := newBatch(s, w, now, serverClient)
		ids := make([]string, len(sent))
		want := make(map[string]int64, len(sent))
		for i, c := range sent {
			ids[i], want[c.ID] = c.ID, c.Version
		}
		rows, err := w.Load(ctx, records.Reminder, ids)
		if err != nil {
			return err
		}
		kind, _ := s.schema.Kind(records.Reminder)
		for _, row := range rows {
			if row.Version != want[row.ID] || row.DeletedAt != nil {
				continue
			}
			rec, err := fromRow(kind, row)
			if err != nil {
				return err
			}
			if st := rec.str("status"); st != playbook.ReminderPending && st != playbook.ReminderSnoozed {
				continue
			}
			b.adopt(rec)
			v := w.Version()
			rec.data["status"] = playbook.ReminderSent
			rec.data["sent_at"] = formatTime(now)
			rec.stamps["status"], rec.stamps["sent_at"] = stamp{V: v}, stamp{V: v}
			rec.changed = true
			marked++
		}
		if marked == 0 {
			return store.ErrNoChange
		}
		return b.save(ctx)
	})
	if err != nil {
		return 0, err
	}
	if marked > 0 && s.poker != nil {
		s.poker.Poke(ctx, userID)
	}
	return marked, nil
}

// ServerPut applies one patch for the user as the server (e.g. "Done" tapped on a
// notification) through the same rules as a client push, and returns the record as stored.
func (s *Service) ServerPut(ctx context.Context, userID, entity, id string, fields map[string]any) (string, error) {
	kind, ok := s.schema.Kind(entity)
	if !ok {
		return "", &InvalidError{Field: "entity", Reason: "unknown entity"}
	}
	if err := s.schema.ValidatePatch(kind, fields, false); err != nil {
		var fe *records.FieldError
		if errors.As(err, &fe) {
			return "", &InvalidError{Field: fe.Field, Reason: fe.Reason}
		}
		return "", err
	}
	if ie := checkDomain(entity, fields, s.now().UTC()); ie != nil {
		return "", ie
	}
	now := s.now().UTC()
	var data string
	_, err := s.store.Write(ctx, userID, func(w *store.Writer) error {
		b := newBatch(s, w, now, serverClient)
		if err := b.load(ctx, entity, []string{id}); err != nil {
			return err
		}
		rec := b.get(entity, id)
		if rec == nil || rec.deletedAt != nil {
			return ErrNotFound
		}
		b.put(rec, Mutation{Entity: entity, RecordID: id, Op: OpPut, Fields: fields, BaseVersion: w.Version()}, w.Version())
		if err := b.derive(ctx); err != nil {
			return err
		}
		if err := b.save(ctx); err != nil {
			return err
		}
		data = rec.saved.Data
		return nil
	})
	if err != nil {
		return "", err
	}
	if s.poker != nil {
		s.poker.Poke(ctx, userID)
	}
	return data, nil
}
