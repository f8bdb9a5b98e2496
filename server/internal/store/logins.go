package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// LoginWait is how long the next sign-in at email must wait (0: go ahead).
func (s *Store) LoginWait(ctx context.Context, email string, now time.Time) (time.Duration, error) {
	var row struct {
		WaitUntil *time.Time `bun:"wait_until"`
	}
	err := (runner{st: s.st}).scanOne(ctx, &row, "SELECT wait_until FROM login_failures WHERE email = ?", email)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && (row.WaitUntil == nil || !now.Before(*row.WaitUntil))) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("store: login wait: %w", err)
	}
	return row.WaitUntil.Sub(now), nil
}

// LoginFailed counts a failed sign-in at email (starting over when the last one was before
// forget) and makes the next one wait for what waitAfter says of that many failures; it
// returns that wait. One statement counts, so failures arriving at several instances at once
// all count; the longer wait wins.
func (s *Store) LoginFailed(ctx context.Context, email string, now, forget time.Time, waitAfter func(failures int) time.Duration) (time.Duration, error) {
	r := runner{st: s.st}
	var n int
	if err := r.scanOne(ctx, &n, "INSERT INTO login_failures (email, failures, last_at) VALUES (?, 1, ?) "+
		"ON CONFLICT (email) DO UPDATE SET failures = CASE WHEN login_failures.last_at < ? THEN 1 ELSE login_failures.failures + 1 END, "+
		"last_at = EXCLUDED.last_at RETURNING failures", email, s.st.time(now), s.st.time(forget)); err != nil {
		return 0, fmt.Errorf("store: login failed: %w", err)
	}
	wait := waitAfter(n)
	if wait <= 0 {
		return 0, nil
	}
	until := s.st.time(now.Add(wait))
	if _, err := r.exec(ctx, "UPDATE login_failures SET wait_until = CASE WHEN wait_until IS NULL OR wait_until < ? THEN ? ELSE wait_until END "+
		"WHERE email = ?", until, until, email); err != nil {
		return 0, fmt.Errorf("store: login failed: %w", err)
	}
	return wait, nil
}

// LoginSucceeded forgets the failures at email.
func (s *Store) LoginSucceeded(ctx context.Context, email string) error {
	if _, err := (runner{st: s.st}).exec(ctx, "DELETE FROM login_failures WHERE email = ?", email); err != nil {
		return fmt.Errorf("store: login succeeded: %w", err)
	}
	return nil
}

// ForgetLoginFailures drops the counts of emails whose last failure was before then.
func (s *Store) ForgetLoginFailures(ctx context.Context, before time.Time) error {
	if _, err := (runner{st: s.st}).exec(ctx, "DELETE FROM login_failures WHERE last_at < ?", s.st.time(before)); err != nil {
		return fmt.Errorf("store: forget login failures: %w", err)
	}
	return nil
}
