package push

import (
	"math/rand/v2"
	"time"
)

// BackoffPolicy spaces out retries of a push the service asked to retry
// (429, 5xx) or that failed on the network: exponential so a struggling push
// service gets room, capped so a reminder is not delayed for ever, and
// jittered so many reminders failing together do not retry together.
type BackoffPolicy struct {
	// Base is the first delay; 0 means 30 s.
	Base time.Duration
	// Cap is the longest delay; 0 means 1 h.
	Cap time.Duration
	// Jitter returns a number in [0, 1]; the delay is scaled into
	// [d/2, d] by it. nil means math/rand/v2; tests pass a constant.
	Jitter func() float64
}

// Backoff returns the delay before retry number attempt (1 for the first
// retry): Base doubled per attempt up to Cap, then jittered.
func (p BackoffPolicy) Backoff(attempt int) time.Duration {
	base, limit := p.Base, p.Cap
	if base <= 0 {
		base = 30 * time.Second
	}
	if limit <= 0 {
		limit = time.Hour
	}
	d := min(base, limit)
	for i := 1; i < attempt && d < limit; i++ {
		if d > limit/2 {
			d = limit
		} else {
			d *= 2
		}
	}
	jitter := p.Jitter
	if jitter == nil {
		jitter = rand.Float64
	}
	f := min(max(jitter(), 0), 1)
	return d/2 + time.Duration(f*float64(d/2))
}

// Backoff is BackoffPolicy{}.Backoff: 30 s doubling to 1 h, randomly jittered.
func Backoff(attempt int) time.Duration {
	return BackoffPolicy{}.Backoff(attempt)
}
