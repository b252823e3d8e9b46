package webhook

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.uber.org/zap"

	"github.com/BTCDecoded/releasetrain/contract"
)

// fakeSchedules answers Describe of the reconcile schedule with a memo.
type fakeSchedules struct {
	desc      *client.ScheduleDescription
	err       error
	describes int
}

type fakeHandle struct {
	client.ScheduleHandle
	f *fakeSchedules
}

func (f *fakeSchedules) GetHandle(_ context.Context, id string) client.ScheduleHandle {
	if id != contract.ReconcileScheduleID {
		panic("unexpected schedule " + id)
	}
	return fakeHandle{f: f}
}

func (h fakeHandle) Describe(context.Context) (*client.ScheduleDescription, error) {
	h.f.describes++
	return h.f.desc, h.f.err
}

func scheduleWith(t *testing.T, st contract.ReconcileState) *client.ScheduleDescription {
	t.Helper()
	p, err := converter.GetDefaultDataConverter().ToPayload(st)
	require.NoError(t, err)
	return &client.ScheduleDescription{Schedule: client.Schedule{Action: &client.ScheduleWorkflowAction{
		Memo: map[string]any{contract.ReconcileMemoKey: p},
	}}}
}

func TestMarkRedelivered(t *testing.T) {
	f := &fakeSchedules{}
	f.desc = scheduleWith(t, contract.ReconcileState{Redelivered: []contract.Redelivered{{GUID: "guid-1", From: 5}}})
	s := &Server{schedules: f, log: zap.NewNop()}
	ctx := withDeliveryID(context.Background(), "guid-1")
	assert.Equal(t, "release webhook acme/core (redelivered)", s.markRedelivered(ctx, "release webhook acme/core"))
	assert.Equal(t, "release webhook acme/core", s.markRedelivered(withDeliveryID(context.Background(), "guid-2"), "release webhook acme/core"))
	before := f.describes
	assert.Equal(t, "cli", s.markRedelivered(context.Background(), "cli"), "no delivery: no lookup")
	assert.Equal(t, before, f.describes)
	f.err = errors.New("temporal down")
	assert.Equal(t, "x", s.markRedelivered(ctx, "x"), "a failed lookup leaves the trigger alone")
	assert.Equal(t, "x", (&Server{log: zap.NewNop()}).markRedelivered(ctx, "x"), "no schedule client")
}

func TestReconcileMetrics(t *testing.T) {
	start := time.Date(2026, 12, 2, 3, 0, 0, 0, time.UTC)
	f := &fakeSchedules{desc: scheduleWith(t, contract.ReconcileState{Last: &contract.ReconcileResult{
		StartedAt: start, FinishedAt: start.Add(2 * time.Second), Scanned: 230, Failed: 4, Redelivered: 3, Expired: 1, Budget: 6,
	}})}
	reg := prometheus.NewRegistry()
	require.NoError(t, registerReconcileMetrics(reg, f))
	require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP releasetrain_reconcile_last_run_redelivered Deliveries the last run had GitHub redeliver.
# TYPE releasetrain_reconcile_last_run_redelivered gauge
releasetrain_reconcile_last_run_redelivered 3
# HELP releasetrain_reconcile_last_run_lost Failed deliveries GitHub refused to redeliver (older than 3 days) in the last run.
# TYPE releasetrain_reconcile_last_run_lost gauge
releasetrain_reconcile_last_run_lost 1
# HELP releasetrain_reconcile_last_run_budget Rate-limit units the last run spent (list pages, redeliveries, repository lookups).
# TYPE releasetrain_reconcile_last_run_budget gauge
releasetrain_reconcile_last_run_budget 6
# HELP releasetrain_reconcile_last_run_duration_seconds How long the last run took.
# TYPE releasetrain_reconcile_last_run_duration_seconds gauge
releasetrain_reconcile_last_run_duration_seconds 2
`), "releasetrain_reconcile_last_run_redelivered", "releasetrain_reconcile_last_run_lost",
		"releasetrain_reconcile_last_run_budget", "releasetrain_reconcile_last_run_duration_seconds"))
	_, err := testutil.GatherAndCount(reg)
	require.NoError(t, err)
	assert.Equal(t, 1, f.describes, "scrapes within 10 s share one describe")

	// No schedule (or no run yet): only the presence gauge, at 0.
	empty := prometheus.NewRegistry()
	require.NoError(t, registerReconcileMetrics(empty, &fakeSchedules{err: errors.New("not found")}))
	n, err := testutil.GatherAndCount(empty)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
}

func TestReconcileDispatchTypesAreTheReceivers(t *testing.T) {
	assert.ElementsMatch(t, []string{DispatchRelease, DispatchBuildComplete}, contract.ReconcileDispatchTypes())
}
