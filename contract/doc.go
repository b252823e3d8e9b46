// Package contract is what the release train's processes agree on: the
// Temporal names (task queue, workflow types, signals, queries, updates,
// search attributes, business ids), the payloads that cross them
// (ReleaseInput, signal and update payloads, Status with its typed states),
// the run and file references the workflows and activities pass instead of
// bytes, correlation ids, and the start options every starter shares.
//
// It imports no other releasetrain package, so the webhook receiver, the
// CLI and the HTTP API link it without linking the worker (activities,
// ghclient, bundle, the artifact store, OpenPGP). The workflows implement
// it; everything else talks to them through it. docs/architecture.md draws
// the package map.
package contract
