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

// ReplaceSignals makes rows the signals of those notes, and returns the contacts the notes
// named before, so their asks are looked at again too.
func (w *Writer) ReplaceSignals(ctx context.Context, noteIDs []string, rows []SignalRow) (before []string, err error) {
	if len(noteIDs) == 0 {
		return nil, nil
	}
	for i := range rows {
		rows[i].UserID = w.user.ID
	}
	if w.deferred {
		if err := w.r.scan(ctx, &before, "SELECT contact_id FROM note_signals WHERE user_id = ? AND $in(note_id)",
			w.user.ID, w.r.st.list(noteIDs)); err != nil {
			return nil, fmt.Errorf("store: replace signals: %w", err)
		}
		if w.replacedNotes == nil {
			w.replacedNotes = map[string]bool{}
		}
		for _, id := range noteIDs {
			w.replacedNotes[id] = true
		}
		w.addedSignals = append(slices.DeleteFunc(w.addedSignals, func(r SignalRow) bool { return w.replacedNotes[r.NoteID] }), rows...)
	}
	err = w.exec(ctx, func(ctx context.Context) error {
		var gone []SignalRow
		if _, err := w.db.NewDelete().Model((*SignalRow)(nil)).Where("user_id = ?", w.user.ID).
			Where("note_id IN (?)", bun.List(noteIDs)).Returning("contact_id").Exec(ctx, &gone); err != nil {
			return fmt.Errorf("store: replace signals: %w", err)
		}
		if !w.deferred {
			for _, g := range gone {
				before = append(before, g.ContactID)
			}
		}
		const chunk = 500
		for start := 0; start < len(rows); start += chunk {
			part := rows[start:min(start+chunk, len(rows))]
			if _, err := w.db.NewInsert().Model(&part).Exec(ctx); err != nil {
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
	if len(values) == 0 {
		return nil, nil
	}
	var rows []*Row
	if err := w.r.scan(ctx, &rows, selectRows(entity, "user_id = ? AND $in("+column+") AND deleted_at IS NULL ORDER BY id"),
		w.user.ID, w.r.st.list(values)); err != nil {
		return nil, fmt.Errorf("store: %s by %s: %w", entity, column, err)
	}
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
	if err := w.db.NewSelect().Model(&rows).ModelTableExpr(records.Table(entity)+" AS row").Column(columns(entity)...).
		Where("user_id = ?", w.user.ID).Where("deleted_at IS NULL").OrderExpr("id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("store: all %s: %w", entity, err)
	}
	return rows, nil
}

// Meetings returns this user's live events of a meeting class (playbook.MeetingClass) that
// start in [from, to); hostedOnly keeps the events the user hosts.
func (w *Writer) Meetings(ctx context.Context, class string, hostedOnly bool, from, to time.Time) ([]*Row, error) {
	var rows []*Row
	q := w.db.NewSelect().Model(&rows).ModelTableExpr("events AS row").Column(columns(records.Event)...).
		Where("user_id = ?", w.user.ID).Where("deleted_at IS NULL").Where("starts_at >= ? AND starts_at < ?", from, to)
	if class != "" {
		q = q.Where("meeting = ?", class)
	}
	if hostedOnly {
		q = q.Where("hosted")
	}
	if err := q.OrderExpr("starts_at, id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("store: meetings: %w", err)
	}
	return rows, nil
}

// InCircle returns this user's live contacts that belong to any coach group (partner, client,
// champion, connector, dream).
func (w *Writer) InCircle(ctx context.Context) ([]*Row, error) {
	var rows []*Row
	if err := w.db.NewSelect().Model(&rows).ModelTableExpr("contacts AS row").Column(columns(records.Contact)...).
		Where("user_id = ?", w.user.ID).Where("circle <> ''").Where("deleted_at IS NULL").OrderExpr("id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("store: circle: %w", err)
	}
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
