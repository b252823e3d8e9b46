package worker

import (
	"context"
	"errors"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"go.uber.org/zap"

	"github.com/BTCDecoded/releasetrain/activities"
	"github.com/BTCDecoded/releasetrain/config"
	"github.com/BTCDecoded/releasetrain/contract"
	"github.com/BTCDecoded/releasetrain/ghclient"
	"github.com/BTCDecoded/releasetrain/workflows"
)

// registerReconcile registers the delivery-log reconciler's workflow and
// activities.
func registerReconcile(w sdkworker.Worker, c client.Client, ghc *ghclient.Client, log *zap.Logger) {
	w.RegisterWorkflowWithOptions(workflows.Reconcile, workflow.RegisterOptions{Name: contract.ReconcileWorkflowName})
	w.RegisterActivity(&activities.Reconciler{GitHub: ghc, Schedules: c.ScheduleClient(), Logger: log.Named("reconcile")})
}

// EnsureReconcileSchedule creates or updates the releasetrain-reconcile
// schedule for train: every reconcile.interval (default 5 minutes), one run
// at a time (overlaps skipped), keeping the state an existing schedule holds
// in its workflow memo. reconcile.interval off pauses an existing schedule
// (its state is kept) and creates none. It reports what it did.
func EnsureReconcileSchedule(ctx context.Context, c client.Client, train config.Train) (string, error) {
	every, err := train.Reconcile.Every()
	if err != nil {
		return "", fmt.Errorf("reconcile.interval: %w", err)
	}
	sc := c.ScheduleClient()
	h := sc.GetHandle(ctx, contract.ReconcileScheduleID)
	_, err = h.Describe(ctx)
	var nf *serviceerror.NotFound
	exists := !errors.As(err, &nf)
	if err != nil && exists {
		return "", fmt.Errorf("describe schedule %s: %w", contract.ReconcileScheduleID, err)
	}
	in := workflows.ReconcileInput{Filter: workflows.ReconcileFilterFor(train), ScheduleID: contract.ReconcileScheduleID}
	spec := client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: every}}}
	switch {
	case every == 0 && !exists:
		return "reconciler off (reconcile.interval: off)", nil
	case every == 0:
		if err := h.Pause(ctx, client.SchedulePauseOptions{Note: "reconcile.interval: off"}); err != nil {
			return "", fmt.Errorf("pause schedule %s: %w", contract.ReconcileScheduleID, err)
		}
		return "reconciler paused (reconcile.interval: off)", nil
	case !exists:
		_, err := sc.Create(ctx, client.ScheduleOptions{
			ID:      contract.ReconcileScheduleID,
			Spec:    spec,
			Overlap: enumspb.SCHEDULE_OVERLAP_POLICY_SKIP,
			Action: &client.ScheduleWorkflowAction{
				ID:                 contract.ReconcileWorkflowID,
				Workflow:           contract.ReconcileWorkflowName,
				Args:               []any{in},
				TaskQueue:          contract.TaskQueue,
				WorkflowRunTimeout: 30 * time.Minute,
			},
			Note: "webhook delivery-log reconciler (releasetrain worker)",
		})
		if errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
			return EnsureReconcileSchedule(ctx, c, train) // another worker created it meanwhile
		}
		if err != nil {
			return "", fmt.Errorf("create schedule %s: %w", contract.ReconcileScheduleID, err)
		}
		return fmt.Sprintf("reconciler scheduled every %s", every), nil
	}
	err = h.Update(ctx, client.ScheduleUpdateOptions{DoUpdate: func(u client.ScheduleUpdateInput) (*client.ScheduleUpdate, error) {
		s := u.Description.Schedule
		action, ok := s.Action.(*client.ScheduleWorkflowAction)
		if !ok {
			return nil, fmt.Errorf("action is %T, not a workflow", s.Action)
		}
		action.Workflow = contract.ReconcileWorkflowName
		action.Args = []any{in} // the memo (the reconciler's state) is kept
		action.TaskQueue = contract.TaskQueue
		s.Spec = &spec
		if s.Policy != nil {
			s.Policy.Overlap = enumspb.SCHEDULE_OVERLAP_POLICY_SKIP
		}
		if s.State != nil && s.State.Paused {
			s.State.Paused = false
			s.State.Note = "resumed by releasetrain worker"
		}
		return &client.ScheduleUpdate{Schedule: &s}, nil
	}})
	if err != nil {
		return "", fmt.Errorf("update schedule %s: %w", contract.ReconcileScheduleID, err)
	}
	return fmt.Sprintf("reconciler scheduled every %s (updated)", every), nil
}

// startReconciler ensures the reconcile schedule when the worker has a
// train; a failure is logged, not fatal: trains run without it.
func startReconciler(ctx context.Context, c client.Client, opts Options) {
	if opts.Train == nil {
		return
	}
	if opts.GitHub.AppID == 0 && opts.Train.Reconcile.WebhookURL == "" {
		opts.Logger.Warn("webhook delivery-log reconciler not scheduled: it reads the GitHub App's webhook log (set GITHUB_APP_ID), " +
			"or with a token the repositories' webhooks to reconcile.webhook_url (not set); failed deliveries are not redelivered")
		return
	}
	what, err := EnsureReconcileSchedule(ctx, c, *opts.Train)
	if err != nil {
		opts.Logger.Error("webhook delivery-log reconciler", zap.Error(err))
		return
	}
	opts.Logger.Info(what, zap.String("schedule", contract.ReconcileScheduleID))
}
