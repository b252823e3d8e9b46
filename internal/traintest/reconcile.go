package traintest

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/BTCDecoded/releasetrain/config"
	"github.com/BTCDecoded/releasetrain/contract"
	"github.com/BTCDecoded/releasetrain/ghsim"
	"github.com/BTCDecoded/releasetrain/internal/devstack"
)

// RunReconcile triggers one run of the stack's reconcile schedule (see
// devstack.Options.Reconcile) and returns its result once it finished.
func RunReconcile(t testing.TB, s *devstack.Stack) contract.ReconcileResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	h := s.Client.ScheduleClient().GetHandle(ctx, contract.ReconcileScheduleID)
	before, err := h.Describe(ctx)
	if err != nil {
		t.Fatalf("describe schedule: %v", err)
	}
	if err := h.Trigger(ctx, client.ScheduleTriggerOptions{}); err != nil {
		t.Fatalf("trigger schedule: %v", err)
	}
	var run *client.ScheduleWorkflowExecution
	for run == nil {
		d, err := h.Describe(ctx)
		if err != nil {
			t.Fatalf("describe schedule: %v", err)
		}
		if d.Info.NumActions > before.Info.NumActions && len(d.Info.RecentActions) > 0 {
			run = d.Info.RecentActions[len(d.Info.RecentActions)-1].StartWorkflowResult
			break
		}
		select {
		case <-ctx.Done():
			t.Fatal("the triggered reconcile run did not start")
		case <-time.After(100 * time.Millisecond):
		}
	}
	var res contract.ReconcileResult
	if err := s.Client.GetWorkflow(ctx, run.WorkflowID, run.FirstExecutionRunID).Get(ctx, &res); err != nil {
		t.Fatalf("reconcile run %s: %v", run.WorkflowID, err)
	}
	return res
}

// Settled waits until every delivery of sim is attempted and returns them.
func Settled(t testing.TB, sim *ghsim.Sim) []ghsim.Delivery {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		ds := sim.Deliveries()
		if !slices.ContainsFunc(ds, func(d ghsim.Delivery) bool { return d.Pending }) {
			return ds
		}
		if time.Now().After(deadline) {
			t.Fatal("webhook deliveries still pending after a minute")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// MaintainerTrigger does what a maintainer does to start a train of tag in
// the train's trigger mode: in draft mode, save a draft release in the
// release repo (GitHub sends release created with draft true); in release
// mode, publish a release in the first trigger repo that is not the release
// repo.
func MaintainerTrigger(t testing.TB, s *devstack.Stack, tag string) {
	t.Helper()
	sim, train := s.Sim, s.Train
	if train.Trigger.Mode != config.ModeRelease {
		if _, err := sim.SaveDraft(train.Owner, train.Release.Repo, tag, ghsim.DraftOptions{Name: tag}); err != nil {
			t.Fatalf("save draft %s: %v", tag, err)
		}
		return
	}
	for _, repo := range train.Trigger.Repos {
		if strings.EqualFold(repo, train.Release.Repo) {
			continue
		}
		if _, err := sim.PublishRelease(train.Owner, repo, tag, false); err != nil {
			t.Fatalf("publish %s in %s: %v", tag, repo, err)
		}
		return
	}
	t.Fatal(errors.New("no trigger repo besides the release repo"))
}
