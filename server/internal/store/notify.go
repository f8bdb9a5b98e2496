package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// PokeChannel is the PostgreSQL NOTIFY channel that carries sync pokes between instances.
const PokeChannel = "askwell_poke"

// Notify sends payload on a channel to every listening instance (PostgreSQL only).
func (s *Store) Notify(ctx context.Context, channel, payload string) error {
	if !s.postgres {
		return errors.New("store: notify needs PostgreSQL")
	}
	if _, err := s.db.ExecContext(ctx, "SELECT pg_notify(?, ?)", channel, payload); err != nil {
		return fmt.Errorf("store: notify: %w", err)
	}
	return nil
}

// Listen calls fn for every notification on channel until ctx ends, reconnecting after errors.
// ready, if not nil, is called each time the LISTEN is in place (tests wait for it).
func (s *Store) Listen(ctx context.Context, channel string, fn func(payload string), ready func(), onErr func(error)) {
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		err := s.listenOnce(ctx, channel, fn, ready)
		if ctx.Err() != nil {
			return
		}
		if onErr != nil {
			onErr(err)
		}
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		backoff = min(backoff*2, 10*time.Second)
	}
}

func (s *Store) listenOnce(ctx context.Context, channel string, fn func(string), ready func()) error {
	conn, err := pgx.Connect(ctx, s.pgURL)
	if err != nil {
		return fmt.Errorf("store: listen connect: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{channel}.Sanitize()); err != nil {
		return fmt.Errorf("store: listen: %w", err)
	}
	if ready != nil {
		ready()
	}
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return fmt.Errorf("store: wait notification: %w", err)
		}
		fn(n.Payload)
	}
}
