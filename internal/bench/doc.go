// Package bench measures releasetrain against the limits issue 9 sets: the
// orchestration overhead over the DAG's layered lower bound, the GitHub rate
// limit spent per build against a naive poller, a 500-repo train's wall time,
// history size and worker memory, the artifact path against curl, tar and
// sha256sum, and the webhook receiver under load.
//
// # Running
//
// Every measurement is a test or benchmark in this package. Short versions
// run in `make test`; the full ones need RELEASETRAIN_BENCH=1 and run through
// `make bench`, which also writes their numbers to the test log. Results,
// commands and machine load are recorded in docs/benchmarks.md.
//
// # Pieces
//
// [StartStack] runs the measurement on internal/devstack's stack, the real
// parts in one process: a Temporal dev server from the pinned CLI, the
// GitHub simulator, the worker and (see [Parts]) the webhook receiver
// receiving the simulator's workflow_run deliveries.
// [NaivePoller] is the baseline the rate-limit cost is compared with, and
// [PeakMemory] samples the process's heap while a measurement runs.
package bench
