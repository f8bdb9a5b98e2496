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

// registerGoMigrations adds the migrations that portable SQL cannot express, next to the SQL
// ones in migrations/. bun names a Go migration after the file that registers it, hence this
// file's name.
func registerGoMigrations(ms *migrate.Migrations) error {
	return ms.Register(indexNoteSignals, func(ctx context.Context, db *bun.DB) error {
		_, err := db.NewDelete().TableExpr("note_signals").Where("1 = 1").Exec(ctx)
		return err
	})
}

// indexNoteSignals fills note_signals from the notes written before it existed, a page of
// notes at a time, in one transaction: signals sit inside each note's JSON, which SQLite and
// PostgreSQL read with different functions.
func indexNoteSignals(ctx context.Context, db *bun.DB) error {
	return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		after := ""
		for {
			var page []struct {
				ID        string    `bun:"id"`
				UserID    string    `bun:"user_id"`
				CreatedAt time.Time `bun:"created_at"`
				Data      string    `bun:"data"`
			}
			if err := tx.NewSelect().TableExpr("notes").Column("id", "user_id", "created_at", "data").
				Where("deleted_at IS NULL").Where("id > ?", after).OrderExpr("id").Limit(500).Scan(ctx, &page); err != nil {
				return fmt.Errorf("index note signals: %w", err)
			}
			if len(page) == 0 {
				return nil
			}
			var rows []map[string]any
			for _, n := range page {
				var data struct {
					MeetingAt *time.Time            `json:"meeting_at"`
					Signals   []playbook.NoteSignal `json:"signals"`
				}
				if json.Unmarshal([]byte(n.Data), &data) != nil {
					continue // unreadable data keeps its signals out of the coach, as before
				}
				for _, s := range playbook.Signals(playbook.NoteInput{ID: n.ID, MeetingAt: data.MeetingAt, CreatedAt: n.CreatedAt, Signals: data.Signals}) {
					rows = append(rows, map[string]any{"user_id": n.UserID, "note_id": n.ID, "contact_id": s.ContactID,
						"kind": s.Kind, "at": s.At, "hold_until": s.HoldUntil})
				}
			}
			if len(rows) > 0 {
				if _, err := tx.NewInsert().Model(&rows).TableExpr("note_signals").Exec(ctx); err != nil {
					return fmt.Errorf("index note signals: %w", err)
				}
			}
			after = page[len(page)-1].ID
		}
	})
}
