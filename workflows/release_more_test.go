package workflows

import (
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/BTCDecoded/releasetrain/contract"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// updateResult collects an Update's outcome in the test environment.
type updateResult struct {
	rejected error
	done     bool
	err      error
}

func (u *updateResult) callbacks() *testsuite.TestUpdateCallback {
	return &testsuite.TestUpdateCallback{
		OnAccept:   func() {},
		OnReject:   func(err error) { u.rejected = err },
		OnComplete: func(_ any, err error) { u.done, u.err = true, err },
	}
}

func TestUpdatesValidateRepo(t *testing.T) {
	f := &fakeGitHub{failures: map[string]int{"bllvm-consensus": 1}}
	env := newEnv(t, f)
	train := btcDecoded()
	zero := 0
	train.Repos[0].RetryLimit = &zero // bllvm-consensus blocks at once
	var unknown, notBlocked, retry updateResult
	env.RegisterDelayedCallback(func() {
		env.UpdateWorkflow(contract.UpdateRetry, "u-unknown", unknown.callbacks(), contract.RepoSignal{Repo: "nope"})
		env.UpdateWorkflow(contract.UpdateRetry, "u-not-blocked", notBlocked.callbacks(), contract.RepoSignal{Repo: "commons"})
		env.UpdateWorkflow(contract.UpdateRetry, "u-retry", retry.callbacks(), contract.RepoSignal{Repo: "bllvm-consensus"})
	}, 30*time.Minute)
	env.ExecuteWorkflow(Release, contract.ReleaseInput{Tag: testTag, Train: train.JSON()})

	require.NoError(t, env.GetWorkflowError(), "workflow error")
	assert.Error(t, unknown.rejected)
	assert.Error(t, notBlocked.rejected)
	assert.NoError(t, retry.rejected, "retry update: rejected=%v done=%v err=%v", retry.rejected, retry.done, retry.err)
	assert.True(t, retry.done, "retry update: rejected=%v done=%v err=%v", retry.rejected, retry.done, retry.err)
	assert.NoError(t, retry.err, "retry update: rejected=%v done=%v err=%v", retry.rejected, retry.done, retry.err)
	n := len(f.calls("rerun"))
	assert.Equal(t, 1, n, "reruns = %d, want 1 (the accepted retry only)", n)
}

func TestSkipRunningBuildCancelsItsRun(t *testing.T) {
	f := &fakeGitHub{buildTime: time.Hour}
	env := newEnv(t, f)
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(contract.SignalSkip, contract.RepoSignal{Repo: "commons"})
	}, 5*time.Minute)
	env.ExecuteWorkflow(Release, contract.ReleaseInput{Tag: testTag, Train: btcDecoded().JSON()})

	require.NoError(t, env.GetWorkflowError(), "workflow error")
	got := repos(f.calls("cancel"))
	assert.Equal(t, []string{"commons"}, got, "cancelled runs")
	var st contract.Status
	_ = env.GetWorkflowResult(&st)
	assert.Equal(t, contract.RepoSkipped, st.Repos["commons"].State, "status = %+v", st.Repos)
	assert.Equal(t, contract.RepoSucceeded, st.Repos["bllvm-consensus"].State, "status = %+v", st.Repos)
}

func TestBuildTimeoutCountsAsFailure(t *testing.T) {
	// AwaitRun times out (build_timeout + margin): the build is cancelled
	// and re-run once, then blocks; the operator skips it.
	f := &fakeGitHub{awaitTimeout: true, buildTime: 2*time.Hour + awaitMargin}
	env := newEnv(t, f)
	blocked := statusThenSignal(t, env, 10*time.Hour, singleRepo(1), operatorSignal{contract.SignalSkip, "a"})
	assert.Equal(t, contract.StateBlocked, blocked.State, "state after two timeouts")
	assert.Equal(t, 1, len(f.calls("rerun")), "reruns")
	n := len(f.calls("cancel"))
	assert.GreaterOrEqual(t, n, 2, "CancelRun calls = %d, want one per timed-out attempt", n)
	d := f.calls("rerun")[0].at.Sub(f.calls("dispatch")[0].at)
	assert.GreaterOrEqual(t, d, 2*time.Hour, "re-run after %v, before build_timeout", d)
}

func TestLayerAloneSucceeds(t *testing.T) {
	// A Layer without a parent (no progress signals) still runs its builds.
	f := &fakeGitHub{}
	env := newEnv(t, f)
	in := LayerInput{Tag: testTag, Owner: "o", Count: 1, Repos: []LayerRepo{
		{Name: "x", Settings: settings(0)}, {Name: "y", Settings: settings(0)},
	}}
	env.ExecuteWorkflow(Layer, in)
	require.NoError(t, env.GetWorkflowError(), "workflow error")
	var res LayerResult
	require.NoError(t, env.GetWorkflowResult(&res))
	if assert.Len(t, res.Repos, 2, "layer result = %+v", res) {
		assert.Equal(t, "x", res.Repos[0].Repo, "layer result = %+v", res)
		if assert.NotNil(t, res.Repos[1].Manifest, "layer result = %+v", res) {
			assert.Equal(t, 1, res.Repos[1].Manifest.Files, "layer result = %+v", res)
		}
		assert.Empty(t, res.Repos[1].Files, "layer result = %+v", res)
	}
	assert.NotErrorIs(t, env.GetWorkflowError(), errSkipped, "unexpected skip")
}

// A cancel while DispatchBuild is in flight: the activity answers with the
// cancellation although GitHub may have accepted the dispatch, so the build
// has no run id to cancel. The cleanup looks the run up by its correlation
// id and cancels it.
func TestCancelDuringDispatchCancelsItsRun(t *testing.T) {
	f := &fakeGitHub{dispatchTime: 30 * time.Minute}
	env := newEnv(t, f)
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(contract.SignalCancel, contract.CancelSignal{Reason: "bad tag"})
	}, 5*time.Minute)
	env.ExecuteWorkflow(Release, contract.ReleaseInput{Tag: testTag, Train: singleRepo(2).JSON()})

	var canceled *temporal.CanceledError
	require.ErrorAs(t, env.GetWorkflowError(), &canceled, "workflow error")
	require.Len(t, f.lost, 1, "CancelDispatchedRun calls = %v, want one for a", f.lost)
	in := f.lost[0]
	assert.Equal(t, "a", in.Repo, "CancelDispatchedRun input = %+v", in)
	assert.Equal(t, "o", in.Owner, "CancelDispatchedRun input = %+v", in)
	assert.Equal(t, contract.CorrelationID(testTag, "a", 1), in.CorrelationID, "CancelDispatchedRun input = %+v", in)
	assert.False(t, in.NotBefore.IsZero(), "CancelDispatchedRun input = %+v", in)
	assert.Equal(t, lostDispatchWait, in.Wait, "CancelDispatchedRun input = %+v", in)
	n := len(f.calls("publish")) + len(f.calls("package"))
	assert.Zero(t, n, "package/publish called %d times after cancel", n)
	st := queryStatus(t, env)
	a := st.Repos["a"]
	assert.Equal(t, contract.RepoCancelled, a.State, "repo a = %+v", a)
	assert.Equal(t, runID("a"), a.RunID, "repo a = %+v: want the run the cleanup found", a)
}
