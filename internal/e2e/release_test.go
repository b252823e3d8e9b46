package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/BTCDecoded/releasetrain/ghsim"
	"github.com/BTCDecoded/releasetrain/internal/devstack"
	"github.com/BTCDecoded/releasetrain/internal/traintest"
)

// trainTimeout bounds a whole train in these tests.
const trainTimeout = 90 * time.Second

// TestWholeRelease runs the BTCDecoded train with the worker in-process.
func TestWholeRelease(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: real Temporal dev server")
	}
	s := devstack.StartTest(t, devstack.Options{Sim: ghsim.Options{Seed: 1}})
	sim, c := s.Sim, s.Client

	train := traintest.FastTrain()
	start := time.Now()
	st := traintest.WaitTrain(t, traintest.StartTrain(t, c, "v1.0.0", train), trainTimeout)
	t.Logf("train finished in %s", time.Since(start).Round(time.Millisecond))
	traintest.VerifyRelease(t, sim, train, "v1.0.0", st)
	stats := sim.Stats()
	assert.Positive(t, stats.NotModified, "polls send the run's ETag and get free 304s")
	t.Logf("GitHub: %d budget units spent, %d free 304s", stats.BudgetSpent, stats.NotModified)

	// Starting the same tag again joins the finished train: nothing runs twice.
	again := traintest.StartTrain(t, c, "v1.0.0", train)
	var st2 struct{ State string }
	require.NoError(t, again.Get(context.Background(), &st2))
	require.Equal(t, 1, sim.Stats().Dispatches[train.Owner+"/bllvm-node"])
}
