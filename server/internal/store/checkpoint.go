package store

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"
)

// checkpointEvery is how many commits the committer makes under steady load before it wakes
// the checkpointer; it also wakes it whenever it runs out of writes. With groups of a few dozen
// writes that copies a few hundred pages at a time, about as often as SQLite's own default
// (a checkpoint once the write-ahead log passes 1,000 pages).
const checkpointEvery = 32

// setUpCommitter makes the committer's connection spend its turn on writes only.
//
// SQLite would checkpoint (copy the write-ahead log back into the database file, with its
// reads, writes and syncs) inside the commit that crosses its threshold, so on the one
// writer's turn; here another connection does that (see checkpointer). And each write runs in
// a savepoint, whose journal of the pages it changes spills to a temporary file past 64 KiB,
// one system call per page; in memory it costs no call. It holds the pages one write
// changes, and is emptied when the write's savepoint is released.
func setUpCommitter(ctx context.Context, conn bun.Conn) error {
	for _, pragma := range []string{"PRAGMA wal_autocheckpoint = 0", "PRAGMA temp_store = MEMORY"} {
		if _, err := conn.ExecContext(ctx, pragma); err != nil {
			return fmt.Errorf("store: committer: %s: %w", pragma, err)
		}
	}
	return nil
}

// checkpointer runs SQLite's checkpoints on a connection of its own when the committer wakes
// it. A passive checkpoint never waits for readers or the writer: it copies what no reader
// still needs, and the next one copies the rest. Its work and its syncs thus run beside the
// committer instead of in its turn.
func (s *Store) checkpointer(conn bun.Conn) {
	defer close(s.ckptStopped)
	defer conn.Close()
	ctx := context.Background()
	for {
		select {
		case <-s.ckptWake:
		case <-s.closing:
			return
		}
		// A failed checkpoint loses nothing: the log keeps every page, and the next one copies it.
		var busy, logged, copied int
		if err := conn.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &logged, &copied); err == nil {
			s.checkpoints.Add(1)
		}
	}
}

// wakeCheckpointer asks for a checkpoint; one already asked for covers this one too.
func (s *Store) wakeCheckpointer() {
	select {
	case s.ckptWake <- struct{}{}:
	default:
	}
}
