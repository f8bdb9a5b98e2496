package store_test

import (
	"context"
	"fmt"
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
		push := func(client string, n, first int, base int64) {
			var muts []testutil.Mutation
			for i := range n {
				next++
				muts = append(muts, testutil.Mutation{ID: next, Entity: "contact", RecordID: testutil.ID(first + i), Op: "put",
					Fields: map[string]any{"name": fmt.Sprintf("Contact %d", first+i)}, BaseVersion: base})
			}
			srv.Push(u, client, muts...)
		}
		push("phone-0001", 1, 1, 0)
		push("phone-0001", 3, 2, 0)
		push("phone-0001", 12, 5, 0) // larger than most pages below
		push("phone-0001", 1, 17, 0)
		push("phone-0001", 2, 2, 2) // moves contacts 2 and 3 on: version 2 keeps only 4
		push("phone-0001", 4, 1, 3) // and version 1 keeps nothing
		push("phone-0001", 1, 18, 0)
		push("phone-0001", 2, 19, 0)
		st := srv.App.Store
		ctx := context.Background()
		pull := func(onePass int64, cursor int64, limit int) string {
			st.SetOnePassVersions(onePass)
			var got []string
			page, err := st.PullEach(ctx, u.ID, "phone-0001", cursor, limit, time.Now(), func(c Change) error {
				got = append(got, fmt.Sprintf("%s/%s@%d", c.Entity, c.ID[len(c.ID)-2:], c.Version))
				return nil
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
