// Package devstack runs the whole releasetrain stack on one machine for
// `releasetrain dev` (and `make run`): the Temporal dev server from the pinned
// CLI, the GitHub simulator, the worker and the webhook receiver, wired
// together, plus the terminal progress view and the JSON run report.
package devstack
