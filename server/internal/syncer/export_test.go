package syncer

// HoldPushes makes the user's pushes wait as if one of theirs were being written. waiting
// counts the pushes waiting; release hands the queue on as the end of that write would.
func (s *Service) HoldPushes(userID string) (waiting func() int, release func()) {
	q := s.queue
	q.mu.Lock()
	u := q.users[userID]
	if u == nil {
		u = &userPushes{}
		q.users[userID] = u
	}
	u.writing = true
	q.mu.Unlock()
	waiting = func() int {
		q.mu.Lock()
		defer q.mu.Unlock()
		return len(u.waiting)
	}
	return waiting, func() { q.finish(userID, nil) }
}
