package webhook

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the receiver's Prometheus collectors.
type metrics struct {
	deliveries        *prometheus.CounterVec
	signatureFailures prometheus.Counter
	starts            *prometheus.CounterVec
	signals           *prometheus.CounterVec
	latency           *prometheus.HistogramVec
	tagsRefused       *prometheus.CounterVec
	bodiesRefused     *prometheus.CounterVec
	bodiesPending     prometheus.GaugeFunc
}

// Delivery outcomes, the "outcome" label of releasetrain_webhook_deliveries_total.
const (
	outcomeStarted     = "started"
	outcomeJoined      = "joined"
	outcomeSignalled   = "signalled"
	outcomeIgnored     = "ignored"
	outcomeDuplicate   = "duplicate"
	outcomePong        = "pong"
	outcomeRejected    = "rejected"
	outcomeUnavailable = "unavailable"
	outcomeError       = "error"
)

func newMetrics(reg prometheus.Registerer, pending func() float64) (*metrics, error) {
	m := &metrics{
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "releasetrain", Subsystem: "webhook", Name: "deliveries_total",
			Help: "GitHub webhook deliveries by event and outcome.",
		}, []string{"event", "outcome"}),
		signatureFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "releasetrain", Subsystem: "webhook", Name: "signature_failures_total",
			Help: "Deliveries rejected for a missing or wrong X-Hub-Signature-256.",
		}),
		starts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "releasetrain", Subsystem: "webhook", Name: "workflow_starts_total",
			Help: "Release workflow starts requested, by source and result.",
		}, []string{"source", "result"}),
		signals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "releasetrain", Subsystem: "webhook", Name: "workflow_signals_total",
			Help: "Signals and operator updates sent to release workflows, by name and result (ok, not_found, rejected, error).",
		}, []string{"signal", "result"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "releasetrain", Subsystem: "webhook", Name: "delivery_duration_seconds",
			Help:    "Time to answer a delivery, by event.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"event"}),
	}
	m.tagsRefused = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "releasetrain", Subsystem: "webhook", Name: "tags_refused_total",
		Help: "Release tags refused where they would start a train, by source and the releasetag rule they broke.",
	}, []string{"source", "rule"})
	m.bodiesRefused = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "releasetrain", Subsystem: "webhook", Name: "bodies_refused_total",
		Help: "Request bodies refused before the signature check, by reason: too_large, busy, memory, timeout.",
	}, []string{"reason"})
	m.bodiesPending = prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Namespace: "releasetrain", Subsystem: "webhook", Name: "bodies_pending",
		Help: "Deliveries reading their bodies now.",
	}, pending)
	for _, c := range []prometheus.Collector{m.deliveries, m.signatureFailures, m.starts, m.signals, m.latency, m.tagsRefused, m.bodiesRefused, m.bodiesPending} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register webhook metrics: %w", err)
		}
	}
	return m, nil
}
