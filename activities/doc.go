// Package activities holds releasetrain's Temporal activities: methods on one
// Activities struct that carries their dependencies (GitHub client, artifact
// store, bundle settings, logger). Inputs and results are references and
// digests, never file contents.
//
// # Reconciler
//
// The webhook delivery-log reconciler's activities are methods on their own
// Reconciler struct (reconcile.go): ScanDeliveries reads the delivery log
// back to the checkpoint and picks the failed deliveries the train cares
// about, RedeliverDeliveries asks GitHub to send them again,
// SaveReconcileState keeps the state in the schedule's workflow memo.
package activities
