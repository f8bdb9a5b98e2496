// Package throttle slows down password guessing at one account, whatever addresses the
// guesses come from: after a few failures the account waits before its next attempt, twice as
// long after each further failure, but never for good (OWASP ASVS: no permanent lockout, which
// would let anyone lock anyone out). It counts in memory, per server instance.
package throttle

import (
	"sync"
	"time"
)

// Policy says how failures turn into waiting.
type Policy struct {
	// Free is how many failures in a row cost nothing.
	Free int
	// First is the wait after the first failure beyond Free; each further failure doubles it.
	First time.Duration
	// Max caps the wait.
	Max time.Duration
	// Forget drops an account's count this long after its last failure.
	Forget time.Duration
}

// DefaultPolicy allows 5 failures, then waits 30 s, 1 min, 2 min, … up to 15 min.
func DefaultPolicy() Policy {
	return Policy{Free: 5, First: 30 * time.Second, Max: 15 * time.Minute, Forget: 24 * time.Hour}
}

// Failures counts failed attempts per key (a normalized email).
type Failures struct {
	mu sync.Mutex
	p  Policy
	m  map[string]*entry
}

type entry struct {
	n     int
	until time.Time // no attempt before this
	last  time.Time
}

// sweepAt is the number of keys above which forgotten ones are dropped on the next failure.
const sweepAt = 10_000

// New makes an empty counter.
func New(p Policy) *Failures { return &Failures{p: p, m: map[string]*entry{}} }

// Wait is how long key must wait before its next attempt; 0 means go ahead.
func (f *Failures) Wait(key string, now time.Time) time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	e := f.m[key]
	if e == nil || !now.Before(e.until) {
		return 0
	}
	return e.until.Sub(now)
}

// Fail records a failed attempt and returns the wait it earned (0 while still free).
func (f *Failures) Fail(key string, now time.Time) time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.m) >= sweepAt {
		for k, e := range f.m {
			if now.Sub(e.last) > f.p.Forget {
				delete(f.m, k)
			}
		}
	}
	e := f.m[key]
	if e == nil || now.Sub(e.last) > f.p.Forget {
		e = &entry{}
		f.m[key] = e
	}
	e.n++
	e.last = now
	over := e.n - f.p.Free
	if over <= 0 {
		return 0
	}
	wait := f.p.Max
	if over <= 30 { // beyond that the doubling has long passed any sane Max
		wait = min(f.p.First<<(over-1), f.p.Max)
	}
	e.until = now.Add(wait)
	return wait
}

// Reset forgets key's failures (after a successful sign-in).
func (f *Failures) Reset(key string) {
	f.mu.Lock()
	delete(f.m, key)
	f.mu.Unlock()
}
