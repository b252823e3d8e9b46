package ghsim

import (
	"net/http"
	"testing"
	"time"

	"github.com/bradleyfalzon/ghinstallation/v2"
	"github.com/google/go-github/v62/github"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRemainingEndpointsWithGoGitHub(t *testing.T) {
	e := setup(t, Options{ManualClock: true})
	wfs, _, err := e.gh.Actions.ListWorkflows(e.ctx, "acme", "app", nil)
	require.NoError(t, err)
	require.Equal(t, 1, wfs.GetTotalCount())
	assert.Equal(t, ".github/workflows/build.yml", wfs.Workflows[0].GetPath())
	// Dispatch by numeric workflow id works too.
	resp, err := e.gh.Actions.CreateWorkflowDispatchEventByID(e.ctx, "acme", "app", wfs.Workflows[0].GetID(), github.CreateWorkflowDispatchEventRequest{Ref: "main"})
	require.NoError(t, err)
	assert.Equal(t, http.StatusNoContent, resp.StatusCode)
	e.sim.Advance(2 * time.Minute)
	runs, _, err := e.gh.Actions.ListWorkflowRunsByID(e.ctx, "acme", "app", wfs.Workflows[0].GetID(), nil)
	require.NoError(t, err)
	require.Equal(t, 1, runs.GetTotalCount())
	id := runs.WorkflowRuns[0].GetID()
	_, err = e.gh.Actions.RerunFailedJobsByID(e.ctx, "acme", "app", id)
	require.NoError(t, err)
	e.sim.Advance(2 * time.Minute)
	arts, _, err := e.gh.Actions.ListWorkflowRunArtifacts(e.ctx, "acme", "app", id, nil)
	require.NoError(t, err)
	require.Len(t, arts.Artifacts, 1)
	art, _, err := e.gh.Actions.GetArtifact(e.ctx, "acme", "app", arts.Artifacts[0].GetID())
	require.NoError(t, err)
	assert.Equal(t, "app-linux", art.GetName())
	assert.Equal(t, arts.Artifacts[0].GetSizeInBytes(), art.GetSizeInBytes())
	assert.Equal(t, id, art.GetWorkflowRun().GetID())
	_, resp, err = e.gh.Actions.GetArtifact(e.ctx, "acme", "lib", art.GetID())
	require.Error(t, err)
	assert.Equal(t, http.StatusNotFound, status(resp), "an artifact belongs to its repo")

	rel, _, err := e.gh.Repositories.CreateRelease(e.ctx, "acme", "app", &github.RepositoryRelease{TagName: github.String("v1"), Draft: github.Bool(true)})
	require.NoError(t, err)
	_, _, err = e.gh.Repositories.CreateRelease(e.ctx, "acme", "app", &github.RepositoryRelease{TagName: github.String("v2"), Draft: github.Bool(true)})
	require.NoError(t, err)
	got, _, err := e.gh.Repositories.GetRelease(e.ctx, "acme", "app", rel.GetID())
	require.NoError(t, err)
	assert.True(t, got.GetDraft(), "drafts are found by id")
	_, _, err = e.gh.Repositories.EditRelease(e.ctx, "acme", "app", rel.GetID(), &github.RepositoryRelease{TagName: github.String("v2")})
	assert.Equal(t, "Release/tag_name/already_exists", validationCode(t, err))
	got, _, err = e.gh.Repositories.EditRelease(e.ctx, "acme", "app", rel.GetID(), &github.RepositoryRelease{Name: github.String("renamed"), TagName: github.String("v1.0")})
	require.NoError(t, err)
	assert.Equal(t, "renamed", got.GetName())
	assert.Equal(t, "v1.0", got.GetTagName())
	resp, err = e.gh.Repositories.DeleteRelease(e.ctx, "acme", "app", rel.GetID())
	require.NoError(t, err)
	assert.Equal(t, http.StatusNoContent, resp.StatusCode)
	_, resp, err = e.gh.Repositories.GetRelease(e.ctx, "acme", "app", rel.GetID())
	require.Error(t, err)
	assert.Equal(t, http.StatusNotFound, status(resp))
}

func TestAppEndpoints(t *testing.T) {
	key, pemKey := appKey(t)
	e := appEnv(t, key)
	atr, err := ghinstallation.NewAppsTransport(e.srv.Client().Transport, testAppID, pemKey)
	require.NoError(t, err)
	atr.BaseURL = e.srv.URL + "/api/v3"
	apps := newClient(t, e.srv, &http.Client{Transport: atr}, "")
	app, _, err := apps.Apps.Get(e.ctx, "")
	require.NoError(t, err)
	assert.Equal(t, int64(testAppID), app.GetID())
	inst, _, err := apps.Apps.GetInstallation(e.ctx, testInstallationID)
	require.NoError(t, err)
	assert.Equal(t, "acme", inst.GetAccount().GetLogin())
	// The static token is not an App JWT.
	_, resp, err := e.gh.Apps.Get(e.ctx, "")
	require.Error(t, err)
	assert.Equal(t, http.StatusUnauthorized, status(resp))
}

func TestDeliveryDetailAndControlRedeliver(t *testing.T) {
	rc := newReceiver(t, 0)
	e := setup(t, Options{ManualClock: true, WebhookURL: rc.srv.URL, WebhookSecret: testSecret})
	rc.next(t)
	require.Eventually(t, func() bool { return !e.sim.Deliveries()[0].Pending }, time.Minute, 5*time.Millisecond)
	d := e.sim.Deliveries()[0]
	full, _, err := e.gh.Repositories.GetHookDelivery(e.ctx, "acme", "app", HookID, d.ID)
	require.NoError(t, err)
	assert.Equal(t, d.GUID, full.GetGUID())
	assert.Equal(t, "ping", full.GetEvent())
	assert.Equal(t, 200, full.GetStatusCode())
	_, resp, err := e.gh.Repositories.GetHookDelivery(e.ctx, "acme", "app", HookID+1, d.ID)
	require.Error(t, err)
	assert.Equal(t, http.StatusNotFound, status(resp), "unknown hook")

	code, _ := ctl(t, e, "POST", "/_sim/deliveries/"+d.GUID+"/redeliver", "")
	assert.Equal(t, http.StatusAccepted, code)
	assert.Equal(t, d.GUID, rc.next(t).guid)
	code, _ = ctl(t, e, "POST", "/_sim/deliveries/nope/redeliver", "")
	assert.Equal(t, http.StatusNotFound, code)
	code, body := ctl(t, e, "GET", "/_sim/faults", "")
	assert.Equal(t, http.StatusOK, code)
	assert.JSONEq(t, `[]`, string(body))
}

func TestRedeliverWithoutWebhook(t *testing.T) {
	e := setup(t, Options{ManualClock: true})
	require.ErrorIs(t, e.sim.Redeliver("x"), ErrNoWebhook)
	assert.Empty(t, e.sim.Deliveries())
}
