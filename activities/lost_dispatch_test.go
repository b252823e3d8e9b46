package activities

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/BTCDecoded/releasetrain/contract"
	"github.com/BTCDecoded/releasetrain/ghclient"
)

func lostInput(wait time.Duration) LostDispatchInput {
	return LostDispatchInput{Owner: "o", Repo: "r", CorrelationID: "rt:v1:r:1",
		NotBefore: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Wait: wait}
}

// A dispatch cancelled after GitHub accepted it: its run, listed a moment
// later, is found by the correlation id and cancelled.
func TestCancelDispatchedRunFindsAndCancels(t *testing.T) {
	gh := &fakeGitHub{listed: []ghclient.Run{{}, {ID: 77, Attempt: 1, Status: "queued", HTMLURL: "https://x/runs/77"}}}
	env, a := newEnv(t, gh)
	val, err := env.ExecuteActivity(a.CancelDispatchedRun, lostInput(time.Minute))
	require.NoError(t, err)
	var res LostDispatchResult
	require.NoError(t, val.Get(&res))
	assert.True(t, res.Found)
	assert.True(t, res.Cancelled)
	assert.Equal(t, contract.RunRef{Owner: "o", Repo: "r", ID: 77, URL: "https://x/runs/77", Attempt: 1}, res.Run)
	assert.Equal(t, []int64{77}, gh.cancelled)
	assert.Equal(t, []string{"rt:v1:r:1", "rt:v1:r:1"}, gh.findQuery, "looked again after the run was not listed yet")
}

// No run listed within the wait: the dispatch never got through; nothing
// is cancelled and it is not an error.
func TestCancelDispatchedRunNoneListed(t *testing.T) {
	gh := &fakeGitHub{}
	env, a := newEnv(t, gh)
	val, err := env.ExecuteActivity(a.CancelDispatchedRun, lostInput(0))
	require.NoError(t, err)
	var res LostDispatchResult
	require.NoError(t, val.Get(&res))
	assert.False(t, res.Found)
	assert.Equal(t, 1, gh.finds)
	assert.Zero(t, gh.cancels)
}

// A run that already completed is left alone.
func TestCancelDispatchedRunCompleted(t *testing.T) {
	gh := &fakeGitHub{listed: []ghclient.Run{{ID: 78, Attempt: 1, Status: "completed", Conclusion: "success"}}}
	env, a := newEnv(t, gh)
	val, err := env.ExecuteActivity(a.CancelDispatchedRun, lostInput(time.Minute))
	require.NoError(t, err)
	var res LostDispatchResult
	require.NoError(t, val.Get(&res))
	assert.True(t, res.Found)
	assert.False(t, res.Cancelled)
	assert.Zero(t, gh.cancels)
}
