package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// DueReminder is a reminder claimed for delivery, with what the dispatcher needs of its user.
type DueReminder struct {
	ID       string
	UserID   string
	Version  int64
	Data     string
	Attempts int
	FireAt   time.Time
	User     *User
}

// ClaimDue leases up to limit reminders whose time has come and that nobody holds. A lease that
// runs out (a dispatcher that died mid-batch) makes the reminder claimable again, so nothing is
// lost across a crash; SKIP LOCKED lets several instances claim side by side without waiting on
// or double-claiming each other's rows.
func (s *Store) ClaimDue(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]DueReminder, error) {
	var rows []struct {
		ID       string    `bun:"id"`
		UserID   string    `bun:"user_id"`
		Version  int64     `bun:"version"`
		Data     string    `bun:"data"`
		Attempts int       `bun:"attempts"`
		FireAt   time.Time `bun:"fire_at"`
	}
	pick := s.db.NewSelect().Table("reminders").Column("id").
		Where("fire_at <= ?", now).Where("deleted_at IS NULL").
		Where("(lease_until IS NULL OR lease_until <= ?)", now).
		OrderExpr("fire_at").Limit(int64(limit))
	if s.postgres {
		pick = pick.For("UPDATE SKIP LOCKED")
	}
	err := s.db.NewUpdate().Table("reminders").Set("lease_until = ?", now.Add(lease)).
		Where("id IN (?)", pick).
		Returning("id, user_id, version, data, attempts, fire_at").Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("store: claim reminders: %w", err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	userIDs := make([]string, 0, len(rows))
	seen := map[string]bool{}
	for _, r := range rows {
		if !seen[r.UserID] {
			seen[r.UserID] = true
			userIDs = append(userIDs, r.UserID)
		}
	}
	var users []*User
	if err := s.db.NewSelect().Model(&users).Where("id IN (?)", bun.List(userIDs)).Scan(ctx); err != nil {
		return nil, fmt.Errorf("store: claim reminders: users: %w", err)
	}
	byID := make(map[string]*User, len(users))
	for _, u := range users {
		byID[u.ID] = u
	}
	out := make([]DueReminder, 0, len(rows))
	for _, r := range rows {
		out = append(out, DueReminder{ID: r.ID, UserID: r.UserID, Version: r.Version, Data: r.Data, Attempts: r.Attempts,
			FireAt: r.FireAt, User: byID[r.UserID]})
	}
	return out, nil
}

// Reschedule releases a claimed reminder and sets when to try again (quiet hours, backoff);
// a nil fireAt stops trying. It leaves the reminder alone if a client changed it meanwhile
// (its version moved), since that change already set a new time.
func (s *Store) Reschedule(ctx context.Context, id string, version int64, fireAt *time.Time, attempts int) error {
	if _, err := s.db.NewUpdate().Table("reminders").
		Set("lease_until = NULL").Set("fire_at = ?", fireAt).Set("attempts = ?", attempts).
		Where("id = ? AND version = ?", id, version).Exec(ctx); err != nil {
		return fmt.Errorf("store: reschedule reminder: %w", err)
	}
	return nil
}

// LoadRecords reads one user's records of one entity (for composing messages); ids of other
// users are simply not returned.
func (s *Store) LoadRecords(ctx context.Context, userID, entity string, ids []string) (map[string]string, error) {
	out := map[string]string{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []struct {
		ID   string `bun:"id"`
		Data string `bun:"data"`
	}
	if err := s.db.NewSelect().TableExpr(entity+"s").Column("id", "data").Where("user_id = ?", userID).
		Where("id IN (?)", bun.List(ids)).Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("store: load %s: %w", entity, err)
	}
	for _, r := range rows {
		out[r.ID] = r.Data
	}
	return out, nil
}

// PushSubscription is one browser's Web Push endpoint for a user.
type PushSubscription struct {
	bun.BaseModel `bun:"table:push_subscriptions"`

	ID        string     `bun:"id,pk"`
	UserID    string     `bun:"user_id"`
	Endpoint  string     `bun:"endpoint"`
	P256dh    string     `bun:"p256dh"`
	Auth      string     `bun:"auth"`
	UserAgent string     `bun:"user_agent"`
	CreatedAt time.Time  `bun:"created_at"`
	LastOKAt  *time.Time `bun:"last_ok_at"`
	Failures  int        `bun:"failures"`
}

// ErrSubscriptionTaken: the endpoint is registered to another user.
var ErrSubscriptionTaken = errors.New("store: push endpoint belongs to another user")

// SaveSubscription registers an endpoint for the user, or refreshes its keys when the user
// already has it (browsers re-send it on every start). Another user's endpoint is refused.
func (s *Store) SaveSubscription(ctx context.Context, sub *PushSubscription) error {
	res, err := s.db.NewInsert().Model(sub).ModelTableExpr("push_subscriptions").On("CONFLICT (endpoint) DO UPDATE").
		Set("p256dh = EXCLUDED.p256dh").Set("auth = EXCLUDED.auth").Set("user_agent = EXCLUDED.user_agent").
		Set("failures = 0").
		Where("push_subscriptions.user_id = EXCLUDED.user_id").Exec(ctx)
	if err != nil {
		return fmt.Errorf("store: save subscription: %w", userGone(err))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrSubscriptionTaken
	}
	return nil
}

// DeleteSubscription removes the user's own endpoint; it reports whether there was one.
func (s *Store) DeleteSubscription(ctx context.Context, userID, endpoint string) (bool, error) {
	res, err := s.db.NewDelete().Model((*PushSubscription)(nil)).
		Where("user_id = ? AND endpoint = ?", userID, endpoint).Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("store: delete subscription: %w", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// DeleteSubscriptionByID removes a subscription the push service said is gone.
func (s *Store) DeleteSubscriptionByID(ctx context.Context, id string) error {
	if _, err := s.db.NewDelete().Model((*PushSubscription)(nil)).Where("id = ?", id).Exec(ctx); err != nil {
		return fmt.Errorf("store: delete subscription: %w", err)
	}
	return nil
}

// Subscriptions lists a user's endpoints.
func (s *Store) Subscriptions(ctx context.Context, userID string) ([]PushSubscription, error) {
	var subs []PushSubscription
	if err := s.db.NewSelect().Model(&subs).Where("user_id = ?", userID).OrderExpr("created_at").Scan(ctx); err != nil {
		return nil, fmt.Errorf("store: subscriptions: %w", err)
	}
	return subs, nil
}

// RecordDelivery notes the outcome of a send to one subscription (for hygiene and metrics).
func (s *Store) RecordDelivery(ctx context.Context, id string, ok bool, now time.Time) error {
	q := s.db.NewUpdate().Model((*PushSubscription)(nil)).Where("id = ?", id)
	if ok {
		q = q.Set("last_ok_at = ?", now).Set("failures = 0")
	} else {
		q = q.Set("failures = failures + 1")
	}
	if _, err := q.Exec(ctx); err != nil {
		return fmt.Errorf("store: record delivery: %w", err)
	}
	return nil
}
