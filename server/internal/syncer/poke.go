package syncer

import (
	"context"
	"sync"
)

// Hub fans pokes out to the streams open on this instance. A poke carries no data: it only
// says "pull now", so a slow reader that misses one loses nothing (its channel holds one).
type Hub struct {
	mu sync.Mutex
	// subs are each user's streams, oldest first.
	subs map[string][]chan struct{}
	// maxPerUser bounds the streams of one user (0: no bound), so one token cannot exhaust
	// the server's connections.
	maxPerUser int
}

// NewHub makes an empty hub that keeps at most maxPerUser streams per user (0: no bound).
func NewHub(maxPerUser int) *Hub {
	return &Hub{subs: map[string][]chan struct{}{}, maxPerUser: maxPerUser}
}

// Subscribe returns a channel that receives a value after each commit for the user, and a
// function that ends the subscription. When the user has too many streams, the oldest one's
// channel is closed: its reader should end that stream.
func (h *Hub) Subscribe(userID string) (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	h.mu.Lock()
	subs := append(h.subs[userID], ch)
	if h.maxPerUser > 0 && len(subs) > h.maxPerUser {
		close(subs[0])
		subs = subs[1:]
	}
	h.subs[userID] = subs
	h.mu.Unlock()
	return ch, func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		subs := h.subs[userID]
		for i, c := range subs {
			if c == ch {
				subs = append(subs[:i:i], subs[i+1:]...)
				break
			}
		}
		if len(subs) == 0 {
			delete(h.subs, userID)
		} else {
			h.subs[userID] = subs
		}
	}
}

// Poke wakes every stream of the user on this instance.
func (h *Hub) Poke(_ context.Context, userID string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, ch := range h.subs[userID] {
		select {
		case ch <- struct{}{}:
		default: // a poke is already waiting; one is enough
		}
	}
}

// Subscribers counts open streams (for metrics and tests).
func (h *Hub) Subscribers() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, s := range h.subs {
		n += len(s)
	}
	return n
}

// Notifier publishes a poke to every instance (PostgreSQL NOTIFY).
type Notifier interface {
	Notify(ctx context.Context, userID string) error
}

// ClusterPoker pokes through the database so streams on other instances wake too; the
// instance's own listener delivers it to the local hub, like everyone else's.
type ClusterPoker struct {
	Notifier Notifier
	Local    *Hub
	OnError  func(error)
}

// Poke sends the poke to every instance; if the database refuses, this instance's
// streams are still poked.
func (p ClusterPoker) Poke(ctx context.Context, userID string) {
	if err := p.Notifier.Notify(context.WithoutCancel(ctx), userID); err != nil {
		if p.OnError != nil {
			p.OnError(err)
		}
		p.Local.Poke(ctx, userID)
	}
}
