package app

import (
	"sync"
	"testing"
)

// The server's shutdown hook (run in a goroutine of its own by http.Server.Shutdown) and
// Close, called as soon as Serve returns, both end the event streams. Ending them twice at
// once must not close the channel twice: that panicked on SIGTERM under load.
func TestEndStreamsTwiceAtOnce(t *testing.T) {
	for range 5000 {
		a := &App{shutdown: make(chan struct{})}
		var start, done sync.WaitGroup
		start.Add(1)
		for range 2 {
			done.Go(func() {
				start.Wait()
				a.endStreams()
			})
		}
		start.Done()
		done.Wait()
		select {
		case <-a.shutdown:
		default:
			t.Fatal("the streams were not told to end")
		}
	}
}
