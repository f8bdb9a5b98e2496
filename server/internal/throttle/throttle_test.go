package throttle

import (
	"testing"
	"time"
)

func TestFailures(t *testing.T) {
	f := New(DefaultPolicy())
	now := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	for i := 0; i < 5; i++ {
		if w := f.Fail("dana", now); w != 0 {
			t.Fatalf("failure %d cost %v", i+1, w)
		}
	}
	want := []time.Duration{30 * time.Second, time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute, 15 * time.Minute, 15 * time.Minute}
	for i, w := range want {
		if got := f.Fail("dana", now); got != w {
			t.Fatalf("failure %d: wait %v, want %v", 6+i, got, w)
		}
		if got := f.Wait("dana", now.Add(time.Second)); got != w-time.Second {
			t.Fatalf("wait %v", got)
		}
		now = now.Add(w)
	}
	if w := f.Wait("dana", now); w != 0 {
		t.Fatalf("never unlocked: %v", w)
	}
	if w := f.Wait("lee", now); w != 0 {
		t.Fatal("another account waits")
	}
	f.Reset("dana")
	if w := f.Fail("dana", now); w != 0 {
		t.Fatal("reset kept the count")
	}
	// A day later the count starts over.
	for i := 0; i < 5; i++ {
		f.Fail("lee", now)
	}
	if w := f.Fail("lee", now.Add(25*time.Hour)); w != 0 {
		t.Fatalf("old failures still count: %v", w)
	}
}
