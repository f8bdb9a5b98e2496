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
}

func newStmts(db *bun.DB, postgres bool) *stmts {
	return &stmts{bun: db, db: db.DB, postgres: postgres, m: map[string]*sql.Stmt{}}
}

// get returns the prepared statement of query, written with ? placeholders (numbered $n on
// PostgreSQL) and $in(x) for "x is one of a list" (the list passed as one argument, see list).
func (c *stmts) get(ctx context.Context, query string) (*sql.Stmt, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.m[query]; ok {
		return st, nil
	}
	st, err := c.db.PrepareContext(ctx, c.dialect(query))
	if err != nil {
		return nil, fmt.Errorf("store: prepare: %w", err)
	}
	c.m[query] = st
	return st, nil
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

// stmt is the cached statement of query, bound to the transaction if there is one.
func (r runner) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	st, err := r.st.get(ctx, query)
	if err != nil || r.tx == nil {
		return st, err
	}
	return r.tx.StmtContext(ctx, st), nil
}

func (r runner) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := r.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

func (r runner) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
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
