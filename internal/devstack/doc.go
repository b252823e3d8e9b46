// Package devstack is the one harness that starts releasetrain on one
// machine: the Temporal dev server from the pinned CLI, the GitHub simulator,
// in-process workers and the webhook receiver, wired together. `releasetrain
// dev` (and `make run`) runs it with [Dev]'s options and adds the terminal
// progress view and the JSON run report; the e2e, chaos and bench tests start
// the parts they need with [StartTest].
//
// # Options
//
// A zero [Options] starts Temporal in memory, the simulator and one worker
// authenticated with ghsim.StaticToken, on free loopback ports with a
// temporary data folder. Options pick the parts ([Parts]), the simulator's
// scenario, clock and handler wrapper (fault and kill hooks), App or token
// authentication, the number of workers, the artifact store, a receiver that
// starts down, the reconcile schedule and signing.
//
// # Closing
//
// Start records how to stop each thing it starts in one list; Close (and an
// error during Start) runs that list last-in first-out, once.
package devstack
