package workflows

import (
	"slices"
	"testing"
	"time"

	"github.com/BTCDecoded/releasetrain/config"
	"github.com/BTCDecoded/releasetrain/contract"
)

// eagerTrain is the BTCDecoded train on the eager schedule.
func eagerTrain() config.Train {
	t := btcDecoded()
	t.Schedule = config.ScheduleEager
	return t
}

// TestEagerStartsEachRepoWhenItsDependenciesAreDone: with a slow commons
// (45 min) in layer 0, the layered train would wait for it before
// bllvm-protocol; the eager one starts bllvm-protocol as soon as
// bllvm-consensus (10 min) is done and ends after the longest chain.
func TestEagerStartsEachRepoWhenItsDependenciesAreDone(t *testing.T) {
	f := &fakeGitHub{buildTimes: map[string]time.Duration{"commons": 45 * time.Minute}}
	env := newEnv(t, f)
	train := eagerTrain()
	var mid contract.Status
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
	start := f.calls("dispatch")[0].at
	// Every repo is dispatched once, after each dependency succeeded, and
	// right when the last of them did (not when its layer-mates did).
	for _, repo := range train.Repos {
		d := f.first(t, "dispatch", repo.Name)
		var ready time.Time
		for _, dep := range repo.DependsOn {
			c := f.first(t, "collect", dep)
			if d.at.Before(c.at) {
				t.Errorf("%s dispatched at +%v before dependency %s succeeded at +%v", repo.Name, d.at.Sub(start), dep, c.at.Sub(start))
			}
			if c.at.After(ready) {
				ready = c.at
			}
		}
		if len(repo.DependsOn) > 0 && d.at.Sub(ready) > time.Minute {
			t.Errorf("%s dispatched at +%v, %v after its dependencies were done", repo.Name, d.at.Sub(start), d.at.Sub(ready))
		}
	}
	if p, c := f.first(t, "dispatch", "bllvm-protocol"), f.first(t, "collect", "commons"); !p.at.Before(c.at) {
		t.Errorf("bllvm-protocol waited for commons (dispatched +%v, commons done +%v)", p.at.Sub(start), c.at.Sub(start))
	}
	if n := len(f.calls("dispatch")); n != 7 {
		t.Errorf("dispatches = %d, want 7", n)
	}
	// The chain consensus → protocol → node → sdk → governance-app is five
	// 10-minute builds; layered would take 45 + 4×10 minutes.
	if took := f.calls("publish")[0].at.Sub(start); took > 5*10*time.Minute+time.Minute {
		t.Errorf("train took %v, want about 50m (its critical path)", took)
	}
	for _, in := range f.dispatched {
		if in.Repo == "bllvm-node" {
			if len(in.Upstream) != 2 || in.Upstream["bllvm-consensus"] != runID("bllvm-consensus") || in.Upstream["bllvm-protocol"] != runID("bllvm-protocol") {
				t.Errorf("bllvm-node upstream = %v", in.Upstream)
			}
		}
	}
	for repo, want := range map[string]contract.RepoState{
		"bllvm-consensus": contract.RepoSucceeded, "commons": contract.RepoBuilding, "bllvm-protocol": contract.RepoBuilding,
		"bllvm-node": contract.RepoPending, "governance-app": contract.RepoPending,
	} {
		if got := mid.Repos[repo].State; got != want {
			t.Errorf("status at 15m: %s = %s, want %s", repo, got, want)
		}
	}
	if mid.State != contract.StateRunning || mid.Schedule != config.ScheduleEager || mid.Layer != 0 {
		t.Errorf("status at 15m: state %s schedule %q layer %d", mid.State, mid.Schedule, mid.Layer)
	}
	if st.State != contract.StateSucceeded || len(f.pkg) != 1 || len(f.pkg[0].Repos) != 7 {
		t.Errorf("final state %s, package inputs %+v", st.State, f.pkg)
	}
}

// TestEagerSkipPendingRepoLetsDependentsStart: a repo skipped while its
// build waits for its dependencies never builds, and what depends on it
// starts without it.
func TestEagerSkipPendingRepoLetsDependentsStart(t *testing.T) {
	f := &fakeGitHub{}
	env := newEnv(t, f)
	var afterSkip contract.Status
	env.RegisterDelayedCallback(func() { env.SignalWorkflow(contract.SignalSkip, contract.RepoSignal{Repo: "bllvm-protocol"}) }, time.Minute)
	env.RegisterDelayedCallback(func() { afterSkip = queryStatus(t, env) }, 2*time.Minute)
	env.ExecuteWorkflow(Release, contract.ReleaseInput{Tag: testTag, Train: eagerTrain().JSON()})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatalf("workflow error: %v", err)
	}
	if slices.Contains(repos(f.calls("dispatch")), "bllvm-protocol") {
		t.Error("skipped bllvm-protocol was dispatched")
	}
	if got := afterSkip.Repos["bllvm-protocol"].State; got != contract.RepoSkipped {
		t.Errorf("bllvm-protocol after the skip = %s", got)
	}
	start := f.calls("dispatch")[0].at
	if d, c := f.first(t, "dispatch", "bllvm-node"), f.first(t, "collect", "bllvm-consensus"); d.at.Sub(c.at) > time.Minute {
		t.Errorf("bllvm-node dispatched at +%v, consensus done at +%v", d.at.Sub(start), c.at.Sub(start))
	}
	for _, in := range f.dispatched {
		if in.Repo == "bllvm-node" {
			if _, ok := in.Upstream["bllvm-protocol"]; ok || in.Upstream["bllvm-consensus"] == 0 {
				t.Errorf("bllvm-node upstream = %v, want consensus only", in.Upstream)
			}
		}
	}
	var st contract.Status
	_ = env.GetWorkflowResult(&st)
	if st.State != contract.StateSucceeded || st.Repos["bllvm-protocol"].State != contract.RepoSkipped {
		t.Errorf("final %s, bllvm-protocol %s", st.State, st.Repos["bllvm-protocol"].State)
	}
}

// TestEagerBlockedBuildHoldsOnlyItsDependents: a blocked bllvm-protocol
// holds bllvm-node and what follows, not commons; retry unblocks it.
func TestEagerBlockedBuildHoldsOnlyItsDependents(t *testing.T) {
	f := &fakeGitHub{failures: map[string]int{"bllvm-protocol": 1}}
	env := newEnv(t, f)
	train := eagerTrain()
	for i := range train.Repos {
		zero := 0
		train.Repos[i].RetryLimit = &zero
	}
	blocked := statusThenSignal(t, env, time.Hour, train,
		operatorSignal{contract.SignalSkip, "bllvm-consensus"}, // finished: refused
		operatorSignal{contract.SignalRetry, "bllvm-node"},     // pending, not blocked: refused
		operatorSignal{contract.SignalRetry, "bllvm-protocol"})
	if blocked.State != contract.StateBlocked || !slices.Equal(blocked.Blocked, []string{"bllvm-protocol"}) {
		t.Errorf("status while blocked = %s %v", blocked.State, blocked.Blocked)
	}
	for repo, want := range map[string]contract.RepoState{"commons": contract.RepoSucceeded, "bllvm-node": contract.RepoPending, "bllvm-protocol": contract.RepoFailed} {
		if got := blocked.Repos[repo].State; got != want {
			t.Errorf("while blocked %s = %s, want %s", repo, got, want)
		}
	}
	start := f.calls("dispatch")[0].at
	if d := f.first(t, "dispatch", "bllvm-node"); d.at.Before(start.Add(time.Hour)) {
		t.Errorf("bllvm-node dispatched at +%v, before its dependency was retried", d.at.Sub(start))
	}
	if got := f.calls("rerun"); len(got) != 1 {
		t.Errorf("reruns = %v, want the operator's one", got)
	}
	if n := len(f.calls("dispatch")); n != 7 {
		t.Errorf("dispatches = %d", n)
	}
}

// TestEagerPauseHoldsEveryLayer: a pause reaches every layer that runs at
// once: no new dispatch anywhere until resume, running builds go on.
func TestEagerPauseHoldsEveryLayer(t *testing.T) {
	f := &fakeGitHub{}
	env := newEnv(t, f)
	env.RegisterDelayedCallback(func() { env.SignalWorkflow(contract.SignalPause, nil) }, time.Minute)
	env.RegisterDelayedCallback(func() { env.SignalWorkflow(contract.SignalResume, nil) }, 3*time.Hour)
	env.ExecuteWorkflow(Release, contract.ReleaseInput{Tag: testTag, Train: eagerTrain().JSON()})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatalf("workflow error: %v", err)
	}
	start := f.calls("dispatch")[0].at
	for _, d := range f.calls("dispatch") {
		if d.repo != "bllvm-consensus" && d.repo != "commons" && d.at.Before(start.Add(3*time.Hour)) {
			t.Errorf("%s dispatched at +%v while paused", d.repo, d.at.Sub(start))
		}
	}
	if c := f.first(t, "collect", "commons"); c.at.After(start.Add(time.Hour)) {
		t.Errorf("commons collected at +%v; running builds go on while paused", c.at.Sub(start))
	}
}

// TestEagerCancel: a cancel cancels every layer child at once; the running
// builds' runs are cancelled, nothing is published.
func TestEagerCancel(t *testing.T) {
	f := &fakeGitHub{buildTime: time.Hour}
	env := newEnv(t, f)
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(contract.SignalCancel, contract.CancelSignal{Reason: "bad tag"})
	}, 5*time.Minute)
	env.ExecuteWorkflow(Release, contract.ReleaseInput{Tag: testTag, Train: eagerTrain().JSON()})
	assertCancelled(t, env, f)
}
