package config

import (
	"fmt"
	"net/url"
	"time"
)

// Reconcile configures the webhook delivery-log reconciler (the
// releasetrain-reconcile Temporal Schedule the worker creates).
type Reconcile struct {
	// Interval between reconciler runs, a duration of at least a minute, or
	// "off" to disable the schedule. Default "5m".
	Interval string `yaml:"interval" json:"interval,omitempty"`
	// WebhookURL is the receiver's URL as configured on the repositories'
	// webhooks. A token-only setup (no GitHub App) reads those repository
	// hooks' delivery logs, found by this URL; with the App it is not used.
	WebhookURL string `yaml:"webhook_url" json:"webhook_url,omitempty"`
}

// DefaultReconcileInterval is the reconciler's default interval.
const DefaultReconcileInterval = 5 * time.Minute

// minReconcileInterval keeps the reconciler from spending the rate limit on
// list pages faster than deliveries can fail.
const minReconcileInterval = time.Minute

// ReconcileOff is the reconcile.interval value that disables the reconciler.
const ReconcileOff = "off"

// Every is the reconciler's interval; 0 means off.
func (r Reconcile) Every() (time.Duration, error) {
	switch r.Interval {
	case "":
		return DefaultReconcileInterval, nil
	case ReconcileOff:
		return 0, nil
	}
	d, err := time.ParseDuration(r.Interval)
	if err != nil {
		return 0, fmt.Errorf("want a duration like 5m, or %q", ReconcileOff)
	}
	if d < minReconcileInterval {
		return 0, fmt.Errorf("%s is shorter than the minimum %s", d, minReconcileInterval)
	}
	return d, nil
}

// checkReconcile validates the reconcile section.
func (v validator) checkReconcile(r Reconcile) error {
	if _, err := r.Every(); err != nil {
		return v.errAt("reconcile.interval", err, "reconcile: interval %q: %v", r.Interval, err)
	}
	if r.WebhookURL != "" {
		u, err := url.Parse(r.WebhookURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return v.errAt("reconcile.webhook_url", err, "reconcile: webhook_url %q: want an absolute http(s) URL", r.WebhookURL)
		}
	}
	return nil
}
