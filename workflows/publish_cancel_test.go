package workflows

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/BTCDecoded/releasetrain/activities"
	"github.com/BTCDecoded/releasetrain/contract"
	"github.com/BTCDecoded/releasetrain/internal/testenv"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// slowPublish is PublishRelease that is past the point of noticing a
// cancel (its last upload in flight, then the publish call): it publishes
// a moment after it starts, whatever the workflow asked meanwhile.
type slowPublish struct {
	*cannedActivities
	started   chan struct{}
	published atomic.Bool
}

func (s *slowPublish) PublishRelease(ctx context.Context, in activities.PublishInput) (activities.PublishResult, error) {
	close(s.started)
	time.Sleep(2 * time.Second)
	s.published.Store(true)
	return s.cannedActivities.PublishRelease(ctx, in)
}

// A cancel while PublishRelease runs must not end the workflow as cancelled
// while the activity goes on to publish: the workflow waits for its answer
// and, the release being published, reports it succeeded with its URL.
// (The test environment resolves a cancelled activity at once, so this
// runs on the dev server.)
func TestCancelDuringPublishReportsWhatHappened(t *testing.T) {
	srv := testenv.StartTemporal(t, "")
	acts := &slowPublish{cannedActivities: &cannedActivities{failures: map[string]int{}, block: map[string]bool{}},
		started: make(chan struct{})}
	w := worker.New(srv.Client(), contract.TaskQueue, worker.Options{})
	w.RegisterWorkflowWithOptions(Release, workflow.RegisterOptions{Name: contract.ReleaseWorkflowName})
	w.RegisterWorkflowWithOptions(Layer, workflow.RegisterOptions{Name: contract.LayerWorkflowName})
	w.RegisterActivity(acts)
	require.NoError(t, w.Start())
	t.Cleanup(w.Stop)

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c := srv.Client()
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: contract.ReleaseWorkflowID("v9.9.9"), TaskQueue: contract.TaskQueue},
		contract.ReleaseWorkflowName, contract.ReleaseInput{Tag: "v9.9.9", Train: singleRepo(0).JSON()})
	require.NoError(t, err)
	select {
	case <-acts.started:
	case <-ctx.Done():
		t.Fatal("PublishRelease never started")
	}
	require.NoError(t, c.SignalWorkflow(ctx, run.GetID(), "", contract.SignalCancel, contract.CancelSignal{Reason: "too late"}))
	var st contract.Status
	err = run.Get(ctx, &st)
	d, derr := c.DescribeWorkflow(ctx, run.GetID(), "")
	require.NoError(t, derr)
	for deadline := time.Now().Add(10 * time.Second); !acts.published.Load(); time.Sleep(50 * time.Millisecond) {
		require.False(t, time.Now().After(deadline), "the fake publish did not run to its end")
	}
	got := d.Status
	require.Equal(t, enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED, got, "workflow closed %s (err %v) although its release was published; want completed", got, err)
	assert.Equal(t, contract.StateSucceeded, st.State)
	assert.NotEmpty(t, st.ReleaseURL)
}
