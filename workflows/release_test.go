package workflows

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/BTCDecoded/releasetrain/activities"
	"github.com/BTCDecoded/releasetrain/contract"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReleaseHappyPathRespectsLayers(t *testing.T) {
	f := &fakeGitHub{}
	env := newEnv(t, f)
	train := btcDecoded()
	var mid contract.Status
	// At 15 min layer 0 (10 min builds) is done and bllvm-protocol builds.
	env.RegisterDelayedCallback(func() { mid = queryStatus(t, env) }, 15*time.Minute)
	env.ExecuteWorkflow(Release, contract.ReleaseInput{Tag: testTag, Train: train.JSON()})

	require.True(t, env.IsWorkflowCompleted(), "workflow not completed")
	require.NoError(t, env.GetWorkflowError(), "workflow error")
	var st contract.Status
	require.NoError(t, env.GetWorkflowResult(&st))

	// No dispatch before every dependency's build was collected (succeeded).
	for _, repo := range train.Repos {
		d := f.first(t, "dispatch", repo.Name)
		for _, dep := range repo.DependsOn {
			c := f.first(t, "collect", dep)
			assert.False(t, d.at.Before(c.at), "%s dispatched at %v before dependency %s succeeded at %v", repo.Name, d.at, dep, c.at)
		}
	}
	// Parallel inside a layer: both layer-0 repos dispatched at once; the
	// whole train takes five build times, not seven.
	a, b := f.first(t, "dispatch", "bllvm-consensus"), f.first(t, "dispatch", "commons")
	assert.True(t, a.at.Equal(b.at), "layer 0 not dispatched together: %v vs %v", a.at, b.at)
	a, b = f.first(t, "dispatch", "bllvm"), f.first(t, "dispatch", "bllvm-sdk")
	assert.True(t, a.at.Equal(b.at), "layer 3 not dispatched together: %v vs %v", a.at, b.at)
	start := f.calls("dispatch")[0].at
	took := f.calls("publish")[0].at.Sub(start)
	assert.LessOrEqual(t, took, 5*f.buildTime+time.Minute, "train took %v, want about 5 build times", took)
	assert.Equal(t, 7, len(f.calls("dispatch")), "dispatches")

	// Dispatch inputs: deterministic correlation ids and upstream run ids.
	for _, in := range f.dispatched {
		assert.Equal(t, contract.CorrelationID(testTag, in.Repo, 1), in.CorrelationID, "%s correlation id", in.Repo)
		assert.False(t, in.NotBefore.IsZero(), "%s NotBefore unset", in.Repo)
		if in.Repo == "bllvm-node" {
			want := map[string]int64{"bllvm-consensus": runID("bllvm-consensus"), "bllvm-protocol": runID("bllvm-protocol")}
			assert.Len(t, in.Upstream, 2, "bllvm-node upstream = %v, want %v", in.Upstream, want)
			assert.Equal(t, want["bllvm-consensus"], in.Upstream["bllvm-consensus"], "bllvm-node upstream = %v, want %v", in.Upstream, want)
			assert.Equal(t, want["bllvm-protocol"], in.Upstream["bllvm-protocol"], "bllvm-node upstream = %v, want %v", in.Upstream, want)
		}
	}

	// Status mid-way and at the end.
	assert.Equal(t, contract.StateRunning, mid.State)
	assert.Equal(t, 1, mid.Layer)
	for repo, want := range map[string]contract.RepoState{
		"bllvm-consensus": contract.RepoSucceeded, "commons": contract.RepoSucceeded,
		"bllvm-protocol": contract.RepoBuilding, "bllvm-node": contract.RepoPending, "governance-app": contract.RepoPending,
	} {
		assert.Equal(t, want, mid.Repos[repo].State, "mid status %s", repo)
	}
	p := mid.Repos["bllvm-protocol"]
	assert.Equal(t, runID("bllvm-protocol"), p.RunID, "mid status bllvm-protocol = %+v", p)
	assert.NotEmpty(t, p.RunURL, "mid status bllvm-protocol = %+v", p)
	assert.Equal(t, 1, p.Attempt, "mid status bllvm-protocol = %+v", p)
	assert.NotNil(t, p.StartedAt, "mid status bllvm-protocol = %+v", p)
	assert.Len(t, mid.Repos, 7)
	assert.Len(t, mid.Layers, 5)
	assert.Equal(t, contract.StateSucceeded, st.State)
	assert.NotEmpty(t, st.ReleaseURL)
	for name, rs := range st.Repos {
		assert.Equal(t, contract.RepoSucceeded, rs.State, "final %s = %+v", name, rs)
		assert.Len(t, rs.Artifacts, 1, "final %s = %+v", name, rs)
		assert.NotNil(t, rs.FinishedAt, "final %s = %+v", name, rs)
		assert.Equal(t, 1, rs.Files, "final %s files", name)
		assert.Equal(t, int64(3), rs.Bytes, "final %s bytes", name)
		assert.Equal(t, contract.StoreKey(fmt.Sprintf("%064x", 1000+runID(name))), rs.Manifest, "final %s manifest", name)
	}
	assert.Equal(t, contract.StateSucceeded, queryStatus(t, env).State, "query after completion: state")

	// Package and publish.
	require.Len(t, f.pkg, 1)
	require.Len(t, f.pkg[0].Repos, 7)
	pkg := f.pkg[0]
	assert.Equal(t, "btcdecoded", pkg.Name, "package input = %+v", pkg)
	assert.Equal(t, "bllvm-consensus", pkg.ReleaseRepo, "package input = %+v", pkg)
	assert.False(t, pkg.Time.IsZero(), "package input = %+v", pkg)
	for _, r := range f.pkg[0].Repos {
		if assert.NotNil(t, r.Manifest, "package input %s: want the manifest's reference", r.Repo) {
			assert.Equal(t, 1, r.Manifest.Files, "package input %s manifest %+v", r.Repo, r.Manifest)
			assert.Empty(t, r.Manifest.First, "package input %s manifest: the reference only", r.Repo)
		}
		assert.Empty(t, r.Files, "package input %s: the manifest's reference only", r.Repo)
	}
	require.Len(t, f.pub, 1, "publish calls")
	pub := f.pub[0]
	assert.Equal(t, "btcdecoded "+testTag, pub.Title, "publish input = %+v", pub)
	assert.Equal(t, contract.ReleaseWorkflowID(testTag), pub.Marker, "publish input = %+v", pub)
	assert.Len(t, pub.Assets, 7, "publish input = %+v", pub)

	// ReleaseState followed the train.
	got, want := f.upserted(), []contract.State{contract.StateRunning, contract.StatePublishing, contract.StateSucceeded}
	assert.Equal(t, want, got, "ReleaseState upserts")
}

func TestBuildEventWakesWaitingBuild(t *testing.T) {
	f := &fakeGitHub{blockAwait: true}
	env := newEnv(t, f)
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(contract.SignalBuildEvent, contract.BuildEvent{Repo: "a", RunID: runID("a"), Status: "completed", Conclusion: "success"})
	}, 5*time.Minute)
	env.ExecuteWorkflow(Release, contract.ReleaseInput{Tag: testTag, Train: singleRepo(2).JSON()})

	require.True(t, env.IsWorkflowCompleted(), "workflow not completed")
	require.NoError(t, env.GetWorkflowError(), "workflow error")
	checks := f.calls("check")
	require.Len(t, checks, 1, "CheckRun calls")
	took := checks[0].at.Sub(f.first(t, "dispatch", "a").at)
	assert.LessOrEqual(t, took, 6*time.Minute, "build-event took %v to wake the build", took)
	assert.Len(t, f.calls("collect"), 1, "events = %v", f.events)
	assert.Len(t, f.calls("publish"), 1, "events = %v", f.events)
}

func TestStaleBuildEventKeepsPolling(t *testing.T) {
	checks := 0
	f := &fakeGitHub{blockAwait: true}
	// The first CheckRun says the run is still going (a stale event); the
	// second confirms success.
	f.checkFn = func(_ ctxT, run contract.RunRef) (activities.RunResult, error) {
		f.record("check", run.Repo)
		checks++
		if checks == 1 {
			return activities.RunResult{Run: run, Status: "in_progress", Outcome: activities.OutcomeRunning}, nil
		}
		return activities.RunResult{Run: run, Status: "completed", Conclusion: "success", Outcome: activities.OutcomeSucceeded}, nil
	}
	env := newEnv(t, f)
	for _, at := range []time.Duration{5 * time.Minute, 20 * time.Minute} {
		env.RegisterDelayedCallback(func() {
			env.SignalWorkflow(contract.SignalBuildEvent, contract.BuildEvent{Repo: "a", RunID: runID("a"), Status: "completed"})
		}, at)
	}
	env.ExecuteWorkflow(Release, contract.ReleaseInput{Tag: testTag, Train: singleRepo(2).JSON()})

	require.NoError(t, env.GetWorkflowError(), "workflow error")
	n := len(f.calls("await"))
	assert.Equal(t, 2, n, "AwaitRun calls = %d, want 2 (polling resumed after the stale event)", n)
	d := f.calls("collect")[0].at.Sub(f.calls("dispatch")[0].at)
	assert.GreaterOrEqual(t, d, 20*time.Minute, "collected after %v, before the confirming event", d)
}

func TestFailedBuildRerunsWithBackoffThenSucceeds(t *testing.T) {
	f := &fakeGitHub{failures: map[string]int{"a": 2}}
	env := newEnv(t, f)
	env.ExecuteWorkflow(Release, contract.ReleaseInput{Tag: testTag, Train: singleRepo(2).JSON()})

	require.NoError(t, env.GetWorkflowError(), "workflow error")
	awaits, reruns := f.calls("await"), f.calls("rerun")
	require.Len(t, reruns, 2)
	require.Len(t, awaits, 3)
	// Backoff RetryBackoff × 2^k: 1m after the first failure, 2m after the second.
	for k, want := range []time.Duration{time.Minute, 2 * time.Minute} {
		failedAt := awaits[k].at.Add(f.buildTime)
		got := reruns[k].at.Sub(failedAt)
		assert.GreaterOrEqual(t, got, want, "re-run %d after %v, want ≥ %v", k+1, got, want)
	}
	var st contract.Status
	require.NoError(t, env.GetWorkflowResult(&st))
	a := st.Repos["a"]
	assert.Equal(t, contract.RepoSucceeded, a.State, "status a = %+v, want succeeded on attempt 3", a)
	assert.Equal(t, 3, a.Attempt, "status a = %+v, want succeeded on attempt 3", a)
	assert.Empty(t, a.Error, "status a = %+v, want succeeded on attempt 3", a)
	assert.Equal(t, 3, f.pkg[0].Repos[0].Attempts, "package attempts")
}

// The backoff doubles up to the repo's max_backoff: 10m, 20m, then 20m
// again where it used to be 40m and 80m (and overflowed past ~30 re-runs).
func TestRerunBackoffIsCapped(t *testing.T) {
	f := &fakeGitHub{failures: map[string]int{"a": 4}}
	env := newEnv(t, f)
	train := singleRepo(10) // config.MaxRetryLimit
	train.Repos[0].RetryBackoff = 10 * time.Minute
	train.Repos[0].MaxBackoff = 20 * time.Minute
	env.ExecuteWorkflow(Release, contract.ReleaseInput{Tag: testTag, Train: train.JSON()})
	require.NoError(t, env.GetWorkflowError(), "workflow error")
	awaits, reruns := f.calls("await"), f.calls("rerun")
	require.Len(t, reruns, 4)
	require.Len(t, awaits, 5)
	for k, want := range []time.Duration{10 * time.Minute, 20 * time.Minute, 20 * time.Minute, 20 * time.Minute} {
		failedAt := awaits[k].at.Add(f.buildTime)
		got := reruns[k].at.Sub(failedAt)
		assert.GreaterOrEqual(t, got, want, "re-run %d after %v, want %v (capped)", k+1, got, want)
		assert.Less(t, got, 2*want, "re-run %d after %v, want %v (capped)", k+1, got, want)
	}
}

func TestBlockedBuildRetry(t *testing.T) {
	f := &fakeGitHub{failures: map[string]int{"a": 2}}
	env := newEnv(t, f)
	blocked := statusThenSignal(t, env, time.Hour, singleRepo(1), operatorSignal{contract.SignalRetry, "nope"}, operatorSignal{contract.SignalRetry, "a"})
	assert.Equal(t, contract.StateBlocked, blocked.State, "status while blocked")
	assert.Equal(t, []string{"a"}, blocked.Blocked, "status while blocked")
	a := blocked.Repos["a"]
	assert.Equal(t, contract.RepoFailed, a.State, "blocked repo status = %+v", a)
	assert.NotEmpty(t, a.Error, "blocked repo status = %+v", a)
	assert.Equal(t, 2, a.Attempt, "blocked repo status = %+v", a)
	reruns := f.calls("rerun")
	require.Len(t, reruns, 2, "reruns = %d, want 2 (one automatic, one by retry)", len(reruns))
	assert.False(t, reruns[1].at.Before(f.calls("dispatch")[0].at.Add(time.Hour)), "operator re-run at %v happened before the retry signal", reruns[1].at)
	got, want := f.upserted(), []contract.State{contract.StateRunning, contract.StateBlocked, contract.StateRunning, contract.StatePublishing, contract.StateSucceeded}
	assert.Equal(t, want, got, "ReleaseState upserts")
}

func TestNeedsPersonBlocksAtOnce(t *testing.T) {
	f := &fakeGitHub{failures: map[string]int{"a": 1}, outcome: activities.OutcomeNeedsPerson}
	env := newEnv(t, f)
	blocked := statusThenSignal(t, env, time.Hour, singleRepo(2), operatorSignal{contract.SignalRetry, "a"})
	assert.Equal(t, contract.StateBlocked, blocked.State, "state = %s, want blocked without automatic re-runs", blocked.State)
	reruns := f.calls("rerun")
	if assert.Len(t, reruns, 1, "reruns") {
		assert.False(t, reruns[0].at.Before(f.calls("dispatch")[0].at.Add(time.Hour)), "rerun %v before the retry", reruns[0])
	}
}

func TestBlockedBuildSkip(t *testing.T) {
	f := &fakeGitHub{failures: map[string]int{"bllvm-protocol": 1}}
	env := newEnv(t, f)
	train := btcDecoded()
	for i := range train.Repos {
		zero := 0
		train.Repos[i].RetryLimit = &zero
	}
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(contract.SignalSkip, contract.RepoSignal{Repo: "bllvm-protocol"})
	}, time.Hour)
	env.ExecuteWorkflow(Release, contract.ReleaseInput{Tag: testTag, Train: train.JSON()})

	require.NoError(t, env.GetWorkflowError(), "workflow error")
	var st contract.Status
	require.NoError(t, env.GetWorkflowResult(&st))
	p := st.Repos["bllvm-protocol"]
	assert.Equal(t, contract.RepoSkipped, p.State, "bllvm-protocol status = %+v, want skipped with its error", p)
	assert.NotEmpty(t, p.Error, "bllvm-protocol status = %+v, want skipped with its error", p)
	assert.Equal(t, contract.StateSucceeded, st.State)
	assert.Empty(t, st.Blocked)
	var skipped []activities.RepoResult
	for _, r := range f.pkg[0].Repos {
		if r.Skipped {
			skipped = append(skipped, r)
		}
	}
	assert.Len(t, f.pkg[0].Repos, 7, "package repos = %+v", f.pkg[0].Repos)
	if assert.Len(t, skipped, 1, "package repos = %+v", f.pkg[0].Repos) {
		assert.Equal(t, "bllvm-protocol", skipped[0].Repo, "skipped")
		assert.NotEmpty(t, skipped[0].SkipReason, "skipped %+v", skipped[0])
	}
	// The dependent still builds, without the skipped upstream.
	d := f.first(t, "dispatch", "bllvm-node")
	assert.False(t, d.at.Before(f.calls("dispatch")[0].at.Add(time.Hour)), "bllvm-node dispatched at %v, before the skip", d.at)
	for _, in := range f.dispatched {
		_, ok := in.Upstream["bllvm-protocol"]
		if in.Repo == "bllvm-node" {
			assert.False(t, ok, "bllvm-node upstream names the skipped repo: %v", in.Upstream)
		}
	}
	n := len(f.calls("rerun"))
	assert.Zero(t, n, "reruns = %d, want 0 with retry_limit 0", n)
}

func TestSkipPendingRepo(t *testing.T) {
	f := &fakeGitHub{}
	env := newEnv(t, f)
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(contract.SignalSkip, contract.RepoSignal{Repo: "governance-app"})
	}, time.Minute)
	env.ExecuteWorkflow(Release, contract.ReleaseInput{Tag: testTag, Train: btcDecoded().JSON()})

	require.NoError(t, env.GetWorkflowError(), "workflow error")
	assert.False(t, slices.Contains(repos(f.calls("dispatch")), "governance-app"), "skipped governance-app was dispatched")
	var st contract.Status
	_ = env.GetWorkflowResult(&st)
	assert.Equal(t, contract.RepoSkipped, st.Repos["governance-app"].State, "governance-app = %+v", st.Repos["governance-app"])
}

func TestPauseHoldsDispatchesUntilResume(t *testing.T) {
	f := &fakeGitHub{}
	env := newEnv(t, f)
	var paused contract.Status
	env.RegisterDelayedCallback(func() { env.SignalWorkflow(contract.SignalPause, nil) }, time.Minute)
	env.RegisterDelayedCallback(func() { paused = queryStatus(t, env) }, time.Hour)
	env.RegisterDelayedCallback(func() { env.SignalWorkflow(contract.SignalResume, nil) }, 3*time.Hour)
	env.ExecuteWorkflow(Release, contract.ReleaseInput{Tag: testTag, Train: btcDecoded().JSON()})

	require.NoError(t, env.GetWorkflowError(), "workflow error")
	start := f.calls("dispatch")[0].at
	for _, d := range f.calls("dispatch") {
		if d.repo == "bllvm-consensus" || d.repo == "commons" {
			continue
		}
		assert.False(t, d.at.Before(start.Add(3*time.Hour)), "%s dispatched at +%v while paused", d.repo, d.at.Sub(start))
	}
	// Running builds continue while paused.
	c := f.first(t, "collect", "commons")
	assert.False(t, c.at.After(start.Add(time.Hour)), "layer 0 collected at +%v; running builds should continue while paused", c.at.Sub(start))
	assert.Equal(t, contract.StatePaused, paused.State, "status while paused = %s paused=%v", paused.State, paused.Paused)
	assert.True(t, paused.Paused, "status while paused = %s paused=%v", paused.State, paused.Paused)
	assert.Equal(t, 7, len(f.calls("dispatch")), "dispatches")
}

func TestPauseInsideLayerHoldsRerun(t *testing.T) {
	f := &fakeGitHub{failures: map[string]int{"a": 1}}
	env := newEnv(t, f)
	env.RegisterDelayedCallback(func() { env.SignalWorkflow(contract.SignalPause, nil) }, time.Minute)
	env.RegisterDelayedCallback(func() { env.SignalWorkflow(contract.SignalResume, nil) }, 2*time.Hour)
	env.ExecuteWorkflow(Release, contract.ReleaseInput{Tag: testTag, Train: singleRepo(2).JSON()})

	require.NoError(t, env.GetWorkflowError(), "workflow error")
	rr := f.calls("rerun")
	if assert.Len(t, rr, 1, "re-runs") {
		assert.False(t, rr[0].at.Before(f.calls("dispatch")[0].at.Add(2*time.Hour)), "re-run %v happened while paused", rr[0])
	}
}

func TestCancelSignalCancelsRunsAndPublishesNothing(t *testing.T) {
	f := &fakeGitHub{buildTime: time.Hour}
	env := newEnv(t, f)
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(contract.SignalCancel, contract.CancelSignal{Reason: "bad tag"})
	}, 5*time.Minute)
	env.ExecuteWorkflow(Release, contract.ReleaseInput{Tag: testTag, Train: btcDecoded().JSON()})
	assertCancelled(t, env, f)
}

func TestTemporalCancelRequestCancelsRuns(t *testing.T) {
	f := &fakeGitHub{buildTime: time.Hour}
	env := newEnv(t, f)
	env.RegisterDelayedCallback(env.CancelWorkflow, 5*time.Minute)
	env.ExecuteWorkflow(Release, contract.ReleaseInput{Tag: testTag, Train: btcDecoded().JSON()})
	assertCancelled(t, env, f)
}

func assertCancelled(t *testing.T, env *testsuiteEnv, f *fakeGitHub) {
	t.Helper()
	require.True(t, env.IsWorkflowCompleted(), "workflow not completed")
	err := env.GetWorkflowError()
	var canceled *temporal.CanceledError
	require.ErrorAs(t, err, &canceled, "workflow error")
	got := repos(f.calls("cancel"))
	slices.Sort(got)
	assert.Equal(t, []string{"bllvm-consensus", "commons"}, got, "cancelled runs: want the two running layer-0 builds")
	n := len(f.calls("publish")) + len(f.calls("package"))
	assert.Zero(t, n, "package/publish called %d times after cancel", n)
	st := queryStatus(t, env)
	assert.Equal(t, contract.StateCancelled, st.State, "state")
	for name, rs := range st.Repos {
		assert.Equal(t, contract.RepoCancelled, rs.State, "%s", name)
	}
	upserts := f.upserted()
	if assert.NotEmpty(t, upserts, "ReleaseState upserts") {
		assert.Equal(t, contract.StateCancelled, upserts[len(upserts)-1], "ReleaseState upserts %v, want cancelled last", upserts)
	}
}

func TestRateLimitDelayHonoured(t *testing.T) {
	limited := temporal.NewApplicationErrorWithOptions("rate limited", activities.GitHubRateLimitedErrorType,
		temporal.ApplicationErrorOptions{NextRetryDelay: 10 * time.Minute})
	f := &fakeGitHub{dispatchErrs: map[string][]error{"a": {limited}}}
	env := newEnv(t, f)
	env.ExecuteWorkflow(Release, contract.ReleaseInput{Tag: testTag, Train: singleRepo(2).JSON()})

	require.NoError(t, env.GetWorkflowError(), "workflow error")
	d := f.calls("dispatch")
	require.Len(t, d, 2, "dispatch attempts")
	gap := d[1].at.Sub(d[0].at)
	assert.GreaterOrEqual(t, gap, 10*time.Minute, "second attempt after %v, want ≥ 10m", gap)
}

func TestPermanentDispatchErrorBlocksThenRetry(t *testing.T) {
	perm := temporal.NewNonRetryableApplicationError("workflow build.yml not found", activities.GitHubPermanentErrorType, nil)
	f := &fakeGitHub{dispatchErrs: map[string][]error{"a": {perm}}}
	env := newEnv(t, f)
	blocked := statusThenSignal(t, env, time.Hour, singleRepo(2), operatorSignal{contract.SignalRetry, "a"})
	assert.Equal(t, contract.StateBlocked, blocked.State, "status = %+v", blocked)
	assert.NotEmpty(t, blocked.Repos["a"].Error, "status = %+v", blocked)
	assert.Len(t, f.calls("dispatch"), 2, "dispatch calls")
	assert.Equal(t, contract.CorrelationID(testTag, "a", 1), f.dispatched[0].CorrelationID, "retried dispatch correlation id")
}

func TestOnlyWithDependents(t *testing.T) {
	f := &fakeGitHub{}
	env := newEnv(t, f)
	env.ExecuteWorkflow(Release, contract.ReleaseInput{Tag: testTag, Train: btcDecoded().JSON(), Only: []string{"bllvm-node"}, WithDependents: true})

	require.NoError(t, env.GetWorkflowError(), "workflow error")
	got := repos(f.calls("dispatch"))
	slices.Sort(got[1:3]) // one layer, dispatched in parallel
	want := []string{"bllvm-node", "bllvm", "bllvm-sdk", "governance-app"}
	assert.Equal(t, want, got, "dispatched")
	var st contract.Status
	_ = env.GetWorkflowResult(&st)
	assert.Len(t, st.Repos, 4)
	assert.Len(t, st.Layers, 3)
}

func TestOnlyUnknownRepoFails(t *testing.T) {
	f := &fakeGitHub{}
	env := newEnv(t, f)
	env.ExecuteWorkflow(Release, contract.ReleaseInput{Tag: testTag, Train: btcDecoded().JSON(), Only: []string{"nope"}})

	var app *temporal.ApplicationError
	err := env.GetWorkflowError()
	require.ErrorAs(t, err, &app, "workflow error = %v, want non-retryable %s", err, InvalidTrainErrorType)
	require.Equal(t, InvalidTrainErrorType, app.Type(), "workflow error = %v, want non-retryable %s", err, InvalidTrainErrorType)
	require.True(t, app.NonRetryable(), "workflow error = %v, want non-retryable %s", err, InvalidTrainErrorType)
	assert.Zero(t, len(f.calls("dispatch")), "dispatches")
}

// Results recorded before manifests carry the file list itself: a train
// replaying them still shows the counts and hands the list to packaging.
func TestReleaseWithLegacyFileLists(t *testing.T) {
	f := &fakeGitHub{legacyCollect: true}
	env := newEnv(t, f)
	env.ExecuteWorkflow(Release, contract.ReleaseInput{Tag: testTag, Train: singleRepo(2).JSON()})
	require.NoError(t, env.GetWorkflowError(), "workflow error")
	var st contract.Status
	require.NoError(t, env.GetWorkflowResult(&st))
	rs := st.Repos["a"]
	assert.Equal(t, 1, rs.Files, "status a = %+v", rs)
	assert.Equal(t, int64(3), rs.Bytes, "status a = %+v", rs)
	assert.Empty(t, rs.Manifest, "status a = %+v", rs)
	assert.Len(t, rs.Artifacts, 1, "status a = %+v", rs)
	if assert.Len(t, f.pkg, 1, "package inputs") && assert.Len(t, f.pkg[0].Repos, 1, "package input = %+v", f.pkg) {
		assert.Nil(t, f.pkg[0].Repos[0].Manifest, "package input = %+v", f.pkg)
		assert.Len(t, f.pkg[0].Repos[0].Files, 1, "package input = %+v", f.pkg)
	}
}
