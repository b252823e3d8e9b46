package activities

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/BTCDecoded/releasetrain/contract"
	"github.com/BTCDecoded/releasetrain/ghclient"
)

// A retried RerunFailedJobs whose earlier try's re-run landed (the worker
// died before recording it) must not ask GitHub again: GitHub answers 403
// "already running" while the new attempt runs, or re-runs a second time.
func TestRerunAlreadyLanded(t *testing.T) {
	gh := &fakeGitHub{states: []ghclient.Run{{ID: 9, Attempt: 2, Status: "in_progress"}}}
	env, a := newEnv(t, gh)
	val, err := env.ExecuteActivity(a.RerunFailedJobs, contract.RunRef{Owner: "o", Repo: "r", ID: 9, Attempt: 1})
	require.NoError(t, err)
	var next contract.RunRef
	require.NoError(t, val.Get(&next))
	assert.Equal(t, 2, next.Attempt)
	assert.Equal(t, 0, gh.reruns, "no second re-run request")
}

// A run cancelled for its build_timeout is still in progress for a while;
// re-running it then would be refused ("already running") and block the
// build. RerunFailedJobs waits for it instead: a retryable error with a
// delay, and no re-run request.
func TestRerunWaitsForTheRunToComplete(t *testing.T) {
	gh := &fakeGitHub{states: []ghclient.Run{{ID: 9, Attempt: 1, Status: "in_progress"}}}
	env, a := newEnv(t, gh)
	_, err := env.ExecuteActivity(a.RerunFailedJobs, contract.RunRef{Owner: "o", Repo: "r", ID: 9, Attempt: 1})
	var ae *temporal.ApplicationError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, GitHubErrorType, ae.Type())
	assert.False(t, ae.NonRetryable())
	assert.Equal(t, rerunWait, ae.NextRetryDelay())
	assert.Contains(t, ae.Error(), "still in_progress")
	assert.Equal(t, 0, gh.reruns, "no re-run request while the run is in progress")

	assert.True(t, rerunMustWait("in_progress", rerunWaitAttempts-1))
	assert.False(t, rerunMustWait("in_progress", rerunWaitAttempts), "after the last wait it asks anyway")
	assert.False(t, rerunMustWait("completed", 1))
}

// A late completed build-event about the failed attempt 1 wakes a build
// that awaits attempt 2; GitHub may still show attempt 1 right after the
// re-run. CheckRun must not report attempt 1's failure as attempt 2's
// result (the build would spend a re-run and back off for nothing).
func TestCheckRunIgnoresTheAttemptBeforeARerun(t *testing.T) {
	gh := &fakeGitHub{states: []ghclient.Run{{ID: 9, Attempt: 1, Status: "completed", Conclusion: "failure"}}}
	env, a := newEnv(t, gh)
	val, err := env.ExecuteActivity(a.CheckRun, contract.RunRef{Owner: "o", Repo: "r", ID: 9, Attempt: 2})
	require.NoError(t, err)
	var res RunResult
	require.NoError(t, val.Get(&res))
	assert.Equal(t, OutcomeRunning, res.Outcome)
	assert.Equal(t, 2, res.Run.Attempt, "still awaiting attempt 2")
}
