package loadgen

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	mrand "math/rand/v2"
	"net/http"
	"sync"
	"time"
)

type account struct {
	email string
	token string // from the registration, for -share-login
}

const password = "loadgen correct horse battery"

// setup registers the accounts and signs in every device; it returns the devices and how many
// 429s it waited out.
func (g *gen) setup(ctx context.Context) ([]*device, int, error) {
	devs := make([]*device, g.cfg.Devices)
	accts := make([]account, g.cfg.Users)
	for i := range accts {
		accts[i] = account{email: fmt.Sprintf("loadgen-%s-%d@example.com", g.runID, i)}
	}
	for i := range devs {
		devs[i] = &device{
			g: g, acct: &accts[i%len(accts)], clientID: fmt.Sprintf("lg-%s-d%d", g.runID, i),
			f: NewFaker(g.cfg.Seed*1_000_003 + uint64(i)), nextID: 1,
			r: mrand.New(mrand.NewPCG(g.cfg.Seed, uint64(i))),
		}
	}
	var limited int
	var mu sync.Mutex
	// Each account's first device registers; the others sign in once every account exists.
	stage := func(jobs []*device, register bool) error {
		ch := make(chan *device)
		errc := make(chan error, g.cfg.SetupWorkers)
		var wg sync.WaitGroup
		for range g.cfg.SetupWorkers {
			wg.Go(func() {
				for d := range ch {
					n, err := d.signIn(ctx, register)
					mu.Lock()
					limited += n
					mu.Unlock()
					if err != nil {
						errc <- err
						return
					}
				}
			})
		}
		var err error
	feed:
		for _, d := range jobs {
			select {
			case ch <- d:
			case err = <-errc:
				break feed
			}
		}
		close(ch)
		wg.Wait()
		if err == nil {
			select {
			case err = <-errc:
			default:
			}
		}
		return err
	}
	if err := stage(devs[:len(accts)], true); err != nil {
		return nil, limited, err
	}
	if g.cfg.ShareLogin {
		for _, d := range devs[len(accts):] {
			d.token = d.acct.token
		}
		return devs, limited, nil
	}
	if err := stage(devs[len(accts):], false); err != nil {
		return nil, limited, err
	}
	return devs, limited, nil
}

// ---- one device ----

type ownRecord struct {
	entity, id string
	version    int64
}

type device struct {
	g        *gen
	acct     *account
	clientID string
	token    string
	f        *Faker
	r        *mrand.Rand

	nextID   int64       // next mutation id of this client
	outbox   []Mutation  // sent or not, not yet acknowledged
	own      []ownRecord // records this device made, for edits
	contacts []string    // contact ids notes may refer to
	cursor   int64
}

// signIn registers the account or logs in, waiting out rate limits; it returns the 429 count.
func (d *device) signIn(ctx context.Context, register bool) (int, error) {
	path := "/api/v1/auth/login"
	body := map[string]any{"email": d.acct.email, "password": password}
	want := http.StatusOK
	if register {
		path, want = "/api/v1/auth/register", http.StatusCreated
		body["name"] = "Loadgen " + d.clientID
	}
	b, _ := json.Marshal(body)
	limited := 0
	for wait := time.Second; ; wait = min(2*wait, 15*time.Second) {
		status, resp, _, err := d.g.do(ctx, http.MethodPost, path, "", b)
		if err != nil {
			return limited, fmt.Errorf("loadgen: %s: %w", path, err)
		}
		if status == http.StatusTooManyRequests {
			limited++
			if limited == 1 || limited%10 == 0 {
				d.g.logf("%s rate limited (%d so far by this worker); start the server with ASKWELL_AUTH_RATE_PER_MIN=100000", path, limited)
			}
			select {
			case <-ctx.Done():
				return limited, ctx.Err()
			case <-time.After(wait):
			}
			continue
		}
		if status != want {
			return limited, fmt.Errorf("loadgen: %s %s: %d %s", path, d.acct.email, status, bytes.TrimSpace(resp))
		}
		var a struct {
			AccessToken string `json:"access_token"`
		}
		if err := json.Unmarshal(resp, &a); err != nil || a.AccessToken == "" {
			return limited, fmt.Errorf("loadgen: %s: no access token in %s", path, resp)
		}
		d.token = a.AccessToken
		if register {
			d.acct.token = a.AccessToken
		}
		return limited, nil
	}
}

// loop is the device's life in the sync phase.
func (d *device) loop(ctx context.Context, st *stats) {
	for ctx.Err() == nil {
		d.push(ctx, st)
		if ctx.Err() != nil {
			return
		}
		d.pull(ctx, st)
		d.think(ctx)
	}
}

// pushLoop is the device only pushing, as when its user writes and nothing comes back.
func (d *device) pushLoop(ctx context.Context, st *stats) {
	for ctx.Err() == nil {
		d.push(ctx, st)
		d.think(ctx)
	}
}

// think waits about the configured pause between rounds.
func (d *device) think(ctx context.Context) {
	if d.g.cfg.Think <= 0 {
		return
	}
	pause := d.g.cfg.Think/2 + time.Duration(d.r.Int64N(int64(d.g.cfg.Think)+1))
	select {
	case <-ctx.Done():
	case <-time.After(pause):
	}
}

// write adds 1..MaxBatch local changes to the outbox: mostly new notes and contacts, some
// edits of records this device made.
func (d *device) write() {
	n := 1 + d.r.IntN(d.g.cfg.MaxBatch)
	for range n {
		m := Mutation{ID: d.nextID, Op: "put"}
		switch k := d.r.IntN(10); {
		case len(d.own) > 0 && k < 3:
			o := d.own[d.r.IntN(len(d.own))]
			m.Entity, m.RecordID, m.Fields, m.BaseVersion = o.entity, o.id, d.f.Edit(o.entity), o.version
		case len(d.contacts) == 0 || k < 6:
			m.Entity, m.RecordID, m.Fields = "contact", d.f.ID(), d.f.Contact()
			d.contacts = append(d.contacts, m.RecordID)
			d.own = append(d.own, ownRecord{entity: m.Entity, id: m.RecordID})
		default:
			m.Entity, m.RecordID, m.Fields = "note", d.f.ID(), d.f.Note(d.contacts[max(0, len(d.contacts)-50):])
			d.own = append(d.own, ownRecord{entity: m.Entity, id: m.RecordID})
		}
		d.nextID++
		d.outbox = append(d.outbox, m)
	}
	if len(d.own) > 500 { // keep memory flat on long runs
		d.own = d.own[len(d.own)-500:]
	}
	if len(d.contacts) > 500 {
		d.contacts = d.contacts[len(d.contacts)-500:]
	}
}

type pushRequest struct {
	ClientID  string     `json:"client_id"`
	Mutations []Mutation `json:"mutations"`
}

func (d *device) push(ctx context.Context, st *stats) {
	d.write()
	batch := d.outbox[:min(len(d.outbox), 1000)]
	body, err := json.Marshal(pushRequest{ClientID: d.clientID, Mutations: batch})
	if err != nil {
		st.errs["push encode"]++
		return
	}
	status, resp, dur, err := d.g.do(ctx, http.MethodPost, "/api/v1/sync/push", d.token, body)
	if record(ctx, st, KindPush, status, dur, err) {
		var res PushResult
		if json.Unmarshal(resp, &res) != nil {
			st.errs["push bad-response"]++
			return
		}
		st.applied += int64(res.Applied)
		d.ack(res.LastMutationID, res.Version)
		return
	}
	switch status {
	case http.StatusConflict: // a gap: the server says where it stands
		if next, gap := GapExpected(resp); gap {
			d.ack(next-1, 0)
		}
	case http.StatusUnauthorized: // the access token expired on a long run: sign in again
		_, _ = d.signIn(ctx, false)
	case http.StatusBadRequest, http.StatusUnprocessableEntity, http.StatusRequestEntityTooLarge:
		// The server will never take this batch: drop it and reuse its ids, or every later
		// push would fail the same way.
		if len(d.outbox) > 0 {
			d.nextID = d.outbox[0].ID
			d.outbox = d.outbox[:0]
		}
	}
	// Other failures (5xx, timeouts): the outbox stays and goes again with the next push.
}

// ack drops acknowledged mutations and remembers the version of the records they changed.
func (d *device) ack(last, version int64) {
	i := 0
	for i < len(d.outbox) && d.outbox[i].ID <= last {
		i++
	}
	if version > 0 {
		acked := map[string]bool{}
		for _, m := range d.outbox[:i] {
			acked[m.RecordID] = true
		}
		for j := range d.own {
			if acked[d.own[j].id] {
				d.own[j].version = version
			}
		}
	}
	d.outbox = append(d.outbox[:0], d.outbox[i:]...)
}

func (d *device) pull(ctx context.Context, st *stats) {
	for page := 0; page < 20 && ctx.Err() == nil; page++ {
		body := fmt.Appendf(nil, `{"client_id":%q,"cursor":%d,"limit":%d}`, d.clientID, d.cursor, d.g.cfg.PullLimit)
		status, resp, dur, err := d.g.do(ctx, http.MethodPost, "/api/v1/sync/pull", d.token, body)
		if !record(ctx, st, KindPull, status, dur, err) {
			if status == http.StatusUnauthorized {
				_, _ = d.signIn(ctx, false)
			}
			return
		}
		var p struct {
			Changes []json.RawMessage `json:"changes"`
			Cursor  int64             `json:"cursor"`
			HasMore bool              `json:"has_more"`
			Reset   bool              `json:"reset"`
		}
		if json.Unmarshal(resp, &p) != nil {
			st.errs["pull bad-response"]++
			return
		}
		st.received += int64(len(p.Changes))
		d.cursor = p.Cursor
		if !p.HasMore {
			return
		}
	}
}

// ---- report ----
