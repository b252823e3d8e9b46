package main

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/BTCDecoded/releasetrain/contract"
)

func TestWriteReconcileStatus(t *testing.T) {
	start := time.Date(2026, 12, 2, 3, 0, 0, 0, time.UTC)
	desc := &client.ScheduleDescription{Schedule: client.Schedule{
		Spec:  &client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: 5 * time.Minute}}},
		State: &client.ScheduleState{},
	}}
	desc.Info.NextActionTimes = []time.Time{start.Add(5 * time.Minute)}
	var out bytes.Buffer
	writeReconcileStatus(&out, desc, nil)
	assert.Equal(t, "reconciler: schedule releasetrain-reconcile, every 5m0s, active\nnext run: 2026-12-02T03:05:00Z\nlast run: none yet\n", out.String())

	out.Reset()
	desc.Schedule.State.Paused, desc.Schedule.State.Note = true, "reconcile.interval: off"
	writeReconcileStatus(&out, desc, &contract.ReconcileResult{
		StartedAt: start, FinishedAt: start.Add(1500 * time.Millisecond),
		Scanned: 120, Failed: 3, Redelivered: 2, Expired: 1, Budget: 5, Pages: 2, RedeliverCalls: 3,
	})
	assert.Contains(t, out.String(), "every 5m0s, paused (reconcile.interval: off)\n")
	assert.Contains(t, out.String(), "last run: 2026-12-02T03:00:01Z (1.5s): scanned 120, failed 3, redelivered 2, LOST 1 (older than 3 days); budget 5 (2 list pages, 3 redeliveries)\n")
}

func TestReconcileCommandUsage(t *testing.T) {
	dial := func(context.Context) (client.Client, error) { return nil, errors.New("not dialled") }
	var out bytes.Buffer
	err := reconcileCommand(context.Background(), []string{"frobnicate"}, &out, dial)
	var ee *exitError
	require.ErrorAs(t, err, &ee)
	assert.Equal(t, 2, ee.code)
	require.ErrorContains(t, reconcileCommand(context.Background(), []string{"status"}, &out, dial), "not dialled")
	require.NoError(t, reconcileCommand(context.Background(), []string{"help"}, &out, dial))
	assert.Contains(t, out.String(), "releasetrain reconcile status")
}
