package workflows

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"

	"github.com/BTCDecoded/releasetrain/activities"
	"github.com/BTCDecoded/releasetrain/config"
	"github.com/BTCDecoded/releasetrain/contract"
)

func TestReconcileFilterFor(t *testing.T) {
	train := btcDecoded()
	train.Trigger = config.Trigger{Repos: []string{"bllvm-node"}, Actions: []string{"published", "released"}}
	f := ReconcileFilterFor(train)
	assert.Equal(t, []string{"bllvm-consensus", "bllvm-node"}, f.ReleaseRepos, "trigger repos and the release repo")
	assert.Equal(t, []string{"created", "prereleased", "published", "released"}, f.ReleaseActions)
	assert.Len(t, f.RunRepos, 7)
	assert.Equal(t, contract.ReconcileDispatchTypes(), f.DispatchTypes)
}

// TestReconcileWorkflow: the state comes from the memo; the GUIDs to
// redeliver are saved before GitHub is asked; the result adds up.
func TestReconcileWorkflow(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	var r *activities.Reconciler
	env.RegisterActivity(r)
	at := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	prior := contract.ReconcileState{Checkpoint: at, RepoIDs: []contract.RepoID{{Name: "core", ID: 1}}}
	require.NoError(t, env.SetMemoOnStart(map[string]any{contract.ReconcileMemoKey: prior}))

	var order []string
	var saved []contract.ReconcileState
	env.OnActivity(r.ScanDeliveries, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.ScanInput) (activities.ScanResult, error) {
		order = append(order, "scan")
		assert.Equal(t, prior.Checkpoint, in.State.Checkpoint, "the memo's checkpoint")
		return activities.ScanResult{
			Candidates: []activities.ReconcileCandidate{{ID: 7, GUID: "g7", DeliveredAt: at}, {ID: 9, GUID: "g9", DeliveredAt: at}},
			Checkpoint: at.Add(time.Hour), RepoIDs: prior.RepoIDs, Scanned: 150, Pages: 2, Failed: 3, Pending: 1,
		}, nil
	})
	env.OnActivity(r.SaveReconcileState, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.SaveStateInput) error {
		order = append(order, "save")
		assert.Equal(t, contract.ReconcileScheduleID, in.ScheduleID)
		saved = append(saved, in.State)
		return nil
	})
	env.OnActivity(r.RedeliverDeliveries, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.RedeliverInput) (activities.RedeliverResult, error) {
		order = append(order, "redeliver")
		return activities.RedeliverResult{Redelivered: []contract.Redelivered{{GUID: "g9", From: 9, At: at}}, Expired: 1, Calls: 2}, nil
	})
	env.ExecuteWorkflow(Reconcile, ReconcileInput{Filter: ReconcileFilterFor(btcDecoded()), ScheduleID: contract.ReconcileScheduleID})
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	var res contract.ReconcileResult
	require.NoError(t, env.GetWorkflowResult(&res))

	assert.Equal(t, []string{"scan", "save", "redeliver", "save"}, order)
	require.Len(t, saved, 2)
	assert.True(t, saved[0].WasRedelivered("g7") && saved[0].WasRedelivered("g9"), "marked before GitHub is asked")
	assert.False(t, saved[1].WasRedelivered("g7"), "refused as too old: not kept")
	assert.True(t, saved[1].WasRedelivered("g9"))
	assert.Equal(t, at.Add(time.Hour), saved[1].Checkpoint)
	assert.Equal(t, 150, res.Scanned)
	assert.Equal(t, 3, res.Failed)
	assert.Equal(t, 1, res.Redelivered)
	assert.Equal(t, 1, res.Expired)
	assert.Equal(t, 4, res.Budget, "2 pages + 2 redeliveries")
	assert.Equal(t, &res, saved[1].Last)
}
