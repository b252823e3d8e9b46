package ghsim

import (
	"testing"
	"time"

	"github.com/google/go-github/v62/github"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestListRunsPaginationAndFilters(t *testing.T) {
	e := setup(t, Options{ManualClock: true})
	var ids []int64
	for range 5 {
		ids = append(ids, dispatchWithDetails(t, e, "lib", nil))
		e.sim.Advance(time.Minute)
	}
	var got []int64
	opts := &github.ListWorkflowRunsOptions{ListOptions: github.ListOptions{PerPage: 2}}
	pages := 0
	for {
		runs, resp, err := e.gh.Actions.ListRepositoryWorkflowRuns(e.ctx, "acme", "lib", opts)
		require.NoError(t, err)
		assert.Equal(t, 5, runs.GetTotalCount())
		if pages == 0 {
			assert.Equal(t, 3, resp.LastPage)
		}
		for _, r := range runs.WorkflowRuns {
			got = append(got, r.GetID())
		}
		pages++
		if resp.NextPage == 0 {
			break
		}
		opts.Page = resp.NextPage
	}
	assert.Equal(t, 3, pages)
	assert.Equal(t, []int64{ids[4], ids[3], ids[2], ids[1], ids[0]}, got, "newest first")

	// created>= the third run's creation keeps three runs.
	third, _, err := e.gh.Actions.GetWorkflowRunByID(e.ctx, "acme", "lib", ids[2])
	require.NoError(t, err)
	from := third.GetCreatedAt().Format(time.RFC3339)
	runs, _, err := e.gh.Actions.ListWorkflowRunsByFileName(e.ctx, "acme", "lib", "build.yml", &github.ListWorkflowRunsOptions{Created: ">=" + from, Status: "success"})
	require.NoError(t, err)
	assert.Equal(t, 3, runs.GetTotalCount())
	runs, _, err = e.gh.Actions.ListRepositoryWorkflowRuns(e.ctx, "acme", "lib", &github.ListWorkflowRunsOptions{Created: "<" + from})
	require.NoError(t, err)
	assert.Equal(t, 2, runs.GetTotalCount())
	runs, _, err = e.gh.Actions.ListRepositoryWorkflowRuns(e.ctx, "acme", "lib", &github.ListWorkflowRunsOptions{Event: "repository_dispatch"})
	require.NoError(t, err)
	assert.Zero(t, runs.GetTotalCount())
	runs, _, err = e.gh.Actions.ListRepositoryWorkflowRuns(e.ctx, "acme", "lib", &github.ListWorkflowRunsOptions{Branch: "main", HeadSHA: third.GetHeadSHA()})
	require.NoError(t, err)
	assert.Equal(t, 5, runs.GetTotalCount())
}

func TestParseCreated(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		require.NoError(t, err)
		return v
	}
	tests := []struct {
		give string
		at   string
		want bool
	}{
		{">=2026-01-02T00:00:00Z", "2026-01-02T00:00:00Z", true},
		{">=2026-01-02T00:00:00Z", "2026-01-01T23:59:59Z", false},
		{">2026-01-02", "2026-01-02T12:00:00Z", false},
		{">2026-01-02", "2026-01-03T00:00:00Z", true},
		{"<=2026-01-02", "2026-01-02T23:00:00Z", true},
		{"<2026-01-02T10:00:00Z", "2026-01-02T10:00:00Z", false},
		{"2026-01-01..2026-01-02", "2026-01-02T23:00:00Z", true},
		{"2026-01-01..2026-01-02", "2026-01-03T00:00:00Z", false},
		{"2026-01-05..*", "2027-01-01T00:00:00Z", true},
		{"*..2026-01-05", "2026-01-06T00:00:00Z", false},
		{"2026-01-02", "2026-01-02T05:00:00Z", true},
		{"2026-01-02", "2026-01-03T05:00:00Z", false},
	}
	for _, tt := range tests {
		t.Run(tt.give+"@"+tt.at, func(t *testing.T) {
			f, err := parseCreated(tt.give)
			require.NoError(t, err)
			assert.Equal(t, tt.want, f(at(tt.at)))
		})
	}
	_, err := parseCreated(">=yesterday")
	assert.Error(t, err)
}

func TestFilteredListingCapsAtOneThousand(t *testing.T) {
	e := setup(t, Options{ManualClock: true})
	e.sim.mu.Lock()
	repo := e.sim.repo("acme", "lib")
	for range 1005 {
		e.sim.createRunLocked(repo, "build.yml", "workflow_dispatch", "main", nil)
	}
	e.sim.mu.Unlock()
	e.sim.Advance(time.Minute)
	runs, _, err := e.gh.Actions.ListRepositoryWorkflowRuns(e.ctx, "acme", "lib", &github.ListWorkflowRunsOptions{Event: "workflow_dispatch", ListOptions: github.ListOptions{PerPage: 100}})
	require.NoError(t, err)
	assert.Equal(t, 1000, runs.GetTotalCount())
	assert.Len(t, runs.WorkflowRuns, 100)
	runs, _, err = e.gh.Actions.ListRepositoryWorkflowRuns(e.ctx, "acme", "lib", &github.ListWorkflowRunsOptions{ListOptions: github.ListOptions{PerPage: 500}})
	require.NoError(t, err)
	assert.Equal(t, 1005, runs.GetTotalCount(), "unfiltered listings are not capped")
	assert.Len(t, runs.WorkflowRuns, 100, "per_page is at most 100")
}

func TestArtifactNameFilter(t *testing.T) {
	e := setup(t, Options{ManualClock: true, Scenario: mustScenario(t, `
owner: acme
repos:
  - name: app
    artifacts: [{name: one, files: [{name: a, size: 10}]}, {name: two, files: [{name: b, size: 10}]}]
`)})
	id := dispatchWithDetails(t, e, "app", nil)
	e.sim.Advance(5 * time.Minute)
	_, body := raw(t, e, "GET", "/api/v3/repos/acme/app/actions/runs/"+itoa64(id)+"/artifacts?name=two", "")
	assert.Contains(t, body, `"total_count":1`)
	assert.Contains(t, body, `"name":"two"`)
	assert.NotContains(t, body, `"name":"one"`)
}
