package store

import (
	"context"
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

func (w *Writer) Tx() any { return w.tx.Tx }

func BindClientOutside(s *Store, userID, clientID string) error {
	_, err := bindClient(context.Background(), s.db, userID, clientID, time.Now())
	return err
}
