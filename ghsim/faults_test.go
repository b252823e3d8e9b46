package ghsim

import (
	"net/http"
	"testing"
	"time"

	"github.com/google/go-github/v62/github"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	routeGetRepo  = "GET /repos/{owner}/{repo}"
	routeDispatch = "POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches"
	routeUpload   = "POST /repos/{owner}/{repo}/releases/{release_id}/assets"
)

// statuses calls GET repo n times and returns the statuses.
func statuses(t *testing.T, e *env, n int) []int {
	t.Helper()
	out := make([]int, n)
	for i := range out {
		_, resp, _ := e.gh.Repositories.Get(e.ctx, "acme", "app")
		out[i] = status(resp)
	}
	return out
}

func TestFaultSelection(t *testing.T) {
	tests := []struct {
		name string
		give Fault
		want []int
	}{
		{"nth", Fault{Route: routeGetRepo, Nth: 2, Status: 502}, []int{200, 502, 200, 200}},
		{"every", Fault{Route: "*", Every: 2, Status: 503}, []int{200, 503, 200, 503}},
		{"count", Fault{Route: routeGetRepo, Count: 1}, []int{500, 200, 200, 200}},
		{"method and path", Fault{Route: "/repos/{owner}/{repo}", Method: "GET", Status: 500, Count: 2}, []int{500, 500, 200, 200}},
		{"other route", Fault{Route: routeDispatch, Status: 500}, []int{200, 200, 200, 200}},
		{"other method", Fault{Route: "/repos/{owner}/{repo}", Method: "POST", Status: 500}, []int{200, 200, 200, 200}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := setup(t, Options{ManualClock: true})
			e.sim.SetFaults([]Fault{tt.give})
			assert.Equal(t, tt.want, statuses(t, e, len(tt.want)))
		})
	}
}

func TestProbabilityFaultsAreSeeded(t *testing.T) {
	pattern := func(seed int64) []int {
		e := setup(t, Options{ManualClock: true, Seed: seed})
		e.sim.SetFaults([]Fault{{Route: "*", Probability: 0.5, Status: 500}})
		return statuses(t, e, 24)
	}
	a, b := pattern(11), pattern(11)
	assert.Equal(t, a, b)
	assert.Contains(t, a, 500)
	assert.Contains(t, a, 200)
	assert.NotEqual(t, a, pattern(12))
}

func TestSecondaryLimitForms(t *testing.T) {
	e := setup(t, Options{ManualClock: true})
	e.sim.SetFaults([]Fault{{Route: routeGetRepo, SecondaryLimit: true, Count: 1, RetryAfter: 90 * time.Second}})
	_, resp, err := e.gh.Repositories.Get(e.ctx, "acme", "app")
	var abuse *github.AbuseRateLimitError
	require.ErrorAs(t, err, &abuse)
	assert.Equal(t, http.StatusForbidden, status(resp))
	require.NotNil(t, abuse.RetryAfter)
	assert.Equal(t, 90*time.Second, *abuse.RetryAfter)

	e.sim.SetFaults([]Fault{{Route: routeGetRepo, SecondaryLimit: true, Status: http.StatusTooManyRequests, Count: 1}})
	gh := newClient(t, e.srv, e.srv.Client(), StaticToken) // go-github remembers the 403 above
	_, resp, err = gh.Repositories.Get(e.ctx, "acme", "app")
	var er *github.ErrorResponse
	require.ErrorAs(t, err, &er, "go-github v62: a 429 is a plain ErrorResponse")
	assert.Equal(t, http.StatusTooManyRequests, status(resp))
	assert.Equal(t, "60", resp.Header.Get("Retry-After"))
	assert.Regexp(t, `secondary-rate-limits$`, er.DocumentationURL)
}

func TestLatencyFault(t *testing.T) {
	e := setup(t, Options{ManualClock: true})
	e.sim.SetFaults([]Fault{{Route: routeGetRepo, Latency: 80 * time.Millisecond}})
	start := time.Now()
	assert.Equal(t, []int{200}, statuses(t, e, 1))
	assert.GreaterOrEqual(t, time.Since(start), 80*time.Millisecond)
}

func TestResetFault(t *testing.T) {
	e := setup(t, Options{ManualClock: true})
	e.sim.SetFaults([]Fault{{Route: routeGetRepo, Reset: true, Count: 1}})
	_, _, err := e.gh.Repositories.Get(e.ctx, "acme", "app")
	require.Error(t, err)
	_, _, err = e.gh.Repositories.Get(e.ctx, "acme", "app")
	require.NoError(t, err)
	assert.Equal(t, map[string]int{"0": 1, "200": 1}, e.sim.Stats().Requests[routeGetRepo])
}

func TestAfterWriteDispatchLands(t *testing.T) {
	e := setup(t, Options{ManualClock: true})
	e.sim.SetFaults([]Fault{{Route: routeDispatch, AfterWrite: true, Status: 502, Count: 1}})
	resp, err := e.gh.Actions.CreateWorkflowDispatchEventByFileName(e.ctx, "acme", "app", "build.yml", github.CreateWorkflowDispatchEventRequest{Ref: "main"})
	require.Error(t, err)
	assert.Equal(t, http.StatusBadGateway, status(resp))
	st := e.sim.Stats()
	assert.Equal(t, 1, st.Dispatches["acme/app"], "the write landed")
	assert.Len(t, st.Runs["acme/app"], 1)
	resp, err = e.gh.Actions.CreateWorkflowDispatchEventByFileName(e.ctx, "acme", "app", "build.yml", github.CreateWorkflowDispatchEventRequest{Ref: "main"})
	require.NoError(t, err)
	assert.Equal(t, http.StatusNoContent, resp.StatusCode)
	assert.Equal(t, 2, e.sim.Stats().Dispatches["acme/app"])
}

func TestAfterWriteUploadLands(t *testing.T) {
	e := setup(t, Options{ManualClock: true})
	rel, _, err := e.gh.Repositories.CreateRelease(e.ctx, "acme", "app", &github.RepositoryRelease{TagName: github.String("v1"), Draft: github.Bool(true)})
	require.NoError(t, err)
	e.sim.SetFaults([]Fault{{Route: routeUpload, AfterWrite: true, Status: 500}})
	_, resp, err := e.gh.Repositories.UploadReleaseAsset(e.ctx, "acme", "app", rel.GetID(), &github.UploadOptions{Name: "a.tar.gz"}, tempFile(t, "a.tar.gz", []byte("abc")))
	require.Error(t, err)
	assert.Equal(t, http.StatusInternalServerError, status(resp))
	info, _ := e.sim.Release("acme", "app", "v1")
	require.Len(t, info.Assets, 1)
	assert.Equal(t, 1, info.Assets[0].Uploads)
	// The retry meets the asset that landed.
	_, resp, _ = e.gh.Repositories.UploadReleaseAsset(e.ctx, "acme", "app", rel.GetID(), &github.UploadOptions{Name: "a.tar.gz"}, tempFile(t, "a.tar.gz", []byte("abc")))
	assert.Equal(t, http.StatusInternalServerError, status(resp), "AfterWrite fires again (no Count)")
	e.sim.SetFaults(nil)
	_, resp, _ = e.gh.Repositories.UploadReleaseAsset(e.ctx, "acme", "app", rel.GetID(), &github.UploadOptions{Name: "a.tar.gz"}, tempFile(t, "a.tar.gz", []byte("abc")))
	assert.Equal(t, http.StatusUnprocessableEntity, status(resp))
	assert.Equal(t, map[string]int{"a.tar.gz": 1}, e.sim.Stats().Uploads["acme/app@v1"])
}
