package sync

import (
	"context"
	stdsync "sync"
)

// Hub fans pokes out to the streams open on this instance. A poke carries no data: it only
// says "pull now", so a slow reader that misses one loses nothing (its channel holds one).
type Hub struct {
	mu   stdsync.Mutex
	subs map[string]map[chan struct{}]struct{}
}

// NewHub makes an empty hub.
func NewHub() *Hub { return &Hub{subs: map[string]map[chan struct{}]struct{}{}} }

// Subscribe returns a channel that receives a value after each commit for the user, and a
// function that ends the subscription.
func (h *Hub) Subscribe(userID string) (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	h.mu.Lock()
	if h.subs[userID] == nil {
		h.subs[userID] = map[chan struct{}]struct{}{}
	}
	h.subs[userID][ch] = struct{}{}
	h.mu.Unlock()
	return ch, func() {
		h.mu.Lock()
		delete(h.subs[userID], ch)
		if len(h.subs[userID]) == 0 {
			delete(h.subs, userID)
		}
		h.mu.Unlock()
	}
}

// Poke wakes every stream of the user on this instance.
func (h *Hub) Poke(_ context.Context, userID string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs[userID] {
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
