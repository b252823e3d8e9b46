package ghclient

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the client's Prometheus collectors. They count whether or not
// they are registered.
type metrics struct {
	requests  *prometheus.CounterVec
	budget    prometheus.Counter
	remaining prometheus.Gauge
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "releasetrain_github_requests_total",
			Help: "GitHub HTTP requests by call kind and HTTP status (\"error\" when no answer arrived).",
		}, []string{"kind", "status"}),
		budget: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "releasetrain_github_budget_spent_total",
			Help: "GitHub API requests that counted against the primary rate limit (304s and artifact blob downloads do not).",
		}),
		remaining: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "releasetrain_github_ratelimit_remaining",
			Help: "Last seen x-ratelimit-remaining.",
		}),
	}
	m.remaining.Set(-1)
	if reg == nil {
		return m, nil
	}
	var err error
	if m.requests, err = register(reg, m.requests); err != nil {
		return nil, err
	}
	if m.budget, err = register(reg, m.budget); err != nil {
		return nil, err
	}
	if m.remaining, err = register(reg, m.remaining); err != nil {
		return nil, err
	}
	return m, nil
}

// register registers c, or returns the collector already registered under
// the same name, so several clients can share one registry.
func register[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	err := reg.Register(c)
	if err == nil {
		return c, nil
	}
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		if existing, ok := are.ExistingCollector.(C); ok {
			return existing, nil
		}
	}
	return c, err
}
