package zones_test

import (
	"testing"
	"time"

	"github.com/askwell/askwell/server/internal/zones"
)

func TestCache(t *testing.T) {
	var c zones.Cache
	if got := c.Get("Europe/Berlin"); got.String() != "Europe/Berlin" || c.Get("Europe/Berlin") != got {
		t.Fatalf("Berlin: %v", got)
	}
	for _, name := range []string{"", "Mars/Olympus", "Local"} {
		if got := c.Get(name); got != time.UTC && name != "Local" {
			t.Fatalf("%q: %v, want UTC", name, got)
		}
	}
}
