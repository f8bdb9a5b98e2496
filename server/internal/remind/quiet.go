package remind

import (
	"fmt"
	"time"
)

// quietHours is a daily span, in the user's zone, when nothing is pushed.
type quietHours struct {
	start, end int // minutes after midnight
	loc        *time.Location
}

// parseQuiet reads "HH:MM" bounds in a zone. Equal bounds mean no quiet hours (ok false), and
// so do unreadable ones: holding reminders for ever on a bad setting would be worse than
// sending one at night.
func parseQuiet(start, end string, loc *time.Location) (quietHours, bool) {
	s, err1 := clockMinutes(start)
	e, err2 := clockMinutes(end)
	if err1 != nil || err2 != nil || s == e {
		return quietHours{}, false
	}
	if loc == nil {
		loc = time.UTC
	}
	return quietHours{start: s, end: e, loc: loc}, true
}

func clockMinutes(v string) (int, error) {
	t, err := time.Parse("15:04", v)
	if err != nil {
		return 0, fmt.Errorf("remind: quiet hours %q: want HH:MM", v)
	}
	return t.Hour()*60 + t.Minute(), nil
}

// until reports whether now falls inside the quiet hours and, if so, when they end (UTC).
// A span may cross midnight (21:00–07:30). The end is a wall-clock time on the right local
// day, so daylight saving changes move it with the clocks.
func (q quietHours) until(now time.Time) (time.Time, bool) {
	local := now.In(q.loc)
	m := local.Hour()*60 + local.Minute()
	y, mo, d := local.Date()
	var inside, nextDay bool
	if q.start < q.end {
		inside = m >= q.start && m < q.end
	} else {
		inside = m >= q.start || m < q.end
		nextDay = m >= q.start
	}
	if !inside {
		return time.Time{}, false
	}
	if nextDay {
		d++
	}
	end := time.Date(y, mo, d, q.end/60, q.end%60, 0, 0, q.loc).UTC()
	if !end.After(now) { // a wall time skipped by a clock change: never hold in the past
		end = now.Add(time.Minute).UTC()
	}
	return end, true
}
