package bench

import (
	"context"
	"testing"
	"time"

	"github.com/BTCDecoded/releasetrain/contract"
	"github.com/BTCDecoded/releasetrain/ghsim"
	"github.com/BTCDecoded/releasetrain/internal/devstack"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Temporal's history warning limits.
const (
	maxHistoryEvents = 10240
	maxHistoryBytes  = 10 << 20
)

// TestScale runs a synthetic train end to end through the simulator (full:
// 500 repos in 25 layers; short: 20 in 5) with webhooks, the worker
// in-process, and reports wall time, the largest workflow history and the
// process's peak memory (worker, simulator and receiver together).
func TestScale(t *testing.T) {
	integration(t)
	layers, width, scale := 25, 20, 120.0
	if !full() {
		layers, width = 5, 4
	}
	train, sc, err := Layered(layers, width, time.Minute, scale)
	require.NoError(t, err)
	s := StartStack(t, devstack.Options{Parts: Parts(true), Train: train, Sim: ghsim.Options{Scenario: sc, TimeScale: scale, Seed: 1}})
	mem := StartPeakMemory(50 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	r, err := s.Release(ctx, "v9.0.0")
	heap, sys := mem.Stop()
	require.NoError(t, err)
	require.Len(t, r.Status.Repos, layers*width, "%d repos in the status, want %d", len(r.Status.Repos), layers*width)
	largest, err := History(ctx, s.Client, contract.ReleaseWorkflowID("v9.0.0"))
	require.NoError(t, err)
	for n := range layers {
		h, err := History(ctx, s.Client, contract.LayerWorkflowID("v9.0.0", n))
		require.NoError(t, err)
		if h.Events > largest.Events {
			largest = h
		}
	}
	t.Logf("RESULT scale: %d repos in %d layers through ghsim: wall %s (builds alone %s real at %v×); largest history %s: %d events, %d bytes; release history %d events, %d bytes; peak heap in use %d MiB, peak Sys %d MiB; budget spent %d; load %s",
		layers*width, layers, r.Wall.Round(time.Millisecond), (r.Bound / time.Duration(scale)).Round(time.Millisecond), scale,
		largest.ID, largest.Events, largest.Bytes, r.Timeline.Events, r.Timeline.Bytes, heap>>20, sys>>20, r.GitHub.BudgetSpent, loadavg())
	types, err := EventTypes(ctx, s.Client, contract.ReleaseWorkflowID("v9.0.0"))
	require.NoError(t, err)
	t.Logf("release history by event type: %v", types)
	assert.LessOrEqual(t, largest.Events, int64(maxHistoryEvents), "history over Temporal's warning limits: %s events", largest.ID)
	assert.LessOrEqual(t, largest.Bytes, int64(maxHistoryBytes), "history over Temporal's warning limits: %s bytes", largest.ID)
	assert.LessOrEqual(t, r.Timeline.Bytes, int64(maxHistoryBytes), "history over Temporal's warning limits: release timeline bytes")
}
