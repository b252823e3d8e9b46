package webhook

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/BTCDecoded/releasetrain/contract"
)

// reconcileCacheFor is how long a read of the reconcile schedule serves
// scrapes, so /metrics costs Temporal at most one describe per interval.
const reconcileCacheFor = 10 * time.Second

// reconcileCollector exports the delivery-log reconciler's last run, read
// from the releasetrain-reconcile schedule's memo at scrape time.
type reconcileCollector struct {
	schedules scheduleClient
	descs     map[string]*prometheus.Desc

	mu     sync.Mutex
	at     time.Time
	last   *contract.ReconcileResult
	cached bool
}

func newReconcileCollector(sc scheduleClient) *reconcileCollector {
	c := &reconcileCollector{schedules: sc, descs: map[string]*prometheus.Desc{}}
	for name, help := range map[string]string{
		"scanned":          "Delivery-log items the reconciler's last run read.",
		"failed":           "Failed deliveries of events the train cares about, found by the last run.",
		"redelivered":      "Deliveries the last run had GitHub redeliver.",
		"pending":          "Failed deliveries redelivered by an earlier run whose new attempt was not logged yet.",
		"lost":             "Failed deliveries GitHub refused to redeliver (older than 3 days) in the last run.",
		"budget":           "Rate-limit units the last run spent (list pages, redeliveries, repository lookups).",
		"finished_seconds": "Unix time the last run finished.",
		"duration_seconds": "How long the last run took.",
		"truncated":        "1 when the last run left deliveries for the next run.",
		"present":          "1 when the reconcile schedule holds a last run.",
	} {
		c.descs[name] = prometheus.NewDesc("releasetrain_reconcile_last_run_"+name, help, nil, nil)
	}
	return c
}

// Describe implements prometheus.Collector.
func (c *reconcileCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range c.descs {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *reconcileCollector) Collect(ch chan<- prometheus.Metric) {
	last := c.read()
	exists := 0.0
	if last != nil {
		exists = 1
	}
	ch <- prometheus.MustNewConstMetric(c.descs["present"], prometheus.GaugeValue, exists)
	if last == nil {
		return
	}
	truncated := 0.0
	if last.Truncated {
		truncated = 1
	}
	for name, v := range map[string]float64{
		"scanned": float64(last.Scanned), "failed": float64(last.Failed), "redelivered": float64(last.Redelivered),
		"pending": float64(last.Pending), "lost": float64(last.Expired), "budget": float64(last.Budget),
		"finished_seconds": float64(last.FinishedAt.Unix()), "duration_seconds": last.FinishedAt.Sub(last.StartedAt).Seconds(),
		"truncated": truncated,
	} {
		ch <- prometheus.MustNewConstMetric(c.descs[name], prometheus.GaugeValue, v)
	}
}

// read returns the last run, described at most once per reconcileCacheFor.
func (c *reconcileCollector) read() *contract.ReconcileResult {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cached && time.Since(c.at) < reconcileCacheFor {
		return c.last
	}
	ctx, cancel := context.WithTimeout(context.Background(), redeliveredLookup)
	defer cancel()
	c.at, c.cached, c.last = time.Now(), true, nil
	desc, err := c.schedules.GetHandle(ctx, contract.ReconcileScheduleID).Describe(ctx)
	if err != nil {
		return nil
	}
	st, err := contract.ReconcileStateFromSchedule(desc)
	if err != nil {
		return nil
	}
	c.last = st.Last
	return c.last
}

func registerReconcileMetrics(reg prometheus.Registerer, sc scheduleClient) error {
	if err := reg.Register(newReconcileCollector(sc)); err != nil {
		return fmt.Errorf("register reconcile metrics: %w", err)
	}
	return nil
}
