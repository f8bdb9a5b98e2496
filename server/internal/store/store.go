// Package store is the only place that speaks SQL. It opens SQLite or PostgreSQL through bun,
// runs the embedded migrations, and scopes every query that touches a user's data by that
// user's id, so no handler can forget to.
package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	"github.com/uptrace/bun/migrate"
	_ "modernc.org/sqlite" // registers the pure-Go "sqlite" driver

	"github.com/askwell/askwell/migrations"
)

// Errors callers branch on.
var (
	ErrNotFound      = errors.New("store: not found")
	ErrEmailTaken    = errors.New("store: email already registered")
	ErrForeignRecord = errors.New("store: record id belongs to another user")
	ErrClientTaken   = errors.New("store: client id belongs to another user")
	ErrSchemaBehind  = errors.New("store: database schema is behind; run `askwell migrate`")
	ErrSchemaAhead   = errors.New("store: database schema is newer than this program")
	// ErrQuotaExceeded refuses a write that would take a user's records past their quota.
	ErrQuotaExceeded = errors.New("store: storage quota exceeded")
	// ErrUserGone is a request of an account deleted while it was under way (its token was
	// checked before the deletion, or on another instance): sign in again, do not retry.
	ErrUserGone = errors.New("store: the account no longer exists")
	// ErrClosed is a write that came after Close.
	ErrClosed = errors.New("store: closed")
	// ErrNonStandardStrings refuses a PostgreSQL connection where a backslash escapes a quote:
	// bun writes values into the SQL text, and only standard strings keep them values.
	ErrNonStandardStrings = errors.New("store: PostgreSQL connection has standard_conforming_strings off; refusing it")
)

// Store wraps the database handle.
type Store struct {
	db       *bun.DB
	postgres bool
	pgURL    string
	// writes feed the SQLite committer, which groups them into shared transactions (nil on
	// PostgreSQL); waiting there also keeps pooled connections free for readers, where
	// waiting on SQLite's busy timeout would hold a connection and poll with sleeps.
	writes    chan groupWrite
	closing   chan struct{}
	stopped   chan struct{}
	closeOnce sync.Once
	st        *stmts     // the hot paths' prepared statements
	users     *userLocks // one user's SQLite writes, one after another
	// preparing holds a slot for each SQLite write running its first phase (see Write).
	preparing chan struct{}
	commits   atomic.Int64 // SQLite transactions the committer has committed
	// quota bounds the bytes of record data one user may keep (0: no bound).
	quota int64
	// onePassVersions: a pull at most this many versions behind reads its page in one pass
	// (see PullEach).
	onePassVersions int64
	// pageBytes ends a pull page at the first version that starts after this many bytes of
	// records (see PullEach).
	pageBytes int
	// feeds answer pulls a little behind from memory (SQLite; nil on PostgreSQL, where other
	// instances write too).
	feeds *feeds
}

// defaultOnePassVersions bounds the versions a pull may be behind to read its page in one
// pass: what it sorts is all the rows of those versions, not just a page's.
const defaultOnePassVersions = 8

// defaultPageBytes bounds a pull page's records to about 4 MiB (and the one version that
// crosses it): a page is read whole into memory before any of it goes out, so the database
// is never held while a slow or stalled client takes its answer. 10,000 records of the usual
// size (the largest page a client may ask for) stay within it.
const defaultPageBytes = 4 << 20

// Options say which database to open.
type Options struct {
	// PostgresURL, when set, selects PostgreSQL.
	PostgresURL string
	// SQLitePath is the SQLite file used when PostgresURL is empty.
	SQLitePath string
	// MaxOpenConns caps the pool (0: a default per dialect).
	MaxOpenConns int
	// SQLiteNormalSync trades durability for speed: the last commits before a power loss (not
	// a crash of the program) may be lost although they were acknowledged.
	SQLiteNormalSync bool
	// QuotaBytes bounds the bytes of record data one user may keep (0: no bound).
	QuotaBytes int64
	// MaxPreparing bounds the SQLite writes running their first phase at once (0: twice the
	// cores Go may use). See Write for why.
	MaxPreparing int
	// CheckpointPages is how far the SQLite write-ahead log grows, in pages, before the
	// committer copies it into the database and starts it afresh (0: defaultCheckpointPages).
	CheckpointPages int
}

// defaultCheckpointPages lets the write-ahead log grow to about 32 MiB between checkpoints,
// against SQLite's 1,000 pages (4 MiB). Under sync load the same pages (an index's, a user's
// row) are written by commit after commit; a checkpoint copies each once however many commits
// wrote it, so rarer checkpoints copy fewer pages per commit, in the committer's turn. Measured
// against 1,000: the push phase 8–12 % more mutations/s, the mixed load 0.5–4 % (five pairs).
const defaultCheckpointPages = 8000

// Open connects and checks the connection; it does not migrate.
func Open(ctx context.Context, o Options) (*Store, error) {
	s := &Store{quota: o.QuotaBytes, onePassVersions: defaultOnePassVersions, pageBytes: defaultPageBytes}
	if o.PostgresURL != "" {
		pgcfg, err := pgx.ParseConfig(o.PostgresURL)
		if err != nil {
			return nil, fmt.Errorf("store: PostgreSQL URL: %w", err)
		}
		// bun writes arguments into the SQL text with quotes doubled; that is only safe when a
		// backslash is an ordinary character. Ask for it on every connection, whatever the
		// database or role default, and refuse a connection (a pooler dropping the setting) that
		// does not report it.
		pgcfg.RuntimeParams["standard_conforming_strings"] = "on"
		// The hot paths' statements are prepared once (stmts.go); planning each run with its
		// values keeps a list of contacts on the index instead of a generic plan that scans a
		// user's every signal (3 ms against 8 ms for the coach's reads; PostgreSQL 12 or later).
		pgcfg.RuntimeParams["plan_cache_mode"] = "force_custom_plan"
		sqldb := stdlib.OpenDB(*pgcfg, stdlib.OptionAfterConnect(func(_ context.Context, c *pgx.Conn) error {
			if c.PgConn().ParameterStatus("standard_conforming_strings") != "on" {
				return ErrNonStandardStrings
			}
			return nil
		}))
		n := o.MaxOpenConns
		if n == 0 {
			n = 20
		}
		sqldb.SetMaxOpenConns(n)
		sqldb.SetMaxIdleConns(n)
		sqldb.SetConnMaxIdleTime(5 * time.Minute)
		s.db = bun.NewDB(sqldb, pgdialect.New())
		s.postgres = true
		s.pgURL = o.PostgresURL
	} else {
		if dir := filepath.Dir(o.SQLitePath); dir != "" {
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return nil, fmt.Errorf("store: data dir: %w", err)
			}
		}
		// FULL syncs the write-ahead log at every commit: a write acknowledged to a phone (which
		// then empties its outbox) survives a power loss. Grouped commits make it cheap.
		sync := "FULL"
		if o.SQLiteNormalSync {
			sync = "NORMAL"
		}
		// _txlock=immediate takes the write lock at BEGIN, so two writers queue on the busy
		// timeout instead of one failing with SQLITE_BUSY when it upgrades a read lock.
		dsn := "file:" + o.SQLitePath + "?_txlock=immediate" +
			"&_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)" +
			"&_pragma=synchronous(" + sync + ")" +
			"&_pragma=wal_autocheckpoint(" + strconv.Itoa(cmp.Or(o.CheckpointPages, defaultCheckpointPages)) + ")"
		sqldb, err := sql.Open("sqlite", dsn)
		if err != nil {
			return nil, fmt.Errorf("store: open sqlite: %w", err)
		}
		// Readers never wait for SQLite in WAL mode, only for a pooled connection: requests,
		// pulls and the first phase of every write read in parallel; one more is the committer's.
		n := o.MaxOpenConns
		if n == 0 {
			n = 16
		}
		sqldb.SetMaxOpenConns(n)
		sqldb.SetMaxIdleConns(n)
		s.db = bun.NewDB(sqldb, sqlitedialect.New())
		s.writes, s.closing, s.stopped = make(chan groupWrite, maxGroup), make(chan struct{}), make(chan struct{})
		preparing := o.MaxPreparing
		if preparing <= 0 {
			preparing = 2 * runtime.GOMAXPROCS(0)
		}
		s.preparing = make(chan struct{}, preparing)
		s.feeds = newFeeds(feedLimits{rows: defaultFeedRows, bytes: defaultFeedBytes, allBytes: defaultFeedAllBytes})
	}
	s.st = newStmts(s.db, s.postgres)
	if err := s.db.PingContext(ctx); err != nil {
		_ = s.db.Close()
		return nil, fmt.Errorf("store: connect: %w", err)
	}
	if s.writes != nil {
		conn, err := s.db.Conn(ctx)
		if err != nil {
			_ = s.db.Close()
			return nil, fmt.Errorf("store: writer connection: %w", err)
		}
		if err := setUpCommitter(ctx, conn); err != nil {
			_ = conn.Close()
			_ = s.db.Close()
			return nil, err
		}
		s.users = newUserLocks()
		go s.committer(conn)
	}
	return s, nil
}

// Close closes the pool.
func (s *Store) Close() error {
	if s.writes != nil {
		s.closeOnce.Do(func() { close(s.closing) })
		<-s.stopped
	}
	s.st.close()
	return s.db.Close()
}

// Postgres reports whether the store runs on PostgreSQL.
func (s *Store) Postgres() bool { return s.postgres }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

func (s *Store) migrator() (*migrate.Migrator, error) {
	ms := migrate.NewMigrations()
	if err := ms.Discover(migrations.FS); err != nil {
		return nil, fmt.Errorf("store: discover migrations: %w", err)
	}
	for _, register := range []func(*migrate.Migrations) error{registerNoteSignals, registerIndexColumns} {
		if err := register(ms); err != nil {
			return nil, fmt.Errorf("store: go migrations: %w", err)
		}
	}
	return migrate.NewMigrator(s.db, ms, migrate.WithMarkAppliedOnSuccess(true)), nil
}

// Migrate applies every pending migration. On PostgreSQL an advisory lock keeps several
// instances starting at once from racing each other.
func (s *Store) Migrate(ctx context.Context) error {
	m, err := s.migrator()
	if err != nil {
		return err
	}
	if s.postgres {
		conn, err := s.db.Conn(ctx)
		if err != nil {
			return fmt.Errorf("store: migrate lock: %w", err)
		}
		defer conn.Close()
		const lockKey = 7254_1124_01 // any constant unique to this program
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(?)", lockKey); err != nil {
			return fmt.Errorf("store: migrate lock: %w", err)
		}
		defer func() { _, _ = conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock(?)", lockKey) }()
	}
	if err := m.Init(ctx); err != nil {
		return fmt.Errorf("store: migrate init: %w", err)
	}
	if _, err := m.Migrate(ctx); err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	return nil
}

// CheckSchema refuses a schema this program does not know: pending migrations mean the
// database is behind, applied ones this binary lacks mean it was migrated by a newer one.
func (s *Store) CheckSchema(ctx context.Context) error {
	m, err := s.migrator()
	if err != nil {
		return err
	}
	if err := m.Init(ctx); err != nil {
		return fmt.Errorf("store: migrate init: %w", err)
	}
	withStatus, err := m.MigrationsWithStatus(ctx)
	if err != nil {
		return fmt.Errorf("store: migration status: %w", err)
	}
	if len(withStatus.Unapplied()) > 0 {
		return ErrSchemaBehind
	}
	var applied []string
	if err := s.db.NewSelect().Table("bun_migrations").Column("name").Scan(ctx, &applied); err != nil {
		return fmt.Errorf("store: applied migrations: %w", err)
	}
	known := map[string]bool{}
	for _, mg := range withStatus {
		known[mg.Name] = true
	}
	for _, name := range applied {
		if !known[name] {
			return fmt.Errorf("%w (unknown migration %s)", ErrSchemaAhead, name)
		}
	}
	return nil
}

// isUniqueViolation recognises a unique-constraint error on both databases.
func isUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	msg := err.Error()
	return strings.Contains(msg, "UNIQUE constraint failed") || strings.Contains(msg, "SQLSTATE 23505") ||
		strings.Contains(msg, "duplicate key value")
}

// isForeignKeyViolation recognises a foreign-key error on both databases.
func isForeignKeyViolation(err error) bool {
	if err == nil {
		return false
	}
	msg := err.Error()
	return strings.Contains(msg, "FOREIGN KEY constraint failed") || strings.Contains(msg, "SQLSTATE 23503")
}

// userGone is ErrUserGone for what a deleted account looks like to a statement of its own: its
// user row missing, or a row refused because every foreign key points at that user row.
func userGone(err error) error {
	switch {
	case errors.Is(err, sql.ErrNoRows), errors.Is(err, ErrNotFound):
		return ErrUserGone
	case isForeignKeyViolation(err):
		return fmt.Errorf("%w (%v)", ErrUserGone, err)
	}
	return err
}

func notFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	return err
}

// Exec runs one statement outside any user scope (maintenance and tests).
func (s *Store) Exec(ctx context.Context, query string, args ...any) error {
	_, err := s.db.ExecContext(ctx, query, args...)
	return err
}

// Query reads the rows of one statement into dest, outside any user scope (tests and
// maintenance; never with user input in the text).
func (s *Store) Query(ctx context.Context, dest any, query string) error {
	return s.db.NewRaw(query).Scan(ctx, dest)
}
