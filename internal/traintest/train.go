package traintest

import (
	"context"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/BTCDecoded/releasetrain/config"
	"github.com/BTCDecoded/releasetrain/contract"
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
