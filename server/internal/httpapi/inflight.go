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

// pulls admits a pull while its user has fewer than perUser pulls and exports in flight.
func (f *inFlight) pulls(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		id := userID(c)
		if !f.take(id, false) {
			return errInFlight(1)
		}
		defer f.give(id, false)
		return next(c)
	}
}

// exports admits an export while its user is under perUser and the server under exportsMax.
func (f *inFlight) exports(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		id := userID(c)
		if !f.take(id, true) {
			return errInFlight(10)
		}
		defer f.give(id, true)
		return next(c)
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

// errInFlight is a 429 naming how many seconds to wait.
func errInFlight(secs int) error {
	return newError(http.StatusTooManyRequests, "rate_limited", "too many answers of this kind are being sent at once; try again shortly").
		with(map[string]any{"retry_after": secs})
}
