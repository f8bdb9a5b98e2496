package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/uptrace/bun"
)

// stmts holds the statements of the hot paths (pushes and pulls) prepared once: parsing and
// planning SQL text, which bun writes anew with the values in it for every query, was the
// largest single cost of a small push or pull. Their values are always bound parameters.
// database/sql prepares each statement again on a connection that has not seen it yet.
type stmts struct {
	bun      *bun.DB // scans rows into models
	db       *sql.DB
	postgres bool
	mu       sync.Mutex
	m        map[string]*sql.Stmt
	pending  map[string]bool // being prepared in the background
}

func newStmts(db *bun.DB, postgres bool) *stmts {
	return &stmts{bun: db, db: db.DB, postgres: postgres, m: map[string]*sql.Stmt{}, pending: map[string]bool{}}
}

// Queries are written with ? placeholders (numbered $n on PostgreSQL) and $in(x) for "x is
// one of a list" (the list passed as one argument, see list).

// cached returns the statement of query prepared on the pool, or nil the first time.
func (c *stmts) cached(query string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[query]
}

// prepare prepares query on the pool and keeps it. It must not be called while holding a
// connection of the pool: with every connection held by a caller waiting here, none would
// ever come free.
func (c *stmts) prepare(ctx context.Context, query string) (*sql.Stmt, error) {
	st, err := c.db.PrepareContext(ctx, c.dialect(query))
	if err != nil {
		return nil, fmt.Errorf("store: prepare: %w", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil { // closed meanwhile
		_ = st.Close()
		return nil, fmt.Errorf("store: prepare: %w", ErrClosed)
	}
	if old, ok := c.m[query]; ok { // prepared by another caller meanwhile
		_ = st.Close()
		return old, nil
	}
	c.m[query] = st
	return st, nil
}

// prepareLater prepares query on the pool in the background, once, for a caller that holds a
// connection (see prepare).
func (c *stmts) prepareLater(query string) {
	c.mu.Lock()
	if c.pending[query] || c.m == nil {
		c.mu.Unlock()
		return
	}
	c.pending[query] = true
	c.mu.Unlock()
	go func() {
		_, _ = c.prepare(context.Background(), query)
		c.mu.Lock()
		delete(c.pending, query)
		c.mu.Unlock()
	}()
}

// dialect rewrites the portable form of a query for this database.
func (c *stmts) dialect(query string) string {
	var b strings.Builder
	n := 0
	for i := 0; i < len(query); i++ {
		switch {
		case strings.HasPrefix(query[i:], "$in("):
			end := strings.IndexByte(query[i:], ')')
			expr := query[i+4 : i+end]
			if c.postgres {
				n++
				fmt.Fprintf(&b, "%s = ANY($%d)", expr, n)
			} else {
				fmt.Fprintf(&b, "%s IN (SELECT value FROM json_each(?))", expr)
			}
			i += end
		case query[i] == '?' && c.postgres:
			n++
			b.WriteString("$" + strconv.Itoa(n))
		default:
			b.WriteByte(query[i])
		}
	}
	return b.String()
}

// list is the argument of a $in(x): a JSON array for SQLite's json_each, an array on PostgreSQL.
func (c *stmts) list(values []string) any {
	if c.postgres {
		return values
	}
	b, _ := json.Marshal(values)
	return string(b)
}

// time is a time argument as bun writes times, so cached and built statements compare alike.
func (c *stmts) time(t time.Time) any {
	if c.postgres {
		return t
	}
	return t.UTC().Format("2006-01-02 15:04:05.999999-07:00")
}

// detach drops a request's cancellation from a SQLite statement. The driver watches a
// cancellable context with a goroutine per statement, and database/sql with one more per
// result set and transaction; under load that cost more than the statements themselves, and
// a local statement ends soon anyway. PostgreSQL keeps it: there a query may wait on a lock
// or the network, and cancelling it frees the server.
func (c *stmts) detach(ctx context.Context) context.Context {
	if c.postgres {
		return ctx
	}
	return context.WithoutCancel(ctx)
}

// timePtr is an optional time argument: NULL when t is nil.
func (c *stmts) timePtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return c.time(*t)
}

// close releases the prepared statements.
func (c *stmts) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.m {
		_ = st.Close()
	}
	c.m = nil
}

// runner runs cached statements in a transaction, or outside one when tx is nil.
type runner struct {
	st *stmts
	tx *sql.Tx
}

// stmt is the cached statement of query, bound to the transaction if there is one. The first
// time, a transaction prepares it on its own connection for this use (it holds a connection
// of the pool, so it must not wait for another) and the pool's copy is made in the background.
func (r runner) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if st := r.st.cached(query); st != nil {
		if r.tx == nil {
			return st, nil
		}
		return r.tx.StmtContext(ctx, st), nil
	}
	if r.tx == nil {
		return r.st.prepare(ctx, query)
	}
	r.st.prepareLater(query)
	st, err := r.tx.PrepareContext(ctx, r.st.dialect(query))
	if err != nil {
		return nil, fmt.Errorf("store: prepare: %w", err)
	}
	return st, nil
}

func (r runner) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	ctx = r.st.detach(ctx)
	st, err := r.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

func (r runner) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	ctx = r.st.detach(ctx)
	st, err := r.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

// scan reads the rows of a cached statement into dest, a slice of models or of values.
func (r runner) scan(ctx context.Context, dest any, query string, args ...any) error {
	rows, err := r.query(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	return r.st.bun.ScanRows(ctx, rows, dest)
}

// scanOne reads the first row of a cached statement into dest, a model or a value;
// sql.ErrNoRows when there is none.
func (r runner) scanOne(ctx context.Context, dest any, query string, args ...any) error {
	rows, err := r.query(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return sql.ErrNoRows
	}
	if err := r.st.bun.ScanRow(ctx, rows, dest); err != nil {
		return err
	}
	return rows.Close()
}
