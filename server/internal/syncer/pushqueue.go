package syncer

// Pushes of one user written together. A user's writes run one after another, and besides
// its mutations and the coach's reads about the contacts it touches, a push costs what every
// write costs: a snapshot, the user and client rows, a savepoint, a version, and on
// PostgreSQL a transaction. So the pushes that arrive while one of the user's is being
// written (their other devices, or one device's next batch) wait, and the next write takes
// them all.

import (
	"context"
	"errors"
	"sync"

	"github.com/askwell/askwell/server/internal/store"
)

// pushQueue holds, per user, the pushes waiting while one of the user's rounds is written.
type pushQueue struct {
	mu    sync.Mutex
	users map[string]*userPushes
}

type userPushes struct {
	writing bool // a round is being written; what arrives waits
	waiting []*queuedPush
}

// queuedPush is one push and, once done is closed, its answer.
type queuedPush struct {
	clientID string
	muts     []Mutation
	res      PushResult
	err      error
	done     chan struct{} // closed when res and err are set
	lead     chan struct{} // closed when this push is to write the next round
}

// errNotWritten answers a push whose round ended without reaching it (a panic in the writer).
var errNotWritten = errors.New("sync: push not written")

func newPushQueue() *pushQueue { return &pushQueue{users: map[string]*userPushes{}} }

// push waits for its turn and returns its push's answer. The push either joins the round of
// another waiting push or writes a round itself (with write), as the first of those waiting
// when the user's previous round ended. The round is written without the request's
// cancellation: it answers other requests too.
func (q *pushQueue) push(ctx context.Context, userID, clientID string, muts []Mutation,
	write func(ctx context.Context, userID string, round []*queuedPush)) (PushResult, error) {
	p := &queuedPush{clientID: clientID, muts: muts, done: make(chan struct{}), lead: make(chan struct{})}
	round := q.enqueue(userID, p)
	if round == nil {
		select {
		case <-p.done:
			return p.res, p.err
		case <-p.lead:
			round = q.next(userID)
		}
	}
	func() {
		defer q.finish(userID, round)
		for _, r := range round {
			r.err = errNotWritten
		}
		write(context.WithoutCancel(ctx), userID, round)
	}()
	return p.res, p.err
}

// enqueue adds p to its user's queue and returns the round p is to write now, or nil when
// one of the user's rounds is being written and p waits.
func (q *pushQueue) enqueue(userID string, p *queuedPush) []*queuedPush {
	q.mu.Lock()
	defer q.mu.Unlock()
	u := q.users[userID]
	if u == nil {
		u = &userPushes{}
		q.users[userID] = u
	}
	u.waiting = append(u.waiting, p)
	if u.writing {
		return nil
	}
	u.writing = true
	return u.takeRound()
}

// next is the round of a push told to lead: it and the pushes waiting behind it.
func (q *pushQueue) next(userID string) []*queuedPush {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.users[userID].takeRound()
}

// finish answers a written round and hands the user's queue to the first push still waiting.
func (q *pushQueue) finish(userID string, round []*queuedPush) {
	for _, p := range round {
		close(p.done)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	u := q.users[userID]
	if len(u.waiting) == 0 {
		delete(q.users, userID)
		return
	}
	close(u.waiting[0].lead)
}

// takeRound takes the waiting pushes that can be written together, in the order they came:
// one per client (a client's next batch continues where its previous one ends, so it waits
// for that one's answer) and at most MaxMutations in all. The first is always taken.
func (u *userPushes) takeRound() []*queuedPush {
	var round, rest []*queuedPush
	seen := map[string]bool{}
	n := 0
	for _, p := range u.waiting {
		if len(round) > 0 && (seen[p.clientID] || n+len(p.muts) > MaxMutations) {
			seen[p.clientID] = true // a later batch of this client must not pass this one
			rest = append(rest, p)
			continue
		}
		seen[p.clientID] = true
		n += len(p.muts)
		round = append(round, p)
	}
	u.waiting = rest
	return round
}

// writeRound writes a round's pushes as one write. When any of them fails there (a gap, a
// mutation the rules refuse, the quota), nothing of that write was kept, and each push of a
// round of several is written alone, so each gets its own answer and a bad one fails alone.
func (s *Service) writeRound(ctx context.Context, userID string, round []*queuedPush) {
	if err := s.writePushes(ctx, userID, round); err != nil {
		if len(round) == 1 {
			round[0].err = err
		} else {
			for _, p := range round {
				p.err = s.writePushes(ctx, userID, []*queuedPush{p})
			}
		}
	}
	applied := false
	for _, p := range round {
		if p.err != nil {
			continue
		}
		if s.observer != nil {
			s.observer.Pushed(p.res.Applied, len(p.muts)-p.res.Applied)
		}
		applied = applied || p.res.Applied > 0
	}
	if applied && s.poker != nil {
		s.poker.Poke(ctx, userID)
	}
}

// writePushes writes one or several clients' pushes as one write of the next version: each
// push's mutations are merged in the order the pushes came, as their own client's, then the
// coach derives once from all of them and the records are saved once. Each push gets its own
// answer; they share the version. On an error no push has an answer.
func (s *Service) writePushes(ctx context.Context, userID string, round []*queuedPush) error {
	now := s.now().UTC()
	res := make([]PushResult, len(round))
	version, err := s.store.Write(ctx, userID, func(w *store.Writer) error {
		todo := make([][]Mutation, len(round))
		var all []Mutation
		for i, p := range round {
			last, err := w.BindClient(ctx, p.clientID, now)
			if err != nil {
				return err
			}
			res[i] = PushResult{LastMutationID: last}
			todo[i] = unseen(p.muts, last)
			if len(todo[i]) > 0 && todo[i][0].ID != last+1 {
				return &GapError{Expected: last + 1}
			}
			all = append(all, todo[i]...)
		}
		if len(all) == 0 {
			return store.ErrNoChange
		}
		b := newBatch(s, w, now, "")
		if err := b.loadTargets(ctx, all); err != nil {
			return err
		}
		for i, p := range round {
			if len(todo[i]) == 0 {
				continue
			}
			b.clientID = p.clientID
			if err := b.apply(ctx, todo[i]); err != nil {
				var ie *InvalidError
				if errors.As(err, &ie) {
					ie.Index += len(p.muts) - len(todo[i]) // a position in the batch as sent
				}
				return err
			}
		}
		if err := b.derive(ctx); err != nil {
			return err
		}
		if err := b.save(ctx); err != nil {
			return err
		}
		for i, p := range round {
			if len(todo[i]) == 0 {
				continue
			}
			res[i].LastMutationID, res[i].Applied = todo[i][len(todo[i])-1].ID, len(todo[i])
			if err := w.SetLastMutation(ctx, p.clientID, res[i].LastMutationID, now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for i, p := range round {
		res[i].Version = version
		p.res, p.err = res[i], nil
	}
	return nil
}
