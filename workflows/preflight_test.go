package workflows

import (
	"strings"
	"testing"
	"time"

	"github.com/BTCDecoded/releasetrain/activities"
	"github.com/BTCDecoded/releasetrain/contract"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A failed preflight blocks the train before anything is dispatched, with
// one message per problem; retry runs it again, and once it passes the
// train builds and publishes.
func TestPreflightProblemsBlockUntilRetry(t *testing.T) {
	problems := activities.PreflightResult{Problems: []activities.Problem{
		{Repo: "o/a", Call: "GET /repos/o/a/actions/workflows/build.yml", Fix: "workflow build.yml is disabled_manually: enable it"},
		{Repo: "o/a", Call: "GET /repos/o/a/releases", Fix: "release v1.2.3 is already published"},
	}}
	f := &fakeGitHub{preflightResults: []activities.PreflightResult{problems}}
	env := newEnv(t, f)
	var st contract.Status
	env.RegisterDelayedCallback(func() {
		st = queryStatus(t, env)
		env.SignalWorkflow(contract.SignalRetry, contract.RepoSignal{})
	}, time.Hour)
	env.ExecuteWorkflow(Release, contract.ReleaseInput{Tag: testTag, Train: singleRepo(0).JSON()})
	require.NoError(t, env.GetWorkflowError(), "workflow error")
	require.Equal(t, contract.StateBlocked, st.State)
	require.Equal(t, contract.StepPreflight, st.BlockedStep)
	require.NotNil(t, st.Preflight)
	require.Equal(t, contract.PreflightBlocked, st.Preflight.State)
	want := []string{
		"o/a: GET /repos/o/a/actions/workflows/build.yml: workflow build.yml is disabled_manually: enable it",
		"o/a: GET /repos/o/a/releases: release v1.2.3 is already published",
	}
	assert.Equal(t, want, st.Preflight.Problems, "problems")
	assert.True(t, strings.HasPrefix(st.Error, "preflight: 2 problem(s): "), "error = %q", st.Error)
	pre := f.calls("preflight")
	disp := f.calls("dispatch")
	require.Len(t, pre, 2, "preflights %v, dispatches %v: want two preflights, the one dispatch after the second", pre, disp)
	require.Len(t, disp, 1, "preflights %v, dispatches %v: want two preflights, the one dispatch after the second", pre, disp)
	require.False(t, disp[0].at.Before(pre[1].at), "preflights %v, dispatches %v: want two preflights, the one dispatch after the second", pre, disp)
	var res contract.Status
	require.NoError(t, env.GetWorkflowResult(&res))
	assert.Equal(t, contract.StateSucceeded, res.State, "final status")
	if assert.NotNil(t, res.Preflight, "preflight") {
		assert.Equal(t, contract.PreflightPassed, res.Preflight.State, "preflight %+v", res.Preflight)
		if assert.NotNil(t, res.Preflight.ReleaseImmutable, "preflight %+v", res.Preflight) {
			assert.True(t, *res.Preflight.ReleaseImmutable, "preflight %+v", res.Preflight)
		}
	}
	in := f.preflights[0]
	assert.Equal(t, "a", in.ReleaseRepo, "preflight input = %+v", in)
	if assert.Len(t, in.Repos, 1, "preflight input = %+v", in) {
		assert.Equal(t, "build.yml", in.Repos[0].Workflow, "preflight input = %+v", in)
	}
	assert.Equal(t, estimateCalls(1), in.Calls, "preflight input = %+v", in)
	assert.False(t, in.RequireDraft, "preflight input = %+v", in)
}

// A rate budget that does not cover the train waits for its reset, saying
// so, then checks again; nothing is dispatched meanwhile.
func TestPreflightWaitsForRateReset(t *testing.T) {
	f := &fakeGitHub{}
	env := newEnv(t, f)
	reset := env.Now().Add(40 * time.Minute)
	f.preflightResults = []activities.PreflightResult{{RateRemaining: 3, RateLimit: 5000, WaitUntil: reset}}
	var st contract.Status
	env.RegisterDelayedCallback(func() { st = queryStatus(t, env) }, 10*time.Minute)
	env.ExecuteWorkflow(Release, contract.ReleaseInput{Tag: testTag, Train: singleRepo(0).JSON(), DraftID: 5})
	require.NoError(t, env.GetWorkflowError(), "workflow error")
	require.NotNil(t, st.Preflight)
	require.Equal(t, contract.PreflightWaiting, st.Preflight.State)
	require.Contains(t, st.Preflight.Message, "rate limit reset")
	require.Equal(t, contract.StateRunning, st.State)
	pre, disp := f.calls("preflight"), f.calls("dispatch")
	require.Len(t, pre, 2, "preflights %v, dispatches %v: want a second preflight and the dispatch after the reset %v", pre, disp, reset)
	require.False(t, pre[1].at.Before(reset), "preflights %v, dispatches %v: want a second preflight and the dispatch after the reset %v", pre, disp, reset)
	require.Len(t, disp, 1, "preflights %v, dispatches %v: want a second preflight and the dispatch after the reset %v", pre, disp, reset)
	require.False(t, disp[0].at.Before(reset), "preflights %v, dispatches %v: want a second preflight and the dispatch after the reset %v", pre, disp, reset)
	assert.True(t, f.preflights[0].RequireDraft, "a train started by a maintainer's draft requires the draft")
}

// A tag whose bundle name GitHub would rename fails the train at once,
// before the preflight and any build.
func TestPlanRefusesAssetNamesGitHubRenames(t *testing.T) {
	f := &fakeGitHub{}
	env := newEnv(t, f)
	env.ExecuteWorkflow(Release, contract.ReleaseInput{Tag: "v1.0~rc1", Train: singleRepo(0).JSON()})
	err := env.GetWorkflowError()
	require.ErrorContains(t, err, "which GitHub renames", "workflow error")
	n := len(f.calls("preflight")) + len(f.calls("dispatch"))
	require.Zero(t, n, "%d preflight/dispatch calls for a train that cannot publish", n)
}
