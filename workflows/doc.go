// Package workflows holds releasetrain's Temporal workflows — Release, and
// Layer (one child per DAG layer) — and the contract operators and the
// webhook receiver use: names, signal and query payloads, status types —
// and Reconcile, the webhook delivery-log reconciler the
// releasetrain-reconcile Temporal Schedule runs (reconcile.go).
//
// # Determinism
//
// Workflow code must replay identically: no I/O, no time.Now (use
// workflow.Now), no time.Sleep (workflow.Sleep / timers), no goroutines
// (workflow.Go), no ranging over maps (sort the keys), no global mutable state.
// `make lint` runs workflowcheck over this package.
package workflows
