package httpapi

import (
	"net/http"
	"sync"

	"github.com/labstack/echo/v4"
)

// inFlight bounds the long answers being sent at once: each user's pulls and exports, and
// everyone's exports. A pull's page is built in memory and an export holds a database
// snapshot while it streams, so without a bound one account opening many and reading none
// could take the server's memory or its database connections from everyone else.
type inFlight struct {
	perUser, exportsMax int

	mu        sync.Mutex
	users     map[string]int
	exporting int
}

func newInFlight(perUser, exports int) *inFlight {
	return &inFlight{perUser: perUser, exportsMax: exports, users: map[string]int{}}
}

// admit lets a request through while its user has fewer than perUser pulls and exports in
// flight and, for an export, the server fewer than exportsMax; others get a 429 saying to try
// again in retry seconds.
func (f *inFlight) admit(export bool, retry int) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			id := userID(c)
			if !f.take(id, export) {
				return newError(http.StatusTooManyRequests, "rate_limited", "too many answers of this kind are being sent at once; try again shortly").
					with(map[string]any{"retry_after": retry})
			}
			defer f.give(id, export)
			return next(c)
		}
	}
}

func (f *inFlight) take(userID string, export bool) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.users[userID] >= f.perUser || export && f.exporting >= f.exportsMax {
		return false
	}
	f.users[userID]++
	if export {
		f.exporting++
	}
	return true
}

func (f *inFlight) give(userID string, export bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.users[userID]--; f.users[userID] <= 0 {
		delete(f.users, userID)
	}
	if export {
		f.exporting--
	}
}
