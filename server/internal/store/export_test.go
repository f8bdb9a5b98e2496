package store

import (
	"context"
	"sync"
	"time"
)

// Test hooks: how many writes wait for the SQLite committer (-1 on PostgreSQL), and which
// transaction a write runs in.
func (s *Store) QueuedWrites() int {
	if s.writes == nil {
		return -1
	}
	return len(s.writes)
}

func (w *Writer) Tx() any { return w.db }

// Commits counts the transactions the SQLite committer has committed.
func (s *Store) Commits() int64 { return s.commits.Load() }

// BindClientOutside registers a client for the user outside any write, as a pull does.
func BindClientOutside(s *Store, userID, clientID string) error {
	r := runner{st: s.st}
	if _, found, err := clientPosition(context.Background(), r, userID, clientID); err != nil || found {
		return err
	}
	return insertClient(context.Background(), r, userID, clientID, time.Now())
}

// inCommitter queues, straight to the SQLite committer, a write of userID whose one op is
// op(w); the write's result comes on the channel.
func (s *Store) inCommitter(ctx context.Context, userID string, op func(ctx context.Context, w *Writer) error) (<-chan groupResult, error) {
	u, err := s.UserByID(ctx, userID)
	if err != nil {
		return nil, err
	}
	w := &Writer{user: u, version: u.Version + 1, deferred: true}
	w.ops = append(w.ops, func(ctx context.Context) error { return op(ctx, w) })
	done := make(chan groupResult, 1)
	s.writes <- groupWrite{ctx: ctx, w: w, done: done}
	return done, nil
}

// HoldCommitter keeps the SQLite committer busy with a write of userID until release.
func (s *Store) HoldCommitter(ctx context.Context, userID string) (release func() error) {
	started, hold := make(chan struct{}), make(chan struct{})
	done, err := s.inCommitter(ctx, userID, func(context.Context, *Writer) error { close(started); <-hold; return nil })
	if err != nil {
		panic(err)
	}
	<-started
	var once sync.Once
	var res error
	return func() error {
		once.Do(func() { close(hold); res = (<-done).err })
		return res
	}
}

// CommitterPragma reads a pragma on the SQLite committer's connection, from inside its turn
// (a write of userID that changes nothing else).
func (s *Store) CommitterPragma(ctx context.Context, userID, pragma string) (int64, error) {
	var v int64
	done, err := s.inCommitter(ctx, userID, func(ctx context.Context, w *Writer) error {
		return w.r.scanOne(ctx, &v, "PRAGMA "+pragma)
	})
	if err != nil {
		return 0, err
	}
	return v, (<-done).err
}

// SetPageBytes sets the bytes of records after which a pull page ends.
func (s *Store) SetPageBytes(n int) { s.pageBytes = n }

// SetOnePassVersions sets how many versions behind a pull may be to read its page in one pass.
func (s *Store) SetOnePassVersions(n int64) { s.onePassVersions = n }

// SetFeedLimits replaces the pull feeds (SQLite) with empty ones of those bounds.
func (s *Store) SetFeedLimits(rows, bytes, allBytes int) {
	if s.feeds != nil {
		s.feeds = newFeeds(feedLimits{rows: rows, bytes: bytes, allBytes: allBytes})
	}
}

// FeedAnswers reports whether the user's feed answers a pull of the client from cursor.
func (s *Store) FeedAnswers(userID, clientID string, cursor int64) bool {
	_, _, _, ok := s.feeds.changes(userID, clientID, cursor)
	return ok
}

// WithoutFeeds runs fn with pulls read from the database (no write may run meanwhile).
func (s *Store) WithoutFeeds(fn func()) {
	f := s.feeds
	s.feeds = nil
	defer func() { s.feeds = f }()
	fn()
}
