package ghsim

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-github/v62/github"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPrimaryBudget(t *testing.T) {
	e := setup(t, Options{ManualClock: true, RateLimit: 3})
	for i := range 3 {
		_, resp, err := e.gh.Repositories.Get(e.ctx, "acme", "app")
		require.NoError(t, err)
		assert.Equal(t, 3-i-1, resp.Rate.Remaining)
		assert.Equal(t, 3, resp.Rate.Limit)
	}
	_, resp, err := e.gh.Repositories.Get(e.ctx, "acme", "app")
	var rle *github.RateLimitError
	require.ErrorAs(t, err, &rle)
	assert.Equal(t, http.StatusForbidden, status(resp))
	assert.Zero(t, rle.Rate.Remaining)
	// Manual clock at scale 1: the window ends an hour of real time from now.
	assert.WithinDuration(t, time.Now().Add(time.Hour), rle.Rate.Reset.Time, time.Minute) // wide: the clock started at setup, maybe long ago on a loaded machine

	e.sim.Advance(time.Hour)
	gh := newClient(t, e.srv, e.srv.Client(), StaticToken) // go-github remembers the reset; a fresh client asks
	_, _, err = gh.Repositories.Get(e.ctx, "acme", "app")
	require.NoError(t, err, "a new window")
	assert.Equal(t, 4, e.sim.Stats().BudgetSpent)
}

func TestResetHeaderIsRealTime(t *testing.T) {
	e := setup(t, Options{TimeScale: 120})
	e.sim.SpendBudget()
	req, _ := http.NewRequest("GET", e.srv.URL+"/api/v3/repos/acme/app", nil)
	req.Header.Set("Authorization", "token "+StaticToken)
	resp, err := e.srv.Client().Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	assert.Equal(t, "0", resp.Header.Get("X-RateLimit-Remaining"))
	reset, err := strconv.ParseInt(resp.Header.Get("X-RateLimit-Reset"), 10, 64)
	require.NoError(t, err)
	// One simulated hour at 120× is 30 real seconds.
	assert.InDelta(t, time.Now().Add(30*time.Second).Unix(), reset, 2)
}

func TestConditionalRequestIsFree(t *testing.T) {
	e := setup(t, Options{ManualClock: true})
	id := dispatchWithDetails(t, e, "app", nil)
	_, resp, err := e.gh.Actions.GetWorkflowRunByID(e.ctx, "acme", "app", id)
	require.NoError(t, err)
	etag := resp.Header.Get("ETag")
	require.NotEmpty(t, etag)
	spent := e.sim.Stats().BudgetSpent

	conditional := func() *github.Response {
		req, err := e.gh.NewRequest("GET", "repos/acme/app/actions/runs/"+itoa64(id), nil)
		require.NoError(t, err)
		req.Header.Set("If-None-Match", etag)
		resp, _ := e.gh.Do(e.ctx, req, nil)
		return resp
	}
	for range 3 {
		assert.Equal(t, http.StatusNotModified, status(conditional()))
	}
	st := e.sim.Stats()
	assert.Equal(t, spent, st.BudgetSpent, "304s are free")
	assert.Equal(t, 3, st.NotModified)
	assert.Equal(t, 3, st.Requests["GET /repos/{owner}/{repo}/actions/runs/{run_id}"]["304"])

	// A change gives a new ETag and a 200.
	e.sim.Advance(10 * time.Second)
	assert.Equal(t, http.StatusOK, status(conditional()))
	// Even with the budget spent, a 304 is still served.
	_, resp, err = e.gh.Actions.GetWorkflowRunByID(e.ctx, "acme", "app", id)
	require.NoError(t, err)
	etag = resp.Header.Get("ETag")
	e.sim.SpendBudget()
	assert.Equal(t, http.StatusNotModified, status(conditional()))
}

func TestContentWriteBurstIsSecondaryLimit(t *testing.T) {
	sc := testScenario(t)
	sc.ContentWritesPerMinute = 2
	e := setup(t, Options{ManualClock: true, Scenario: sc})
	const path = "/api/v3/repos/acme/app/actions/workflows/build.yml/dispatches"
	var codes []int
	for range 3 {
		code, _ := raw(t, e, "POST", path, `{"ref":"main"}`)
		codes = append(codes, code)
	}
	assert.Equal(t, []int{204, 204, 403}, codes)
	e.sim.Advance(time.Minute)
	code, _ := raw(t, e, "POST", path, `{"ref":"main"}`)
	assert.Equal(t, 204, code)
}

func TestRateLimitEndpointIsFree(t *testing.T) {
	e := setup(t, Options{ManualClock: true, RateLimit: 10})
	limits, _, err := e.gh.RateLimit.Get(e.ctx)
	require.NoError(t, err)
	assert.Equal(t, 10, limits.GetCore().Limit)
	assert.Equal(t, 10, limits.GetCore().Remaining)
	assert.Zero(t, e.sim.Stats().BudgetSpent)
}
