package workflows

import (
	"errors"
	"slices"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/BTCDecoded/releasetrain/contract"
)

// updateResult collects an Update's outcome in the test environment.
type updateResult struct {
	rejected error
	done     bool
	err      error
}

func (u *updateResult) callbacks() *testsuite.TestUpdateCallback {
	return &testsuite.TestUpdateCallback{
		OnAccept:   func() {},
		OnReject:   func(err error) { u.rejected = err },
		OnComplete: func(_ any, err error) { u.done, u.err = true, err },
	}
}

func TestUpdatesValidateRepo(t *testing.T) {
	f := &fakeGitHub{failures: map[string]int{"bllvm-consensus": 1}}
	env := newEnv(t, f)
	train := btcDecoded()
	zero := 0
	train.Repos[0].RetryLimit = &zero // bllvm-consensus blocks at once
	var unknown, notBlocked, retry updateResult
	env.RegisterDelayedCallback(func() {
		env.UpdateWorkflow(contract.UpdateRetry, "u-unknown", unknown.callbacks(), contract.RepoSignal{Repo: "nope"})
		env.UpdateWorkflow(contract.UpdateRetry, "u-not-blocked", notBlocked.callbacks(), contract.RepoSignal{Repo: "commons"})
		env.UpdateWorkflow(contract.UpdateRetry, "u-retry", retry.callbacks(), contract.RepoSignal{Repo: "bllvm-consensus"})
	}, 30*time.Minute)
	env.ExecuteWorkflow(Release, contract.ReleaseInput{Tag: testTag, Train: train.JSON()})

	if err := env.GetWorkflowError(); err != nil {
		t.Fatalf("workflow error: %v", err)
	}
	if unknown.rejected == nil || notBlocked.rejected == nil {
		t.Errorf("rejections: unknown=%v not-blocked=%v, want both rejected", unknown.rejected, notBlocked.rejected)
	}
	if retry.rejected != nil || !retry.done || retry.err != nil {
		t.Errorf("retry update: rejected=%v done=%v err=%v", retry.rejected, retry.done, retry.err)
	}
	if n := len(f.calls("rerun")); n != 1 {
		t.Errorf("reruns = %d, want 1 (the accepted retry only)", n)
	}
}

func TestSkipRunningBuildCancelsItsRun(t *testing.T) {
	f := &fakeGitHub{buildTime: time.Hour}
	env := newEnv(t, f)
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(contract.SignalSkip, contract.RepoSignal{Repo: "commons"})
	}, 5*time.Minute)
	env.ExecuteWorkflow(Release, contract.ReleaseInput{Tag: testTag, Train: btcDecoded().JSON()})

	if err := env.GetWorkflowError(); err != nil {
		t.Fatalf("workflow error: %v", err)
	}
	if got := repos(f.calls("cancel")); !slices.Equal(got, []string{"commons"}) {
		t.Errorf("cancelled runs = %v, want [commons]", got)
	}
	var st contract.Status
	_ = env.GetWorkflowResult(&st)
	if st.Repos["commons"].State != contract.RepoSkipped || st.Repos["bllvm-consensus"].State != contract.RepoSucceeded {
		t.Errorf("status = %+v", st.Repos)
	}
}

func TestBuildTimeoutCountsAsFailure(t *testing.T) {
	// AwaitRun times out (build_timeout + margin): the build is cancelled
	// and re-run once, then blocks; the operator skips it.
	f := &fakeGitHub{awaitTimeout: true, buildTime: 2*time.Hour + awaitMargin}
	env := newEnv(t, f)
	blocked := statusThenSignal(t, env, 10*time.Hour, singleRepo(1), operatorSignal{contract.SignalSkip, "a"})
	if blocked.State != contract.StateBlocked {
		t.Errorf("state after two timeouts = %s, want blocked", blocked.State)
	}
	if n := len(f.calls("rerun")); n != 1 {
		t.Errorf("reruns = %d, want 1", n)
	}
	if n := len(f.calls("cancel")); n < 2 {
		t.Errorf("CancelRun calls = %d, want one per timed-out attempt", n)
	}
	if d := f.calls("rerun")[0].at.Sub(f.calls("dispatch")[0].at); d < 2*time.Hour {
		t.Errorf("re-run after %v, before build_timeout", d)
	}
}

func TestLayerAloneSucceeds(t *testing.T) {
	// A Layer without a parent (no progress signals) still runs its builds.
	f := &fakeGitHub{}
	env := newEnv(t, f)
	in := LayerInput{Tag: testTag, Owner: "o", Count: 1, Repos: []LayerRepo{
		{Name: "x", Settings: settings(0)}, {Name: "y", Settings: settings(0)},
	}}
	env.ExecuteWorkflow(Layer, in)
	if err := env.GetWorkflowError(); err != nil {
		t.Fatalf("workflow error: %v", err)
	}
	var res LayerResult
	if err := env.GetWorkflowResult(&res); err != nil {
		t.Fatal(err)
	}
	if len(res.Repos) != 2 || res.Repos[0].Repo != "x" || res.Repos[1].Manifest == nil || res.Repos[1].Manifest.Files != 1 || len(res.Repos[1].Files) != 0 {
		t.Errorf("layer result = %+v", res)
	}
	if errors.Is(env.GetWorkflowError(), errSkipped) {
		t.Error("unexpected skip")
	}
}

// A cancel while DispatchBuild is in flight: the activity answers with the
// cancellation although GitHub may have accepted the dispatch, so the build
// has no run id to cancel. The cleanup looks the run up by its correlation
// id and cancels it.
func TestCancelDuringDispatchCancelsItsRun(t *testing.T) {
	f := &fakeGitHub{dispatchTime: 30 * time.Minute}
	env := newEnv(t, f)
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(contract.SignalCancel, contract.CancelSignal{Reason: "bad tag"})
	}, 5*time.Minute)
	env.ExecuteWorkflow(Release, contract.ReleaseInput{Tag: testTag, Train: singleRepo(2).JSON()})

	var canceled *temporal.CanceledError
	if err := env.GetWorkflowError(); !errors.As(err, &canceled) {
		t.Fatalf("workflow error = %v, want cancelled", err)
	}
	if len(f.lost) != 1 {
		t.Fatalf("CancelDispatchedRun calls = %v, want one for a", f.lost)
	}
	if in := f.lost[0]; in.Repo != "a" || in.Owner != "o" || in.CorrelationID != contract.CorrelationID(testTag, "a", 1) ||
		in.NotBefore.IsZero() || in.Wait != lostDispatchWait {
		t.Errorf("CancelDispatchedRun input = %+v", in)
	}
	if n := len(f.calls("publish")) + len(f.calls("package")); n != 0 {
		t.Errorf("package/publish called %d times after cancel", n)
	}
	st := queryStatus(t, env)
	if a := st.Repos["a"]; a.State != contract.RepoCancelled || a.RunID != runID("a") {
		t.Errorf("repo a = %+v, want cancelled with the run the cleanup found", a)
	}
}
