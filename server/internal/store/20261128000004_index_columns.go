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

// registerIndexColumns adds the migration that fills the coach's index columns of records
// written before they existed (bun names it after this file).
func registerIndexColumns(ms *migrate.Migrations) error {
	return ms.Register(indexColumns, func(context.Context, *bun.DB) error { return nil })
}

// indexColumns reads each older contact, event and referral once and sets the columns the sync
// writer keeps from then on: a contact's circle, an event's time, meeting class and host flag, a
// referral's other party.
func indexColumns(ctx context.Context, db *bun.DB) error {
	return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		for _, table := range []string{"contacts", "events", "referrals"} {
			if err := eachRow(ctx, tx, table, func(row storedRow) error {
				data := row.Data
				q := tx.NewUpdate().TableExpr(table).Where("id = ?", row.ID)
				switch table {
				case "contacts":
					var c struct {
						Kind     string `json:"kind"`
						Stage    string `json:"stage"`
						Archived bool   `json:"archived"`
						Dream    bool   `json:"dream"`
					}
					_ = json.Unmarshal([]byte(data), &c)
					q = q.Set("circle = ?", playbook.Circle(c.Kind, c.Stage, c.Archived, c.Dream))
				case "events":
					var e struct {
						Kind       string     `json:"kind"`
						StartsAt   *time.Time `json:"starts_at"`
						ContactIDs []string   `json:"contact_ids"`
					}
					_ = json.Unmarshal([]byte(data), &e)
					q = q.Set("starts_at = ?", e.StartsAt).Set("meeting = ?", playbook.MeetingClass(e.Kind, len(e.ContactIDs)))
				case "referrals":
					var r struct {
						ContactID string `json:"contact_id"`
					}
					_ = json.Unmarshal([]byte(data), &r)
					q = q.Set("contact_id = ?", r.ContactID)
				}
				_, err := q.Exec(ctx)
				return err
			}); err != nil {
				return fmt.Errorf("index columns of %s: %w", table, err)
			}
		}
		return nil
	})
}

// storedRow is what a Go migration reads of one record.
type storedRow struct {
	ID        string    `bun:"id"`
	UserID    string    `bun:"user_id"`
	CreatedAt time.Time `bun:"created_at"`
	Data      string    `bun:"data"`
}

// eachRow calls fn for every live row of a record table, a page at a time in id order.
func eachRow(ctx context.Context, tx bun.Tx, table string, fn func(r storedRow) error) error {
	after := ""
	for {
		var page []storedRow
		if err := tx.NewSelect().TableExpr(table).Column("id", "user_id", "created_at", "data").Where("id > ?", after).
			Where("deleted_at IS NULL").OrderExpr("id").Limit(500).Scan(ctx, &page); err != nil {
			return err
		}
		if len(page) == 0 {
			return nil
		}
		for _, r := range page {
			if err := fn(r); err != nil {
				return err
			}
		}
		after = page[len(page)-1].ID
	}
}
