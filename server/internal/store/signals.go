package store

import (
	"context"
	"fmt"
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
	// No DISTINCT: SQLite would walk the contact index of every signal of the user for it.
	if err := w.tx.NewSelect().Model((*SignalRow)(nil)).Column("contact_id").
		Where("user_id = ?", w.user.ID).Where("note_id IN (?)", bun.List(noteIDs)).Scan(ctx, &before); err != nil {
		return nil, fmt.Errorf("store: signals before: %w", err)
	}
	if _, err := w.tx.NewDelete().Model((*SignalRow)(nil)).Where("user_id = ?", w.user.ID).
		Where("note_id IN (?)", bun.List(noteIDs)).Exec(ctx); err != nil {
		return nil, fmt.Errorf("store: delete signals: %w", err)
	}
	for i := range rows {
		rows[i].UserID = w.user.ID
	}
	const chunk = 500
	for start := 0; start < len(rows); start += chunk {
		part := rows[start:min(start+chunk, len(rows))]
		if _, err := w.tx.NewInsert().Model(&part).Exec(ctx); err != nil {
			return nil, fmt.Errorf("store: insert signals: %w", err)
		}
	}
	return before, nil
}

// SignalsAbout returns this user's signals about those contacts logged since then.
func (w *Writer) SignalsAbout(ctx context.Context, contactIDs []string, since time.Time) ([]SignalRow, error) {
	if len(contactIDs) == 0 {
		return nil, nil
	}
	var rows []SignalRow
	if err := w.tx.NewSelect().Model(&rows).Where("user_id = ?", w.user.ID).
		Where("contact_id IN (?)", bun.List(contactIDs)).Where("at >= ?", since).Scan(ctx); err != nil {
		return nil, fmt.Errorf("store: signals: %w", err)
	}
	return rows, nil
}

// AsksOf returns this user's live asks to those contacts.
func (w *Writer) AsksOf(ctx context.Context, contactIDs []string) ([]*Row, error) {
	if len(contactIDs) == 0 {
		return nil, nil
	}
	var rows []*Row
	if err := w.tx.NewSelect().Model(&rows).ModelTableExpr("asks AS row").Column(columns(records.Ask)...).
		Where("user_id = ?", w.user.ID).Where("contact_id IN (?)", bun.List(contactIDs)).
		Where("deleted_at IS NULL").OrderExpr("id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("store: asks of contacts: %w", err)
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
