package push

import (
	"testing"
	"time"
)

func TestBackoffDoublesToCap(t *testing.T) {
	top := BackoffPolicy{Jitter: func() float64 { return 1 }}
	bottom := BackoffPolicy{Jitter: func() float64 { return 0 }}
	want := []time.Duration{
		30 * time.Second, time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute,
		16 * time.Minute, 32 * time.Minute, time.Hour, time.Hour,
	}
	for i, w := range want {
		attempt := i + 1
		if got := top.Backoff(attempt); got != w {
			t.Errorf("Backoff(%d) with jitter 1 = %v, want %v", attempt, got, w)
		}
		if got := bottom.Backoff(attempt); got != w/2 {
			t.Errorf("Backoff(%d) with jitter 0 = %v, want %v", attempt, got, w/2)
		}
	}
	for _, attempt := range []int{0, -3} {
		if got := top.Backoff(attempt); got != 30*time.Second {
			t.Errorf("Backoff(%d) = %v, want the base delay", attempt, got)
		}
	}
	if got := top.Backoff(1 << 30); got != time.Hour {
		t.Errorf("Backoff(huge) = %v, want the cap", got)
	}
	huge := BackoffPolicy{Base: time.Hour, Cap: time.Duration(1<<63 - 1), Jitter: func() float64 { return 1 }}
	for attempt := 1; attempt < 100; attempt++ {
		if got := huge.Backoff(attempt); got <= 0 {
			t.Fatalf("Backoff(%d) with an enormous cap overflowed to %v", attempt, got)
		}
	}
}

func TestBackoffCustomAndRandom(t *testing.T) {
	p := BackoffPolicy{Base: time.Second, Cap: 5 * time.Second, Jitter: func() float64 { return 0.5 }}
	if got := p.Backoff(2); got != 1500*time.Millisecond {
		t.Errorf("Backoff(2) = %v, want 1.5s (2s jittered by half)", got)
	}
	if got := p.Backoff(10); got != 3750*time.Millisecond {
		t.Errorf("Backoff(10) = %v, want 3.75s (the 5s cap jittered by half)", got)
	}
	for range 100 {
		if got := Backoff(3); got < time.Minute || got > 2*time.Minute {
			t.Fatalf("Backoff(3) = %v, want within [1m, 2m]", got)
		}
	}
}
