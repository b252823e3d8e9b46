package contract

import (
	"slices"
	"testing"
)

func TestBlockersNameTheExactCommands(t *testing.T) {
	st := Status{Tag: "v1.0.0", Blocked: []string{"b"}, BlockedStep: StepPublish, Error: "publish release: 403",
		Repos: map[string]RepoStatus{"b": {State: RepoFailed, Error: "run concluded failure"}}}
	got := Blockers(st, "")
	if len(got) != 2 {
		t.Fatalf("blockers %+v, want the build and the step", got)
	}
	if b := got[0]; b.Repo != "b" || b.Reason != "run concluded failure" || !slices.Equal(b.Commands, []string{
		"releasetrain release retry v1.0.0 b", "releasetrain release skip v1.0.0 b", "releasetrain release cancel v1.0.0",
	}) || !slices.Equal(b.Actions, []string{SignalRetry, SignalSkip, SignalCancel}) {
		t.Errorf("build blocker %+v", b)
	}
	if b := got[1]; b.Step != StepPublish || b.Reason != "publish release: 403" || !slices.Equal(b.Commands, []string{
		"releasetrain release retry v1.0.0", "releasetrain release cancel v1.0.0",
	}) {
		t.Errorf("step blocker %+v", b)
	}
	cli := "TEMPORAL_ADDRESS=127.0.0.1:7300 releasetrain release"
	if c := Blockers(st, cli)[0].Commands[0]; c != cli+" retry v1.0.0 b" {
		t.Errorf("with a cli prefix: %q", c)
	}
	if len(Blockers(Status{Tag: "v1"}, "")) != 0 {
		t.Error("a train that is not blocked has blockers")
	}
}
