package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/askwell/askwell/server/internal/records"
)

// Record is one live record as stored: its JSON as clients see it.
type Record struct {
	Entity string
	ID     string
	Data   string
}

// EachRecord calls fn for every live record of the user, entity by entity in records.Names()
// order and by id within one, reading row by row so an export of any size streams.
func (s *Store) EachRecord(ctx context.Context, userID string, entities []string, fn func(Record) error) error {
	for _, entity := range entities {
		rows, err := s.db.QueryContext(ctx, "SELECT id, data FROM "+records.Table(entity)+
			" WHERE user_id = ? AND deleted_at IS NULL ORDER BY id", userID)
		if err != nil {
			return fmt.Errorf("store: read %s: %w", entity, err)
		}
		err = func() error {
			defer rows.Close()
			for rows.Next() {
				r := Record{Entity: entity}
				if err := rows.Scan(&r.ID, &r.Data); err != nil {
					return err
				}
				if err := fn(r); err != nil {
					return err
				}
			}
			return rows.Err()
		}()
		if err != nil {
			return fmt.Errorf("store: read %s: %w", entity, err)
		}
	}
	return nil
}

// CalendarFeed is a user's private calendar URL secret. The token is kept so the owner can see
// it again; lookups go by its hash, so the database index never compares secrets.
type CalendarFeed struct {
	bun.BaseModel `bun:"table:calendar_feeds"`

	UserID    string    `bun:"user_id,pk"`
	Token     string    `bun:"token"`
	TokenHash string    `bun:"token_hash"`
	CreatedAt time.Time `bun:"created_at"`
}

// CalendarFeedOf returns the user's feed, or ErrNotFound when none was made yet.
func (s *Store) CalendarFeedOf(ctx context.Context, userID string) (*CalendarFeed, error) {
	return selectOne[CalendarFeed](ctx, s.db, "calendar feed", "user_id = ?", userID)
}

// SetCalendarFeed stores the user's feed, replacing the old one: its URL stops working at once.
func (s *Store) SetCalendarFeed(ctx context.Context, f *CalendarFeed) error {
	if _, err := s.db.NewInsert().Model(f).On("CONFLICT (user_id) DO UPDATE").
		Set("token = EXCLUDED.token").Set("token_hash = EXCLUDED.token_hash").Set("created_at = EXCLUDED.created_at").
		Exec(ctx); err != nil {
		return fmt.Errorf("store: set calendar feed: %w", userGone(err))
	}
	return nil
}

// CalendarFeedByHash finds the feed whose token has that hash.
func (s *Store) CalendarFeedByHash(ctx context.Context, hash string) (*CalendarFeed, error) {
	return selectOne[CalendarFeed](ctx, s.db, "calendar feed", "token_hash = ?", hash)
}

// DeleteUser removes the account and every row that belongs to it, in one transaction. Each
// table holding a user_id is cleared explicitly (not left to ON DELETE CASCADE), so a table
// added later without the cascade still cannot keep anything behind: UserTables finds it.
func (s *Store) DeleteUser(ctx context.Context, userID string) error {
	tables, err := s.UserTables(ctx)
	if err != nil {
		return err
	}
	err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if s.postgres {
			// The user's row first, as every write of theirs locks it first: taken after their
			// records, a write in flight holding it and wanting one of them deadlocked with
			// this (SQLite has one writer, so no such order arises there).
			var id string
			if err := tx.QueryRowContext(ctx, "SELECT id FROM users WHERE id = ? FOR UPDATE", userID).Scan(&id); err != nil {
				return notFound(err)
			}
		}
		for _, t := range tables {
			if _, err := tx.ExecContext(ctx, "DELETE FROM "+t+" WHERE user_id = ?", userID); err != nil {
				return fmt.Errorf("%s: %w", t, err)
			}
		}
		// Failed sign-ins are kept by email, not by user: the email goes with the account.
		if _, err := tx.ExecContext(ctx, "DELETE FROM login_failures WHERE email = (SELECT email FROM users WHERE id = ?)", userID); err != nil {
			return fmt.Errorf("login_failures: %w", err)
		}
		res, err := tx.ExecContext(ctx, "DELETE FROM users WHERE id = ?", userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: delete user: %w", err)
	}
	s.feeds.forget(userID)
	return nil
}

// UserTables lists every table with a user_id column, read from the database's own catalogue.
func (s *Store) UserTables(ctx context.Context) ([]string, error) {
	var q string
	if s.postgres {
		q = "SELECT table_name FROM information_schema.columns WHERE column_name = 'user_id' " +
			"AND table_schema = current_schema() ORDER BY table_name"
	} else {
		q = "SELECT m.name FROM sqlite_master m JOIN pragma_table_info(m.name) p ON p.name = 'user_id' " +
			"WHERE m.type = 'table' ORDER BY m.name"
	}
	var out []string
	if err := s.db.NewRaw(q).Scan(ctx, &out); err != nil {
		return nil, fmt.Errorf("store: user tables: %w", err)
	}
	return out, nil
}

// QueryRow runs one query outside any user scope (maintenance and tests).
func (s *Store) QueryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return s.db.QueryRowContext(ctx, query, args...)
}
