package contract

import (
	"fmt"
	"slices"
	"strings"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
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

// ReconcileMemoKey is the key of the ReconcileState in the schedule's
// workflow memo.
const ReconcileMemoKey = "reconcile"

// ReconcileDispatchTypes are the repository_dispatch event types the
// receiver answers (webhook.DispatchRelease and DispatchBuildComplete).
func ReconcileDispatchTypes() []string {
	return []string{"releasetrain-build-complete", "releasetrain-release"}
}

// RepoID is a repository's numeric id, as the delivery log's repository_id.
type RepoID struct {
	Name string `json:"name"` // lower case
	ID   int64  `json:"id"`
}

// RepoHook is a repository's webhook that delivers to the receiver.
type RepoHook struct {
	Name string `json:"name"` // lower case
	ID   int64  `json:"id"`
}

// Redelivered records a delivery the reconciler asked GitHub to send again.
type Redelivered struct {
	GUID string `json:"guid"`
	// From is the id of the failed attempt it redelivered: while that is
	// still the GUID's newest attempt in the log, the redelivery is pending.
	From int64 `json:"from"`
	// At is From's delivered_at (GitHub's clock); entries older than
	// GitHub's 3-day redelivery window are dropped.
	At time.Time `json:"at"`
}

// ReconcileState is what the reconciler keeps between runs, in the
// releasetrain-reconcile schedule's workflow memo (never in a file). It is
// small and bounded: a checkpoint, a few repo ids, and at most
// MaxRedeliveredKept recent redeliveries.
type ReconcileState struct {
	// Checkpoint is the newest delivered_at seen; the next run pages back
	// to it (minus ReconcileOverlap).
	Checkpoint time.Time `json:"checkpoint,omitzero"`
	// RepoIDs are the filter's repositories' ids, looked up once.
	RepoIDs []RepoID `json:"repo_ids,omitempty"`
	// RepoHooks are the repository hooks delivering to the filter's
	// RepoHookURL (token-only setups), looked up once.
	RepoHooks []RepoHook `json:"repo_hooks,omitempty"`
	// Redelivered are recent redeliveries, newest last. The receiver reads
	// them to mark a train started by a redelivery "(redelivered)".
	Redelivered []Redelivered `json:"redelivered,omitempty"`
	// Last is the last run's result.
	Last *ReconcileResult `json:"last,omitempty"`
}

// MaxRedeliveredKept bounds ReconcileState.Redelivered.
const MaxRedeliveredKept = 400

// WasRedelivered reports whether the reconciler redelivered guid.
func (s ReconcileState) WasRedelivered(guid string) bool {
	return slices.ContainsFunc(s.Redelivered, func(r Redelivered) bool { return r.GUID == guid })
}

// WithRedelivered returns the redeliveries plus add, without those older
// than the redelivery window before now (GitHub's clock), at most
// MaxRedeliveredKept, newest last.
func WithRedelivered(kept, add []Redelivered, now time.Time) []Redelivered {
	var out []Redelivered
	for _, r := range append(slices.Clone(kept), add...) {
		if now.IsZero() || now.Sub(r.At) <= RedeliveryWindow {
			out = append(out, r)
		}
	}
	if len(out) > MaxRedeliveredKept {
		out = out[len(out)-MaxRedeliveredKept:]
	}
	return out
}

// RedeliveryWindow is how long GitHub keeps a delivery redeliverable.
const RedeliveryWindow = 3 * 24 * time.Hour

// ReconcileOverlap is how far before the checkpoint a run still reads: a
// delivery that was in flight during the last run (up to GitHub's 10 s
// timeout, with room for clock skew) may carry an earlier delivered_at.
const ReconcileOverlap = 15 * time.Minute

// ReconcileResult is one reconciler run's account, the workflow's result
// and the schedule memo's "last run".
type ReconcileResult struct {
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at"`
	// Scanned delivery-log items; Failed relevant deliveries whose newest
	// attempt failed; Redelivered accepted redeliveries; Pending failed
	// deliveries already redelivered by an earlier run; Expired refused as
	// older than 3 days (lost).
	Scanned     int `json:"scanned"`
	Failed      int `json:"failed"`
	Redelivered int `json:"redelivered"`
	Pending     int `json:"pending,omitempty"`
	Expired     int `json:"expired,omitempty"`
	// Budget is the requests that spent rate limit: Pages list pages,
	// RedeliverCalls redeliveries and Lookups repository ids (first run).
	Budget         int  `json:"budget"`
	Pages          int  `json:"pages"`
	RedeliverCalls int  `json:"redeliver_calls"`
	Lookups        int  `json:"lookups,omitempty"`
	Truncated      bool `json:"truncated,omitempty"`
}

// ReconcileStateFromMemo decodes the reconciler's state from a workflow or
// schedule memo; no state yet is the zero state.
func ReconcileStateFromMemo(memo *commonpb.Memo) (ReconcileState, error) {
	var st ReconcileState
	p, ok := memo.GetFields()[ReconcileMemoKey]
	if !ok {
		return st, nil
	}
	if err := converter.GetDefaultDataConverter().FromPayload(p, &st); err != nil {
		return st, fmt.Errorf("reconcile state in memo %q: %w", ReconcileMemoKey, err)
	}
	return st, nil
}

// ReconcileStateFromSchedule reads the reconciler's state from the
// schedule's workflow action memo.
func ReconcileStateFromSchedule(desc *client.ScheduleDescription) (ReconcileState, error) {
	action, ok := desc.Schedule.Action.(*client.ScheduleWorkflowAction)
	if !ok {
		return ReconcileState{}, nil
	}
	p, ok := action.Memo[ReconcileMemoKey].(*commonpb.Payload)
	if !ok {
		return ReconcileState{}, nil
	}
	return ReconcileStateFromMemo(&commonpb.Memo{Fields: map[string]*commonpb.Payload{ReconcileMemoKey: p}})
}

// FormatReconcileResult is a run's account on one line.
func FormatReconcileResult(r ReconcileResult) string {
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
