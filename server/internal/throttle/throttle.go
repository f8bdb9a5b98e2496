// Package throttle says how failed sign-ins at one account turn into waiting, whatever
// addresses the guesses come from: after a few failures the account waits before its next
// attempt, twice as long after each further failure, but never for good (OWASP ASVS: no
// permanent lockout, which would let anyone lock anyone out). The counts live in the database
// (store.LoginFailed), so every instance of the server sees the same ones.
package throttle

import "time"

// Policy says how failures turn into waiting.
type Policy struct {
	// Free is how many failures in a row cost nothing.
	Free int
	// First is the wait after the first failure beyond Free; each further failure doubles it.
	First time.Duration
	// Max caps the wait.
	Max time.Duration
	// Forget starts the count over this long after the last failure.
	Forget time.Duration
}

// DefaultPolicy allows 5 failures, then waits 30 s, 1 min, 2 min, … up to 15 min.
func DefaultPolicy() Policy {
	return Policy{Free: 5, First: 30 * time.Second, Max: 15 * time.Minute, Forget: 24 * time.Hour}
}

// WaitAfter is the wait that failures in a row earn (0 while still free).
func (p Policy) WaitAfter(failures int) time.Duration {
	over := failures - p.Free
	if over <= 0 {
		return 0
	}
	if over > 30 { // beyond that the doubling has long passed any sane Max
		return p.Max
	}
	return min(p.First<<(over-1), p.Max)
}
