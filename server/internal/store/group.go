package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/uptrace/bun"
)

// maxGroup bounds how many writes share one SQLite transaction.
const maxGroup = 64

// groupWrite is one Write waiting for the SQLite committer.
type groupWrite struct {
	ctx    context.Context
	userID string
	fn     func(w *Writer) error
	done   chan groupResult
}

type groupResult struct {
	version int64
	err     error
}

// committer runs SQLite writes: SQLite has one writer anyway, and its commit (a sync of the
// write-ahead log with synchronous=FULL) costs the same for one push as for many. So the
// writes waiting when a transaction starts share it: each in its own savepoint, with its own
// version bump, replay check and result, rolled back alone when it fails; one commit makes
// them all durable before any is answered.
func (s *Store) committer() {
	defer close(s.stopped)
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
		s.commitGroup(group)
	}
}

func (s *Store) commitGroup(group []groupWrite) {
	results := make([]groupResult, len(group))
	defer func() {
		for i, g := range group {
			g.done <- results[i]
		}
	}()
	// The transaction outlives any one request: a client that goes away mid-write must not
	// roll back the others (its own write finishes; it is idempotent anyway).
	ctx := context.Background()
	tx, err := s.db.BeginTx(ctx, nil)
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
		results[i] = s.inSavepoint(ctx, tx, g)
		applied = applied || results[i].err == nil
	}
	if !applied {
		return
	}
	if err := tx.Commit(); err != nil {
		for i := range results {
			if results[i].err == nil {
				results[i] = groupResult{err: fmt.Errorf("store: commit: %w", err)}
			}
		}
	}
}

// inSavepoint runs one write inside the group's transaction; a failure (or a panic) undoes
// only this write.
func (s *Store) inSavepoint(ctx context.Context, tx bun.Tx, g groupWrite) (res groupResult) {
	if _, err := tx.ExecContext(ctx, "SAVEPOINT write"); err != nil {
		return groupResult{err: fmt.Errorf("store: savepoint: %w", err)}
	}
	defer func() {
		if p := recover(); p != nil {
			res = groupResult{err: fmt.Errorf("store: write panicked: %v", p)}
		}
		if res.err != nil {
			if _, err := tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT write"); err != nil {
				res.err = errors.Join(res.err, fmt.Errorf("store: rollback to savepoint: %w", err))
			}
		}
		if _, err := tx.ExecContext(ctx, "RELEASE SAVEPOINT write"); err != nil && res.err == nil {
			res = groupResult{err: fmt.Errorf("store: release savepoint: %w", err)}
		}
	}()
	version, changed, err := s.writeIn(context.WithoutCancel(g.ctx), tx, g.userID, g.fn)
	if err == nil && !changed {
		// Nothing to keep: undo the version bump as Write's own rollback would.
		return groupResult{version: version, err: errNothingWritten}
	}
	return groupResult{version: version, err: err}
}

// errNothingWritten marks a write that changed nothing; its savepoint is rolled back and its
// caller gets its version without error.
var errNothingWritten = errors.New("store: nothing written")
