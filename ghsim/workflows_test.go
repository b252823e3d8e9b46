package ghsim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-github/v62/github"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestGetWorkflowState(t *testing.T) {
	sc := testScenario(t)
	sc.Repos[0].Workflows = []string{"build.yml", "nightly.yml"}
	sc.Repos[0].DisabledWorkflows = []string{"nightly.yml"}
	e := setup(t, Options{ManualClock: true, Scenario: sc})

	wf, resp, err := e.gh.Actions.GetWorkflowByFileName(e.ctx, "acme", "app", "build.yml")
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "build", wf.GetName())
	assert.Equal(t, ".github/workflows/build.yml", wf.GetPath())
	assert.Equal(t, "active", wf.GetState())
	byID, _, err := e.gh.Actions.GetWorkflowByID(e.ctx, "acme", "app", wf.GetID())
	require.NoError(t, err)
	assert.Equal(t, wf.GetPath(), byID.GetPath())
	nightly, _, err := e.gh.Actions.GetWorkflowByFileName(e.ctx, "acme", "app", "nightly.yml")
	require.NoError(t, err)
	assert.Equal(t, "disabled_manually", nightly.GetState())
	list, _, err := e.gh.Actions.ListWorkflows(e.ctx, "acme", "app", nil)
	require.NoError(t, err)
	require.Len(t, list.Workflows, 2)
	assert.Equal(t, "disabled_manually", list.Workflows[1].GetState(), "listings show the state too")
	_, resp, err = e.gh.Actions.GetWorkflowByFileName(e.ctx, "acme", "app", "missing.yml")
	require.Error(t, err)
	assert.Equal(t, http.StatusNotFound, status(resp))
	_, resp, err = e.gh.Actions.GetWorkflowByFileName(e.ctx, "acme", "nope", "build.yml")
	require.Error(t, err)
	assert.Equal(t, http.StatusNotFound, status(resp))

	// Dispatching the disabled workflow is 422 and starts nothing.
	resp, err = e.gh.Actions.CreateWorkflowDispatchEventByFileName(e.ctx, "acme", "app", "nightly.yml", github.CreateWorkflowDispatchEventRequest{Ref: "main"})
	require.Error(t, err)
	assert.Equal(t, http.StatusUnprocessableEntity, status(resp))
	var er *github.ErrorResponse
	require.ErrorAs(t, err, &er)
	assert.Equal(t, "Cannot trigger a 'workflow_dispatch' on a disabled workflow", er.Message)
	assert.Empty(t, e.sim.Stats().Runs["acme/app"])
	_, err = e.gh.Actions.CreateWorkflowDispatchEventByFileName(e.ctx, "acme", "app", "build.yml", github.CreateWorkflowDispatchEventRequest{Ref: "main"})
	require.NoError(t, err)
	assert.Len(t, e.sim.Stats().Runs["acme/app"], 1)
}

func TestRepositoryDispatchSkipsDisabledWorkflow(t *testing.T) {
	sc := testScenario(t)
	sc.Repos[1].DisabledWorkflows = []string{"build.yml"}
	e := setup(t, Options{ManualClock: true, Scenario: sc})
	_, resp, err := e.gh.Repositories.Dispatch(e.ctx, "acme", "lib", github.DispatchRequestOptions{EventType: "go"})
	require.NoError(t, err)
	assert.Equal(t, http.StatusNoContent, resp.StatusCode, "GitHub accepts the event")
	e.sim.Advance(time.Minute)
	assert.Empty(t, e.sim.Stats().Runs["acme/lib"], "a disabled workflow does not run")
}

func TestDisabledWorkflowMustExist(t *testing.T) {
	_, err := ParseScenario([]byte("repos:\n  - name: x\n    disabled_workflows: [release.yml]\n"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), `line 2: repo "x": disabled_workflows: "release.yml" is not one of its workflows [build.yml]`)
	sc, err := ParseScenario([]byte("immutable_releases: true\nomit_asset_digest: true\nrepos:\n  - name: x\n    workflows: [a.yml, b.yml]\n    disabled_workflows: [b.yml]\n    immutable_releases: false\n"))
	require.NoError(t, err)
	assert.True(t, sc.ImmutableReleases)
	assert.True(t, sc.OmitAssetDigest)
	require.NotNil(t, sc.Repos[0].ImmutableReleases)
	assert.False(t, *sc.Repos[0].ImmutableReleases)
	assert.Equal(t, []string{"b.yml"}, sc.Repos[0].DisabledWorkflows)
}

func TestRateLimitEndpointShapeAndFree(t *testing.T) {
	e := setup(t, Options{ManualClock: true, RateLimit: 10})
	_, _, err := e.gh.Repositories.Get(e.ctx, "acme", "app")
	require.NoError(t, err)
	for range 3 {
		code, body := raw(t, e, "GET", "/api/v3/rate_limit", "")
		require.Equal(t, http.StatusOK, code)
		var rl struct {
			Resources struct {
				Core map[string]int64 `json:"core"`
			} `json:"resources"`
		}
		require.NoError(t, json.Unmarshal([]byte(body), &rl))
		core := rl.Resources.Core
		assert.Equal(t, int64(10), core["limit"])
		assert.Equal(t, int64(9), core["remaining"], "GET /rate_limit spends nothing")
		assert.Equal(t, int64(1), core["used"])
		assert.Greater(t, core["reset"], time.Now().Unix()-1, fmt.Sprint(core))
	}
	assert.Equal(t, 1, e.sim.Stats().BudgetSpent)
}
