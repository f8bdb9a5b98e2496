package store

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// User is an account with its settings. Version is the user's change counter (see Write).
type User struct {
	bun.BaseModel `bun:"table:users"`

	ID            string `bun:"id,pk"`
	Email         string `bun:"email"`
	PasswordHash  string `bun:"password_hash"`
	Name          string `bun:"name"`
	Timezone      string `bun:"timezone"`
	QuietStart    string `bun:"quiet_start"`
	QuietEnd      string `bun:"quiet_end"`
	GoalOneToOnes int    `bun:"goal_one_to_ones"`
	GoalEvents    int    `bun:"goal_events"`
	AskPlans      string `bun:"ask_plans"`
	// SpecialOffer is the user's current offer as JSON ({text, until}), "" for none.
	SpecialOffer string `bun:"special_offer"`
	// NextWeekAt is when the user's next week starts, the coach's cue to plan it; nil: now.
	NextWeekAt    *time.Time `bun:"next_week_at"`
	Version       int64      `bun:"version"`
	PurgedVersion int64      `bun:"purged_version"`
	BytesUsed     int64      `bun:"bytes_used"`
	CreatedAt     time.Time  `bun:"created_at"`
	UpdatedAt     time.Time  `bun:"updated_at"`
}

// CreateUser inserts a new account; ErrEmailTaken when the email is registered already.
func (s *Store) CreateUser(ctx context.Context, u *User) error {
	if _, err := s.db.NewInsert().Model(u).Exec(ctx); err != nil {
		if isUniqueViolation(err) {
			return ErrEmailTaken
		}
		return fmt.Errorf("store: create user: %w", err)
	}
	return nil
}

// UserByEmail finds an account by its (lower-cased) email.
func (s *Store) UserByEmail(ctx context.Context, email string) (*User, error) {
	return selectOne[User](ctx, s.db, "user by email", "email = ?", email)
}

// UserByID finds an account by id.
func (s *Store) UserByID(ctx context.Context, id string) (*User, error) {
	return selectOne[User](ctx, s.db, "user by id", "id = ?", id)
}

// selectOne reads the one row of T's table that where matches; an error names what was looked
// for and wraps ErrNotFound when no row matches.
func selectOne[T any](ctx context.Context, db bun.IDB, what, where string, arg any) (*T, error) {
	v := new(T)
	if err := db.NewSelect().Model(v).Where(where, arg).Scan(ctx); err != nil {
		return nil, fmt.Errorf("store: %s: %w", what, notFound(err))
	}
	return v, nil
}

// settingsColumns are the users columns a person changes themselves (never the counters).
var settingsColumns = map[string]bool{"name": true, "timezone": true, "quiet_start": true, "quiet_end": true,
	"goal_one_to_ones": true, "goal_events": true, "ask_plans": true, "special_offer": true}

// UpdateUserSettings writes those settings columns of u and its updated_at, and reads u back as
// stored: two devices changing different settings at once both keep their change.
func (s *Store) UpdateUserSettings(ctx context.Context, u *User, columns ...string) error {
	for _, c := range columns {
		if !settingsColumns[c] {
			return fmt.Errorf("store: update user: %q is not a setting", c)
		}
	}
	if err := s.db.NewUpdate().Model(u).Column(append(columns, "updated_at")...).WherePK().
		Returning("*").Scan(ctx); err != nil {
		return fmt.Errorf("store: update user: %w", userGone(err))
	}
	return nil
}

// RefreshToken is one opaque refresh token, stored only as a hash. Tokens issued by rotation
// share the FamilyID of the login that started the chain.
type RefreshToken struct {
	bun.BaseModel `bun:"table:refresh_tokens"`

	ID        string     `bun:"id,pk"`
	UserID    string     `bun:"user_id"`
	FamilyID  string     `bun:"family_id"`
	TokenHash string     `bun:"token_hash"`
	CreatedAt time.Time  `bun:"created_at"`
	ExpiresAt time.Time  `bun:"expires_at"`
	UsedAt    *time.Time `bun:"used_at"`
	RevokedAt *time.Time `bun:"revoked_at"`
}

// InsertRefreshToken stores a newly issued token.
func (s *Store) InsertRefreshToken(ctx context.Context, t *RefreshToken) error {
	if _, err := s.db.NewInsert().Model(t).Exec(ctx); err != nil {
		return fmt.Errorf("store: insert refresh token: %w", err)
	}
	return nil
}

// UseRefreshToken marks the token with that hash used, atomically: of two concurrent callers
// only one gets used=false. It returns the token as it was before this call.
func (s *Store) UseRefreshToken(ctx context.Context, hash string, now time.Time) (t *RefreshToken, firstUse bool, err error) {
	t = new(RefreshToken)
	if err := s.db.NewSelect().Model(t).Where("token_hash = ?", hash).Scan(ctx); err != nil {
		return nil, false, fmt.Errorf("store: refresh token: %w", notFound(err))
	}
	res, err := s.db.NewUpdate().Model((*RefreshToken)(nil)).Set("used_at = ?", now).
		Where("id = ? AND used_at IS NULL", t.ID).Exec(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("store: use refresh token: %w", err)
	}
	n, _ := res.RowsAffected()
	return t, n == 1, nil
}

// RevokeFamily revokes every token of a login chain (logout, or reuse detected).
func (s *Store) RevokeFamily(ctx context.Context, familyID string, now time.Time) error {
	if _, err := s.db.NewUpdate().Model((*RefreshToken)(nil)).Set("revoked_at = ?", now).
		Where("family_id = ? AND revoked_at IS NULL", familyID).Exec(ctx); err != nil {
		return fmt.Errorf("store: revoke family: %w", err)
	}
	return nil
}

// DeleteExpiredRefreshTokens removes tokens past their expiry, keeping the table small.
func (s *Store) DeleteExpiredRefreshTokens(ctx context.Context, now time.Time) (int64, error) {
	res, err := s.db.NewDelete().Model((*RefreshToken)(nil)).Where("expires_at < ?", now).Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("store: delete expired tokens: %w", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// SessionLive reports whether the user exists and the sign-in (refresh-token family) was not
// revoked. An empty family checks only the user.
func (s *Store) SessionLive(ctx context.Context, userID, familyID string) (bool, error) {
	var users, revoked int
	err := s.db.NewRaw("SELECT (SELECT COUNT(*) FROM users WHERE id = ?), "+
		"(SELECT COUNT(*) FROM refresh_tokens WHERE family_id = ? AND revoked_at IS NOT NULL)", userID, familyID).
		Scan(ctx, &users, &revoked)
	if err != nil {
		return false, fmt.Errorf("store: session live: %w", err)
	}
	return users == 1 && revoked == 0, nil
}
