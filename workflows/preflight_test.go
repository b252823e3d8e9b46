package workflows

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/BTCDecoded/releasetrain/activities"
	"github.com/BTCDecoded/releasetrain/contract"
)

// A failed preflight blocks the train before anything is dispatched, with
// one message per problem; retry runs it again, and once it passes the
// train builds and publishes.
func TestPreflightProblemsBlockUntilRetry(t *testing.T) {
	problems := activities.PreflightResult{Problems: []activities.Problem{
		{Repo: "o/a", Call: "GET /repos/o/a/actions/workflows/build.yml", Fix: "workflow build.yml is disabled_manually: enable it"},
		{Repo: "o/a", Call: "GET /repos/o/a/releases", Fix: "release v1.2.3 is already published"},
	}}
	f := &fakeGitHub{preflightResults: []activities.PreflightResult{problems}}
	env := newEnv(t, f)
	var st contract.Status
	env.RegisterDelayedCallback(func() {
		st = queryStatus(t, env)
		env.SignalWorkflow(contract.SignalRetry, contract.RepoSignal{})
	}, time.Hour)
	env.ExecuteWorkflow(Release, contract.ReleaseInput{Tag: testTag, Train: singleRepo(0).JSON()})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatalf("workflow error: %v", err)
	}
	if st.State != contract.StateBlocked || st.BlockedStep != contract.StepPreflight || st.Preflight == nil || st.Preflight.State != contract.PreflightBlocked {
		t.Fatalf("status while blocked: state %s, blocked_step %q, preflight %+v", st.State, st.BlockedStep, st.Preflight)
	}
	want := []string{
		"o/a: GET /repos/o/a/actions/workflows/build.yml: workflow build.yml is disabled_manually: enable it",
		"o/a: GET /repos/o/a/releases: release v1.2.3 is already published",
	}
	if !slices.Equal(st.Preflight.Problems, want) {
		t.Errorf("problems = %q, want %q", st.Preflight.Problems, want)
	}
	if !strings.HasPrefix(st.Error, "preflight: 2 problem(s): ") {
		t.Errorf("error = %q", st.Error)
	}
	pre := f.calls("preflight")
	disp := f.calls("dispatch")
	if len(pre) != 2 || len(disp) != 1 || disp[0].at.Before(pre[1].at) {
		t.Fatalf("preflights %v, dispatches %v: want two preflights, the one dispatch after the second", pre, disp)
	}
	var res contract.Status
	if err := env.GetWorkflowResult(&res); err != nil {
		t.Fatal(err)
	}
	if res.State != contract.StateSucceeded || res.Preflight == nil || res.Preflight.State != contract.PreflightPassed || res.Preflight.ReleaseImmutable == nil || !*res.Preflight.ReleaseImmutable {
		t.Errorf("final status %s, preflight %+v", res.State, res.Preflight)
	}
	in := f.preflights[0]
	if in.ReleaseRepo != "a" || len(in.Repos) != 1 || in.Repos[0].Workflow != "build.yml" || in.Calls != estimateCalls(1) || in.RequireDraft {
		t.Errorf("preflight input = %+v", in)
	}
}

// A rate budget that does not cover the train waits for its reset, saying
// so, then checks again; nothing is dispatched meanwhile.
func TestPreflightWaitsForRateReset(t *testing.T) {
	f := &fakeGitHub{}
	env := newEnv(t, f)
	reset := env.Now().Add(40 * time.Minute)
	f.preflightResults = []activities.PreflightResult{{RateRemaining: 3, RateLimit: 5000, WaitUntil: reset}}
	var st contract.Status
	env.RegisterDelayedCallback(func() { st = queryStatus(t, env) }, 10*time.Minute)
	env.ExecuteWorkflow(Release, contract.ReleaseInput{Tag: testTag, Train: singleRepo(0).JSON(), DraftID: 5})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatalf("workflow error: %v", err)
	}
	if st.Preflight == nil || st.Preflight.State != contract.PreflightWaiting || !strings.Contains(st.Preflight.Message, "rate limit reset") || st.State != contract.StateRunning {
		t.Fatalf("status while waiting: %s %+v", st.State, st.Preflight)
	}
	pre, disp := f.calls("preflight"), f.calls("dispatch")
	if len(pre) != 2 || pre[1].at.Before(reset) || len(disp) != 1 || disp[0].at.Before(reset) {
		t.Fatalf("preflights %v, dispatches %v: want a second preflight and the dispatch after the reset %v", pre, disp, reset)
	}
	if !f.preflights[0].RequireDraft {
		t.Error("a train started by a maintainer's draft requires the draft")
	}
}

// A tag whose bundle name GitHub would rename fails the train at once,
// before the preflight and any build.
func TestPlanRefusesAssetNamesGitHubRenames(t *testing.T) {
	f := &fakeGitHub{}
	env := newEnv(t, f)
	env.ExecuteWorkflow(Release, contract.ReleaseInput{Tag: "v1.0~rc1", Train: singleRepo(0).JSON()})
	err := env.GetWorkflowError()
	if err == nil || !strings.Contains(err.Error(), "which GitHub renames") {
		t.Fatalf("workflow error = %v", err)
	}
	if n := len(f.calls("preflight")) + len(f.calls("dispatch")); n != 0 {
		t.Fatalf("%d preflight/dispatch calls for a train that cannot publish", n)
	}
}
