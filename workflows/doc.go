// Package workflows holds releasetrain's Temporal workflows — Release, and
// Layer (one child per DAG layer) — and Reconcile, the webhook
// delivery-log reconciler the releasetrain-reconcile Temporal Schedule runs
// (reconcile.go). They implement package contract (names, payloads,
// status), which is all the receiver, the CLI and the HTTP API see of them.
//
// # Schedules
//
// On the layered schedule the Release workflow starts layer n+1 when layer n
// has completed. On the eager schedule (the default; workflow.GetVersion
// "eager-schedule") it starts every layer at once; each build waits in its
// layer until the repos it depends on have succeeded or were skipped, which
// the layer of a finished repo signals to the layers of its dependents
// (upstream-done), with the Release workflow as a safety net. Pause, cancel,
// retry, skip and blocks work the same on both.
//
// # Determinism
//
// Workflow code must replay identically: no I/O, no time.Now (use
// workflow.Now), no time.Sleep (workflow.Sleep / timers), no goroutines
// (workflow.Go), no ranging over maps (sort the keys), no global mutable state.
// `make lint` runs workflowcheck over this package.
package workflows
