// Package workflows holds releasetrain's Temporal workflows: Release, one
// per train (release.go), Layer, one child per DAG layer (layer.go, with
// the build pipeline of each repo in build.go), and Reconcile, the webhook
// delivery-log reconciler the releasetrain-reconcile Temporal Schedule runs
// (reconcile.go). They implement package contract (names, payloads,
// status), which is all the receiver, the CLI and the HTTP API see of them.
// Activities are called through the method values of a nil
// *activities.Activities, so the calls are type-checked and the worker
// alone holds their dependencies.
//
// # How Release and Layer talk
//
// Release starts the Layer children with ExecuteChildWorkflow (ids
// release-<tag>-layer-<n>) and cancels them by cancelling their context;
// everything else between them is a signal, both ways.
//
// Release to its layers (SignalChildWorkflow, see release_signals.go):
//
//   - build-event: a workflow_run webhook (or build-complete dispatch)
//     about a repo, forwarded to the one layer that builds it, which wakes
//     that build's wait for its run;
//   - retry and skip {repo}: the operator's word for a blocked or running
//     build, forwarded to its layer (a skip of a repo whose layer has not
//     started is recorded by Release itself);
//   - pause and resume: sent to every running layer; a paused layer
//     dispatches nothing new, its running builds go on;
//   - upstream-done {repos}: on the eager schedule only, the repos that
//     finished outside a running layer (skipped before their layer started,
//     or in a layer that completed), sent to each layer holding a dependent
//     of them (release.announce).
//
// Layers to Release and to each other (SignalExternalWorkflow):
//
//   - layer-progress {updates}: a layer's repo status changes, batched by
//     its reporter (progress.go) so twenty parallel builds cost a handful of
//     signals; each update carries the repo's whole RepoStatus and whether
//     the build is blocked waiting for an operator;
//   - upstream-done: on the eager schedule, a layer whose build succeeded
//     or was skipped tells the later layers holding its dependents at once
//     (layer.notify), without a round trip through Release. A layer takes
//     either sender's word; both are idempotent.
//
// Operators signal (or update) only Release; layer-progress and
// upstream-done are internal and no client sends them.
//
// # Who owns which state
//
// A Layer owns its builds: each one's step (dispatch, await, collect),
// attempt, run, retry and skip flags and backoff timers (build.go), its
// own paused flag, and, on the eager schedule, which upstream repos are
// ready. Its result (one RepoResult per repo: the run, the manifest
// reference, skipped or not) is the final word on its repos.
//
// Release owns the train: the graph and its layers, which children run,
// the operator state (paused, cancel reason, blocked repos and the blocked
// release step), the preflight, package and publish steps, the signature
// window, the results of finished layers, the search attributes and the Web
// UI summary, and the Status the status query answers. Status.Repos mirrors
// what the layers report (layer-progress) until a layer's result is
// recorded; after that progress reports for its repos are ignored.
//
// # Schedules
//
// On the layered schedule Release starts layer n+1 when layer n has
// completed (and not while paused); only one layer runs at a time. On the
// eager schedule (the default; workflow.GetVersion "eager-schedule") it
// starts every layer at once with LayerInput.Eager and Dependents; each
// build waits in its layer until every repo it depends on has succeeded or
// was skipped, which the upstream-done signals tell it, so a repo never
// waits for its layer's slowest member while histories stay split per
// layer. A failed layer cancels the others. Pause, cancel, retry, skip and
// blocks work the same on both.
//
// # Queries and updates
//
// Release answers the status query with its Status. The updates pause,
// resume, cancel, retry and skip mirror the signals of the same names but
// answer synchronously: their validators (release_signals.go,
// updates.go) reject an unknown repo, a finished release, a retry of a
// build that is not blocked or a skip of a finished one before anything is
// recorded in history, and the result is the Status after the change.
// attach-signature adds a rebuilder's signature while the signature window
// is open (signatures.go). Layer has no query or update: its state reaches
// operators through Release.
//
// # Determinism
//
// Workflow code must replay identically: no I/O, no time.Now (use
// workflow.Now), no time.Sleep (workflow.Sleep / timers), no goroutines
// (workflow.Go), no ranging over maps (sort the keys), no global mutable state.
// A change to the command sequence is gated by workflow.GetVersion, and the
// replay tests over recorded histories (testdata, replay_test.go) must keep
// passing. `make lint` runs workflowcheck over this package.
package workflows
