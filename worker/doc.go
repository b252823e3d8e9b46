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
// The worker reads no environment variable itself: `releasetrain worker`
// builds Options with OptionsFrom(config.OSEnv().Worker()), so package config
// decides every variable's name and default.
package worker
