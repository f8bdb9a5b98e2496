package store_test

import (
	"context"
	"fmt"
	mrand "math/rand/v2"
	"testing"

	"github.com/askwell/askwell/server/internal/loadgen"
	. "github.com/askwell/askwell/server/internal/store"
	"github.com/askwell/askwell/server/internal/testutil"
)

// A pull the feed answers (SQLite) is the pull the database answers: the same changes, data,
// page ends, cursor and client position, for every cursor and several limits, through
// three devices' pushes of new, edited and deleted contacts, notes and asks with what the coach
// derives from them, while the feed's floor rises past old versions. A device that only pulls
// is answered from memory once a pull of the database has told the feed its position.
func TestPullFromTheFeedIsTheDatabasesPull(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db testutil.DB) {
		srv := testutil.NewServer(t, db)
		u := srv.Register("dana@example.com")
		st := srv.App.Store
		st.SetFeedLimits(24, 1<<20, 8<<20)
		ctx := context.Background()
		r := mrand.New(mrand.NewPCG(7, 11))
		f := loadgen.NewFaker(7)
		clients := []string{"phone-0001", "tablet-0002", "laptop-0003"}
		watcher := "watch-0004" // pulls only
		next := map[string]int64{}
		versions := map[string]int64{} // record id → version of its last push
		var live []testutil.Mutation   // records not deleted, as created
		var contacts []string
		pull := func(client string, cursor int64, limit int) string {
			var got []string
			page, err := st.PullEach(ctx, u.ID, client, cursor, limit, srv.Clock.Now(), func(c Change) error {
				got = append(got, fmt.Sprintf("%s/%s@%d deleted=%v %s", c.Entity, c.ID, c.Version, c.Deleted, c.Data))
				return nil
			})
			if err != nil {
				t.Fatalf("pull of %s from %d, limit %d: %v", client, cursor, limit, err)
			}
			return fmt.Sprintf("%q cursor %d more %v last %d reset %v", got, page.Cursor, page.HasMore, page.LastMutationID, page.Reset)
		}
		hits, misses := 0, 0
		for step := 1; step <= 28; step++ {
			client := clients[r.IntN(len(clients))]
			var muts []testutil.Mutation
			for range 1 + r.IntN(4) {
				next[client]++
				m := testutil.Mutation{ID: next[client], Op: "put"}
				switch k := r.IntN(10); {
				case len(contacts) == 0 || k < 3:
					m.Entity, m.RecordID, m.Fields = "contact", f.ID(), f.Contact()
					contacts = append(contacts, m.RecordID)
				case k < 5:
					m.Entity, m.RecordID, m.Fields = "note", f.ID(), f.Note(contacts)
				case k < 6:
					m.Entity, m.RecordID = "ask", f.ID()
					m.Fields = map[string]any{"contact_id": contacts[r.IntN(len(contacts))], "target": "Lee",
						"trigger": map[string]any{"kind": "after_days", "value": fmt.Sprint(1 + r.IntN(9))}}
				case len(live) > 0 && k < 9:
					o := live[r.IntN(len(live))]
					m.Entity, m.RecordID, m.BaseVersion = o.Entity, o.RecordID, versions[o.RecordID]
					m.Fields = f.Edit(o.Entity)
					if o.Entity == "ask" {
						m.Fields = map[string]any{"why": f.Sentence(5)}
					}
				case len(live) > 0:
					i := r.IntN(len(live))
					o := live[i]
					m.Entity, m.RecordID, m.Op, m.BaseVersion = o.Entity, o.RecordID, "delete", versions[o.RecordID]
					live = append(live[:i], live[i+1:]...)
				default:
					m.Entity, m.RecordID, m.Fields = "contact", f.ID(), f.Contact()
				}
				if m.Op == "put" && m.BaseVersion == 0 {
					live = append(live, m)
				}
				muts = append(muts, m)
			}
			res := srv.Push(u, client, muts...)
			for _, m := range muts {
				versions[m.RecordID] = res.Version
			}
			if step%4 != 0 {
				continue
			}
			for _, c := range append(clients, watcher) {
				for cursor := int64(0); cursor <= res.Version; cursor++ {
					for _, limit := range []int{1, 3, 100} {
						if !st.FeedAnswers(u.ID, c, cursor) {
							misses++
							continue
						}
						hits++
						var fromDB string
						st.WithoutFeeds(func() { fromDB = pull(c, cursor, limit) })
						if fromFeed := pull(c, cursor, limit); fromFeed != fromDB {
							t.Fatalf("step %d, %s from %d, limit %d:\n feed     %s\n database %s", step, c, cursor, limit, fromFeed, fromDB)
						}
					}
				}
				pull(watcher, res.Version, 100) // from the database the first time: the feed learns its position
			}
		}
		t.Logf("the feed answered %d pulls, the database %d", hits, misses)
		if db.Name == "sqlite" && (hits == 0 || misses == 0) {
			t.Errorf("the feed answered %d pulls and left %d to the database; want some of each", hits, misses)
		}
		if db.Name != "sqlite" && hits != 0 {
			t.Errorf("PostgreSQL has no feed, yet it answered %d pulls", hits)
		}
	})
}

// A write that does not follow the feed's version (something wrote elsewhere) starts the feed
// afresh, so what was written elsewhere is pulled from the database; purged tombstones and a
// deleted account drop feeds too.
func TestFeedStartsAfreshAfterAWriteElsewhere(t *testing.T) {
	srv := testutil.NewServer(t, testutil.DB{Name: "sqlite"})
	u := srv.Register("dana@example.com")
	st := srv.App.Store
	ctx := context.Background()
	put := func(id int64, n int) testutil.Mutation {
		return testutil.Mutation{ID: id, Entity: "contact", RecordID: testutil.ID(n), Op: "put", Fields: map[string]any{"name": fmt.Sprint("Contact ", n)}}
	}
	srv.Push(u, "phone-0001", put(1, 1))
	srv.Push(u, "phone-0001", put(2, 2))
	if !st.FeedAnswers(u.ID, "phone-0001", 0) {
		t.Fatal("the feed does not answer after two pushes")
	}
	// Another writer adds a contact at version 3.
	if err := st.Exec(ctx, "UPDATE users SET version = version + 1 WHERE id = ?", u.ID); err != nil {
		t.Fatal(err)
	}
	if err := st.Exec(ctx, "INSERT INTO contacts (id, user_id, version, created_at, updated_at, field_versions, data) "+
		"SELECT ?, id, version, created_at, created_at, '{}', '{\"name\":\"From elsewhere\"}' FROM users WHERE id = ?", testutil.ID(3), u.ID); err != nil {
		t.Fatal(err)
	}
	srv.Push(u, "phone-0001", put(3, 4)) // version 4: the feed starts afresh at 3
	if st.FeedAnswers(u.ID, "phone-0001", 2) {
		t.Fatal("the feed still answers from before the write elsewhere")
	}
	changes, _ := srv.PullAll(u, "phone-0001", 2)
	if len(changes) != 2 || changes[0].RecordID != testutil.ID(3) || changes[1].RecordID != testutil.ID(4) {
		t.Fatalf("pulled from 2: %+v", changes)
	}
	if !st.FeedAnswers(u.ID, "phone-0001", 3) {
		t.Fatal("the fresh feed does not answer from its floor")
	}
	if _, err := st.PurgeTombstones(ctx, srv.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	if st.FeedAnswers(u.ID, "phone-0001", 3) {
		t.Fatal("the feed answers after a purge")
	}
	srv.Push(u, "phone-0001", put(4, 5))
	if !st.FeedAnswers(u.ID, "phone-0001", 4) {
		t.Fatal("no feed after the next push")
	}
	if err := st.DeleteUser(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	if st.FeedAnswers(u.ID, "phone-0001", 4) {
		t.Fatal("the feed of a deleted account answers")
	}
}

// A feed keeps the positions of a user's devices only (64 of them): past that it starts over,
// and the clients it no longer knows are answered by the database until their next push.
func TestFeedKeepsAFewClientsPositions(t *testing.T) {
	srv := testutil.NewServer(t, testutil.DB{Name: "sqlite"})
	u := srv.Register("dana@example.com")
	st := srv.App.Store
	client := func(i int) string { return fmt.Sprintf("device-%04d", i) }
	for i := 1; i <= 64; i++ {
		srv.Push(u, client(i), testutil.Mutation{ID: 1, Entity: "contact", RecordID: testutil.ID(i), Op: "put",
			Fields: map[string]any{"name": fmt.Sprint("Contact ", i)}})
	}
	if !st.FeedAnswers(u.ID, client(1), 0) || !st.FeedAnswers(u.ID, client(64), 0) {
		t.Fatal("the feed does not know the first 64 devices")
	}
	srv.Push(u, client(65), testutil.Mutation{ID: 1, Entity: "contact", RecordID: testutil.ID(65), Op: "put",
		Fields: map[string]any{"name": "Contact 65"}})
	if st.FeedAnswers(u.ID, client(1), 0) || !st.FeedAnswers(u.ID, client(65), 0) {
		t.Fatal("past 64 devices the feed should know only the newest")
	}
	// The database still answers the others, whole.
	if changes, _ := srv.PullAll(u, client(1), 0); len(changes) != 65 {
		t.Fatalf("device 1 pulled %d changes, want 65", len(changes))
	}
}
