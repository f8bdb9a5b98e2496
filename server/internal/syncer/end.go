package syncer

// End closes every stream of the user on this instance (the account is gone): their channels
// close, and a stream reading a closed channel stops.
func (h *Hub) End(userID string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, ch := range h.subs[userID] {
		close(ch)
	}
	delete(h.subs, userID)
}
