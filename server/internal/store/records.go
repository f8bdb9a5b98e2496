package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/askwell/askwell/server/internal/records"
)

// Row is one synced record as stored. Data is the whole record as clients see it (JSON);
// the other columns are what SQL needs to find and order records without parsing it.
type Row struct {
	bun.BaseModel `bun:"table:contacts"`

	ID            string     `bun:"id,pk"`
	UserID        string     `bun:"user_id"`
	Version       int64      `bun:"version"`
	CreatedAt     time.Time  `bun:"created_at"`
	UpdatedAt     time.Time  `bun:"updated_at"`
	DeletedAt     *time.Time `bun:"deleted_at"`
	FieldVersions string     `bun:"field_versions"`
	Data          string     `bun:"data"`

	// Asks: who is asked; referrals: the other party; connections: who knows them;
	// suggestions: whom it is about. A change to a contact finds its records by this index.
	ContactID string `bun:"contact_id"`
	// Connections only: whom they know, when a contact.
	OtherContactID string `bun:"other_contact_id"`
	// Contacts only: the coach's groups (playbook.Circle).
	Circle string `bun:"circle"`
	// Events only: when, how it counts toward the week (playbook.MeetingClass), hosted by you.
	StartsAt *time.Time `bun:"starts_at"`
	Meeting  string     `bun:"meeting"`
	Hosted   bool       `bun:"hosted"`

	// Asks only: the stage or milestone trigger still waiting to fire ("stage:trust",
	// "milestone:praised"), so a contact or note change finds its asks by index.
	PendingTrigger *string `bun:"pending_trigger"`
	// Asks only: when time alone next changes the ask's readiness (a hold or window ending).
	RecheckAt *time.Time `bun:"recheck_at"`

	// Reminders only: the status and the next time the dispatcher should act on it.
	Status string     `bun:"status"`
	FireAt *time.Time `bun:"fire_at"`
}

// columns lists what each entity's table holds.
func columns(entity string) []string {
	base := []string{"id", "user_id", "version", "created_at", "updated_at", "deleted_at", "field_versions", "data"}
	switch entity {
	case records.Contact:
		return append(base, "circle")
	case records.Event:
		return append(base, "starts_at", "meeting", "hosted")
	case records.Ask:
		return append(base, "contact_id", "pending_trigger", "recheck_at")
	case records.Referral, records.Suggestion:
		return append(base, "contact_id")
	case records.Connection:
		return append(base, "contact_id", "other_contact_id")
	case records.Reminder:
		return append(base, "status", "fire_at")
	}
	return base
}

// Version is the version this transaction stamps on everything it changes.
func (w *Writer) Version() int64 { return w.version }

// User is the user's row as locked by this transaction.
func (w *Writer) User() *User { return w.user }

// BindClient returns the client's last applied mutation id, registering the client for this
// user on first use; ErrClientTaken if another user registered that id.
func (w *Writer) BindClient(ctx context.Context, clientID string, now time.Time) (int64, error) {
	if last, ok := w.feeds.position(w.user.ID, clientID, w.version-1); ok {
		return last, nil // the feed is at this write's snapshot and knows the client
	}
	last, found, err := clientPosition(ctx, w.r, w.user.ID, clientID)
	if err != nil || found {
		return last, err
	}
	return 0, w.exec(ctx, func(ctx context.Context) error {
		if err := insertClient(ctx, w.r, w.user.ID, clientID, now); err != nil {
			return err
		}
		w.setPosition(clientID, 0)
		return nil
	})
}

// SetLastMutation records the last applied mutation id of a client.
func (w *Writer) SetLastMutation(ctx context.Context, clientID string, id int64, now time.Time) error {
	return w.exec(ctx, func(ctx context.Context) error {
		if _, err := w.r.exec(ctx, "UPDATE sync_clients SET last_mutation_id = ?, updated_at = ? WHERE client_id = ? AND user_id = ?",
			id, w.r.st.time(now), clientID, w.user.ID); err != nil {
			return fmt.Errorf("store: set last mutation: %w", err)
		}
		w.setPosition(clientID, id)
		return nil
	})
}

// Load returns this user's rows of one entity with those ids. An id that exists for another
// user is ErrForeignRecord: ids are global, so a guessed id can never reach someone else's data.
func (w *Writer) Load(ctx context.Context, entity string, ids []string) (map[string]*Row, error) {
	out := make(map[string]*Row, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var rows []*Row
	if err := w.r.scan(ctx, &rows, selectRows(entity, "$in(id)"), w.r.st.list(ids)); err != nil {
		return nil, fmt.Errorf("store: load %s: %w", entity, err)
	}
	for _, r := range rows {
		if r.UserID != w.user.ID {
			return nil, fmt.Errorf("%w: %s %s", ErrForeignRecord, entity, r.ID)
		}
		out[r.ID] = r
	}
	w.track(entity, rows)
	return out, nil
}

// AsksWaitingFor returns this user's live asks for those contacts whose pending trigger is one of
// triggers (e.g. "stage:trust").
func (w *Writer) AsksWaitingFor(ctx context.Context, contactIDs, triggers []string) ([]*Row, error) {
	if len(contactIDs) == 0 || len(triggers) == 0 {
		return nil, nil
	}
	var rows []*Row
	if err := w.r.scan(ctx, &rows, selectRows(records.Ask, "user_id = ? AND $in(contact_id) AND $in(pending_trigger) AND deleted_at IS NULL ORDER BY id"),
		w.user.ID, w.r.st.list(contactIDs), w.r.st.list(triggers)); err != nil {
		return nil, fmt.Errorf("store: asks waiting: %w", err)
	}
	w.track(records.Ask, rows)
	return rows, nil
}

// Save upserts rows of one entity, stamped by the caller. The conflict clause only updates a
// row of the same user, so a concurrent insert of the same id by another user cannot be
// overwritten: it shows up as fewer affected rows and fails the transaction.
func (w *Writer) Save(ctx context.Context, entity string, rows []*Row) error {
	if len(rows) == 0 {
		return nil
	}
	for _, r := range rows {
		r.UserID = w.user.ID
		key := entity + "/" + r.ID
		w.grown += int64(len(r.Data) - w.sizes[key])
		w.sizes[key] = len(r.Data)
	}
	return w.exec(ctx, func(ctx context.Context) error {
		if w.r.st.postgres {
			return saveRows(ctx, w.db, entity, rows)
		}
		if err := upsertRows(ctx, w.r, entity, rows); err != nil {
			return err
		}
		for _, r := range rows {
			w.saved = append(w.saved, Change{Entity: entity, ID: r.ID, Version: r.Version, Deleted: r.DeletedAt != nil, Data: r.Data})
		}
		return nil
	})
}

// upsertRows upserts rows with prepared statements of 32, 16, 8, 4, 2 or 1 rows. Each run of a
// statement has a cost of its own in the one writer's turn besides its rows', so a write's rows
// of one entity take a few runs instead of one each; only six sizes keep them all prepared.
func upsertRows(ctx context.Context, r runner, entity string, rows []*Row) error {
	for len(rows) > 0 {
		n := maxUpsertRows
		for n > len(rows) {
			n /= 2
		}
		args := make([]any, 0, n*len(columns(entity)))
		for _, row := range rows[:n] {
			args = append(args, rowArgs(entity, row, r.st)...)
		}
		res, err := r.exec(ctx, upsertQuery(entity, n), args...)
		if err != nil {
			return fmt.Errorf("store: save %s: %w", entity, err)
		}
		if got, err := res.RowsAffected(); err == nil && got != int64(n) {
			return fmt.Errorf("%w: %s", ErrForeignRecord, entity)
		}
		rows = rows[n:]
	}
	return nil
}

// maxUpsertRows is the most rows one upsert statement takes.
const maxUpsertRows = 32

// upsertQuery inserts n rows of entity, or updates the row of an id if it is the same user's.
func upsertQuery(entity string, n int) string {
	cols := columns(entity)
	table := records.Table(entity)
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
	return "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES " +
		strings.TrimSuffix(strings.Repeat(one+", ", n), ", ") + " ON CONFLICT (id) DO UPDATE SET " +
		strings.Join(conflictSets(entity), ", ") + " WHERE " + table + ".user_id = EXCLUDED.user_id"
}

// conflictSets is what an upsert changes in the row of an id that exists: every column, and
// for a reminder a fresh delivery (no lease held, no failed attempts).
func conflictSets(entity string) []string {
	cols := columns(entity)
	sets := make([]string, 0, len(cols)+1)
	for _, c := range cols[1:] {
		sets = append(sets, c+" = EXCLUDED."+c)
	}
	if entity == records.Reminder {
		sets = append(sets, "lease_until = NULL", "attempts = 0")
	}
	return sets
}

// rowArgs are the values of a row in the order of columns(entity).
func rowArgs(entity string, r *Row, st *stmts) []any {
	opt := st.timePtr
	args := []any{r.ID, r.UserID, r.Version, st.time(r.CreatedAt), st.time(r.UpdatedAt), opt(r.DeletedAt), r.FieldVersions, r.Data}
	for _, c := range columns(entity)[len(args):] {
		switch c {
		case "circle":
			args = append(args, r.Circle)
		case "starts_at":
			args = append(args, opt(r.StartsAt))
		case "meeting":
			args = append(args, r.Meeting)
		case "hosted":
			args = append(args, r.Hosted)
		case "contact_id":
			args = append(args, r.ContactID)
		case "other_contact_id":
			args = append(args, r.OtherContactID)
		case "pending_trigger":
			args = append(args, r.PendingTrigger)
		case "recheck_at":
			args = append(args, opt(r.RecheckAt))
		case "status":
			args = append(args, r.Status)
		case "fire_at":
			args = append(args, opt(r.FireAt))
		default:
			panic("store: no value for column " + c)
		}
	}
	return args
}

// saveRows upserts rows of one entity, 500 to a statement (PostgreSQL: one round trip each).
func saveRows(ctx context.Context, db bun.IDB, entity string, rows []*Row) error {
	table := records.Table(entity)
	const chunk = 500
	for start := 0; start < len(rows); start += chunk {
		part := rows[start:min(start+chunk, len(rows))]
		want := int64(len(part))
		// Nothing returned: bun would otherwise scan the returned rows back into part, leaving
		// it as long as the rows written, so a row left alone would go unnoticed.
		q := db.NewInsert().Model(&part).ModelTableExpr(table).Column(columns(entity)...).
			On("CONFLICT (id) DO UPDATE").Where(table + ".user_id = EXCLUDED.user_id").Returning("NULL")
		for _, set := range conflictSets(entity) {
			q = q.Set(set)
		}
		res, err := q.Exec(ctx)
		if err != nil {
			return fmt.Errorf("store: save %s: %w", entity, err)
		}
		if n, err := res.RowsAffected(); err == nil && n != want {
			return fmt.Errorf("%w: %s", ErrForeignRecord, entity)
		}
	}
	return nil
}

// selectRows is the query of an entity's rows (its columns) matching where.
func selectRows(entity, where string) string {
	return "SELECT " + strings.Join(columns(entity), ", ") + " FROM " + records.Table(entity) + " WHERE " + where
}

// clientPosition reads a client's last applied mutation id; found is false for a new client,
// ErrClientTaken when the id belongs to another user.
func clientPosition(ctx context.Context, r runner, userID, clientID string) (last int64, found bool, err error) {
	var c struct {
		UserID         string `bun:"user_id"`
		LastMutationID int64  `bun:"last_mutation_id"`
	}
	err = r.scanOne(ctx, &c, "SELECT user_id, last_mutation_id FROM sync_clients WHERE client_id = ?", clientID)
	switch {
	case err == nil:
		if c.UserID != userID {
			return 0, true, ErrClientTaken
		}
		return c.LastMutationID, true, nil
	case errors.Is(notFound(err), ErrNotFound):
		return 0, false, nil
	default:
		return 0, false, fmt.Errorf("store: client: %w", err)
	}
}

// insertClient registers a new client id for the user; ErrClientTaken if another user took it.
func insertClient(ctx context.Context, r runner, userID, clientID string, now time.Time) error {
	at := r.st.time(now)
	if _, err := r.exec(ctx, "INSERT INTO sync_clients (client_id, user_id, last_mutation_id, created_at, updated_at) VALUES (?, ?, 0, ?, ?)",
		clientID, userID, at, at); err != nil {
		if isUniqueViolation(err) {
			return ErrClientTaken
		}
		return fmt.Errorf("store: bind client: %w", userGone(err))
	}
	return nil
}

// Change is one record of a pull page.
type Change struct {
	Entity  string
	ID      string
	Version int64
	Deleted bool
	Data    string
}

// PullPage is what Pull returns.
type PullPage struct {
	Changes        []Change
	Cursor         int64
	HasMore        bool
	LastMutationID int64
	Reset          bool
}

// PullEach hands this user's records changed after cursor to emit as they are read, in
// version order; the page it returns has no Changes. A page never splits the records of one
// version, so the next cursor (the last version returned) loses nothing; a single version
// larger than limit is returned whole. A pull a few versions behind reads its records in one
// pass (pageOnePass); one further behind first reads only the versions, from the indexes, to
// find where the page ends, then streams the records up to there in constant memory.
func (s *Store) PullEach(ctx context.Context, userID, clientID string, cursor int64, limit int, now time.Time, emit func(Change) error) (*PullPage, error) {
	// On SQLite the user's latest writes are in memory (see feeds): a pull that finds all it
	// needs there reads nothing. Its rows are as few as a feed holds, so it pages in one pass.
	if changes, version, last, ok := s.feeds.changes(userID, clientID, cursor); ok {
		page := &PullPage{Cursor: cursor, LastMutationID: last}
		each := func(fn func(Change) error) error {
			for _, c := range changes {
				if err := fn(c); err != nil {
					return err
				}
			}
			return nil
		}
		if err := pageOnePass(each, limit, page, pageBudget(page, s.pageBytes, pageEmit(page, emit))); err != nil {
			return nil, err
		}
		if !page.HasMore {
			page.Cursor = max(page.Cursor, version)
		}
		return page, nil
	}
	// The client's position and the records are read in one snapshot (on SQLite; PostgreSQL
	// reads the position first): everything the position covers has committed, so the
	// records include it, and the client may drop those outbox entries. On SQLite one
	// snapshot is also cheaper than a statement each: a connection's page cache is dropped
	// whenever it starts reading after another commit, so later reads share the pages the
	// first brought in.
	r, done, err := s.pullSnapshot(ctx)
	if err != nil {
		return nil, err
	}
	defer func() { done() }()
	last, found, err := clientPosition(ctx, r, userID, clientID)
	if err != nil {
		return nil, err
	}
	if !found {
		// A new client is registered outside the snapshot (a write, on a connection of its
		// own, so the snapshot's is given back first); it has applied nothing yet.
		done()
		if err := insertClient(ctx, runner{st: s.st}, userID, clientID, now); err != nil {
			return nil, err
		}
		if r, done, err = s.pullSnapshot(ctx); err != nil {
			return nil, err
		}
	}
	page := &PullPage{Cursor: cursor, LastMutationID: last}
	// The committed counter, read before the records: every version up to it has committed
	// (one user's writes commit in version order), so a client that read to the end is
	// caught up to it even where the newest versions left no record (purged ones).
	var user struct {
		Version       int64 `bun:"version"`
		PurgedVersion int64 `bun:"purged_version"`
	}
	if err := r.scanOne(ctx, &user, "SELECT version, purged_version FROM users WHERE id = ?", userID); err != nil {
		return nil, fmt.Errorf("store: pull: %w", userGone(err))
	}
	s.feeds.learn(userID, clientID, last, user.Version)
	if cursor > 0 && cursor < user.PurgedVersion {
		page.Reset = true
		page.Cursor = 0
		return page, nil
	}
	if cursor >= user.Version { // nothing newer: no record can be after the cursor
		page.Cursor = max(cursor, user.Version)
		return page, nil
	}
	emitted := pageBudget(page, s.pageBytes, pageEmit(page, emit))
	if user.Version-cursor <= s.onePassVersions {
		each := func(fn func(Change) error) error { return eachChange(ctx, r, userID, cursor, user.Version, fn) }
		if err := pageOnePass(each, limit, page, emitted); err != nil {
			return nil, err
		}
	} else if err := pageTwoPass(ctx, r, userID, cursor, limit, page, emitted); err != nil {
		return nil, err
	}
	if !page.HasMore {
		page.Cursor = max(page.Cursor, user.Version)
	}
	return page, nil
}

// pageBudget ends the page once maxBytes of records went out, at the start of the next
// version (a page never splits one; the first is sent whole however large), and says there is
// more. Pages are read whole into memory before they are sent, so this bounds that memory
// whatever the records' sizes and the limit asked for.
func pageBudget(page *PullPage, maxBytes int, emit func(Change) error) func(Change) error {
	sent, last := 0, int64(-1)
	return func(c Change) error {
		if sent >= maxBytes && c.Version != last {
			page.HasMore = true
			return errPageFull
		}
		sent, last = sent+len(c.Data), c.Version
		return emit(c)
	}
}

// pageEmit hands a change to emit and moves the page's cursor to it.
func pageEmit(page *PullPage, emit func(Change) error) func(Change) error {
	return func(c Change) error {
		page.Cursor = c.Version
		return emit(c)
	}
}

// pullSnapshot is where a pull reads: a read-only transaction on SQLite, the pool on
// PostgreSQL. done ends it; it may be called more than once, and after an error too.
func (s *Store) pullSnapshot(ctx context.Context) (r runner, done func(), err error) {
	r = runner{st: s.st}
	if s.postgres {
		return r, func() {}, nil
	}
	tx, err := s.db.BeginTx(s.st.detach(ctx), &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return r, func() {}, fmt.Errorf("store: pull: %w", err)
	}
	r.tx = tx.Tx
	return r, func() { _ = tx.Rollback() }, nil
}

// pageTwoPass reads the versions of the page's rows first, from the indexes, to find where
// the page ends, then streams the records up to there.
func pageTwoPass(ctx context.Context, r runner, userID string, cursor int64, limit int, page *PullPage, emit func(Change) error) error {
	versions, err := pageVersions(ctx, r, userID, cursor, limit+1)
	if err != nil {
		return err
	}
	upto := int64(math.MaxInt64)
	if len(versions) > limit {
		page.HasMore = true
		edge := versions[limit-1]
		switch {
		case versions[limit] != edge:
			upto = edge
		case versions[0] != edge:
			cut := limit - 1
			for cut > 0 && versions[cut-1] == edge {
				cut--
			}
			upto = versions[cut-1]
		default: // one version fills the page: return all of it
			upto = edge
		}
	}
	if err := eachChange(ctx, r, userID, cursor, upto, emit); err != nil && !errors.Is(err, errPageFull) {
		return err
	}
	return nil
}

// pageOnePass reads the rows after the cursor in pull order in one pass (each hands them to
// its argument, from the database or a feed) and emits each version's rows once the next
// version begins (or the rows end), so a version that would overfill the page is dropped
// unsent; a first version larger than the page is sent whole. It holds at most a page of rows.
// For a pull a few versions behind, whose rows are few, this saves pageTwoPass's first
// statement: a read of every record table's index.
func pageOnePass(each func(fn func(Change) error) error, limit int, page *PullPage, emit func(Change) error) error {
	var held []Change // rows of the version being read, not sent yet
	sent := 0
	whole := false // the first version overfills the page: it is sent as it comes
	flush := func() error {
		for _, c := range held {
			if err := emit(c); err != nil {
				return err
			}
		}
		sent += len(held)
		held = held[:0]
		return nil
	}
	err := each(func(c Change) error {
		if whole {
			if c.Version != page.Cursor {
				return errPageFull // the page ends with the version sent whole
			}
			return emit(c)
		}
		if len(held) > 0 && c.Version != held[0].Version { // the held version is complete
			if err := flush(); err != nil {
				return err
			}
		}
		held = append(held, c)
		switch {
		case sent == 0 && len(held) > limit: // one version fills the page: all of it is sent
			whole, page.HasMore = true, true
			return flush()
		case sent > 0 && sent+len(held) > limit: // this version goes to the next page (or the page is full)
			page.HasMore = true
			return errPageFull
		}
		return nil
	})
	if errors.Is(err, errPageFull) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := flush(); err != nil && !errors.Is(err, errPageFull) {
		return err
	}
	return nil
}

// errPageFull ends a one-pass read once the page is complete.
var errPageFull = errors.New("store: page full")

// unionQuery is one SELECT of cols per entity table for the user's rows with after < version
// <= upto, joined with UNION ALL, and its arguments.
func unionQuery(cols, userID string, after, upto int64) (string, []any) {
	var q strings.Builder
	args := make([]any, 0, 18)
	for i, entity := range records.Names() {
		if i > 0 {
			q.WriteString(" UNION ALL ")
		}
		fmt.Fprintf(&q, "SELECT %s FROM %s WHERE user_id = ? AND version > ? AND version <= ?",
			strings.ReplaceAll(cols, "$entity", "'"+entity+"'"), records.Table(entity))
		args = append(args, userID, after, upto)
	}
	return q.String(), args
}

// pageVersions reads the versions of the user's first limit rows after cursor, from the indexes.
func pageVersions(ctx context.Context, r runner, userID string, cursor int64, limit int) ([]int64, error) {
	q, args := unionQuery("version", userID, cursor, math.MaxInt64)
	rows, err := r.query(ctx, q+" ORDER BY version LIMIT ?", append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("store: versions: %w", err)
	}
	defer rows.Close()
	out := make([]int64, 0, min(limit, 1024))
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			return nil, fmt.Errorf("store: versions: %w", err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: versions: %w", err)
	}
	return out, nil
}

// eachChange hands every row of the user with after < version <= upto to fn, in pull order.
func eachChange(ctx context.Context, r runner, userID string, after, upto int64, fn func(Change) error) error {
	q, args := unionQuery("$entity AS entity, id, version, deleted_at IS NOT NULL AS deleted, data", userID, after, upto)
	rows, err := r.query(ctx, q+" ORDER BY version, entity, id", args...)
	if err != nil {
		return fmt.Errorf("store: changes: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var c Change
		if err := rows.Scan(&c.Entity, &c.ID, &c.Version, &c.Deleted, &c.Data); err != nil {
			return fmt.Errorf("store: changes: %w", err)
		}
		if err := fn(c); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: changes: %w", err)
	}
	return nil
}

// PurgeTombstones deletes records deleted before the horizon and raises each affected user's
// purge mark, so a client whose cursor is older than a purged deletion is told to reset.
func (s *Store) PurgeTombstones(ctx context.Context, before time.Time) (int64, error) {
	var total int64
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		for _, entity := range records.Names() {
			table := records.Table(entity)
			var marks []struct {
				UserID  string `bun:"user_id"`
				Version int64  `bun:"version"`
			}
			if err := tx.NewSelect().Table(table).ColumnExpr("user_id, MAX(version) AS version").
				Where("deleted_at IS NOT NULL AND deleted_at < ?", before).Group("user_id").Scan(ctx, &marks); err != nil {
				return err
			}
			if len(marks) == 0 {
				continue
			}
			for _, m := range marks {
				if _, err := tx.NewUpdate().Table("users").Set("purged_version = ?", m.Version).
					Where("id = ? AND purged_version < ?", m.UserID, m.Version).Exec(ctx); err != nil {
					return err
				}
				if _, err := tx.NewUpdate().Table("users").Set("bytes_used = bytes_used - COALESCE((SELECT SUM(OCTET_LENGTH(data)) FROM "+
					table+" WHERE user_id = ? AND deleted_at IS NOT NULL AND deleted_at < ?), 0)", m.UserID, before).
					Where("id = ?", m.UserID).Exec(ctx); err != nil {
					return err
				}
			}
			res, err := tx.NewDelete().TableExpr(table).Where("deleted_at IS NOT NULL AND deleted_at < ?", before).Exec(ctx)
			if err != nil {
				return err
			}
			n, _ := res.RowsAffected()
			total += n
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("store: purge tombstones: %w", err)
	}
	// A feed still holds the deletions it saw, so its answers stay whole; it is dropped so a
	// pull behind a purge is told to reset, as the database tells it.
	s.feeds.clear()
	return total, nil
}
