package store

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/uptrace/bun"

	"github.com/askwell/askwell/server/internal/records"
)

// SignalRow is one signal a live note logs about a contact, kept beside the note so the coach
// finds a contact's signals by index instead of reading every note.
type SignalRow struct {
	bun.BaseModel `bun:"table:note_signals"`

	UserID    string     `bun:"user_id"`
	NoteID    string     `bun:"note_id"`
	ContactID string     `bun:"contact_id"`
	Kind      string     `bun:"kind"`
	At        time.Time  `bun:"at"`
	HoldUntil *time.Time `bun:"hold_until"`
}

// ReplaceSignals makes rows the signals of the stored and fresh notes, and returns the
// contacts the stored notes named before, so their asks are looked at again too. Stored notes
// were saved before this write; fresh ones are new in it and have nothing to replace, so
// most new notes cost no read and no delete.
func (w *Writer) ReplaceSignals(ctx context.Context, stored, fresh []string, rows []SignalRow) (before []string, err error) {
	if len(stored) == 0 && len(fresh) == 0 {
		return nil, nil
	}
	for i := range rows {
		rows[i].UserID = w.user.ID
	}
	if w.deferred {
		if len(stored) > 0 {
			if err := w.r.scan(ctx, &before, "SELECT contact_id FROM note_signals WHERE user_id = ? AND $in(note_id)",
				w.user.ID, w.r.st.list(stored)); err != nil {
				return nil, fmt.Errorf("store: replace signals: %w", err)
			}
		}
		if w.replacedNotes == nil {
			w.replacedNotes = map[string]bool{}
		}
		for _, id := range slices.Concat(stored, fresh) {
			w.replacedNotes[id] = true
		}
		w.addedSignals = append(slices.DeleteFunc(w.addedSignals, func(r SignalRow) bool { return w.replacedNotes[r.NoteID] }), rows...)
	}
	err = w.exec(ctx, func(ctx context.Context) error {
		if len(stored) > 0 {
			var gone []string
			if err := w.r.scan(ctx, &gone, "DELETE FROM note_signals WHERE user_id = ? AND $in(note_id) RETURNING contact_id",
				w.user.ID, w.r.st.list(stored)); err != nil {
				return fmt.Errorf("store: replace signals: %w", err)
			}
			if !w.deferred {
				before = gone
			}
		}
		for _, row := range rows {
			if _, err := w.r.exec(ctx, "INSERT INTO note_signals (user_id, note_id, contact_id, kind, at, hold_until) VALUES (?, ?, ?, ?, ?, ?)",
				row.UserID, row.NoteID, row.ContactID, row.Kind, w.r.st.time(row.At), w.r.st.timePtr(row.HoldUntil)); err != nil {
				return fmt.Errorf("store: insert signals: %w", err)
			}
		}
		return nil
	})
	return before, err
}

// SignalsAbout returns this user's signals about those contacts logged since then, including
// those this write replaced.
func (w *Writer) SignalsAbout(ctx context.Context, contactIDs []string, since time.Time) ([]SignalRow, error) {
	if len(contactIDs) == 0 {
		return nil, nil
	}
	var rows []SignalRow
	if err := w.r.scan(ctx, &rows, "SELECT user_id, note_id, contact_id, kind, at, hold_until FROM note_signals WHERE user_id = ? AND $in(contact_id) AND at >= ?",
		w.user.ID, w.r.st.list(contactIDs), w.r.st.time(since)); err != nil {
		return nil, fmt.Errorf("store: signals: %w", err)
	}
	if len(w.replacedNotes) == 0 {
		return rows, nil
	}
	rows = slices.DeleteFunc(rows, func(r SignalRow) bool { return w.replacedNotes[r.NoteID] })
	for _, r := range w.addedSignals {
		if slices.Contains(contactIDs, r.ContactID) && !r.At.Before(since) {
			rows = append(rows, r)
		}
	}
	return rows, nil
}

// LoadBy returns this user's live records of one entity whose index column (contact_id,
// other_contact_id) holds one of values. column is the caller's constant, never user input.
func (w *Writer) LoadBy(ctx context.Context, entity, column string, values []string) ([]*Row, error) {
	return w.loadBy(ctx, entity, column, values, " AND deleted_at IS NULL")
}

// LoadAnyBy is LoadBy with the deleted records too (a suggestion removed may be wanted again).
func (w *Writer) LoadAnyBy(ctx context.Context, entity, column string, values []string) ([]*Row, error) {
	return w.loadBy(ctx, entity, column, values, "")
}

func (w *Writer) loadBy(ctx context.Context, entity, column string, values []string, live string) ([]*Row, error) {
	if len(values) == 0 {
		return nil, nil
	}
	var rows []*Row
	if err := w.r.scan(ctx, &rows, selectRows(entity, "user_id = ? AND $in("+column+")"+live+" ORDER BY id"),
		w.user.ID, w.r.st.list(values)); err != nil {
		return nil, fmt.Errorf("store: %s by %s: %w", entity, column, err)
	}
	w.track(entity, rows)
	return rows, nil
}

// Recheck is an ask whose readiness time alone has changed.
type Recheck struct {
	UserID string `bun:"user_id"`
	AskID  string `bun:"id"`
}

// DueRechecks lists up to limit asks whose recheck time has come, oldest first.
func (s *Store) DueRechecks(ctx context.Context, now time.Time, limit int) ([]Recheck, error) {
	var out []Recheck
	if err := s.db.NewSelect().TableExpr("asks").Column("user_id", "id").Where("recheck_at <= ?", now).
		Where("deleted_at IS NULL").OrderExpr("recheck_at, id").Limit(int64(limit)).Scan(ctx, &out); err != nil {
		return nil, fmt.Errorf("store: due rechecks: %w", err)
	}
	return out, nil
}

// LoadAll returns this user's live records of one entity (for the weekly plan, not for pushes).
func (w *Writer) LoadAll(ctx context.Context, entity string) ([]*Row, error) {
	var rows []*Row
	if err := w.r.scan(ctx, &rows, selectRows(entity, "user_id = ? AND deleted_at IS NULL ORDER BY id"), w.user.ID); err != nil {
		return nil, fmt.Errorf("store: all %s: %w", entity, err)
	}
	w.track(entity, rows)
	return rows, nil
}

// Meetings returns this user's live events of a meeting class (playbook.MeetingClass) that
// start in [from, to); hostedOnly keeps the events the user hosts.
func (w *Writer) Meetings(ctx context.Context, class string, hostedOnly bool, from, to time.Time) ([]*Row, error) {
	// One prepared statement serves every filter: an empty class or a false hostedOnly
	// matches all. Pushes run it often (every change to a contact's stage or kind looks at
	// the hosted events it may be invited to), so it is not parsed each time.
	var rows []*Row
	if err := w.r.scan(ctx, &rows, selectRows(records.Event, "user_id = ? AND deleted_at IS NULL AND starts_at >= ? AND starts_at < ? "+
		"AND (? = '' OR meeting = ?) AND (NOT ? OR hosted) ORDER BY starts_at, id"),
		w.user.ID, w.r.st.time(from), w.r.st.time(to), class, class, hostedOnly); err != nil {
		return nil, fmt.Errorf("store: meetings: %w", err)
	}
	w.track(records.Event, rows)
	return rows, nil
}

// InCircle returns this user's live contacts that belong to any coach group (partner, client,
// champion, connector, dream).
func (w *Writer) InCircle(ctx context.Context) ([]*Row, error) {
	var rows []*Row
	if err := w.r.scan(ctx, &rows, selectRows(records.Contact, "user_id = ? AND circle <> '' AND deleted_at IS NULL ORDER BY id"), w.user.ID); err != nil {
		return nil, fmt.Errorf("store: circle: %w", err)
	}
	w.track(records.Contact, rows)
	return rows, nil
}

// SetNextWeek records when the user's next week starts.
func (w *Writer) SetNextWeek(ctx context.Context, at time.Time) error {
	return w.exec(ctx, func(ctx context.Context) error {
		if _, err := w.db.NewUpdate().Table("users").Set("next_week_at = ?", at).Where("id = ?", w.user.ID).Exec(ctx); err != nil {
			return fmt.Errorf("store: next week: %w", err)
		}
		return nil
	})
}

// WeeksDue lists up to limit users whose week has turned.
func (s *Store) WeeksDue(ctx context.Context, now time.Time, limit int) ([]string, error) {
	var ids []string
	if err := s.db.NewSelect().Table("users").Column("id").Where("next_week_at <= ?", now).
		OrderExpr("next_week_at, id").Limit(int64(limit)).Scan(ctx, &ids); err != nil {
		return nil, fmt.Errorf("store: weeks due: %w", err)
	}
	return ids, nil
}

// Unscheduled lists up to limit users (id and time zone) whose weeks are not scheduled yet: new
// accounts and those from before the coach planned weeks.
func (s *Store) Unscheduled(ctx context.Context, limit int) (map[string]string, error) {
	var rows []struct {
		ID       string `bun:"id"`
		Timezone string `bun:"timezone"`
	}
	if err := s.db.NewSelect().Table("users").Column("id", "timezone").Where("next_week_at IS NULL").
		OrderExpr("id").Limit(int64(limit)).Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("store: unscheduled: %w", err)
	}
	out := make(map[string]string, len(rows))
	for _, r := range rows {
		out[r.ID] = r.Timezone
	}
	return out, nil
}

// ScheduleWeek sets when a user's next week starts, unless it was set meanwhile.
func (s *Store) ScheduleWeek(ctx context.Context, userID string, at time.Time) error {
	if _, err := s.db.NewUpdate().Table("users").Set("next_week_at = ?", at).Where("id = ? AND next_week_at IS NULL", userID).Exec(ctx); err != nil {
		return fmt.Errorf("store: schedule week: %w", err)
	}
	return nil
}
