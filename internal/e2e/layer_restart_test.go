package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/BTCDecoded/releasetrain/config"
	"github.com/BTCDecoded/releasetrain/contract"
	"github.com/BTCDecoded/releasetrain/ghsim"
	"github.com/BTCDecoded/releasetrain/internal/traintest"
)

// A terminated train's layer children close after the train (they are asked
// to cancel and clean up their GitHub runs), so a train started again at
// once can find its first layer's business id still taken. It waits for
// the id and runs, instead of failing. Here a workflow no worker runs holds
// release-<tag>-layer-0 until the train has met it.
func TestLayerWaitsForEarlierRunsChild(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: real Temporal dev server")
	}
	s := startTriggerStack(t, traintest.FastTrain(), ghsim.DefaultScenario())
	ctx := context.Background()
	for i, schedule := range []string{config.ScheduleEager, config.ScheduleLayered} {
		tag := fmt.Sprintf("v8.3.%d", i)
		t.Run(schedule, func(t *testing.T) {
			train := s.Train
			train.Schedule = schedule
			holder, err := s.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
				ID: contract.LayerWorkflowID(tag, 0), TaskQueue: "e2e-nobody-polls"}, "Holder")
			require.NoError(t, err)

			run, err := s.Client.ExecuteWorkflow(ctx, contract.StartOptions(tag), contract.ReleaseWorkflowName,
				contract.ReleaseInput{Tag: tag, Train: train.JSON(), Trigger: "test"})
			require.NoError(t, err)
			require.Eventually(t, func() bool { return startFailed(ctx, s.Client, run) }, 2*time.Minute, 200*time.Millisecond,
				"the train's first layer start meets the taken id")
			require.NoError(t, s.Client.TerminateWorkflow(ctx, holder.GetID(), holder.GetRunID(), "e2e: the earlier run's child closes"))

			st := traintest.WaitTrain(t, run, trainTimeout)
			assert.Equal(t, contract.StateSucceeded, st.State, st.Error)
		})
	}
}

// startFailed reports whether the run's history has a failed child start.
func startFailed(ctx context.Context, c client.Client, run client.WorkflowRun) bool {
	it := c.GetWorkflowHistory(ctx, run.GetID(), run.GetRunID(), false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			return false
		}
		if ev.GetEventType() == enumspb.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_FAILED {
			return true
		}
	}
	return false
}
