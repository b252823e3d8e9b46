package traintest

import (
	"context"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"

	"github.com/BTCDecoded/releasetrain/config"
	"github.com/BTCDecoded/releasetrain/contract"
	"github.com/BTCDecoded/releasetrain/ghclient"
	"github.com/BTCDecoded/releasetrain/worker"
)

// FastTrain is the built-in BTCDecoded train with polling and back-off
// scaled to the simulator's clock.
func FastTrain() config.Train {
	train := *config.Default()
	train.Repos = append([]config.Repo(nil), train.Repos...)
	for i := range train.Repos {
		s := &train.Repos[i].Settings
		s.PollInterval = 200 * time.Millisecond
		s.RetryBackoff = time.Second
	}
	return train
}

// StartInProcessWorker starts a worker in the test process against the
// simulator at apiURL, with a fresh file artifact store and work folder; the
// test's cleanup stops it (stopping it earlier is fine).
func StartInProcessWorker(t testing.TB, c client.Client, apiURL string) sdkworker.Worker {
	t.Helper()
	w, err := worker.New(c, worker.Options{
		GitHub:      ghclient.Config{BaseURL: apiURL, Token: SimToken},
		StoreURL:    "file://" + t.TempDir() + "?no_tmp_dir=1",
		WorkDir:     t.TempDir(),
		ListingWait: time.Second,
	})
	if err != nil {
		t.Fatalf("worker: %v", err)
	}
	if err := w.Start(); err != nil {
		t.Fatalf("start worker: %v", err)
	}
	t.Cleanup(w.Stop)
	return w
}

// StartTrain starts the release workflow for tag.
func StartTrain(t testing.TB, c client.Client, tag string, train config.Train) client.WorkflowRun {
	t.Helper()
	run, err := c.ExecuteWorkflow(context.Background(), contract.StartOptions(tag), contract.ReleaseWorkflowName,
		contract.ReleaseInput{Tag: tag, Train: train.JSON(), Trigger: "test"})
	if err != nil {
		t.Fatalf("start train %s: %v", tag, err)
	}
	return run
}

// WaitTrain waits up to timeout for the train to end and returns its final status.
func WaitTrain(t testing.TB, run client.WorkflowRun, timeout time.Duration) contract.Status {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var st contract.Status
	if err := run.Get(ctx, &st); err != nil {
		t.Fatalf("release workflow %s: %v", run.GetID(), err)
	}
	return st
}
