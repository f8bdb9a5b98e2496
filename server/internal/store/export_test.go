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

func BindClientOutside(s *Store, userID, clientID string) error {
	_, err := bindClient(context.Background(), runner{st: s.st}, userID, clientID, time.Now())
	return err
}

// HoldCommitter keeps the SQLite committer busy with a write of userID until release.
func (s *Store) HoldCommitter(ctx context.Context, userID string) (release func() error) {
	u, err := s.UserByID(ctx, userID)
	if err != nil {
		panic(err)
	}
	started, hold := make(chan struct{}), make(chan struct{})
	w := &Writer{user: u, version: u.Version + 1, deferred: true}
	w.ops = append(w.ops, func(context.Context) error { close(started); <-hold; return nil })
	done := make(chan groupResult, 1)
	s.writes <- groupWrite{ctx: ctx, w: w, done: done}
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
	u, err := s.UserByID(ctx, userID)
	if err != nil {
		return 0, err
	}
	var v int64
	w := &Writer{user: u, version: u.Version + 1, deferred: true}
	w.ops = append(w.ops, func(ctx context.Context) error { return w.r.scanOne(ctx, &v, "PRAGMA "+pragma) })
	done := make(chan groupResult, 1)
	s.writes <- groupWrite{ctx: ctx, w: w, done: done}
	return v, (<-done).err
}
