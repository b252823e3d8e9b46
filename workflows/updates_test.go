package workflows

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/BTCDecoded/releasetrain/contract"
)

// errorType is the application error type of a validator's rejection.
func errorType(t *testing.T, err error) string {
	t.Helper()
	var app *temporal.ApplicationError
	require.True(t, errors.As(err, &app), "rejection %v is not an application error", err)
	return app.Type()
}

// TestUpdateRejectionsCarryTheirKind: every validator rejection says
// whether the request is invalid or conflicts with the train's state, and
// a repo named in another case is the train's repo.
func TestUpdateRejectionsCarryTheirKind(t *testing.T) {
	f := &fakeGitHub{failures: map[string]int{"bllvm-consensus": 1}}
	env := newEnv(t, f)
	train := btcDecoded()
	zero := 0
	train.Repos[0].RetryLimit = &zero // bllvm-consensus blocks at once
	var unknown, notBlocked, resumeRunning, pause, pauseAgain, resume, retry, skipUnknown updateResult
	env.RegisterDelayedCallback(func() {
		env.UpdateWorkflow(contract.UpdateRetry, "u-unknown", unknown.callbacks(), contract.RepoSignal{Repo: "nope"})
		env.UpdateWorkflow(contract.UpdateSkip, "u-skip-unknown", skipUnknown.callbacks(), contract.RepoSignal{Repo: "nope"})
		env.UpdateWorkflow(contract.UpdateRetry, "u-not-blocked", notBlocked.callbacks(), contract.RepoSignal{Repo: "commons"})
		env.UpdateWorkflow(contract.UpdateResume, "u-resume-running", resumeRunning.callbacks())
		env.UpdateWorkflow(contract.UpdatePause, "u-pause", pause.callbacks())
		env.UpdateWorkflow(contract.UpdatePause, "u-pause-again", pauseAgain.callbacks())
		env.UpdateWorkflow(contract.UpdateResume, "u-resume", resume.callbacks())
		env.UpdateWorkflow(contract.UpdateRetry, "u-retry", retry.callbacks(), contract.RepoSignal{Repo: "BLLVM-Consensus"})
	}, 30*time.Minute)
	env.ExecuteWorkflow(Release, contract.ReleaseInput{Tag: testTag, Train: train.JSON()})

	require.NoError(t, env.GetWorkflowError())
	require.Equal(t, contract.InvalidErrorType, errorType(t, unknown.rejected))
	require.Equal(t, contract.InvalidErrorType, errorType(t, skipUnknown.rejected))
	require.Equal(t, contract.ConflictErrorType, errorType(t, notBlocked.rejected))
	require.Equal(t, contract.ConflictErrorType, errorType(t, resumeRunning.rejected))
	require.Equal(t, contract.ConflictErrorType, errorType(t, pauseAgain.rejected))
	for name, u := range map[string]updateResult{"pause": pause, "resume": resume, "retry in another case": retry} {
		require.NoError(t, u.rejected, name)
		require.True(t, u.done, name)
		require.NoError(t, u.err, name)
	}
	require.Len(t, f.calls("rerun"), 1, "the accepted retry reruns bllvm-consensus")
}
