package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/BTCDecoded/releasetrain/ghclient"
	"github.com/BTCDecoded/releasetrain/internal/testenv"
	"github.com/BTCDecoded/releasetrain/worker"
)

// TestWholeRelease runs the BTCDecoded train with the worker in-process.
func TestWholeRelease(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: real Temporal dev server")
	}
	srv := testenv.StartTemporal(t, "")
	sim, apiURL := startSim(t, 1)
	c := srv.Client()

	w, err := worker.New(c, worker.Options{
		GitHub:      ghclient.Config{BaseURL: apiURL, Token: simToken},
		StoreURL:    "file://" + t.TempDir() + "?no_tmp_dir=1",
		WorkDir:     t.TempDir(),
		ListingWait: time.Second,
	})
	require.NoError(t, err)
	require.NoError(t, w.Start())
	t.Cleanup(w.Stop)

	train := fastTrain()
	start := time.Now()
	st := waitTrain(t, startTrain(t, c, "v1.0.0", train))
	t.Logf("train finished in %s", time.Since(start).Round(time.Millisecond))
	verifyRelease(t, sim, train, "v1.0.0", st)
	stats := sim.Stats()
	assert.Positive(t, stats.NotModified, "polls send the run's ETag and get free 304s")
	t.Logf("GitHub: %d budget units spent, %d free 304s", stats.BudgetSpent, stats.NotModified)

	// Starting the same tag again joins the finished train: nothing runs twice.
	again := startTrain(t, c, "v1.0.0", train)
	var st2 struct{ State string }
	require.NoError(t, again.Get(context.Background(), &st2))
	require.Equal(t, 1, sim.Stats().Dispatches[train.Owner+"/bllvm-node"])
}
