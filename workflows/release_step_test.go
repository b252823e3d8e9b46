package workflows

import (
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/BTCDecoded/releasetrain/activities"
	"github.com/BTCDecoded/releasetrain/contract"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// immutable is PublishRelease's permanent answer for a release GitHub will
// not take assets for any more.
func immutable() error {
	return temporal.NewNonRetryableApplicationError(
		"publish o/a v1.2.3: upload asset a-linux-amd64: Cannot upload assets to an immutable release",
		activities.GitHubPermanentErrorType, nil)
}

// A permanent PublishRelease failure blocks the release (it used to fail the
// train, and restarting the tag rebuilt every repo); retry with an empty
// repo publishes again and the train succeeds.
func TestPublishFailureBlocksThenRetry(t *testing.T) {
	f := &fakeGitHub{publishErrs: []error{immutable()}}
	env := newEnv(t, f)
	var early, blocked updateResult
	var st contract.Status
	env.RegisterDelayedCallback(func() {
		// Nothing is blocked while the build runs: an empty-repo retry is rejected.
		env.UpdateWorkflow(contract.UpdateRetry, "u-early", early.callbacks(), contract.RepoSignal{})
	}, 5*time.Minute)
	env.RegisterDelayedCallback(func() {
		st = queryStatus(t, env)
		// A repo retry does not apply to a blocked release step.
		env.UpdateWorkflow(contract.UpdateRetry, "u-repo", blocked.callbacks(), contract.RepoSignal{Repo: "a"})
		env.SignalWorkflow(contract.SignalRetry, contract.RepoSignal{})
	}, time.Hour)
	env.ExecuteWorkflow(Release, contract.ReleaseInput{Tag: testTag, Train: singleRepo(0).JSON()})

	require.NoError(t, env.GetWorkflowError(), "workflow error")
	assert.ErrorContains(t, early.rejected, "no blocked release step", "empty-repo retry while building: rejected = %v, want rejected as nothing blocked", early.rejected)
	assert.Error(t, blocked.rejected, "retry of repo a while publish is blocked was accepted")
	assert.Equal(t, contract.StateBlocked, st.State, "status while blocked")
	assert.Equal(t, contract.StepPublish, st.BlockedStep, "status while blocked")
	assert.Contains(t, st.Error, "immutable release", "status while blocked names the cause")
	assert.NotContains(t, st.Error, "activity error", "error shows Temporal's wrapping")
	pubs := f.calls("publish")
	require.Len(t, pubs, 2)
	require.Len(t, f.calls("package"), 1)
	assert.False(t, pubs[1].at.Before(pubs[0].at.Add(30*time.Minute)), "second publish at %v, before the retry", pubs[1].at)
	assert.Len(t, f.dispatched, 1, "dispatches = %d, want 1 (the build is not redone)", len(f.dispatched))
	var res contract.Status
	require.NoError(t, env.GetWorkflowResult(&res))
	assert.Equal(t, contract.StateSucceeded, res.State)
	assert.NotEmpty(t, res.ReleaseURL)
	assert.Empty(t, res.BlockedStep)
	assert.Empty(t, res.Error)
	want := []contract.State{contract.StateRunning, contract.StatePublishing, contract.StateBlocked, contract.StatePublishing, contract.StateSucceeded}
	got := f.upserted()
	assert.Equal(t, want, got, "ReleaseState upserts")
}

// The same for PackageRelease (a bundle layout conflict), retried through
// the retry update, whose answer already shows the step running again.
func TestPackageFailureBlocksThenRetry(t *testing.T) {
	conflict := temporal.NewNonRetryableApplicationError("package v1.2.3: two repos ship bin/x", activities.BadInputErrorType, nil)
	f := &fakeGitHub{packageErrs: []error{conflict}}
	env := newEnv(t, f)
	var st contract.Status
	var retry updateResult
	var answer contract.Status
	env.RegisterDelayedCallback(func() {
		st = queryStatus(t, env)
		env.UpdateWorkflow(contract.UpdateRetry, "u-step", retry.withStatus(t, &answer), contract.RepoSignal{})
	}, time.Hour)
	env.ExecuteWorkflow(Release, contract.ReleaseInput{Tag: testTag, Train: singleRepo(0).JSON()})

	require.NoError(t, env.GetWorkflowError(), "workflow error")
	assert.Equal(t, contract.StateBlocked, st.State, "status while blocked")
	assert.Equal(t, contract.StepPackage, st.BlockedStep, "status while blocked")
	assert.Contains(t, st.Error, "two repos ship bin/x", "status while blocked")
	assert.NoError(t, retry.rejected, "retry update: rejected=%v done=%v err=%v", retry.rejected, retry.done, retry.err)
	assert.True(t, retry.done, "retry update: rejected=%v done=%v err=%v", retry.rejected, retry.done, retry.err)
	assert.NoError(t, retry.err, "retry update: rejected=%v done=%v err=%v", retry.rejected, retry.done, retry.err)
	assert.Equal(t, contract.StatePublishing, answer.State)
	assert.Empty(t, answer.BlockedStep)
	n, m := len(f.calls("package")), len(f.calls("publish"))
	assert.Equal(t, 2, n)
	assert.Equal(t, 1, m)
	var res contract.Status
	require.NoError(t, env.GetWorkflowResult(&res))
	assert.Equal(t, contract.StateSucceeded, res.State)
	assert.NotEmpty(t, res.ReleaseURL)
}

// A cancel while publishing is blocked ends the train cancelled and
// publishes nothing.
func TestCancelWhilePublishBlocked(t *testing.T) {
	f := &fakeGitHub{publishErrs: []error{immutable()}}
	env := newEnv(t, f)
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(contract.SignalCancel, contract.CancelSignal{Reason: "wrong notes"})
	}, time.Hour)
	env.ExecuteWorkflow(Release, contract.ReleaseInput{Tag: testTag, Train: singleRepo(0).JSON()})

	require.True(t, env.IsWorkflowCompleted(), "workflow not completed")
	var canceled *temporal.CanceledError
	require.ErrorAs(t, env.GetWorkflowError(), &canceled, "workflow error")
	n := len(f.calls("publish"))
	assert.Equal(t, 1, n, "publish calls: want the one failed call")
	assert.Empty(t, f.pub, "published")
	st := queryStatus(t, env)
	assert.Equal(t, contract.StateCancelled, st.State)
	assert.Empty(t, st.BlockedStep)
	assert.Equal(t, "wrong notes", st.Error)
	got := f.upserted()
	if assert.NotEmpty(t, got, "ReleaseState upserts") {
		assert.Equal(t, contract.StateCancelled, got[len(got)-1], "ReleaseState upserts %v, want cancelled last", got)
	}
}

// withStatus is u's callbacks that also keep the update's answer.
func (u *updateResult) withStatus(t *testing.T, st *contract.Status) *testsuite.TestUpdateCallback {
	cb := u.callbacks()
	cb.OnComplete = func(v any, err error) {
		u.done, u.err = true, err
		switch v := v.(type) {
		case contract.Status:
			*st = v
		case nil:
		default:
			assert.Failf(t, "update answered no Status", "%T", v)
		}
	}
	return cb
}
