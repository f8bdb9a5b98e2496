package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	. "github.com/askwell/askwell/server/internal/store"
	"github.com/askwell/askwell/server/internal/testutil"
)

// A pull a few versions behind reads its page in one pass; any further behind reads the
// versions first. Both give the same pages, whatever the cursor and the limit: versions of one
// record and of many, versions left empty by later edits, a version larger than the page.
func TestPullPagesAreTheSameInOnePass(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db testutil.DB) {
		srv := testutil.NewServer(t, db)
		u := srv.Register("dana@example.com")
		next := int64(0)
		push := func(n, first int, base int64) {
			var muts []testutil.Mutation
			for i := range n {
				next++
				muts = append(muts, testutil.Mutation{ID: next, Entity: "contact", RecordID: testutil.ID(first + i), Op: "put",
					Fields: map[string]any{"name": fmt.Sprintf("Contact %d", first+i)}, BaseVersion: base})
			}
			srv.Push(u, "phone-0001", muts...)
		}
		push(1, 1, 0)
		push(3, 2, 0)
		push(12, 5, 0) // larger than most pages below
		push(1, 17, 0)
		push(2, 2, 2) // moves contacts 2 and 3 on: version 2 keeps only 4
		push(4, 1, 3) // and versions 1 and 2 keep nothing
		push(1, 18, 0)
		push(2, 19, 0)
		st := srv.App.Store
		ctx := context.Background()
		pull := func(onePass int64, cursor int64, limit int) string {
			st.SetOnePassVersions(onePass)
			var got []string
			var page *PullPage
			var err error
			st.WithoutFeeds(func() {
				page, err = st.PullEach(ctx, u.ID, "phone-0001", cursor, limit, srv.Clock.Now(), func(c Change) error {
					got = append(got, fmt.Sprintf("%s/%s@%d", c.Entity, c.ID[len(c.ID)-2:], c.Version))
					return nil
				})
			})
			if err != nil {
				t.Fatalf("pull from %d, limit %d: %v", cursor, limit, err)
			}
			return fmt.Sprintf("%v cursor %d more %v last %d", got, page.Cursor, page.HasMore, page.LastMutationID)
		}
		for cursor := int64(0); cursor <= 9; cursor++ {
			for _, limit := range []int{1, 2, 3, 4, 5, 7, 13, 100} {
				two, one := pull(0, cursor, limit), pull(1<<40, cursor, limit)
				if one != two {
					t.Errorf("from %d, limit %d:\n one pass %s\n two      %s", cursor, limit, one, two)
				}
			}
		}
	})
}

// A save whose rows include an id another user holds (an insert that raced the write's read)
// fails whole and changes nothing of either user's: the rows are upserted in statements of
// several rows, and any of them finding the other user's row counts too few.
func TestSaveOverAnotherUsersRowFailsWhole(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db testutil.DB) {
		ctx := context.Background()
		st := migrated(t, db)
		now := time.Date(2026, 11, 24, 9, 30, 0, 0, time.UTC)
		createUsers(t, ctx, st, 2, now)
		row := func(w *Writer, n int, name string) *Row {
			return &Row{ID: testutil.ID(n), Version: w.Version(), CreatedAt: now, UpdatedAt: now, FieldVersions: "{}",
				Data: `{"name":"` + name + `"}`}
		}
		if _, err := st.Write(ctx, "u1", func(w *Writer) error {
			return w.Save(ctx, "contact", []*Row{row(w, 30, "theirs")})
		}); err != nil {
			t.Fatal(err)
		}
		for _, n := range []int{1, 7, 45} { // one statement; 4 + 2 + 1 rows; 32 + 8 + 4 + 1
			_, err := st.Write(ctx, "u0", func(w *Writer) error {
				rows := make([]*Row, n)
				for i := range rows {
					rows[i] = row(w, i+1, "mine")
				}
				rows[n-1] = row(w, 30, "mine") // the last statement's last row
				return w.Save(ctx, "contact", rows)
			})
			if !errors.Is(err, ErrForeignRecord) {
				t.Errorf("%d rows, one of them another user's: %v", n, err)
			}
		}
		var names []string
		if err := st.Query(ctx, &names, "SELECT user_id || ':' || data FROM contacts ORDER BY id"); err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(names) != `[u1:{"name":"theirs"}]` {
			t.Errorf("rows after the failed saves: %v", names)
		}
	})
}

// A page ends once its byte budget went out, at the start of the next version: on every path
// (the feed, one pass, two passes) a client paging through gets each record once, no page
// splits a version, and no page holds more than the budget and the one version that crossed it.
func TestPullPagesEndAtTheirByteBudget(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db testutil.DB) {
		srv := testutil.NewServer(t, db)
		u := srv.Register("dana@example.com")
		next := int64(0)
		for v := range 12 {
			var muts []testutil.Mutation
			for i := range 1 + v%3 {
				next++
				muts = append(muts, testutil.Mutation{ID: next, Entity: "note", RecordID: testutil.ID(int(next)), Op: "put",
					Fields: map[string]any{"body": strings.Repeat("word ", 20*(1+i+v%4))}})
			}
			srv.Push(u, "phone-0001", muts...)
		}
		st := srv.App.Store
		ctx := context.Background()
		const budget = 500
		st.SetPageBytes(budget)
		for _, path := range []struct {
			name    string
			onePass int64
			feed    bool
		}{{"feed", 1 << 40, true}, {"one pass", 1 << 40, false}, {"two passes", 0, false}} {
			st.SetOnePassVersions(path.onePass)
			seen := map[string]bool{}
			var cursor int64
			for pages := 0; ; pages++ {
				if pages > 50 {
					t.Fatalf("%s: paging does not end", path.name)
				}
				var got []Change
				var page *PullPage
				var err error
				read := func() {
					page, err = st.PullEach(ctx, u.ID, "phone-0001", cursor, 10_000, srv.Clock.Now(), func(c Change) error {
						got = append(got, c)
						return nil
					})
				}
				if path.feed {
					read()
				} else {
					st.WithoutFeeds(read)
				}
				if err != nil {
					t.Fatalf("%s: pull from %d: %v", path.name, cursor, err)
				}
				bytes := 0
				for i, c := range got {
					if seen[c.ID] {
						t.Fatalf("%s: %s twice", path.name, c.ID)
					}
					seen[c.ID] = true
					if i > 0 && c.Version != got[i-1].Version && bytes >= budget {
						t.Fatalf("%s: the page from %d goes on past its budget", path.name, cursor)
					}
					bytes += len(c.Data)
				}
				if page.HasMore && (len(got) == 0 || page.Cursor != got[len(got)-1].Version) {
					t.Fatalf("%s: a page from %d ends at %d, not at its last version", path.name, cursor, page.Cursor)
				}
				cursor = page.Cursor
				if !page.HasMore {
					break
				}
			}
			if len(seen) != int(next) {
				t.Fatalf("%s: %d of %d records pulled", path.name, len(seen), next)
			}
		}
	})
}
