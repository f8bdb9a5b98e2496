package remind

import (
	"testing"
	"time"
)

func TestQuietHours(t *testing.T) {
	la, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		t.Fatal(err)
	}
	at := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, la) }
	overnight, ok := parseQuiet("21:00", "07:30", la)
	if !ok {
		t.Fatal("21:00–07:30 not parsed")
	}
	daytime, _ := parseQuiet("12:00", "13:15", la)
	for _, c := range []struct {
		name string
		q    quietHours
		now  time.Time
		end  time.Time // zero: not quiet
	}{
		{"evening, before", overnight, at(2026, 11, 24, 20, 59), time.Time{}},
		{"evening, at start", overnight, at(2026, 11, 24, 21, 0), at(2026, 11, 25, 7, 30)},
		{"late evening", overnight, at(2026, 11, 24, 23, 0), at(2026, 11, 25, 7, 30)},
		{"after midnight", overnight, at(2026, 11, 25, 3, 0), at(2026, 11, 25, 7, 30)},
		{"last minute", overnight, at(2026, 11, 25, 7, 29), at(2026, 11, 25, 7, 30)},
		{"at end", overnight, at(2026, 11, 25, 7, 30), time.Time{}},
		{"morning", overnight, at(2026, 11, 25, 7, 31), time.Time{}},
		{"month end", overnight, at(2026, 11, 30, 22, 0), at(2026, 12, 1, 7, 30)},
		// Clocks go back on 1 Nov 2026 in Los Angeles: the night is an hour longer in UTC.
		{"across a clock change", overnight, at(2026, 10, 31, 22, 0), at(2026, 11, 1, 7, 30)},
		{"daytime span", daytime, at(2026, 11, 24, 12, 30), at(2026, 11, 24, 13, 15)},
		{"outside daytime span", daytime, at(2026, 11, 24, 14, 0), time.Time{}},
	} {
		end, quiet := c.q.until(c.now.UTC())
		if quiet != !c.end.IsZero() || (quiet && !end.Equal(c.end)) {
			t.Errorf("%s: until(%v) = %v, %v; want %v", c.name, c.now, end.In(la), quiet, c.end)
		}
		if quiet && end.Location() != time.UTC {
			t.Errorf("%s: end not in UTC", c.name)
		}
	}
	if end, _ := overnight.until(at(2026, 10, 31, 22, 0).UTC()); end.Sub(at(2026, 10, 31, 22, 0)) != 10*time.Hour+30*time.Minute {
		t.Errorf("clock change night lasts %v", end.Sub(at(2026, 10, 31, 22, 0)))
	}
	for _, bad := range [][2]string{{"07:00", "07:00"}, {"", "07:00"}, {"25:00", "07:00"}, {"21:00", "7"}} {
		if _, ok := parseQuiet(bad[0], bad[1], la); ok {
			t.Errorf("parseQuiet(%q, %q) accepted", bad[0], bad[1])
		}
	}
}
