package bench

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/BTCDecoded/releasetrain/contract"
	"github.com/BTCDecoded/releasetrain/internal/devstack"
)

// Stack is the whole releasetrain in one process against the simulator.
type Stack struct {
	*devstack.Stack
}

// StartStack starts the stack for one test (see devstack.StartTest);
// everything stops when it ends. opts.Train and opts.Sim.Scenario are the
// train and builds the measurement releases.
func StartStack(t testing.TB, opts devstack.Options) *Stack {
	t.Helper()
	return &Stack{devstack.StartTest(t, opts)}
}

// Parts are the stack's parts with the webhook receiver, whose
// workflow_run deliveries reach the release as build-event signals, or
// without it (polling only).
func Parts(webhooks bool) devstack.Parts {
	if webhooks {
		return devstack.AllParts
	}
	return devstack.DefaultParts
}

// Release runs one train for tag to its end and measures it.
func (s *Stack) Release(ctx context.Context, tag string) (*Result, error) {
	start := time.Now()
	run, err := s.Client.ExecuteWorkflow(ctx, contract.StartOptions(tag), contract.ReleaseWorkflowName,
		contract.ReleaseInput{Tag: tag, Train: s.Train.JSON(), Trigger: "bench"})
	if err != nil {
		return nil, fmt.Errorf("start release %s: %w", tag, err)
	}
	var st contract.Status
	if err := run.Get(ctx, &st); err != nil {
		return nil, fmt.Errorf("release %s: %w (%s)", tag, err, s.problems(tag))
	}
	wall := time.Since(start)
	if st.State != contract.StateSucceeded {
		return nil, fmt.Errorf("release %s ended %s: %s", tag, st.State, st.Error)
	}
	tl, err := ReadTimeline(ctx, s.Client, tag)
	if err != nil {
		return nil, err
	}
	return &Result{Tag: tag, Wall: wall, Status: st, Timeline: tl, Scale: s.TimeScale,
		Bound: LayeredBound(st.Layers, s.Scenario), Critical: devstack.CriticalPathBound(s.Train, st.Layers, s.Scenario),
		GitHub: s.Sim.Stats()}, nil
}

// problems lists the failed repos of a running release, for an error message.
func (s *Stack) problems(tag string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	v, err := s.Client.QueryWorkflow(ctx, contract.ReleaseWorkflowID(tag), "", contract.QueryStatus)
	if err != nil {
		return "status: " + err.Error()
	}
	var st contract.Status
	if err := v.Get(&st); err != nil {
		return "status: " + err.Error()
	}
	var out []string
	for name, r := range st.Repos {
		if r.Error != "" || r.State != contract.RepoSucceeded {
			out = append(out, fmt.Sprintf("%s %s %s", name, r.State, r.Error))
		}
	}
	return fmt.Sprintf("state %s: %s", st.State, strings.Join(out, "; "))
}
