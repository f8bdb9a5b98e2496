package throttle

import (
	"testing"
	"time"
)

func TestWaitAfter(t *testing.T) {
	p := DefaultPolicy()
	for n := 0; n <= 5; n++ {
		if w := p.WaitAfter(n); w != 0 {
			t.Fatalf("failure %d cost %v", n, w)
		}
	}
	want := []time.Duration{30 * time.Second, time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute, 15 * time.Minute, 15 * time.Minute}
	for i, w := range want {
		if got := p.WaitAfter(6 + i); got != w {
			t.Fatalf("failure %d: wait %v, want %v", 6+i, got, w)
		}
	}
	if got := p.WaitAfter(1000); got != p.Max {
		t.Fatalf("after 1000 failures: %v", got)
	}
}
