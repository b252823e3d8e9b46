package workflows

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/BTCDecoded/releasetrain/activities"
	"github.com/BTCDecoded/releasetrain/contract"
)

// immutable is PublishRelease's permanent answer for a release GitHub will
// not take assets for any more.
func immutable() error {
	return temporal.NewNonRetryableApplicationError(
		"publish o/a v1.2.3: upload asset a-linux-amd64: Cannot upload assets to an immutable release",
		activities.ErrGitHubPermanent, nil)
}

// A permanent PublishRelease failure blocks the release (it used to fail the
// train, and restarting the tag rebuilt every repo); retry with an empty
// repo publishes again and the train succeeds.
func TestPublishFailureBlocksThenRetry(t *testing.T) {
	f := &fakeGitHub{publishErrs: []error{immutable()}}
	env := newEnv(t, f)
	var early, blocked updateResult
	var st contract.Status
	env.RegisterDelayedCallback(func() {
		// Nothing is blocked while the build runs: an empty-repo retry is rejected.
		env.UpdateWorkflow(contract.UpdateRetry, "u-early", early.callbacks(), contract.RepoSignal{})
	}, 5*time.Minute)
	env.RegisterDelayedCallback(func() {
		st = queryStatus(t, env)
		// A repo retry does not apply to a blocked release step.
		env.UpdateWorkflow(contract.UpdateRetry, "u-repo", blocked.callbacks(), contract.RepoSignal{Repo: "a"})
		env.SignalWorkflow(contract.SignalRetry, contract.RepoSignal{})
	}, time.Hour)
	env.ExecuteWorkflow(Release, contract.ReleaseInput{Tag: testTag, Train: singleRepo(0).JSON()})

	if err := env.GetWorkflowError(); err != nil {
		t.Fatalf("workflow error: %v", err)
	}
	if early.rejected == nil || !strings.Contains(early.rejected.Error(), "no blocked release step") {
		t.Errorf("empty-repo retry while building: rejected = %v, want rejected as nothing blocked", early.rejected)
	}
	if blocked.rejected == nil {
		t.Errorf("retry of repo a while publish is blocked was accepted")
	}
	if st.State != contract.StateBlocked || st.BlockedStep != contract.StepPublish || !strings.Contains(st.Error, "immutable release") {
		t.Errorf("status while blocked = state %s, blocked_step %q, error %q; want blocked on publish naming the cause",
			st.State, st.BlockedStep, st.Error)
	}
	if strings.Contains(st.Error, "activity error") {
		t.Errorf("error shows Temporal's wrapping: %q", st.Error)
	}
	pubs := f.calls("publish")
	if len(pubs) != 2 || len(f.calls("package")) != 1 {
		t.Fatalf("publish calls %d, package calls %d; want 2 and 1", len(pubs), len(f.calls("package")))
	}
	if pubs[1].at.Before(pubs[0].at.Add(30 * time.Minute)) {
		t.Errorf("second publish at %v, before the retry", pubs[1].at)
	}
	if len(f.dispatched) != 1 {
		t.Errorf("dispatches = %d, want 1 (the build is not redone)", len(f.dispatched))
	}
	var res contract.Status
	if err := env.GetWorkflowResult(&res); err != nil {
		t.Fatal(err)
	}
	if res.State != contract.StateSucceeded || res.ReleaseURL == "" || res.BlockedStep != "" || res.Error != "" {
		t.Errorf("final status = state %s, url %q, blocked_step %q, error %q", res.State, res.ReleaseURL, res.BlockedStep, res.Error)
	}
	want := []contract.State{contract.StateRunning, contract.StatePublishing, contract.StateBlocked, contract.StatePublishing, contract.StateSucceeded}
	if got := f.upserted(); !slices.Equal(got, want) {
		t.Errorf("ReleaseState upserts = %v, want %v", got, want)
	}
}

// The same for PackageRelease (a bundle layout conflict), retried through
// the retry update, whose answer already shows the step running again.
func TestPackageFailureBlocksThenRetry(t *testing.T) {
	conflict := temporal.NewNonRetryableApplicationError("package v1.2.3: two repos ship bin/x", activities.ErrBadInput, nil)
	f := &fakeGitHub{packageErrs: []error{conflict}}
	env := newEnv(t, f)
	var st contract.Status
	var retry updateResult
	var answer contract.Status
	env.RegisterDelayedCallback(func() {
		st = queryStatus(t, env)
		env.UpdateWorkflow(contract.UpdateRetry, "u-step", retry.withStatus(t, &answer), contract.RepoSignal{})
	}, time.Hour)
	env.ExecuteWorkflow(Release, contract.ReleaseInput{Tag: testTag, Train: singleRepo(0).JSON()})

	if err := env.GetWorkflowError(); err != nil {
		t.Fatalf("workflow error: %v", err)
	}
	if st.State != contract.StateBlocked || st.BlockedStep != contract.StepPackage || !strings.Contains(st.Error, "two repos ship bin/x") {
		t.Errorf("status while blocked = state %s, blocked_step %q, error %q; want blocked on package", st.State, st.BlockedStep, st.Error)
	}
	if retry.rejected != nil || !retry.done || retry.err != nil {
		t.Errorf("retry update: rejected=%v done=%v err=%v", retry.rejected, retry.done, retry.err)
	}
	if answer.State != contract.StatePublishing || answer.BlockedStep != "" {
		t.Errorf("retry update answered state %s, blocked_step %q; want publishing, none", answer.State, answer.BlockedStep)
	}
	if n, m := len(f.calls("package")), len(f.calls("publish")); n != 2 || m != 1 {
		t.Errorf("package calls %d, publish calls %d; want 2 and 1", n, m)
	}
	var res contract.Status
	if err := env.GetWorkflowResult(&res); err != nil {
		t.Fatal(err)
	}
	if res.State != contract.StateSucceeded || res.ReleaseURL == "" {
		t.Errorf("final status = %s %q", res.State, res.ReleaseURL)
	}
}

// A cancel while publishing is blocked ends the train cancelled and
// publishes nothing.
func TestCancelWhilePublishBlocked(t *testing.T) {
	f := &fakeGitHub{publishErrs: []error{immutable()}}
	env := newEnv(t, f)
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(contract.SignalCancel, contract.CancelSignal{Reason: "wrong notes"})
	}, time.Hour)
	env.ExecuteWorkflow(Release, contract.ReleaseInput{Tag: testTag, Train: singleRepo(0).JSON()})

	if !env.IsWorkflowCompleted() {
		t.Fatal("workflow not completed")
	}
	var canceled *temporal.CanceledError
	if err := env.GetWorkflowError(); !errors.As(err, &canceled) {
		t.Fatalf("workflow error = %v, want cancelled", err)
	}
	if n := len(f.calls("publish")); n != 1 || len(f.pub) != 0 {
		t.Errorf("publish calls %d (published %d), want the one failed call", n, len(f.pub))
	}
	st := queryStatus(t, env)
	if st.State != contract.StateCancelled || st.BlockedStep != "" || st.Error != "wrong notes" {
		t.Errorf("status = state %s, blocked_step %q, error %q; want cancelled with the reason", st.State, st.BlockedStep, st.Error)
	}
	if got := f.upserted(); len(got) == 0 || got[len(got)-1] != contract.StateCancelled {
		t.Errorf("ReleaseState upserts %v, want cancelled last", got)
	}
}

// withStatus is u's callbacks that also keep the update's answer.
func (u *updateResult) withStatus(t *testing.T, st *contract.Status) *testsuite.TestUpdateCallback {
	cb := u.callbacks()
	cb.OnComplete = func(v any, err error) {
		u.done, u.err = true, err
		switch v := v.(type) {
		case contract.Status:
			*st = v
		case nil:
		default:
			t.Errorf("update answered %T, want Status", v)
		}
	}
	return cb
}
