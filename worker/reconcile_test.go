package worker

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/BTCDecoded/releasetrain/activities"
	"github.com/BTCDecoded/releasetrain/config"
	"github.com/BTCDecoded/releasetrain/contract"
	"github.com/BTCDecoded/releasetrain/internal/testenv"
)

// TestEnsureReconcileSchedule against the real dev server: created every
// reconcile.interval; updated for a new interval with the state in its
// memo kept; paused by off and resumed by an interval again.
func TestEnsureReconcileSchedule(t *testing.T) {
	if testing.Short() {
		t.Skip("needs the Temporal dev server")
	}
	srv := testenv.StartTemporal(t, "")
	// The dev server's own client: Stop does not close it, so close it first
	// (cleanups run last-in first-out), or its reconnecting connection
	// outlives the test and TestRunPollsAndStopsOnCancel's goleak sees it.
	c := srv.Client()
	t.Cleanup(c.Close)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	train := *config.Default()

	what, err := EnsureReconcileSchedule(ctx, c, train)
	require.NoError(t, err)
	assert.Equal(t, "reconciler scheduled every 5m0s", what)
	h := c.ScheduleClient().GetHandle(ctx, contract.ReconcileScheduleID)
	desc, err := h.Describe(ctx)
	require.NoError(t, err)
	assert.Equal(t, 5*time.Minute, desc.Schedule.Spec.Intervals[0].Every)
	action := desc.Schedule.Action.(*client.ScheduleWorkflowAction)
	assert.Equal(t, contract.ReconcileWorkflowName, action.Workflow)
	assert.Equal(t, contract.TaskQueue, action.TaskQueue)

	// A run's state in the memo survives the worker's next update.
	state := contract.ReconcileState{Checkpoint: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), Redelivered: []contract.Redelivered{{GUID: "g1", From: 7}}}
	require.NoError(t, (&activities.Reconciler{Schedules: c.ScheduleClient()}).SaveReconcileState(ctx, activities.SaveStateInput{ScheduleID: contract.ReconcileScheduleID, State: state}))
	train.Reconcile.Interval = "15m"
	what, err = EnsureReconcileSchedule(ctx, c, train)
	require.NoError(t, err)
	assert.Equal(t, "reconciler scheduled every 15m0s (updated)", what)
	desc, err = h.Describe(ctx)
	require.NoError(t, err)
	assert.Equal(t, 15*time.Minute, desc.Schedule.Spec.Intervals[0].Every)
	got, err := contract.ReconcileStateFromSchedule(desc)
	require.NoError(t, err)
	assert.True(t, got.Checkpoint.Equal(state.Checkpoint))
	assert.True(t, got.WasRedelivered("g1"))

	train.Reconcile.Interval = config.ReconcileOff
	what, err = EnsureReconcileSchedule(ctx, c, train)
	require.NoError(t, err)
	assert.Equal(t, "reconciler paused (reconcile.interval: off)", what)
	desc, err = h.Describe(ctx)
	require.NoError(t, err)
	assert.True(t, desc.Schedule.State.Paused)

	train.Reconcile.Interval = ""
	_, err = EnsureReconcileSchedule(ctx, c, train)
	require.NoError(t, err)
	desc, err = h.Describe(ctx)
	require.NoError(t, err)
	assert.False(t, desc.Schedule.State.Paused, "an interval again resumes it")
	got, err = contract.ReconcileStateFromSchedule(desc)
	require.NoError(t, err)
	assert.True(t, got.WasRedelivered("g1"), "state kept through pause and resume")
}
