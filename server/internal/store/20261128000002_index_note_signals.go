package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/migrate"

	"github.com/askwell/askwell/server/internal/playbook"
)

// registerNoteSignals adds the migrations that portable SQL cannot express, next to the SQL
// ones in migrations/. bun names a Go migration after the file that registers it, hence this
// file's name.
func registerNoteSignals(ms *migrate.Migrations) error {
	return ms.Register(indexNoteSignals, func(ctx context.Context, db *bun.DB) error {
		_, err := db.NewDelete().TableExpr("note_signals").Where("1 = 1").Exec(ctx)
		return err
	})
}

// indexNoteSignals fills note_signals from the notes written before it existed, in one
// transaction: signals sit inside each note's JSON, which SQLite and PostgreSQL read with
// different functions.
func indexNoteSignals(ctx context.Context, db *bun.DB) error {
	return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		return eachRow(ctx, tx, "notes", func(n storedRow) error {
			var data struct {
				MeetingAt *time.Time            `json:"meeting_at"`
				Signals   []playbook.NoteSignal `json:"signals"`
			}
			if json.Unmarshal([]byte(n.Data), &data) != nil {
				return nil // unreadable data keeps its signals out of the coach, as before
			}
			var rows []SignalRow
			for _, s := range playbook.Signals(playbook.NoteInput{ID: n.ID, MeetingAt: data.MeetingAt, CreatedAt: n.CreatedAt, Signals: data.Signals}) {
				rows = append(rows, SignalRow{UserID: n.UserID, NoteID: n.ID, ContactID: s.ContactID, Kind: s.Kind, At: s.At, HoldUntil: s.HoldUntil})
			}
			if len(rows) == 0 {
				return nil
			}
			if _, err := tx.NewInsert().Model(&rows).Exec(ctx); err != nil {
				return fmt.Errorf("index note signals: %w", err)
			}
			return nil
		})
	})
}
