package workflows

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/BTCDecoded/releasetrain/activities"
	"github.com/BTCDecoded/releasetrain/contract"
)

func TestReleaseHappyPathRespectsLayers(t *testing.T) {
	f := &fakeGitHub{}
	env := newEnv(t, f)
	train := btcDecoded()
	var mid contract.Status
	// At 15 min layer 0 (10 min builds) is done and bllvm-protocol builds.
	env.RegisterDelayedCallback(func() { mid = queryStatus(t, env) }, 15*time.Minute)
	env.ExecuteWorkflow(Release, contract.ReleaseInput{Tag: testTag, Train: train.JSON()})

	if !env.IsWorkflowCompleted() {
		t.Fatal("workflow not completed")
	}
	if err := env.GetWorkflowError(); err != nil {
		t.Fatalf("workflow error: %v", err)
	}
	var st contract.Status
	if err := env.GetWorkflowResult(&st); err != nil {
		t.Fatal(err)
	}

	// No dispatch before every dependency's build was collected (succeeded).
	for _, repo := range train.Repos {
		d := f.first(t, "dispatch", repo.Name)
		for _, dep := range repo.DependsOn {
			if c := f.first(t, "collect", dep); d.at.Before(c.at) {
				t.Errorf("%s dispatched at %v before dependency %s succeeded at %v", repo.Name, d.at, dep, c.at)
			}
		}
	}
	// Parallel inside a layer: both layer-0 repos dispatched at once; the
	// whole train takes five build times, not seven.
	if a, b := f.first(t, "dispatch", "bllvm-consensus"), f.first(t, "dispatch", "commons"); !a.at.Equal(b.at) {
		t.Errorf("layer 0 not dispatched together: %v vs %v", a.at, b.at)
	}
	if a, b := f.first(t, "dispatch", "bllvm"), f.first(t, "dispatch", "bllvm-sdk"); !a.at.Equal(b.at) {
		t.Errorf("layer 3 not dispatched together: %v vs %v", a.at, b.at)
	}
	start := f.calls("dispatch")[0].at
	if took := f.calls("publish")[0].at.Sub(start); took > 5*f.buildTime+time.Minute {
		t.Errorf("train took %v, want about 5 build times", took)
	}
	if n := len(f.calls("dispatch")); n != 7 {
		t.Errorf("dispatches = %d, want 7", n)
	}

	// Dispatch inputs: deterministic correlation ids and upstream run ids.
	for _, in := range f.dispatched {
		if want := contract.CorrelationID(testTag, in.Repo, 1); in.CorrelationID != want {
			t.Errorf("%s correlation id %q, want %q", in.Repo, in.CorrelationID, want)
		}
		if in.NotBefore.IsZero() {
			t.Errorf("%s NotBefore unset", in.Repo)
		}
		if in.Repo == "bllvm-node" {
			want := map[string]int64{"bllvm-consensus": runID("bllvm-consensus"), "bllvm-protocol": runID("bllvm-protocol")}
			if len(in.Upstream) != 2 || in.Upstream["bllvm-consensus"] != want["bllvm-consensus"] || in.Upstream["bllvm-protocol"] != want["bllvm-protocol"] {
				t.Errorf("bllvm-node upstream = %v, want %v", in.Upstream, want)
			}
		}
	}

	// Status mid-way and at the end.
	if mid.State != contract.StateRunning || mid.Layer != 1 {
		t.Errorf("mid status state=%s layer=%d, want running layer 1", mid.State, mid.Layer)
	}
	for repo, want := range map[string]contract.RepoState{
		"bllvm-consensus": contract.RepoSucceeded, "commons": contract.RepoSucceeded,
		"bllvm-protocol": contract.RepoBuilding, "bllvm-node": contract.RepoPending, "governance-app": contract.RepoPending,
	} {
		if got := mid.Repos[repo].State; got != want {
			t.Errorf("mid status %s = %s, want %s", repo, got, want)
		}
	}
	if p := mid.Repos["bllvm-protocol"]; p.RunID != runID("bllvm-protocol") || p.RunURL == "" || p.Attempt != 1 || p.StartedAt == nil {
		t.Errorf("mid status bllvm-protocol = %+v", p)
	}
	if len(mid.Repos) != 7 || len(mid.Layers) != 5 {
		t.Errorf("mid status lists %d repos, %d layers", len(mid.Repos), len(mid.Layers))
	}
	if st.State != contract.StateSucceeded || st.ReleaseURL == "" {
		t.Errorf("final status state=%s url=%q", st.State, st.ReleaseURL)
	}
	for name, rs := range st.Repos {
		if rs.State != contract.RepoSucceeded || len(rs.Artifacts) != 1 || rs.FinishedAt == nil {
			t.Errorf("final %s = %+v", name, rs)
		}
		if rs.Files != 1 || rs.Bytes != 3 || rs.Manifest != contract.StoreKey(fmt.Sprintf("%064x", 1000+runID(name))) {
			t.Errorf("final %s files: %d files, %d bytes, manifest %q", name, rs.Files, rs.Bytes, rs.Manifest)
		}
	}
	if q := queryStatus(t, env); q.State != contract.StateSucceeded {
		t.Errorf("query after completion: state %s", q.State)
	}

	// Package and publish.
	if len(f.pkg) != 1 || len(f.pkg[0].Repos) != 7 {
		t.Fatalf("package inputs = %+v", f.pkg)
	}
	if p := f.pkg[0]; p.Name != "btcdecoded" || p.ReleaseRepo != "bllvm-consensus" || p.Time.IsZero() {
		t.Errorf("package input = %+v", p)
	}
	for _, r := range f.pkg[0].Repos {
		if r.Manifest == nil || r.Manifest.Files != 1 || len(r.Manifest.First) != 0 || len(r.Files) != 0 {
			t.Errorf("package input %s carries %+v and %d files, want the manifest's reference only", r.Repo, r.Manifest, len(r.Files))
		}
	}
	if len(f.pub) != 1 {
		t.Fatalf("publish calls = %d", len(f.pub))
	}
	if p := f.pub[0]; p.Title != "btcdecoded "+testTag || p.Marker != contract.ReleaseWorkflowID(testTag) || len(p.Assets) != 7 {
		t.Errorf("publish input = %+v", p)
	}

	// ReleaseState followed the train.
	if got, want := f.upserted(), []contract.State{contract.StateRunning, contract.StatePublishing, contract.StateSucceeded}; !slices.Equal(got, want) {
		t.Errorf("ReleaseState upserts = %v, want %v", got, want)
	}
}

func TestBuildEventWakesWaitingBuild(t *testing.T) {
	f := &fakeGitHub{blockAwait: true}
	env := newEnv(t, f)
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(contract.SignalBuildEvent, contract.BuildEvent{Repo: "a", RunID: runID("a"), Status: "completed", Conclusion: "success"})
	}, 5*time.Minute)
	env.ExecuteWorkflow(Release, contract.ReleaseInput{Tag: testTag, Train: singleRepo(2).JSON()})

	if !env.IsWorkflowCompleted() {
		t.Fatal("workflow not completed")
	}
	if err := env.GetWorkflowError(); err != nil {
		t.Fatalf("workflow error: %v", err)
	}
	checks := f.calls("check")
	if len(checks) != 1 {
		t.Fatalf("CheckRun calls = %d, want 1", len(checks))
	}
	if took := checks[0].at.Sub(f.first(t, "dispatch", "a").at); took > 6*time.Minute {
		t.Errorf("build-event took %v to wake the build", took)
	}
	if len(f.calls("collect")) != 1 || len(f.calls("publish")) != 1 {
		t.Errorf("events = %v", f.events)
	}
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

	if err := env.GetWorkflowError(); err != nil {
		t.Fatalf("workflow error: %v", err)
	}
	if n := len(f.calls("await")); n != 2 {
		t.Errorf("AwaitRun calls = %d, want 2 (polling resumed after the stale event)", n)
	}
	if d := f.calls("collect")[0].at.Sub(f.calls("dispatch")[0].at); d < 20*time.Minute {
		t.Errorf("collected after %v, before the confirming event", d)
	}
}

func TestFailedBuildRerunsWithBackoffThenSucceeds(t *testing.T) {
	f := &fakeGitHub{failures: map[string]int{"a": 2}}
	env := newEnv(t, f)
	env.ExecuteWorkflow(Release, contract.ReleaseInput{Tag: testTag, Train: singleRepo(2).JSON()})

	if err := env.GetWorkflowError(); err != nil {
		t.Fatalf("workflow error: %v", err)
	}
	awaits, reruns := f.calls("await"), f.calls("rerun")
	if len(reruns) != 2 || len(awaits) != 3 {
		t.Fatalf("reruns=%d awaits=%d, want 2 and 3", len(reruns), len(awaits))
	}
	// Backoff RetryBackoff × 2^k: 1m after the first failure, 2m after the second.
	for k, want := range []time.Duration{time.Minute, 2 * time.Minute} {
		failedAt := awaits[k].at.Add(f.buildTime)
		if got := reruns[k].at.Sub(failedAt); got < want {
			t.Errorf("re-run %d after %v, want ≥ %v", k+1, got, want)
		}
	}
	var st contract.Status
	if err := env.GetWorkflowResult(&st); err != nil {
		t.Fatal(err)
	}
	if a := st.Repos["a"]; a.State != contract.RepoSucceeded || a.Attempt != 3 || a.Error != "" {
		t.Errorf("status a = %+v, want succeeded on attempt 3", a)
	}
	if got := f.pkg[0].Repos[0].Attempts; got != 3 {
		t.Errorf("package attempts = %d, want 3", got)
	}
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
	if err := env.GetWorkflowError(); err != nil {
		t.Fatalf("workflow error: %v", err)
	}
	awaits, reruns := f.calls("await"), f.calls("rerun")
	if len(reruns) != 4 || len(awaits) != 5 {
		t.Fatalf("reruns=%d awaits=%d, want 4 and 5", len(reruns), len(awaits))
	}
	for k, want := range []time.Duration{10 * time.Minute, 20 * time.Minute, 20 * time.Minute, 20 * time.Minute} {
		failedAt := awaits[k].at.Add(f.buildTime)
		if got := reruns[k].at.Sub(failedAt); got < want || got >= 2*want {
			t.Errorf("re-run %d after %v, want %v (capped)", k+1, got, want)
		}
	}
}

func TestBlockedBuildRetry(t *testing.T) {
	f := &fakeGitHub{failures: map[string]int{"a": 2}}
	env := newEnv(t, f)
	blocked := statusThenSignal(t, env, time.Hour, singleRepo(1), operatorSignal{contract.SignalRetry, "nope"}, operatorSignal{contract.SignalRetry, "a"})
	if blocked.State != contract.StateBlocked || !slices.Equal(blocked.Blocked, []string{"a"}) {
		t.Errorf("status while blocked = %s %v, want blocked [a]", blocked.State, blocked.Blocked)
	}
	if a := blocked.Repos["a"]; a.State != contract.RepoFailed || a.Error == "" || a.Attempt != 2 {
		t.Errorf("blocked repo status = %+v", a)
	}
	reruns := f.calls("rerun")
	if len(reruns) != 2 {
		t.Fatalf("reruns = %d, want 2 (one automatic, one by retry)", len(reruns))
	}
	if reruns[1].at.Before(f.calls("dispatch")[0].at.Add(time.Hour)) {
		t.Errorf("operator re-run at %v happened before the retry signal", reruns[1].at)
	}
	if got, want := f.upserted(), []contract.State{contract.StateRunning, contract.StateBlocked, contract.StateRunning, contract.StatePublishing, contract.StateSucceeded}; !slices.Equal(got, want) {
		t.Errorf("ReleaseState upserts = %v, want %v", got, want)
	}
}

func TestNeedsPersonBlocksAtOnce(t *testing.T) {
	f := &fakeGitHub{failures: map[string]int{"a": 1}, outcome: activities.OutcomeNeedsPerson}
	env := newEnv(t, f)
	blocked := statusThenSignal(t, env, time.Hour, singleRepo(2), operatorSignal{contract.SignalRetry, "a"})
	if blocked.State != contract.StateBlocked {
		t.Errorf("state = %s, want blocked without automatic re-runs", blocked.State)
	}
	if reruns := f.calls("rerun"); len(reruns) != 1 || reruns[0].at.Before(f.calls("dispatch")[0].at.Add(time.Hour)) {
		t.Errorf("reruns = %v, want one, after the retry", reruns)
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

	if err := env.GetWorkflowError(); err != nil {
		t.Fatalf("workflow error: %v", err)
	}
	var st contract.Status
	if err := env.GetWorkflowResult(&st); err != nil {
		t.Fatal(err)
	}
	if p := st.Repos["bllvm-protocol"]; p.State != contract.RepoSkipped || p.Error == "" {
		t.Errorf("bllvm-protocol status = %+v, want skipped with its error", p)
	}
	if st.State != contract.StateSucceeded || len(st.Blocked) != 0 {
		t.Errorf("final state %s blocked %v", st.State, st.Blocked)
	}
	var skipped []activities.RepoResult
	for _, r := range f.pkg[0].Repos {
		if r.Skipped {
			skipped = append(skipped, r)
		}
	}
	if len(f.pkg[0].Repos) != 7 || len(skipped) != 1 || skipped[0].Repo != "bllvm-protocol" || skipped[0].SkipReason == "" {
		t.Errorf("package repos = %+v", f.pkg[0].Repos)
	}
	// The dependent still builds, without the skipped upstream.
	d := f.first(t, "dispatch", "bllvm-node")
	if d.at.Before(f.calls("dispatch")[0].at.Add(time.Hour)) {
		t.Errorf("bllvm-node dispatched at %v, before the skip", d.at)
	}
	for _, in := range f.dispatched {
		if _, ok := in.Upstream["bllvm-protocol"]; ok && in.Repo == "bllvm-node" {
			t.Errorf("bllvm-node upstream names the skipped repo: %v", in.Upstream)
		}
	}
	if n := len(f.calls("rerun")); n != 0 {
		t.Errorf("reruns = %d, want 0 with retry_limit 0", n)
	}
}

func TestSkipPendingRepo(t *testing.T) {
	f := &fakeGitHub{}
	env := newEnv(t, f)
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(contract.SignalSkip, contract.RepoSignal{Repo: "governance-app"})
	}, time.Minute)
	env.ExecuteWorkflow(Release, contract.ReleaseInput{Tag: testTag, Train: btcDecoded().JSON()})

	if err := env.GetWorkflowError(); err != nil {
		t.Fatalf("workflow error: %v", err)
	}
	if slices.Contains(repos(f.calls("dispatch")), "governance-app") {
		t.Error("skipped governance-app was dispatched")
	}
	var st contract.Status
	_ = env.GetWorkflowResult(&st)
	if st.Repos["governance-app"].State != contract.RepoSkipped {
		t.Errorf("governance-app = %+v", st.Repos["governance-app"])
	}
}

func TestPauseHoldsDispatchesUntilResume(t *testing.T) {
	f := &fakeGitHub{}
	env := newEnv(t, f)
	var paused contract.Status
	env.RegisterDelayedCallback(func() { env.SignalWorkflow(contract.SignalPause, nil) }, time.Minute)
	env.RegisterDelayedCallback(func() { paused = queryStatus(t, env) }, time.Hour)
	env.RegisterDelayedCallback(func() { env.SignalWorkflow(contract.SignalResume, nil) }, 3*time.Hour)
	env.ExecuteWorkflow(Release, contract.ReleaseInput{Tag: testTag, Train: btcDecoded().JSON()})

	if err := env.GetWorkflowError(); err != nil {
		t.Fatalf("workflow error: %v", err)
	}
	start := f.calls("dispatch")[0].at
	for _, d := range f.calls("dispatch") {
		if d.repo == "bllvm-consensus" || d.repo == "commons" {
			continue
		}
		if d.at.Before(start.Add(3 * time.Hour)) {
			t.Errorf("%s dispatched at +%v while paused", d.repo, d.at.Sub(start))
		}
	}
	// Running builds continue while paused.
	if c := f.first(t, "collect", "commons"); c.at.After(start.Add(time.Hour)) {
		t.Errorf("layer 0 collected at +%v; running builds should continue while paused", c.at.Sub(start))
	}
	if paused.State != contract.StatePaused || !paused.Paused {
		t.Errorf("status while paused = %s paused=%v", paused.State, paused.Paused)
	}
	if n := len(f.calls("dispatch")); n != 7 {
		t.Errorf("dispatches = %d", n)
	}
}

func TestPauseInsideLayerHoldsRerun(t *testing.T) {
	f := &fakeGitHub{failures: map[string]int{"a": 1}}
	env := newEnv(t, f)
	env.RegisterDelayedCallback(func() { env.SignalWorkflow(contract.SignalPause, nil) }, time.Minute)
	env.RegisterDelayedCallback(func() { env.SignalWorkflow(contract.SignalResume, nil) }, 2*time.Hour)
	env.ExecuteWorkflow(Release, contract.ReleaseInput{Tag: testTag, Train: singleRepo(2).JSON()})

	if err := env.GetWorkflowError(); err != nil {
		t.Fatalf("workflow error: %v", err)
	}
	rr := f.calls("rerun")
	if len(rr) != 1 || rr[0].at.Before(f.calls("dispatch")[0].at.Add(2*time.Hour)) {
		t.Errorf("re-run %v happened while paused", rr)
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
	if !env.IsWorkflowCompleted() {
		t.Fatal("workflow not completed")
	}
	err := env.GetWorkflowError()
	var canceled *temporal.CanceledError
	if !errors.As(err, &canceled) {
		t.Fatalf("workflow error = %v, want cancelled", err)
	}
	got := repos(f.calls("cancel"))
	slices.Sort(got)
	if !slices.Equal(got, []string{"bllvm-consensus", "commons"}) {
		t.Errorf("cancelled runs = %v, want the two running layer-0 builds", got)
	}
	if n := len(f.calls("publish")) + len(f.calls("package")); n != 0 {
		t.Errorf("package/publish called %d times after cancel", n)
	}
	st := queryStatus(t, env)
	if st.State != contract.StateCancelled {
		t.Errorf("state = %s, want cancelled", st.State)
	}
	for name, rs := range st.Repos {
		if rs.State != contract.RepoCancelled {
			t.Errorf("%s = %s, want cancelled", name, rs.State)
		}
	}
	if got := f.upserted(); len(got) == 0 || got[len(got)-1] != contract.StateCancelled {
		t.Errorf("ReleaseState upserts %v, want cancelled last", got)
	}
}

func TestRateLimitDelayHonoured(t *testing.T) {
	limited := temporal.NewApplicationErrorWithOptions("rate limited", activities.ErrGitHubRateLimited,
		temporal.ApplicationErrorOptions{NextRetryDelay: 10 * time.Minute})
	f := &fakeGitHub{dispatchErrs: map[string][]error{"a": {limited}}}
	env := newEnv(t, f)
	env.ExecuteWorkflow(Release, contract.ReleaseInput{Tag: testTag, Train: singleRepo(2).JSON()})

	if err := env.GetWorkflowError(); err != nil {
		t.Fatalf("workflow error: %v", err)
	}
	d := f.calls("dispatch")
	if len(d) != 2 {
		t.Fatalf("dispatch attempts = %d, want 2", len(d))
	}
	if gap := d[1].at.Sub(d[0].at); gap < 10*time.Minute {
		t.Errorf("second attempt after %v, want ≥ 10m", gap)
	}
}

func TestPermanentDispatchErrorBlocksThenRetry(t *testing.T) {
	perm := temporal.NewNonRetryableApplicationError("workflow build.yml not found", activities.ErrGitHubPermanent, nil)
	f := &fakeGitHub{dispatchErrs: map[string][]error{"a": {perm}}}
	env := newEnv(t, f)
	blocked := statusThenSignal(t, env, time.Hour, singleRepo(2), operatorSignal{contract.SignalRetry, "a"})
	if blocked.State != contract.StateBlocked || blocked.Repos["a"].Error == "" {
		t.Errorf("status = %+v", blocked)
	}
	if d := f.calls("dispatch"); len(d) != 2 {
		t.Errorf("dispatch calls = %d, want 2", len(d))
	}
	if in := f.dispatched[0]; in.CorrelationID != contract.CorrelationID(testTag, "a", 1) {
		t.Errorf("retried dispatch correlation id = %s", in.CorrelationID)
	}
}

func TestOnlyWithDependents(t *testing.T) {
	f := &fakeGitHub{}
	env := newEnv(t, f)
	env.ExecuteWorkflow(Release, contract.ReleaseInput{Tag: testTag, Train: btcDecoded().JSON(), Only: []string{"bllvm-node"}, WithDependents: true})

	if err := env.GetWorkflowError(); err != nil {
		t.Fatalf("workflow error: %v", err)
	}
	got := repos(f.calls("dispatch"))
	slices.Sort(got[1:3]) // one layer, dispatched in parallel
	if want := []string{"bllvm-node", "bllvm", "bllvm-sdk", "governance-app"}; !slices.Equal(got, want) {
		t.Errorf("dispatched %v, want %v", got, want)
	}
	var st contract.Status
	_ = env.GetWorkflowResult(&st)
	if len(st.Repos) != 4 || len(st.Layers) != 3 {
		t.Errorf("status repos %d layers %v", len(st.Repos), st.Layers)
	}
}

func TestOnlyUnknownRepoFails(t *testing.T) {
	f := &fakeGitHub{}
	env := newEnv(t, f)
	env.ExecuteWorkflow(Release, contract.ReleaseInput{Tag: testTag, Train: btcDecoded().JSON(), Only: []string{"nope"}})

	var app *temporal.ApplicationError
	if err := env.GetWorkflowError(); !errors.As(err, &app) || app.Type() != ErrInvalidTrain || !app.NonRetryable() {
		t.Fatalf("workflow error = %v, want non-retryable %s", err, ErrInvalidTrain)
	}
	if n := len(f.calls("dispatch")); n != 0 {
		t.Errorf("dispatches = %d", n)
	}
}

// Results recorded before manifests carry the file list itself: a train
// replaying them still shows the counts and hands the list to packaging.
func TestReleaseWithLegacyFileLists(t *testing.T) {
	f := &fakeGitHub{legacyCollect: true}
	env := newEnv(t, f)
	env.ExecuteWorkflow(Release, contract.ReleaseInput{Tag: testTag, Train: singleRepo(2).JSON()})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatalf("workflow error: %v", err)
	}
	var st contract.Status
	if err := env.GetWorkflowResult(&st); err != nil {
		t.Fatal(err)
	}
	if rs := st.Repos["a"]; rs.Files != 1 || rs.Bytes != 3 || rs.Manifest != "" || len(rs.Artifacts) != 1 {
		t.Errorf("status a = %+v", rs)
	}
	if len(f.pkg) != 1 || len(f.pkg[0].Repos) != 1 || f.pkg[0].Repos[0].Manifest != nil || len(f.pkg[0].Repos[0].Files) != 1 {
		t.Errorf("package input = %+v", f.pkg)
	}
}
