// Package e2e holds releasetrain's integration tests: whole BTCDecoded
// release trains on the real Temporal dev server (the pinned CLI) against the
// in-process GitHub simulator, with the worker in-process and, in the crash
// test, as a separate releasetrain process killed with SIGKILL and
// restarted. They are skipped under -short; set
// RELEASETRAIN_TEMPORAL_CLI=/path/to/bin/temporal to reuse a built CLI.
package e2e
