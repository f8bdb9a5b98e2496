package remind

import (
	"errors"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics counts what the dispatcher does; see newMetrics for what each counter means.
type metrics struct {
	sent, failed, retried, pruned, held, delivered, stopped prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	c := func(name, help string) prometheus.Counter {
		return prometheus.NewCounter(prometheus.CounterOpts{Name: "askwell_push_" + name + "_total", Help: help})
	}
	m := &metrics{
		sent:      c("sent", "Push messages a push service accepted."),
		failed:    c("failed", "Push messages not accepted: gone, rejected, to retry, or a network error."),
		retried:   c("retried", "Reminders put back to be tried again later (429, 5xx, network error)."),
		pruned:    c("pruned", "Push subscriptions deleted because the push service said they are gone (404, 410)."),
		held:      c("held", "Reminders held until the user's quiet hours end."),
		delivered: c("reminders_delivered", "Reminders delivered to at least one of the user's devices."),
		stopped:   c("reminders_stopped", "Reminders left pending without further pushes: no subscription, refused, or out of attempts."),
	}
	if reg == nil {
		return m, nil
	}
	for _, col := range []prometheus.Collector{m.sent, m.failed, m.retried, m.pruned, m.held, m.delivered, m.stopped} {
		if err := reg.Register(col); err != nil {
			var are prometheus.AlreadyRegisteredError
			if errors.As(err, &are) {
				return nil, fmt.Errorf("remind: metrics: %w (one dispatcher per registry)", err)
			}
			return nil, fmt.Errorf("remind: metrics: %w", err)
		}
	}
	return m, nil
}
