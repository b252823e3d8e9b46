package workflows

import (
	"slices"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/BTCDecoded/releasetrain/activities"
	"github.com/BTCDecoded/releasetrain/config"
	"github.com/BTCDecoded/releasetrain/contract"
)

// Timeouts of the reconciler's activities.
const (
	// reconcileCallTimeout bounds one activity: at most 100 list pages or
	// 200 redeliveries, each a GitHub call of well under a second.
	reconcileCallTimeout = 5 * time.Minute
	// reconcileHeartbeat: every page and every redelivery heartbeats.
	reconcileHeartbeat = time.Minute
	// reconcileAttempts: a run that keeps failing gives up; the next
	// scheduled run starts from the same checkpoint, so nothing is lost.
	reconcileAttempts = 5
	// maxRedeliveriesPerRun keeps the run's payloads small; the rest wait
	// for the next run (the checkpoint stays before them).
	maxRedeliveriesPerRun = 200
)

// ReconcileInput is the Reconcile workflow's input (the schedule's argument).
type ReconcileInput struct {
	Filter activities.ReconcileFilter `json:"filter"`
	// ScheduleID is the schedule whose workflow memo keeps the state; ""
	// (a run started by hand) keeps none.
	ScheduleID string `json:"schedule_id,omitempty"`
}

// ReconcileFilterFor is the filter of a train: release created, published
// and prereleased (and the train's trigger actions) of its trigger repos
// and release repo, workflow_run completed of its members, and the
// receiver's repository_dispatch types.
func ReconcileFilterFor(train config.Train) activities.ReconcileFilter {
	f := activities.ReconcileFilter{Owner: train.Owner, DispatchTypes: contract.ReconcileDispatchTypes(), RepoHookURL: train.Reconcile.WebhookURL}
	triggers := train.Trigger.Repos
	if len(triggers) == 0 {
		for _, r := range train.Repos {
			triggers = append(triggers, r.Name)
		}
	}
	f.ReleaseRepos = sortedUnique(append(slices.Clone(triggers), train.Release.Repo))
	f.ReleaseActions = sortedUnique(append([]string{"created", "published", "prereleased"}, train.Trigger.Actions...))
	for _, r := range train.Repos {
		f.RunRepos = append(f.RunRepos, r.Name)
	}
	f.RunRepos = sortedUnique(f.RunRepos)
	return f
}

func sortedUnique(s []string) []string {
	var out []string
	for _, v := range s {
		if v != "" {
			out = append(out, v)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Reconcile is one reconciler run: scan the delivery log back to the
// checkpoint kept in the schedule's memo, record the GUIDs it is about to
// redeliver (so the receiver can tell a redelivery), redeliver them, and
// save the new checkpoint and its counts. Its result is the run's account.
func Reconcile(ctx workflow.Context, in ReconcileInput) (contract.ReconcileResult, error) {
	state, err := contract.ReconcileStateFromMemo(workflow.GetInfo(ctx).Memo)
	if err != nil {
		return contract.ReconcileResult{}, temporal.NewNonRetryableApplicationError(err.Error(), BadStateErrorType, err)
	}
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: reconcileCallTimeout,
		HeartbeatTimeout:    reconcileHeartbeat,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    apiRetryInitial,
			BackoffCoefficient: 2,
			MaximumAttempts:    reconcileAttempts,
		},
	})
	result := contract.ReconcileResult{StartedAt: workflow.Now(ctx)}
	var r *activities.Reconciler
	var scan activities.ScanResult
	if err := workflow.ExecuteActivity(ctx, r.ScanDeliveries, activities.ScanInput{Filter: in.Filter, State: state}).Get(ctx, &scan); err != nil {
		return result, err
	}
	next := contract.ReconcileState{Checkpoint: scan.Checkpoint, RepoIDs: scan.RepoIDs, RepoHooks: scan.RepoHooks, Redelivered: state.Redelivered}
	candidates := scan.Candidates
	if len(candidates) > maxRedeliveriesPerRun {
		// Oldest first: the rest are newer than the kept checkpoint.
		next.Checkpoint = candidates[maxRedeliveriesPerRun].DeliveredAt
		candidates = candidates[:maxRedeliveriesPerRun]
	}
	var red activities.RedeliverResult
	if len(candidates) > 0 {
		marks := make([]contract.Redelivered, len(candidates))
		for i, c := range candidates {
			marks[i] = contract.Redelivered{GUID: c.GUID, From: c.ID, At: c.DeliveredAt}
		}
		marked := next
		marked.Redelivered = contract.WithRedelivered(next.Redelivered, marks, scan.Checkpoint)
		marked.Last = state.Last
		if err := workflow.ExecuteActivity(ctx, r.SaveReconcileState, activities.SaveStateInput{ScheduleID: in.ScheduleID, State: marked}).Get(ctx, nil); err != nil {
			return result, err
		}
		if err := workflow.ExecuteActivity(ctx, r.RedeliverDeliveries, activities.RedeliverInput{Candidates: candidates, Owner: in.Filter.Owner}).Get(ctx, &red); err != nil {
			return result, err
		}
		next.Redelivered = contract.WithRedelivered(next.Redelivered, red.Redelivered, scan.Checkpoint)
	}
	result.Scanned, result.Failed, result.Pending = scan.Scanned, scan.Failed, scan.Pending
	result.Redelivered, result.Expired = len(red.Redelivered), red.Expired
	result.Pages, result.RedeliverCalls, result.Lookups = scan.Pages, red.Calls, scan.Lookups
	result.Budget = scan.Pages + red.Calls + scan.Lookups
	result.Truncated = scan.Truncated || len(candidates) < len(scan.Candidates)
	result.FinishedAt = workflow.Now(ctx)
	next.Last = &result
	if err := workflow.ExecuteActivity(ctx, r.SaveReconcileState, activities.SaveStateInput{ScheduleID: in.ScheduleID, State: next}).Get(ctx, nil); err != nil {
		return result, err
	}
	return result, nil
}
