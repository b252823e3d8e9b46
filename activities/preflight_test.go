package activities

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/BTCDecoded/releasetrain/config"
	"github.com/BTCDecoded/releasetrain/ghclient"
)

func preflightIn() PreflightInput {
	return PreflightInput{Owner: "o", Tag: "v1", ReleaseRepo: "core", Calls: 100, Repos: []PreflightRepo{
		{Name: "core", Dispatch: config.DispatchWorkflow, Workflow: "build.yml"},
		{Name: "app", Dispatch: config.DispatchWorkflow, Workflow: "build.yml"},
		{Name: "lib", Dispatch: config.DispatchRepository},
	}}
}

func runPreflight(t *testing.T, gh *fakeGitHub, in PreflightInput) PreflightResult {
	t.Helper()
	env, a := newEnv(t, gh)
	val, err := env.ExecuteActivity(a.Preflight, in)
	require.NoError(t, err)
	var res PreflightResult
	require.NoError(t, val.Get(&res))
	return res
}

func TestPreflightPasses(t *testing.T) {
	yes := true
	res := runPreflight(t, &fakeGitHub{immutable: true, push: &yes}, preflightIn())
	assert.Empty(t, res.Problems)
	assert.True(t, res.ImmutableKnown)
	assert.True(t, res.ReleaseImmutable)
	assert.Zero(t, res.WaitUntil)
	assert.Equal(t, 5000, res.RateRemaining)
	assert.Contains(t, res.Notes, "o/core has no draft release v1 yet: the train creates its own")
}

// Every refusal is one problem naming the repo, the call and the fix.
func TestPreflightRefusals(t *testing.T) {
	no := false
	tests := []struct {
		name string
		gh   *fakeGitHub
		in   func(*PreflightInput)
		want Problem
	}{
		{"missing repo", &fakeGitHub{missingRepos: map[string]bool{"app": true}}, nil,
			Problem{Repo: "o/app", Call: "GET /repos/o/app", Fix: "404 Not Found: the repository does not exist or the GitHub App is not installed on it: install the App on o/app (or fix its name in the train config)"}},
		{"missing workflow", &fakeGitHub{workflowState: map[string]string{"app": "missing"}}, nil,
			Problem{Repo: "o/app", Call: "GET /repos/o/app/actions/workflows/build.yml", Fix: "404 Not Found: no workflow build.yml on the default branch: add it (examples/build.yml shows the contract) or set workflow: in the train config"}},
		{"disabled workflow", &fakeGitHub{workflowState: map[string]string{"core": "disabled_manually"}}, nil,
			Problem{Repo: "o/core", Call: "GET /repos/o/core/actions/workflows/build.yml", Fix: "workflow build.yml is disabled_manually, and GitHub refuses to dispatch it: enable it (gh workflow enable build.yml -R o/core)"}},
		{"release repo read-only", &fakeGitHub{push: &no}, nil,
			Problem{Repo: "o/core", Call: "GET /repos/o/core", Fix: "these credentials cannot write to the release repository: give the GitHub App (or token) Contents: read and write on it"}},
		{"published release", &fakeGitHub{release: ghclient.Release{ID: 3, Tag: "v1", HTMLURL: "https://x/v1", Immutable: true}}, nil,
			Problem{Repo: "o/core", Call: "GET /repos/o/core/releases", Fix: "release v1 is already published (https://x/v1); releasetrain fills only drafts: it is immutable (its assets can never change, and a deleted immutable release's tag can never be used again): release under a new tag"}},
		{"the maintainer's draft is gone", &fakeGitHub{}, func(in *PreflightInput) { in.RequireDraft = true },
			Problem{Repo: "o/core", Call: "GET /repos/o/core/releases", Fix: "the draft release v1 that started this train is gone: save a draft release with tag v1 in o/core again, or start the train by hand (releasetrain release start v1), which creates its own draft"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := preflightIn()
			if tt.in != nil {
				tt.in(&in)
			}
			res := runPreflight(t, tt.gh, in)
			assert.Equal(t, []Problem{tt.want}, res.Problems)
		})
	}
}

// The maintainer's draft is found, and a repo_dispatch repo needs no workflow.
func TestPreflightFindsTheDraft(t *testing.T) {
	in := preflightIn()
	in.RequireDraft = true
	res := runPreflight(t, &fakeGitHub{release: ghclient.Release{ID: 3, Tag: "v1", Draft: true},
		workflowState: map[string]string{"lib": "missing"}}, in)
	assert.Empty(t, res.Problems)
	assert.True(t, res.DraftFound)
}

// A rate budget below the train's estimate makes the train wait for the reset.
func TestPreflightWaitsForTheRateBudget(t *testing.T) {
	reset := time.Unix(1_900_000_000, 0)
	res := runPreflight(t, &fakeGitHub{rate: ghclient.RateBudget{Limit: 5000, Remaining: 40, Reset: reset}}, preflightIn())
	assert.Empty(t, res.Problems)
	assert.True(t, res.WaitUntil.Equal(reset), "wait until %s", res.WaitUntil)
	assert.Equal(t, 40, res.RateRemaining)
}

// A transient GitHub failure is an error for the retry policy, not a problem.
func TestPreflightTransientIsRetried(t *testing.T) {
	env, a := newEnv(t, &fakeGitHub{repoErr: &ghclient.Error{Kind: ghclient.KindTransient, Status: 502, Message: "Bad Gateway"}})
	_, err := env.ExecuteActivity(a.Preflight, preflightIn())
	var ae *temporal.ApplicationError
	require.ErrorAs(t, err, &ae)
	assert.False(t, ae.NonRetryable())
}
