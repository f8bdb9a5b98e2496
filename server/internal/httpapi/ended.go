package httpapi

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/askwell/askwell/server/internal/store"
)

// endedAccounts remembers the accounts deleted on this instance for as long as an access token
// issued before can live, so those tokens stop at once instead of reaching a missing account.
type endedAccounts struct {
	mu    sync.Mutex
	until map[string]time.Time
	ttl   time.Duration
	now   func() time.Time
}

func newEndedAccounts(ttl time.Duration, now func() time.Time) *endedAccounts {
	return &endedAccounts{until: map[string]time.Time{}, ttl: ttl, now: now}
}

func (e *endedAccounts) end(userID string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.now()
	for id, t := range e.until {
		if now.After(t) {
			delete(e.until, id)
		}
	}
	e.until[userID] = now.Add(e.ttl)
}

func (e *endedAccounts) ended(userID string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	t, ok := e.until[userID]
	return ok && !e.now().After(t)
}

// guard runs after the access token was checked: a deleted account's token gets 401.
func (e *endedAccounts) guard(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if e.ended(userID(c)) {
			return errAccountGone()
		}
		return next(c)
	}
}

// errAccountGone answers a well-signed token that outlived its account: a 401, so the app
// signs in again instead of retrying.
func errAccountGone() *apiError {
	return newError(http.StatusUnauthorized, "unauthorized", "this account no longer exists")
}

// liveUser reads the account a request acts for; one deleted since its token was issued (here
// or through another instance) is errAccountGone rather than a 404 or a 500.
func liveUser(ctx context.Context, st *store.Store, id string) (*store.User, error) {
	u, err := st.UserByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errAccountGone()
	}
	return u, err
}
