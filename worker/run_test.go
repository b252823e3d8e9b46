package worker

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	taskqueuepb "go.temporal.io/api/taskqueue/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.uber.org/goleak"
	"go.uber.org/zap/zaptest"

	"github.com/BTCDecoded/releasetrain/contract"
	"github.com/BTCDecoded/releasetrain/ghclient"
	"github.com/BTCDecoded/releasetrain/internal/testenv"
)

// TestRunPollsAndStopsOnCancel runs the worker against the real dev server:
// it polls the releasetrain task queue for workflows and activities, and
// returns nil, with every goroutine ended, once its context is cancelled.
func TestRunPollsAndStopsOnCancel(t *testing.T) {
	if testing.Short() {
		t.Skip("needs the Temporal dev server")
	}
	srv := testenv.StartTemporal(t, "")
	c := srv.Client()
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, Options{
			TemporalAddress: srv.FrontendHostPort(),
			GitHub:          ghclient.Config{BaseURL: "http://127.0.0.1:1/api/v3/", Token: "t"},
			StoreURL:        "mem://",
			Logger:          zaptest.NewLogger(t),
		})
	}()

	for _, kind := range []enumspb.TaskQueueType{enumspb.TASK_QUEUE_TYPE_WORKFLOW, enumspb.TASK_QUEUE_TYPE_ACTIVITY} {
		require.Eventually(t, func() bool {
			resp, err := c.WorkflowService().DescribeTaskQueue(context.Background(), &workflowservice.DescribeTaskQueueRequest{
				Namespace:     "default",
				TaskQueue:     &taskqueuepb.TaskQueue{Name: contract.TaskQueue, Kind: enumspb.TASK_QUEUE_KIND_NORMAL},
				TaskQueueType: kind,
			})
			return err == nil && len(resp.GetPollers()) > 0
		}, time.Minute, 50*time.Millisecond, "pollers on %s (%s)", contract.TaskQueue, kind)
	}

	cancel()
	select {
	case err := <-done:
		assert.NoError(t, err)
	case <-time.After(time.Minute):
		t.Fatal("Run did not return within a minute of cancel")
	}
}

func TestRunReportsBadStore(t *testing.T) {
	if testing.Short() {
		t.Skip("needs the Temporal dev server")
	}
	srv := testenv.StartTemporal(t, "")
	err := Run(context.Background(), Options{
		TemporalAddress: srv.FrontendHostPort(),
		GitHub:          ghclient.Config{Token: "t"},
		StoreURL:        "nosuch://bucket",
	})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "artifact store nosuch://bucket")
}
