package contract

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBlockersNameTheExactCommands(t *testing.T) {
	st := Status{Tag: "v1.0.0", Blocked: []string{"b"}, BlockedStep: StepPublish, Error: "publish release: 403",
		Repos: map[string]RepoStatus{"b": {State: RepoFailed, Error: "run concluded failure"}}}
	got := Blockers(st, "")
	require.Len(t, got, 2, "blockers %+v, want the build and the step", got)
	b := got[0]
	assert.Equal(t, "b", b.Repo, "build blocker %+v", b)
	assert.Equal(t, "run concluded failure", b.Reason, "build blocker %+v", b)
	assert.Equal(t, []string{
		"releasetrain release retry v1.0.0 b", "releasetrain release skip v1.0.0 b", "releasetrain release cancel v1.0.0",
	}, b.Commands, "build blocker %+v", b)
	assert.Equal(t, []string{SignalRetry, SignalSkip, SignalCancel}, b.Actions, "build blocker %+v", b)
	b = got[1]
	assert.Equal(t, StepPublish, b.Step, "step blocker %+v", b)
	assert.Equal(t, "publish release: 403", b.Reason, "step blocker %+v", b)
	assert.Equal(t, []string{
		"releasetrain release retry v1.0.0", "releasetrain release cancel v1.0.0",
	}, b.Commands, "step blocker %+v", b)
	cli := "TEMPORAL_ADDRESS=127.0.0.1:7300 releasetrain release"
	assert.Equal(t, cli+" retry v1.0.0 b", Blockers(st, cli)[0].Commands[0], "with a cli prefix")
	assert.Empty(t, Blockers(Status{Tag: "v1"}, ""), "a train that is not blocked has blockers")
}
