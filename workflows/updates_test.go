package workflows

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
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
		env.UpdateWorkflow(UpdateRetry, "u-unknown", unknown.callbacks(), RepoSignal{Repo: "nope"})
		env.UpdateWorkflow(UpdateSkip, "u-skip-unknown", skipUnknown.callbacks(), RepoSignal{Repo: "nope"})
		env.UpdateWorkflow(UpdateRetry, "u-not-blocked", notBlocked.callbacks(), RepoSignal{Repo: "commons"})
		env.UpdateWorkflow(UpdateResume, "u-resume-running", resumeRunning.callbacks())
		env.UpdateWorkflow(UpdatePause, "u-pause", pause.callbacks())
		env.UpdateWorkflow(UpdatePause, "u-pause-again", pauseAgain.callbacks())
		env.UpdateWorkflow(UpdateResume, "u-resume", resume.callbacks())
		env.UpdateWorkflow(UpdateRetry, "u-retry", retry.callbacks(), RepoSignal{Repo: "BLLVM-Consensus"})
	}, 30*time.Minute)
	env.ExecuteWorkflow(Release, ReleaseInput{Tag: testTag, Train: train})

	require.NoError(t, env.GetWorkflowError())
	require.Equal(t, InvalidErrorType, errorType(t, unknown.rejected))
	require.Equal(t, InvalidErrorType, errorType(t, skipUnknown.rejected))
	require.Equal(t, ConflictErrorType, errorType(t, notBlocked.rejected))
	require.Equal(t, ConflictErrorType, errorType(t, resumeRunning.rejected))
	require.Equal(t, ConflictErrorType, errorType(t, pauseAgain.rejected))
	for name, u := range map[string]updateResult{"pause": pause, "resume": resume, "retry in another case": retry} {
		require.NoError(t, u.rejected, name)
		require.True(t, u.done, name)
		require.NoError(t, u.err, name)
	}
	require.Len(t, f.calls("rerun"), 1, "the accepted retry reruns bllvm-consensus")
}

// TestCanonicalRepo: a repo name matches the train's in any case.
func TestCanonicalRepo(t *testing.T) {
	names := []string{"bllvm-node", "commons"}
	tests := []struct{ give, want string }{
		{"bllvm-node", "bllvm-node"},
		{"BLLVM-Node", "bllvm-node"},
		{"Commons", "commons"},
		{"nope", "nope"},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, CanonicalRepo(names, tt.give), tt.give)
	}
}
