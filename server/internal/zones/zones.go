// Package zones caches time zones: loading one parses tzdata, which every push and every
// reminder batch would otherwise repeat for the same few zones.
package zones

import (
	"sync"
	"time"
)

// Cache maps zone names to locations; an unknown or empty name is UTC. The zero value is ready.
type Cache struct{ m sync.Map }

// Get returns the zone, loading it once.
func (c *Cache) Get(name string) *time.Location {
	if l, ok := c.m.Load(name); ok {
		return l.(*time.Location)
	}
	loc, err := time.LoadLocation(name)
	if err != nil || name == "" {
		loc = time.UTC
	}
	c.m.Store(name, loc)
	return loc
}
