// Package worker builds releasetrain's Temporal client and worker: it dials
// Temporal with a zap-backed logger, opens the artifact store, loads signing
// keys, registers the Release and Layer workflows and the activities on the
// releasetrain task queue, and runs until its context ends. With
// Options.Train, Run creates or updates the releasetrain-reconcile Temporal
// Schedule (EnsureReconcileSchedule): the webhook delivery-log reconciler
// every reconcile.interval.
//
// # Environment
//
// OptionsFromEnv reads TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, the GitHub
// variables of ghclient.ConfigFromEnv, RELEASETRAIN_DATA_DIR,
// RELEASETRAIN_ARTIFACT_STORE, RELEASETRAIN_WORK_DIR,
// RELEASETRAIN_LISTING_WAIT and bundle's RELEASETRAIN_SIGNING_KEY,
// RELEASETRAIN_SIGNING_KEY_FILE (a path list) and
// RELEASETRAIN_SIGNING_PASSPHRASE, and provenance's RELEASETRAIN_PROVENANCE_KEY_FILE.
package worker
