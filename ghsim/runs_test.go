package ghsim

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-github/v62/github"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// dispatchWithDetails dispatches build.yml and returns the run id from the 200 body.
func dispatchWithDetails(t *testing.T, e *env, repo string, inputs map[string]any) int64 {
	t.Helper()
	req, err := e.gh.NewRequest("POST", "repos/acme/"+repo+"/actions/workflows/build.yml/dispatches",
		map[string]any{"ref": "main", "inputs": inputs, "return_run_details": true})
	require.NoError(t, err)
	var details struct {
		WorkflowRunID int64  `json:"workflow_run_id"`
		RunURL        string `json:"run_url"`
		HTMLURL       string `json:"html_url"`
	}
	resp, err := e.gh.Do(e.ctx, req, &details)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.NotZero(t, details.WorkflowRunID)
	assert.Contains(t, details.RunURL, "/api/v3/repos/acme/"+repo+"/actions/runs/")
	assert.Contains(t, details.HTMLURL, "https://github.com/acme/"+repo+"/actions/runs/")
	return details.WorkflowRunID
}

func TestRunLifecycleWithGoGitHub(t *testing.T) {
	e := setup(t, Options{ManualClock: true, Seed: 7})
	id := dispatchWithDetails(t, e, "app", map[string]any{"release_tag": "v1.0.0", "correlation_id": "rt:v1.0.0:app:1"})

	run, _, err := e.gh.Actions.GetWorkflowRunByID(e.ctx, "acme", "app", id)
	require.NoError(t, err)
	assert.Equal(t, "queued", run.GetStatus())
	assert.Equal(t, "build v1.0.0 rt:v1.0.0:app:1", run.GetDisplayTitle())
	assert.Equal(t, run.GetDisplayTitle(), run.GetName())
	assert.Equal(t, 1, run.GetRunAttempt())
	assert.Equal(t, "workflow_dispatch", run.GetEvent())

	// Not listed until the listing delay has passed.
	runs, _, err := e.gh.Actions.ListRepositoryWorkflowRuns(e.ctx, "acme", "app", nil)
	require.NoError(t, err)
	assert.Zero(t, runs.GetTotalCount())
	e.sim.Advance(2 * time.Second)
	runs, _, err = e.gh.Actions.ListRepositoryWorkflowRuns(e.ctx, "acme", "app", &github.ListWorkflowRunsOptions{Event: "workflow_dispatch"})
	require.NoError(t, err)
	require.Equal(t, 1, runs.GetTotalCount())
	assert.Equal(t, id, runs.WorkflowRuns[0].GetID())

	e.sim.Advance(3 * time.Second)
	run, _, err = e.gh.Actions.GetWorkflowRunByID(e.ctx, "acme", "app", id)
	require.NoError(t, err)
	assert.Equal(t, "in_progress", run.GetStatus())

	// Cancel is 202 (go-github: AcceptedError) while running, 409 once completed.
	e.sim.Advance(time.Minute)
	run, _, err = e.gh.Actions.GetWorkflowRunByID(e.ctx, "acme", "app", id)
	require.NoError(t, err)
	assert.Equal(t, "completed", run.GetStatus())
	assert.Equal(t, "failure", run.GetConclusion())
	resp, err := e.gh.Actions.CancelWorkflowRunByID(e.ctx, "acme", "app", id)
	require.Error(t, err)
	assert.Equal(t, http.StatusConflict, status(resp))

	resp, err = e.gh.Actions.RerunFailedJobsByID(e.ctx, "acme", "app", id)
	require.NoError(t, err)
	assert.Equal(t, http.StatusCreated, resp.StatusCode)
	run, _, err = e.gh.Actions.GetWorkflowRunByID(e.ctx, "acme", "app", id)
	require.NoError(t, err)
	assert.Equal(t, 2, run.GetRunAttempt())
	assert.Equal(t, "queued", run.GetStatus())
	e.sim.Advance(2 * time.Minute)
	run, _, err = e.gh.Actions.GetWorkflowRunByID(e.ctx, "acme", "app", id)
	require.NoError(t, err)
	assert.Equal(t, "success", run.GetConclusion())
	assert.Equal(t, id, run.GetID())

	// A successful run cannot rerun failed jobs.
	resp, err = e.gh.Actions.RerunFailedJobsByID(e.ctx, "acme", "app", id)
	require.Error(t, err)
	assert.Equal(t, http.StatusForbidden, status(resp))

	st := e.sim.Stats()
	assert.Equal(t, 1, st.Dispatches["acme/app"])
	require.Len(t, st.Runs["acme/app"], 1)
	assert.Equal(t, RunStat{ID: id, Attempts: 2, Status: "completed", Conclusion: "success", Event: "workflow_dispatch", DisplayTitle: "build v1.0.0 rt:v1.0.0:app:1"}, st.Runs["acme/app"][0])
	assert.Equal(t, 2, st.Requests["POST /repos/{owner}/{repo}/actions/runs/{run_id}/rerun-failed-jobs"]["201"]+st.Requests["POST /repos/{owner}/{repo}/actions/runs/{run_id}/rerun-failed-jobs"]["403"])
	assert.Equal(t, 1, st.Requests["POST /repos/{owner}/{repo}/actions/runs/{run_id}/cancel"]["409"])
}

func TestCancelRunningRun(t *testing.T) {
	e := setup(t, Options{ManualClock: true})
	id := dispatchWithDetails(t, e, "lib", nil)
	resp, err := e.gh.Actions.CancelWorkflowRunByID(e.ctx, "acme", "lib", id)
	var accepted *github.AcceptedError
	require.ErrorAs(t, err, &accepted)
	assert.Equal(t, http.StatusAccepted, status(resp))
	run, _, err := e.gh.Actions.GetWorkflowRunByID(e.ctx, "acme", "lib", id)
	require.NoError(t, err)
	assert.Equal(t, "completed", run.GetStatus())
	assert.Equal(t, "cancelled", run.GetConclusion())
	// honour_run_name: false gives the workflow's name.
	assert.Equal(t, "build", run.GetDisplayTitle())
}

func TestArtifactsDigestAndDownload(t *testing.T) {
	e := setup(t, Options{ManualClock: true, Seed: 3})
	e.sim.SetScenario(mustScenario(t, `
owner: acme
repos:
  - name: app
    duration: 1s
    artifacts:
      - name: app-linux
        files: [{name: app, size: 300KiB, executable: true}, {name: NOTES.txt, size: 10}]
      - name: app-docs
        files: [{name: index.html, size: 1KiB}]
`))
	id := dispatchWithDetails(t, e, "app", nil)
	list, _, err := e.gh.Actions.ListWorkflowRunArtifacts(e.ctx, "acme", "app", id, nil)
	require.NoError(t, err)
	assert.Zero(t, list.GetTotalCount(), "no artifacts before the run completes")
	e.sim.Advance(10 * time.Second)

	// go-github v62's Artifact has no Digest: decode the raw answer too.
	req, err := e.gh.NewRequest("GET", "repos/acme/app/actions/runs/"+itoa64(id)+"/artifacts", nil)
	require.NoError(t, err)
	var raw struct {
		TotalCount int `json:"total_count"`
		Artifacts  []struct {
			ID     int64  `json:"id"`
			Name   string `json:"name"`
			Size   int64  `json:"size_in_bytes"`
			Digest string `json:"digest"`
		} `json:"artifacts"`
	}
	_, err = e.gh.Do(e.ctx, req, &raw)
	require.NoError(t, err)
	require.Equal(t, 2, raw.TotalCount)
	art := raw.Artifacts[0]
	assert.Equal(t, "app-linux", art.Name)
	assert.Regexp(t, `^sha256:[0-9a-f]{64}$`, art.Digest)

	u, resp, err := e.gh.Actions.DownloadArtifact(e.ctx, "acme", "app", art.ID, 0)
	require.NoError(t, err)
	assert.Equal(t, http.StatusFound, resp.StatusCode)
	assert.Contains(t, u.String(), e.srv.URL+"/_blob/")

	// The blob refuses the API token, serves without it.
	breq, _ := http.NewRequest("GET", u.String(), nil)
	breq.Header.Set("Authorization", "token "+StaticToken)
	bresp, err := e.srv.Client().Do(breq)
	require.NoError(t, err)
	bresp.Body.Close()
	assert.Equal(t, http.StatusBadRequest, bresp.StatusCode)
	data := get(t, e, u.String(), http.StatusOK)
	sum := sha256.Sum256(data)
	assert.Equal(t, art.Digest, "sha256:"+hex.EncodeToString(sum[:]))
	assert.Equal(t, art.Size, int64(len(data)))
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	require.NoError(t, err)
	require.Len(t, zr.File, 2)
	assert.Equal(t, "app", zr.File[0].Name)
	assert.Equal(t, uint64(300<<10), zr.File[0].UncompressedSize64)
	assert.Equal(t, 0o755, int(zr.File[0].Mode().Perm()))
	f, err := zr.File[0].Open()
	require.NoError(t, err)
	content, err := io.ReadAll(f)
	require.NoError(t, err)
	assert.Equal(t, "\x7fELF", string(content[:4]))
	ratio := float64(zr.File[0].CompressedSize64) / float64(zr.File[0].UncompressedSize64)
	assert.True(t, ratio > 0.2 && ratio < 0.9, "binary-like compression ratio, got %.2f", ratio)

	// The URL lives about a minute; then 410.
	e.sim.Advance(61 * time.Second)
	get(t, e, u.String(), http.StatusGone)

	// Expired artifacts: 410 on download.
	e.sim.Advance(91 * 24 * time.Hour)
	_, resp, err = e.gh.Actions.DownloadArtifact(e.ctx, "acme", "app", art.ID, 0)
	require.Error(t, err)
	assert.Equal(t, http.StatusGone, status(resp))
	st := e.sim.Stats()
	assert.Equal(t, 1, st.Requests["GET /_blob/{token}"]["200"])
	assert.Equal(t, 1, st.Requests["GET /_blob/{token}"]["410"])
}

func TestArtifactContentDeterministic(t *testing.T) {
	spec := ArtifactSpec{Name: "a", Files: []FileSpec{{Name: "bin", Size: 150 << 10}}}
	zipOf := func(seed int64) []byte {
		var b bytes.Buffer
		require.NoError(t, writeArtifactZip(&b, seed, "o/r", spec))
		return b.Bytes()
	}
	assert.Equal(t, zipOf(1), zipOf(1))
	assert.NotEqual(t, zipOf(1), zipOf(2))
}

func get(t *testing.T, e *env, url string, want int) []byte {
	t.Helper()
	resp, err := e.srv.Client().Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, want, resp.StatusCode, string(data))
	return data
}

func mustScenario(t *testing.T, y string) *Scenario {
	t.Helper()
	sc, err := ParseScenario([]byte(y))
	require.NoError(t, err)
	return sc
}

func itoa64(v int64) string { b, _ := json.Marshal(v); return string(b) }

func TestStartupFailureNeverRuns(t *testing.T) {
	rc := newReceiver(t, 0)
	e := setup(t, Options{ManualClock: true, WebhookURL: rc.srv.URL, WebhookSecret: testSecret,
		Scenario: mustScenario(t, "owner: acme\nrepos:\n  - name: app\n    outcomes: [startup_failure, timed_out, success]\n")})
	rc.next(t) // ping
	id := dispatchWithDetails(t, e, "app", nil)
	e.sim.Advance(10 * time.Second)
	var actions []string
	for range 2 {
		actions = append(actions, rc.nextOf(t, "workflow_run").payload.(*github.WorkflowRunEvent).GetAction())
	}
	assert.Equal(t, []string{"requested", "completed"}, actions)
	run, _, err := e.gh.Actions.GetWorkflowRunByID(e.ctx, "acme", "app", id)
	require.NoError(t, err)
	assert.Equal(t, "startup_failure", run.GetConclusion())
	_, err = e.gh.Actions.RerunFailedJobsByID(e.ctx, "acme", "app", id)
	require.NoError(t, err)
	e.sim.Advance(2 * time.Minute)
	run, _, err = e.gh.Actions.GetWorkflowRunByID(e.ctx, "acme", "app", id)
	require.NoError(t, err)
	assert.Equal(t, "timed_out", run.GetConclusion())
	assert.Equal(t, 2, run.GetRunAttempt())
}
