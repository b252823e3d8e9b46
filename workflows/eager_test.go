package workflows

import (
	"slices"
	"testing"
	"time"

	"github.com/BTCDecoded/releasetrain/config"
	"github.com/BTCDecoded/releasetrain/contract"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
	require.True(t, env.IsWorkflowCompleted(), "workflow not completed")
	require.NoError(t, env.GetWorkflowError(), "workflow error")
	var st contract.Status
	require.NoError(t, env.GetWorkflowResult(&st))
	start := f.calls("dispatch")[0].at
	// Every repo is dispatched once, after each dependency succeeded, and
	// right when the last of them did (not when its layer-mates did).
	for _, repo := range train.Repos {
		d := f.first(t, "dispatch", repo.Name)
		var ready time.Time
		for _, dep := range repo.DependsOn {
			c := f.first(t, "collect", dep)
			assert.False(t, d.at.Before(c.at), "%s dispatched at +%v before dependency %s succeeded at +%v", repo.Name, d.at.Sub(start), dep, c.at.Sub(start))
			if c.at.After(ready) {
				ready = c.at
			}
		}
		if len(repo.DependsOn) > 0 {
			assert.LessOrEqual(t, d.at.Sub(ready), time.Minute, "%s dispatched at +%v, this long after its dependencies were done", repo.Name, d.at.Sub(start))
		}
	}
	p, c := f.first(t, "dispatch", "bllvm-protocol"), f.first(t, "collect", "commons")
	assert.True(t, p.at.Before(c.at), "bllvm-protocol waited for commons (dispatched +%v, commons done +%v)", p.at.Sub(start), c.at.Sub(start))
	assert.Equal(t, 7, len(f.calls("dispatch")), "dispatches")
	// The chain consensus → protocol → node → sdk → governance-app is five
	// 10-minute builds; layered would take 45 + 4×10 minutes.
	took := f.calls("publish")[0].at.Sub(start)
	assert.LessOrEqual(t, took, 5*10*time.Minute+time.Minute, "train took %v, want about 50m (its critical path)", took)
	for _, in := range f.dispatched {
		if in.Repo == "bllvm-node" {
			assert.Len(t, in.Upstream, 2, "bllvm-node upstream = %v", in.Upstream)
			assert.Equal(t, runID("bllvm-consensus"), in.Upstream["bllvm-consensus"], "bllvm-node upstream = %v", in.Upstream)
			assert.Equal(t, runID("bllvm-protocol"), in.Upstream["bllvm-protocol"], "bllvm-node upstream = %v", in.Upstream)
		}
	}
	for repo, want := range map[string]contract.RepoState{
		"bllvm-consensus": contract.RepoSucceeded, "commons": contract.RepoBuilding, "bllvm-protocol": contract.RepoBuilding,
		"bllvm-node": contract.RepoPending, "governance-app": contract.RepoPending,
	} {
		assert.Equal(t, want, mid.Repos[repo].State, "status at 15m: %s", repo)
	}
	assert.Equal(t, contract.StateRunning, mid.State)
	assert.Equal(t, config.ScheduleEager, mid.Schedule)
	assert.Zero(t, mid.Layer)
	assert.Equal(t, contract.StateSucceeded, st.State, "final state")
	if assert.Len(t, f.pkg, 1, "package inputs %+v", f.pkg) {
		assert.Len(t, f.pkg[0].Repos, 7, "package inputs %+v", f.pkg)
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
	require.NoError(t, env.GetWorkflowError(), "workflow error")
	assert.False(t, slices.Contains(repos(f.calls("dispatch")), "bllvm-protocol"), "skipped bllvm-protocol was dispatched")
	assert.Equal(t, contract.RepoSkipped, afterSkip.Repos["bllvm-protocol"].State, "bllvm-protocol after the skip")
	start := f.calls("dispatch")[0].at
	d, c := f.first(t, "dispatch", "bllvm-node"), f.first(t, "collect", "bllvm-consensus")
	assert.LessOrEqual(t, d.at.Sub(c.at), time.Minute, "bllvm-node dispatched at +%v, consensus done at +%v", d.at.Sub(start), c.at.Sub(start))
	for _, in := range f.dispatched {
		if in.Repo == "bllvm-node" {
			_, ok := in.Upstream["bllvm-protocol"]
			assert.False(t, ok, "bllvm-node upstream = %v, want consensus only", in.Upstream)
			assert.NotZero(t, in.Upstream["bllvm-consensus"], "bllvm-node upstream = %v, want consensus only", in.Upstream)
		}
	}
	var st contract.Status
	_ = env.GetWorkflowResult(&st)
	assert.Equal(t, contract.StateSucceeded, st.State)
	assert.Equal(t, contract.RepoSkipped, st.Repos["bllvm-protocol"].State)
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
	assert.Equal(t, contract.StateBlocked, blocked.State, "status while blocked")
	assert.Equal(t, []string{"bllvm-protocol"}, blocked.Blocked, "status while blocked")
	for repo, want := range map[string]contract.RepoState{"commons": contract.RepoSucceeded, "bllvm-node": contract.RepoPending, "bllvm-protocol": contract.RepoFailed} {
		assert.Equal(t, want, blocked.Repos[repo].State, "while blocked %s", repo)
	}
	start := f.calls("dispatch")[0].at
	d := f.first(t, "dispatch", "bllvm-node")
	assert.False(t, d.at.Before(start.Add(time.Hour)), "bllvm-node dispatched at +%v, before its dependency was retried", d.at.Sub(start))
	got := f.calls("rerun")
	assert.Len(t, got, 1, "reruns = %v, want the operator's one", got)
	assert.Equal(t, 7, len(f.calls("dispatch")), "dispatches")
}

// TestEagerPauseHoldsEveryLayer: a pause reaches every layer that runs at
// once: no new dispatch anywhere until resume, running builds go on.
func TestEagerPauseHoldsEveryLayer(t *testing.T) {
	f := &fakeGitHub{}
	env := newEnv(t, f)
	env.RegisterDelayedCallback(func() { env.SignalWorkflow(contract.SignalPause, nil) }, time.Minute)
	env.RegisterDelayedCallback(func() { env.SignalWorkflow(contract.SignalResume, nil) }, 3*time.Hour)
	env.ExecuteWorkflow(Release, contract.ReleaseInput{Tag: testTag, Train: eagerTrain().JSON()})
	require.NoError(t, env.GetWorkflowError(), "workflow error")
	start := f.calls("dispatch")[0].at
	for _, d := range f.calls("dispatch") {
		if d.repo != "bllvm-consensus" && d.repo != "commons" {
			assert.False(t, d.at.Before(start.Add(3*time.Hour)), "%s dispatched at +%v while paused", d.repo, d.at.Sub(start))
		}
	}
	c := f.first(t, "collect", "commons")
	assert.False(t, c.at.After(start.Add(time.Hour)), "commons collected at +%v; running builds go on while paused", c.at.Sub(start))
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
