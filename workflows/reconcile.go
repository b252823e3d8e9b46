package workflows

import (
	"fmt"
	"slices"
	"strings"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/BTCDecoded/releasetrain/activities"
	"github.com/BTCDecoded/releasetrain/config"
)

// The webhook delivery-log reconciler: a Temporal Schedule runs the
// Reconcile workflow every reconcile.interval; it redelivers failed
// deliveries the train cares about so they come back through the receiver.
const (
	ReconcileWorkflowName = "Reconcile"
	// ReconcileScheduleID is the schedule the worker creates or updates at start.
	ReconcileScheduleID = "releasetrain-reconcile"
	// ReconcileWorkflowID is the id of the workflows the schedule starts
	// (Temporal appends the start time).
	ReconcileWorkflowID = "releasetrain-reconcile"
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

// ReconcileResult is one reconciler run's account.
type ReconcileResult = activities.ReconcileResult

// ReconcileInput is the Reconcile workflow's input (the schedule's argument).
type ReconcileInput struct {
	Filter activities.ReconcileFilter `json:"filter"`
	// ScheduleID is the schedule whose workflow memo keeps the state; ""
	// (a run started by hand) keeps none.
	ScheduleID string `json:"schedule_id,omitempty"`
}

// ReconcileDispatchTypes are the repository_dispatch event types the
// receiver answers (webhook.DispatchRelease and DispatchBuildComplete).
func ReconcileDispatchTypes() []string {
	return []string{"releasetrain-build-complete", "releasetrain-release"}
}

// ReconcileFilterFor is the filter of a train: release created, published
// and prereleased (and the train's trigger actions) of its trigger repos
// and release repo, workflow_run completed of its members, and the
// receiver's repository_dispatch types.
func ReconcileFilterFor(train config.Train) activities.ReconcileFilter {
	f := activities.ReconcileFilter{Owner: train.Owner, DispatchTypes: ReconcileDispatchTypes(), RepoHookURL: train.Reconcile.WebhookURL}
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

// ReconcileStateFromMemo decodes the reconciler's state from a workflow or
// schedule memo; no state yet is the zero state.
func ReconcileStateFromMemo(memo *commonpb.Memo) (activities.ReconcileState, error) {
	var st activities.ReconcileState
	p, ok := memo.GetFields()[activities.ReconcileMemoKey]
	if !ok {
		return st, nil
	}
	if err := converter.GetDefaultDataConverter().FromPayload(p, &st); err != nil {
		return st, fmt.Errorf("reconcile state in memo %q: %w", activities.ReconcileMemoKey, err)
	}
	return st, nil
}

// ReconcileStateFromSchedule reads the reconciler's state from the
// schedule's workflow action memo.
func ReconcileStateFromSchedule(desc *client.ScheduleDescription) (activities.ReconcileState, error) {
	action, ok := desc.Schedule.Action.(*client.ScheduleWorkflowAction)
	if !ok {
		return activities.ReconcileState{}, nil
	}
	p, ok := action.Memo[activities.ReconcileMemoKey].(*commonpb.Payload)
	if !ok {
		return activities.ReconcileState{}, nil
	}
	return ReconcileStateFromMemo(&commonpb.Memo{Fields: map[string]*commonpb.Payload{activities.ReconcileMemoKey: p}})
}

// Reconcile is one reconciler run: scan the delivery log back to the
// checkpoint kept in the schedule's memo, record the GUIDs it is about to
// redeliver (so the receiver can tell a redelivery), redeliver them, and
// save the new checkpoint and its counts. Its result is the run's account.
func Reconcile(ctx workflow.Context, in ReconcileInput) (activities.ReconcileResult, error) {
	state, err := ReconcileStateFromMemo(workflow.GetInfo(ctx).Memo)
	if err != nil {
		return activities.ReconcileResult{}, temporal.NewNonRetryableApplicationError(err.Error(), BadStateErrorType, err)
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
	result := activities.ReconcileResult{StartedAt: workflow.Now(ctx)}
	var r *activities.Reconciler
	var scan activities.ScanResult
	if err := workflow.ExecuteActivity(ctx, r.ScanDeliveries, activities.ScanInput{Filter: in.Filter, State: state}).Get(ctx, &scan); err != nil {
		return result, err
	}
	next := activities.ReconcileState{Checkpoint: scan.Checkpoint, RepoIDs: scan.RepoIDs, RepoHooks: scan.RepoHooks, Redelivered: state.Redelivered}
	candidates := scan.Candidates
	if len(candidates) > maxRedeliveriesPerRun {
		// Oldest first: the rest are newer than the kept checkpoint.
		next.Checkpoint = candidates[maxRedeliveriesPerRun].DeliveredAt
		candidates = candidates[:maxRedeliveriesPerRun]
	}
	var red activities.RedeliverResult
	if len(candidates) > 0 {
		marks := make([]activities.Redelivered, len(candidates))
		for i, c := range candidates {
			marks[i] = activities.Redelivered{GUID: c.GUID, From: c.ID, At: c.DeliveredAt}
		}
		marked := next
		marked.Redelivered = activities.WithRedelivered(next.Redelivered, marks, scan.Checkpoint)
		marked.Last = state.Last
		if err := workflow.ExecuteActivity(ctx, r.SaveReconcileState, activities.SaveStateInput{ScheduleID: in.ScheduleID, State: marked}).Get(ctx, nil); err != nil {
			return result, err
		}
		if err := workflow.ExecuteActivity(ctx, r.RedeliverDeliveries, activities.RedeliverInput{Candidates: candidates, Owner: in.Filter.Owner}).Get(ctx, &red); err != nil {
			return result, err
		}
		next.Redelivered = activities.WithRedelivered(next.Redelivered, red.Redelivered, scan.Checkpoint)
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

// FormatReconcileResult is a run's account on one line.
func FormatReconcileResult(r activities.ReconcileResult) string {
	var b strings.Builder
	fmt.Fprintf(&b, "scanned %d, failed %d, redelivered %d", r.Scanned, r.Failed, r.Redelivered)
	if r.Pending > 0 {
		fmt.Fprintf(&b, ", pending %d", r.Pending)
	}
	if r.Expired > 0 {
		fmt.Fprintf(&b, ", LOST %d (older than 3 days)", r.Expired)
	}
	fmt.Fprintf(&b, "; budget %d (%d list pages, %d redeliveries", r.Budget, r.Pages, r.RedeliverCalls)
	if r.Lookups > 0 {
		fmt.Fprintf(&b, ", %d repository lookups", r.Lookups)
	}
	b.WriteString(")")
	if r.Truncated {
		b.WriteString("; more left for the next run")
	}
	return b.String()
}
