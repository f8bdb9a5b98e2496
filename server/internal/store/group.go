package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/uptrace/bun"
)

// maxGroup bounds how many writes share one SQLite transaction.
const maxGroup = 64

// groupWrite is one prepared Write waiting for the SQLite committer.
type groupWrite struct {
	ctx  context.Context
	w    *Writer
	done chan groupResult
}

type groupResult struct {
	version int64
	err     error
}

// committer runs SQLite writes on a connection of its own: SQLite has one writer anyway, and
// its commit (a sync of the write-ahead log with synchronous=FULL) costs the same for one push
// as for many. So the writes waiting when a transaction starts share it: each in its own
// savepoint, with its own version bump and result, rolled back alone when it fails; one commit
// makes them all durable before any is answered. The writes come prepared (see Write): all
// that is left to do here is SQL that changes rows.
func (s *Store) committer(conn bun.Conn) {
	defer close(s.stopped)
	defer conn.Close()
	for {
		var group []groupWrite
		select {
		case g := <-s.writes:
			group = append(group, g)
		case <-s.closing:
			for {
				select {
				case g := <-s.writes: // queued before Close: answer, never strand
					g.done <- groupResult{err: ErrClosed}
				default:
					return
				}
			}
		}
	more:
		for len(group) < maxGroup {
			select {
			case g := <-s.writes:
				group = append(group, g)
			default:
				break more
			}
		}
		s.commitGroup(conn, group)
	}
}

// setUpCommitter keeps the journal of a write's savepoint in memory. Each write runs in a
// savepoint, whose journal of the pages it changes otherwise spills to a temporary file past
// 64 KiB, one system call per page in the one writer's turn. It holds the pages one write
// changes, and is emptied when the write's savepoint is released.
func setUpCommitter(ctx context.Context, conn bun.Conn) error {
	if _, err := conn.ExecContext(ctx, "PRAGMA temp_store = MEMORY"); err != nil {
		return fmt.Errorf("store: committer: %w", err)
	}
	return nil
}

func (s *Store) commitGroup(conn bun.Conn, group []groupWrite) {
	results := make([]groupResult, len(group))
	defer func() {
		for i, g := range group {
			g.done <- results[i]
		}
	}()
	// The transaction outlives any one request: a client that goes away mid-write must not
	// roll back the others (its own write finishes; it is idempotent anyway).
	ctx := context.Background()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		for i := range results {
			results[i].err = fmt.Errorf("store: begin: %w", err)
		}
		return
	}
	defer func() { _ = tx.Rollback() }()
	applied := false
	for i, g := range group {
		if err := g.ctx.Err(); err != nil {
			results[i].err = fmt.Errorf("store: wait to write: %w", err)
			continue
		}
		results[i] = inSavepoint(ctx, tx, runner{s.st, tx.Tx}, g)
		applied = applied || results[i].err == nil
	}
	if !applied {
		return
	}
	err = tx.Commit()
	s.commits.Add(1)
	if err != nil {
		for i := range results {
			if results[i].err == nil {
				results[i] = groupResult{err: fmt.Errorf("store: commit: %w", err)}
			}
		}
	}
}

// inSavepoint runs one write inside the group's transaction; a failure (or a panic) undoes
// only this write.
func inSavepoint(ctx context.Context, tx bun.Tx, r runner, g groupWrite) (res groupResult) {
	if _, err := r.exec(ctx, "SAVEPOINT write"); err != nil {
		return groupResult{err: fmt.Errorf("store: savepoint: %w", err)}
	}
	defer func() {
		if p := recover(); p != nil {
			res = groupResult{err: fmt.Errorf("store: write panicked: %v", p)}
		}
		if res.err != nil {
			if _, err := r.exec(ctx, "ROLLBACK TO SAVEPOINT write"); err != nil {
				res.err = errors.Join(res.err, fmt.Errorf("store: rollback to savepoint: %w", err))
			}
		}
		if _, err := r.exec(ctx, "RELEASE SAVEPOINT write"); err != nil && res.err == nil {
			res = groupResult{err: fmt.Errorf("store: release savepoint: %w", err)}
		}
	}()
	version, err := g.w.commitPrepared(ctx, tx, r)
	return groupResult{version: version, err: err}
}
