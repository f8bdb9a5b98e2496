package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"

	"github.com/uptrace/bun"
)

// Writer is one user's write. Its reads see the user's data as the last commit left it, and
// writes of one user run one after another, so the versions they stamp become visible in
// order and a pull cursor never skips a commit.
//
// On PostgreSQL the write is one transaction: the user's change counter is bumped when it
// begins, which locks that user's row. On SQLite the write runs in two phases (see Write): the
// callback reads from a snapshot in parallel with other users' writes, and its writes are
// kept as ops for the committer, which alone holds SQLite's single write lock.
type Writer struct {
	// db and r are where reads go, and writes when they run: bun's built queries and the
	// prepared statements of the hot paths, in the same transaction.
	db      bun.IDB
	r       runner
	user    *User
	version int64
	// sizes are the data sizes of the rows read or written so far (by entity and id), and
	// grown what this write adds to the user's storage, for the quota.
	sizes map[string]int
	grown int64
	// deferred: writes are kept in ops for the committer instead of run at once (SQLite).
	deferred bool
	ops      []func(ctx context.Context) error
	// The signals this write replaces and adds, not yet written: SignalsAbout reads through them.
	replacedNotes map[string]bool
	addedSignals  []SignalRow
	// What the committer's run of the ops wrote, for the pull feed (SQLite): the rows saved and
	// the clients' new positions.
	saved     []Change
	positions map[string]int64
	feeds     *feeds // where BindClient may find the client's position (SQLite)
}

// setPosition notes a client position the committer wrote, for the pull feed.
func (w *Writer) setPosition(clientID string, last int64) {
	if w.positions == nil {
		w.positions = map[string]int64{}
	}
	w.positions[clientID] = last
}

// exec runs a write now, or keeps it for the committer, which runs it with w.db and w.r in
// its own transaction.
func (w *Writer) exec(ctx context.Context, op func(ctx context.Context) error) error {
	if w.deferred {
		w.ops = append(w.ops, op)
		return nil
	}
	return op(ctx)
}

// track records the size of a row as read, so saving it again counts only the difference.
// Every read that returns rows a write may save again calls it.
func (w *Writer) track(entity string, rows []*Row) {
	for _, r := range rows {
		w.sizes[entity+"/"+r.ID] = len(r.Data)
	}
}

// ErrNoChange, returned by a Write callback, rolls the transaction back without error:
// nothing changed, so the counter must not move.
var ErrNoChange = errors.New("store: no change")

// errStale is a prepared SQLite write whose user changed between its snapshot and its commit
// (a write that did not go through Write); it is prepared again.
var errStale = errors.New("store: user changed since the write read it")

// Write runs fn as one write of the user's next version. It returns that version, or the
// current one when fn returned ErrNoChange.
//
// SQLite has one writer, so everything a write does in that writer's turn is time no other
// write can use. There fn runs first in the caller's goroutine, under a per-user lock, reading
// from a snapshot; its writes become ops. The committer then runs the ops of all writes
// waiting together in one transaction (see committer), checking that each user's version is
// still the one fn read. Reads and the coach's work thus run on every core at once and the
// writer's turn is only the writes.
//
// The committer's turn is also a matter of Go's scheduler: whenever it gives up its processor
// (a system call, a lock another holds, the end of its time slice) it queues behind every
// runnable goroutine. So only a few writes prepare at once (Options.MaxPreparing); the rest
// wait for a slot without running, and the committer's queue stays short.
func (s *Store) Write(ctx context.Context, userID string, fn func(w *Writer) error) (int64, error) {
	if s.writes == nil {
		return s.writePostgres(ctx, userID, fn)
	}
	unlock := s.users.lock(userID)
	defer unlock()
	for attempt := 0; ; attempt++ {
		select {
		case s.preparing <- struct{}{}:
		case <-ctx.Done():
			return 0, fmt.Errorf("store: wait to prepare: %w", ctx.Err())
		case <-s.closing:
			return 0, ErrClosed
		}
		w, err := s.prepare(ctx, userID, fn)
		<-s.preparing
		if err != nil {
			if errors.Is(err, ErrNoChange) {
				return w.version - 1, nil
			}
			return 0, err
		}
		done := make(chan groupResult, 1)
		select {
		case s.writes <- groupWrite{ctx: ctx, w: w, done: done}:
		case <-ctx.Done():
			return 0, fmt.Errorf("store: wait to write: %w", ctx.Err())
		case <-s.closing:
			return 0, ErrClosed
		}
		var r groupResult
		select {
		case r = <-done:
		case <-s.stopped: // the committer ended: it answered what it took, so one it never took fails
			select {
			case r = <-done:
			default:
				return 0, ErrClosed
			}
		}
		if errors.Is(r.err, errStale) && attempt < 3 {
			continue
		}
		if r.err == nil {
			// Still under the user's lock, so the user's writes reach the feed in order; here
			// rather than in the committer, whose turn no other write can use.
			s.feeds.committed(userID, r.version, w.saved, w.positions)
		}
		return r.version, r.err
	}
}

// prepare runs fn against a snapshot of the user's data and returns the writer holding its
// ops. With ErrNoChange the writer's version is the one the write would have had.
func (s *Store) prepare(ctx context.Context, userID string, fn func(w *Writer) error) (w *Writer, err error) {
	tx, err := s.db.BeginTx(s.st.detach(ctx), &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("store: begin read: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	r := runner{s.st, tx.Tx}
	u := new(User)
	if err := r.scanOne(ctx, u, "SELECT * FROM users WHERE id = ?", userID); err != nil {
		return nil, fmt.Errorf("store: user: %w", userGone(err))
	}
	u.Version++ // as the write will stamp it
	w = &Writer{db: tx, r: r, user: u, version: u.Version, sizes: map[string]int{}, deferred: true, feeds: s.feeds}
	defer func() {
		if p := recover(); p != nil {
			w, err = nil, fmt.Errorf("store: write panicked: %v", p)
		}
	}()
	if err := fn(w); err != nil {
		return w, err
	}
	if s.overQuota(u, w.grown) {
		return nil, ErrQuotaExceeded
	}
	return w, nil
}

// overQuota reports whether growing the user's records by grown would pass the storage quota.
func (s *Store) overQuota(u *User, grown int64) bool {
	return grown > 0 && s.quota > 0 && u.BytesUsed+grown > s.quota
}

// commitPrepared runs a prepared write's ops inside the committer's transaction.
func (w *Writer) commitPrepared(ctx context.Context, tx bun.Tx, r runner) (int64, error) {
	w.db, w.r = tx, r
	// One statement bumps the version and counts the storage the write adds.
	var version int64
	if err := r.scanOne(ctx, &version, "UPDATE users SET version = version + 1, bytes_used = bytes_used + ? WHERE id = ? RETURNING version",
		w.grown, w.user.ID); err != nil {
		return 0, fmt.Errorf("store: bump version: %w", userGone(err))
	}
	if version != w.version {
		return 0, errStale
	}
	for _, op := range w.ops {
		if err := op(ctx); err != nil {
			return 0, err
		}
	}
	return version, nil
}

// writePostgres runs fn in a transaction of its own that begins by bumping the user's version.
func (s *Store) writePostgres(ctx context.Context, userID string, fn func(w *Writer) error) (int64, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("store: begin: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	u := new(User)
	if err := tx.NewUpdate().Model(u).Set("version = version + 1").Where("id = ?", userID).
		Returning("*").Scan(ctx); err != nil {
		return 0, fmt.Errorf("store: bump version: %w", userGone(err))
	}
	r := runner{s.st, tx.Tx}
	w := &Writer{db: tx, r: r, user: u, version: u.Version, sizes: map[string]int{}}
	if err := fn(w); err != nil {
		if errors.Is(err, ErrNoChange) {
			return u.Version - 1, nil
		}
		return 0, err
	}
	if s.overQuota(u, w.grown) {
		return 0, ErrQuotaExceeded
	}
	if err := addGrowth(ctx, r, userID, w.grown); err != nil {
		return 0, err
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("store: commit: %w", err)
	}
	return u.Version, nil
}

// addGrowth adds what a write grew (or shrank) to the user's storage count.
func addGrowth(ctx context.Context, r runner, userID string, grown int64) error {
	if grown == 0 {
		return nil
	}
	if _, err := r.exec(ctx, "UPDATE users SET bytes_used = bytes_used + ? WHERE id = ?", grown, userID); err != nil {
		return fmt.Errorf("store: storage used: %w", err)
	}
	return nil
}

// userLocks serialises one user's SQLite writes from their snapshot to their commit; other
// users' writes never wait on it.
type userLocks struct {
	mu sync.Mutex
	m  map[string]*userLock
}

type userLock struct {
	sync.Mutex
	users int // holding or waiting
}

func newUserLocks() *userLocks { return &userLocks{m: map[string]*userLock{}} }

func (l *userLocks) lock(userID string) (unlock func()) {
	l.mu.Lock()
	e := l.m[userID]
	if e == nil {
		e = &userLock{}
		l.m[userID] = e
	}
	e.users++
	l.mu.Unlock()
	e.Lock()
	return func() {
		e.Unlock()
		l.mu.Lock()
		if e.users--; e.users == 0 {
			delete(l.m, userID)
		}
		l.mu.Unlock()
	}
}
