package contract

import "fmt"

// Blocker is one reason a train waits for a person, and the exact commands
// that unblock it. The live page, `releasetrain dev` and the progress log
// all show these, so they never disagree.
type Blocker struct {
	// Repo is the blocked build's repo, "" for a blocked release step.
	Repo string `json:"repo,omitempty"`
	// Step is the blocked release step (package, publish), "" for a build.
	Step string `json:"step,omitempty"`
	// Reason is why it is blocked (the build's or the step's error).
	Reason string `json:"reason"`
	// Actions are the operator actions allowed now, e.g. "retry", "skip", "cancel".
	Actions []string `json:"actions"`
	// Commands are the releasetrain commands that unblock it, one per action.
	Commands []string `json:"commands"`
}

// DefaultCLI is the command that steers a train from a shell.
const DefaultCLI = "releasetrain release"

// Blockers lists what blocks the train st, in the order of st.Blocked,
// then the blocked release step. cli is the command the commands start
// with (DefaultCLI when empty; e.g. with TEMPORAL_ADDRESS=… in front).
func Blockers(st Status, cli string) []Blocker {
	if cli == "" {
		cli = DefaultCLI
	}
	var out []Blocker
	cancel := fmt.Sprintf("%s cancel %s", cli, st.Tag)
	for _, repo := range st.Blocked {
		out = append(out, Blocker{
			Repo:    repo,
			Reason:  st.Repos[repo].Error,
			Actions: []string{SignalRetry, SignalSkip, SignalCancel},
			Commands: []string{
				fmt.Sprintf("%s retry %s %s", cli, st.Tag, repo),
				fmt.Sprintf("%s skip %s %s", cli, st.Tag, repo),
				cancel,
			},
		})
	}
	if st.BlockedStep != "" {
		out = append(out, Blocker{
			Step:     st.BlockedStep,
			Reason:   st.Error,
			Actions:  []string{SignalRetry, SignalCancel},
			Commands: []string{fmt.Sprintf("%s retry %s", cli, st.Tag), cancel},
		})
	}
	return out
}
