package store

import (
	"cmp"
	"slices"
	"sort"
	"sync"

	"github.com/hashicorp/golang-lru/v2/simplelru"
)

// feeds keeps, on SQLite, the rows each user's latest writes saved, as the committer committed
// them, so that a pull a little behind is answered from memory: no read transaction and no
// read of the ten record tables (about a sixth of the server's CPU under sync load). One process
// owns a SQLite database, so what its committer committed is all there is to pull.
//
// A user's feed holds every row saved after its floor, at the version it was saved with (a row
// saved again is held once, at its latest version), and the positions of the clients whose
// writes it saw, as of its version. It only ever lags the database: a write adds to it after
// its commit, still under the user's lock (see Write), so a pull it answers is one the
// database could have answered a moment earlier. A pull it cannot answer whole (a cursor
// below its floor, a client it has not seen) reads the database as before. A write that does
// not follow its version (something else wrote in between) starts it afresh.
//
// A nil *feeds (PostgreSQL, where other instances write too) holds nothing and answers no pull.
type feeds struct {
	mu    sync.Mutex
	users *simplelru.LRU[string, *feed]
	bytes int // what the rows of all feeds cost (rowCost)
	limit feedLimits
}

// feedLimits bound what feeds hold.
type feedLimits struct {
	// rows and bytes bound one user's feed: older versions leave it first. A device syncing
	// after a few of its account's writes needs tens of rows.
	rows, bytes int
	// allBytes bounds what the rows of all feeds cost; the users least recently written or
	// pulled leave first.
	allBytes int
}

// The bounds a store's feeds have; how many users have a feed, and how many clients' positions
// a feed keeps, at most (a user's devices; past that it starts over, and the others read the
// database until their next push); and what a row costs besides its data and id.
const (
	defaultFeedRows     = 1024
	defaultFeedBytes    = 256 << 10
	defaultFeedAllBytes = 32 << 20
	feedUsers           = 10_000
	feedClients         = 64
	feedRowOverhead     = 160
)

// feed is one user's: see feeds.
type feed struct {
	floor   int64            // every row saved after this version is in rows
	version int64            // the last version added
	clients map[string]int64 // last mutation id of each client, as of version
	rows    []feedRow        // in pull order: version, entity, id
	live    map[feedKey]int  // where in rows each row's latest save is
	dead    int              // rows saved again later
	bytes   int              // what the rows not saved again cost (rowCost)
}

// rowCost is what a row held in a feed costs in memory, about: its data, its id and the rest.
func rowCost(c Change) int { return len(c.Data) + len(c.ID) + feedRowOverhead }

type feedRow struct {
	Change
	dead bool // saved again later: the latest save is further on
}

type feedKey struct{ entity, id string }

func newFeeds(limit feedLimits) *feeds {
	fs := &feeds{limit: limit}
	// The size is a count of users; bytes are bounded in committed. Eviction keeps the count.
	fs.users, _ = simplelru.NewLRU(feedUsers, func(_ string, f *feed) { fs.bytes -= f.bytes })
	return fs
}

// committed adds a committed write of the user: its version, the rows it saved, stamped with
// that version, and the client positions it set.
func (fs *feeds) committed(userID string, version int64, saved []Change, clients map[string]int64) {
	if fs == nil {
		return
	}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for _, c := range saved {
		if c.Version != version { // not a write's own rows: the feed could not keep pull order
			fs.users.Remove(userID)
			return
		}
	}
	f, ok := fs.users.Get(userID)
	if ok && f.version != version-1 {
		fs.users.Remove(userID)
		ok = false
	}
	if !ok {
		f = &feed{floor: version - 1, version: version - 1, clients: map[string]int64{}, live: map[feedKey]int{}}
		fs.users.Add(userID, f)
	}
	for c, id := range clients {
		f.setClient(c, id)
	}
	before := f.bytes
	f.add(version, saved)
	f.trim(fs.limit)
	fs.bytes += f.bytes - before
	for fs.bytes > fs.limit.allBytes && fs.users.Len() > 1 {
		fs.users.RemoveOldest()
	}
}

// learn records a client's position read by a pull from the database, if the pull's snapshot
// was at the feed's version: the position is then the feed's own.
func (fs *feeds) learn(userID, clientID string, last, version int64) {
	if fs == nil {
		return
	}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if f, ok := fs.users.Peek(userID); ok && f.version == version {
		f.setClient(clientID, last)
	}
}

// position is a client's last mutation id as of version, if the user's feed is at that version
// and knows the client (its positions are exact as of its version: every write after one was
// learned went through the feed).
func (fs *feeds) position(userID, clientID string, version int64) (last int64, ok bool) {
	if fs == nil {
		return 0, false
	}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	f, found := fs.users.Peek(userID)
	if !found || f.version != version {
		return 0, false
	}
	last, ok = f.clients[clientID]
	return last, ok
}

// changes are the user's rows after cursor in pull order, with the feed's version and the
// client's position; ok is false when the feed cannot answer for them whole.
func (fs *feeds) changes(userID, clientID string, cursor int64) (changes []Change, version, last int64, ok bool) {
	if fs == nil {
		return nil, 0, 0, false
	}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	f, found := fs.users.Get(userID)
	if !found || cursor < f.floor {
		return nil, 0, 0, false
	}
	if last, ok = f.clients[clientID]; !ok {
		return nil, 0, 0, false
	}
	from := sort.Search(len(f.rows), func(i int) bool { return f.rows[i].Version > cursor })
	for _, r := range f.rows[from:] {
		if !r.dead {
			changes = append(changes, r.Change)
		}
	}
	return changes, f.version, last, true
}

// forget drops the user's feed (the account is gone).
func (fs *feeds) forget(userID string) {
	if fs == nil {
		return
	}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.users.Remove(userID)
}

// clear drops every feed (tombstones were purged).
func (fs *feeds) clear() {
	if fs == nil {
		return
	}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.users.Purge()
}

// setClient keeps a client's position, starting over past feedClients clients.
func (f *feed) setClient(clientID string, last int64) {
	if _, ok := f.clients[clientID]; !ok && len(f.clients) >= feedClients {
		clear(f.clients)
	}
	f.clients[clientID] = last
}

// add appends one version's rows in pull order; a row saved twice keeps its last save.
func (f *feed) add(version int64, saved []Change) {
	f.version = version
	rows := slices.Clone(saved)
	slices.SortStableFunc(rows, func(a, b Change) int {
		return cmp.Or(cmp.Compare(a.Entity, b.Entity), cmp.Compare(a.ID, b.ID))
	})
	for i, c := range rows {
		if i+1 < len(rows) && rows[i+1].Entity == c.Entity && rows[i+1].ID == c.ID {
			continue // saved again in the same write
		}
		key := feedKey{c.Entity, c.ID}
		if at, ok := f.live[key]; ok {
			f.rows[at].dead = true
			f.dead++
			f.bytes -= rowCost(f.rows[at].Change)
		}
		f.live[key] = len(f.rows)
		f.rows = append(f.rows, feedRow{Change: c})
		f.bytes += rowCost(c)
	}
}

// trim drops the oldest versions while the feed holds too much, raising its floor, and
// compacts it when most of it was saved again.
func (f *feed) trim(limit feedLimits) {
	n := len(f.rows) - f.dead
	over := n > limit.rows || f.bytes > limit.bytes
	if !over && f.dead <= len(f.rows)/2 {
		return
	}
	// Trimmed, it keeps three quarters of its bounds, so it is rebuilt once every so many rows
	// and not at every write.
	cut := 0
	for over && cut < len(f.rows) && (n > limit.rows*3/4 || f.bytes > limit.bytes*3/4) {
		v := f.rows[cut].Version
		for ; cut < len(f.rows) && f.rows[cut].Version == v; cut++ {
			if r := f.rows[cut]; !r.dead {
				n--
				f.bytes -= rowCost(r.Change)
			}
		}
		f.floor = v
	}
	kept := make([]feedRow, 0, len(f.rows)-cut)
	for _, r := range f.rows[cut:] {
		if r.dead {
			continue
		}
		kept = append(kept, r)
	}
	// What was cut is below the floor now; a row whose latest save was cut is no longer live.
	clear(f.live)
	for i, r := range kept {
		f.live[feedKey{r.Entity, r.ID}] = i
	}
	f.rows, f.dead = kept, 0
}
