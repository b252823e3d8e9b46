package webhook

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/BTCDecoded/releasetrain/activities"
	"github.com/BTCDecoded/releasetrain/contract"
	"github.com/BTCDecoded/releasetrain/internal/testenv"
	"github.com/BTCDecoded/releasetrain/workflows"
)

// End to end on the Temporal dev server with the real Release workflow and
// stand-in activities whose builds never finish (so the train stays running
// at its first layer): a signed release delivery starts release-<tag>, a
// redelivery and a second trigger repo's release start nothing new, and the
// API lists and steers it.
func TestEndToEndDevServer(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Temporal dev server")
	}
	dev := testenv.StartTemporal(t, "")
	// The dev server's own client: Stop does not close it, so close it here
	// (before the server stops) or its connection outlives the test.
	tc := dev.Client()
	t.Cleanup(tc.Close)
	w := sdkworker.New(tc, contract.TaskQueue, sdkworker.Options{})
	w.RegisterWorkflowWithOptions(workflows.Release, workflow.RegisterOptions{Name: contract.ReleaseWorkflowName})
	w.RegisterWorkflowWithOptions(workflows.Layer, workflow.RegisterOptions{Name: contract.LayerWorkflowName})
	registerEndlessBuilds(w)
	require.NoError(t, w.Start())
	t.Cleanup(w.Stop)

	f := &fixture{}
	var err error
	f.srv, err = New(Options{Secret: []byte(testSecret), APIToken: token, Train: testTrain(), Temporal: tc})
	require.NoError(t, err)

	body := fixtureFile(t, "release.published.json")
	rec := f.deliver(t, "release", "e2e-1", body, "")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	first := decode[reply](t, rec)
	require.Equal(t, outcomeStarted, first.Outcome)
	require.Equal(t, "release-v1.2.3", first.WorkflowID)

	rec = f.deliver(t, "release", "e2e-1", body, "")
	require.Equal(t, http.StatusOK, rec.Code)
	require.Equal(t, outcomeDuplicate, decode[reply](t, rec).Outcome)

	// The same tag published in another trigger repo joins the running train.
	other := []byte(strings.ReplaceAll(string(body), "bllvm-node", "bllvm-sdk"))
	rec = f.deliver(t, "release", "e2e-2", other, "")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	assert.Equal(t, first.RunID, decode[reply](t, rec).RunID, "same run: nothing new started")

	// The same tag released in the release repo is the unified release of
	// this train (or belongs to it): ignored.
	unified := []byte(strings.ReplaceAll(string(body), "bllvm-node", "bllvm-consensus"))
	rec = f.deliver(t, "release", "e2e-3", unified, "")
	require.Equal(t, http.StatusAccepted, rec.Code, rec.Body.String())
	assert.Equal(t, outcomeIgnored, decode[reply](t, rec).Outcome)

	// Visibility is eventually consistent: wait for the list to show it.
	var list ReleaseList
	require.Eventually(t, func() bool {
		rec := f.api(t, http.MethodGet, "/api/releases?tag=v1.2.3", token, nil)
		if rec.Code != http.StatusOK {
			return false
		}
		list = decode[ReleaseList](t, rec)
		return len(list.Releases) > 0
	}, time.Minute, 200*time.Millisecond)
	require.Len(t, list.Releases, 1, "one execution for the tag")
	assert.Equal(t, "release-v1.2.3", list.Releases[0].WorkflowID)
	assert.Equal(t, first.RunID, list.Releases[0].RunID)
	assert.Equal(t, "Running", list.Releases[0].Status)

	rec = f.api(t, http.MethodGet, "/api/releases/v1.2.3", token, nil)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	st := decode[contract.Status](t, rec)
	assert.Equal(t, "v1.2.3", st.Tag)
	assert.Contains(t, st.Repos, "bllvm-consensus")

	rec = f.api(t, http.MethodGet, "/api/releases/v9.9.9", token, nil)
	require.Equal(t, http.StatusNotFound, rec.Code, rec.Body.String())
	rec = f.api(t, http.MethodPost, "/api/releases/v9.9.9/pause", token, nil)
	require.Equal(t, http.StatusNotFound, rec.Code, rec.Body.String())

	rec = f.api(t, http.MethodPost, "/api/releases/v1.2.3/pause", token, nil)
	require.Equal(t, http.StatusAccepted, rec.Code, rec.Body.String())
	require.Eventually(t, func() bool {
		rec := f.api(t, http.MethodGet, "/api/releases/v1.2.3", token, nil)
		return rec.Code == http.StatusOK && decode[contract.Status](t, rec).Paused
	}, time.Minute, 100*time.Millisecond)
	rec = f.api(t, http.MethodPost, "/api/releases/v1.2.3/pause", token, nil)
	require.Equal(t, http.StatusConflict, rec.Code, rec.Body.String())

	rec = f.api(t, http.MethodPost, "/api/releases/v1.2.3/cancel", token, CancelRequest{Reason: "e2e done"})
	require.Equal(t, http.StatusAccepted, rec.Code, rec.Body.String())
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_ = tc.GetWorkflow(ctx, "release-v1.2.3", "").Get(ctx, nil)
	rec = f.api(t, http.MethodPost, "/api/releases/v1.2.3/resume", token, nil)
	require.Equal(t, http.StatusConflict, rec.Code, "a finished release: %s", rec.Body.String())
}

// registerEndlessBuilds registers stand-ins for the activities a cancelled
// train calls: builds are dispatched at once and never finish, and cleaning
// up after a cancel succeeds, as with a real worker whose GitHub answers.
func registerEndlessBuilds(w sdkworker.Worker) {
	w.RegisterActivityWithOptions(func(context.Context, activities.PreflightInput) (activities.PreflightResult, error) {
		return activities.PreflightResult{RateRemaining: 5000, RateLimit: 5000}, nil
	}, activity.RegisterOptions{Name: "Preflight"})
	w.RegisterActivityWithOptions(func(_ context.Context, in activities.DispatchInput) (contract.RunRef, error) {
		return contract.RunRef{Owner: in.Owner, Repo: in.Repo, ID: 1, Attempt: 1}, nil
	}, activity.RegisterOptions{Name: "DispatchBuild"})
	w.RegisterActivityWithOptions(func(ctx context.Context, _ activities.AwaitInput) (activities.RunResult, error) {
		<-ctx.Done()
		return activities.RunResult{}, ctx.Err()
	}, activity.RegisterOptions{Name: "AwaitRun"})
	w.RegisterActivityWithOptions(func(context.Context, contract.RunRef) error { return nil },
		activity.RegisterOptions{Name: "CancelRun"})
	w.RegisterActivityWithOptions(func(context.Context, activities.LostDispatchInput) (activities.LostDispatchResult, error) {
		return activities.LostDispatchResult{}, nil
	}, activity.RegisterOptions{Name: "CancelDispatchedRun"})
}
