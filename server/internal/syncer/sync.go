// Package syncer implements the push/pull protocol: per-client mutation sequences with safe
// replay, per-field last-writer-wins in server commit order, deletes that win but keep the
// content, long text that is never silently lost, and paged pulls by the user's change counter.
// It knows nothing of HTTP; httpapi turns requests into these calls.
package syncer

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/askwell/askwell/server/internal/records"
	"github.com/askwell/askwell/server/internal/store"
	"github.com/askwell/askwell/server/internal/zones"
)

// Limits of one request.
const (
	MaxMutations = 1000
	DefaultLimit = 2000
	MaxLimit     = 10000
)

// Operations of a mutation.
const (
	OpPut    = "put"
	OpDelete = "delete"
)

// Mutation is one client change.
type Mutation struct {
	ID          int64
	Entity      string
	RecordID    string
	Op          string
	Fields      map[string]any
	BaseVersion int64
}

// PushResult says how far the server got.
type PushResult struct {
	LastMutationID int64
	Version        int64
	Applied        int
}

// GapError: the batch skips mutation ids the server has not seen; resend from Expected.
type GapError struct{ Expected int64 }

// Error says where the client should resume, as the HTTP answer does.
func (e *GapError) Error() string {
	return fmt.Sprintf("sync: mutation gap, expected id %d", e.Expected)
}

// InvalidError: one mutation cannot be applied; nothing of the batch was. Its parts are there
// to be read, so a client can be told which mutation, which field and why.
type InvalidError struct {
	// Index is the mutation's position in the batch sent, MutationID its id (0 when the error
	// is about the batch as a whole).
	Index      int
	MutationID int64
	// Field is the mutation's field at fault (id, entity, op, record_id and base_version for a
	// malformed mutation), or "" when the mutation as a whole is refused.
	Field  string
	Reason string
	// Malformed marks a mutation that breaks the Mutation schema of openapi.yaml, as opposed to
	// a well-formed one the rules refuse: HTTP answers it like any request off the schema.
	Malformed bool
}

// Message says what is wrong without the package prefix, as clients are told.
func (e *InvalidError) Message() string {
	if e.Field != "" {
		return fmt.Sprintf("mutation %d: field %q: %s", e.Index, e.Field, e.Reason)
	}
	return fmt.Sprintf("mutation %d: %s", e.Index, e.Reason)
}

// Error is Message with the package prefix, for logs.
func (e *InvalidError) Error() string { return "sync: " + e.Message() }

// Poker tells a user's other devices that something changed.
type Poker interface {
	Poke(ctx context.Context, userID string)
}

// Observer counts what the protocol does (Prometheus in production).
type Observer interface {
	Pushed(applied, replayed int)
	Pulled(records int)
}

// Service runs the protocol over a store.
type Service struct {
	zones    *zones.Cache
	store    *store.Store
	schema   *records.Schema
	now      func() time.Time
	poker    Poker
	observer Observer
	queue    *pushQueue
}

// New makes a Service; now is the clock (injected so tests control time).
func New(st *store.Store, schema *records.Schema, now func() time.Time, poker Poker, obs Observer) *Service {
	return &Service{zones: &zones.Cache{}, store: st, schema: schema, now: now, poker: poker, observer: obs, queue: newPushQueue()}
}

// Push applies a batch as one write; see the package comment for the rules. A push that
// arrives while another of the same user is being written waits and is then written together
// with the others that waited (see pushQueue).
func (s *Service) Push(ctx context.Context, userID, clientID string, muts []Mutation) (PushResult, error) {
	if len(muts) > MaxMutations {
		return PushResult{}, &InvalidError{Index: MaxMutations, Reason: fmt.Sprintf("at most %d mutations per batch", MaxMutations)}
	}
	if err := s.validate(muts); err != nil {
		return PushResult{}, err
	}
	return s.queue.push(ctx, userID, clientID, muts, s.writeRound)
}

// unseen is the part of a batch after the client's last applied mutation: a batch sent again
// (its answer was lost) is applied only from where the server stopped.
func unseen(muts []Mutation, last int64) []Mutation {
	for len(muts) > 0 && muts[0].ID <= last {
		muts = muts[1:]
	}
	return muts
}

// validate checks what can be checked without the database, so a bad batch never opens a
// transaction: first every mutation's form, then ids consecutive and fields of the right shape.
// It is the one place mutations are checked; HTTP checks only the request around them.
func (s *Service) validate(muts []Mutation) error {
	for i, m := range muts {
		if err := s.malformed(m); err != nil {
			err.Index, err.MutationID, err.Malformed = i, m.ID, true
			return err
		}
	}
	now := s.now().UTC()
	for i, m := range muts {
		if i > 0 && m.ID != muts[i-1].ID+1 {
			return &InvalidError{Index: i, MutationID: m.ID, Reason: "mutation ids in a batch must be consecutive"}
		}
		kind, _ := s.schema.Kind(m.Entity) // known: malformed checked it
		switch m.Op {
		case OpPut:
			if err := s.schema.ValidatePatch(kind, m.Fields, false); err != nil {
				var fe *records.FieldError
				if errors.As(err, &fe) {
					return &InvalidError{Index: i, MutationID: m.ID, Field: fe.Field, Reason: fe.Reason}
				}
				return err
			}
			if err := checkDomain(kind.Name, m.Fields, now); err != nil {
				err.Index, err.MutationID = i, m.ID
				return err
			}
		case OpDelete:
			if kind.ServerOnly {
				return &InvalidError{Index: i, MutationID: m.ID, Reason: kind.Name + "s are removed by the server"}
			}
		}
	}
	return nil
}

// malformed is the Mutation schema of openapi.yaml written out (the HTTP validator leaves push
// bodies to this: a 1,000-mutation push spends more in generic schema walking than in the
// database), or nil.
func (s *Service) malformed(m Mutation) *InvalidError {
	_, known := s.schema.Kind(m.Entity)
	switch {
	case m.ID < 1:
		return &InvalidError{Field: "id", Reason: "must be 1 or more"}
	case !known:
		return &InvalidError{Field: "entity", Reason: "unknown entity"}
	case m.Op != OpPut && m.Op != OpDelete:
		return &InvalidError{Field: "op", Reason: "want put or delete"}
	case !records.ValidID(m.RecordID):
		return &InvalidError{Field: "record_id", Reason: "want a lower-case UUID"}
	case m.BaseVersion < 0:
		return &InvalidError{Field: "base_version", Reason: "must not be negative"}
	}
	return nil
}

// Pull returns a page of changes after cursor.
func (s *Service) Pull(ctx context.Context, userID, clientID string, cursor int64, limit int) (*store.PullPage, error) {
	var changes []store.Change
	page, err := s.PullEach(ctx, userID, clientID, cursor, limit, func(c store.Change) error {
		changes = append(changes, c)
		return nil
	})
	if err != nil {
		return nil, err
	}
	page.Changes = changes
	return page, nil
}

// PullEach is Pull handing each change to emit as it is read, for answers written while the
// records stream from the database; the page it returns has no Changes.
func (s *Service) PullEach(ctx context.Context, userID, clientID string, cursor int64, limit int, emit func(store.Change) error) (*store.PullPage, error) {
	if limit <= 0 {
		limit = DefaultLimit
	}
	if limit > MaxLimit {
		limit = MaxLimit
	}
	if cursor < 0 {
		return nil, &InvalidError{Field: "cursor", Reason: "must not be negative"}
	}
	n := 0
	page, err := s.store.PullEach(ctx, userID, clientID, cursor, limit, s.now().UTC(), func(c store.Change) error {
		n++
		return emit(c)
	})
	if err != nil {
		return nil, err
	}
	if s.observer != nil {
		s.observer.Pulled(n)
	}
	return page, nil
}
