package traintest

import (
	"context"
	"errors"
	"testing"
	"time"

	activitypb "go.temporal.io/api/activity/v1"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	"github.com/BTCDecoded/releasetrain/contract"
)

// heartbeating activities report progress, so a short heartbeat timeout
// detects their dead worker; the others get a short start-to-close timeout.
var heartbeating = map[string]bool{"AwaitRun": true, "CollectArtifacts": true, "PackageRelease": true, "PublishRelease": true}

// WorkflowIDs are the IDs of the release workflow of tag and of its first
// layers layer children.
func WorkflowIDs(tag string, layers int) []string {
	ids := []string{contract.ReleaseWorkflowID(tag)}
	for n := range layers {
		ids = append(ids, contract.LayerWorkflowID(tag, n))
	}
	return ids
}

// ExpireDeadActivities does what an operator does in the Web UI after a
// worker died: it shortens the timeouts of every activity that was running
// in the release of tag and its first layers children, so another worker
// takes them over within seconds instead of minutes, and clears the
// executions' sticky task queue, as a worker does when it drops a workflow
// from its cache. It returns the orphaned activities' types.
func ExpireDeadActivities(t testing.TB, c client.Client, tag string, layers int) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var orphans []string
	for _, id := range WorkflowIDs(tag, layers) {
		d, err := c.DescribeWorkflow(ctx, id, "")
		var nf *serviceerror.NotFound
		if errors.As(err, &nf) {
			continue
		}
		if err != nil {
			t.Fatalf("describe %s: %v", id, err)
		}
		if d.Status != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
			continue
		}
		// New workflow tasks go to the shared queue, not the dead worker's sticky one.
		_, err = c.WorkflowService().ResetStickyTaskQueue(ctx, &workflowservice.ResetStickyTaskQueueRequest{
			Namespace: "default",
			Execution: &commonpb.WorkflowExecution{WorkflowId: id},
		})
		if err != nil && !errors.As(err, &nf) {
			t.Fatalf("reset sticky queue of %s: %v", id, err)
		}
		for _, pa := range d.RawResponse.GetPendingActivities() {
			if pa.GetState() != enumspb.PENDING_ACTIVITY_STATE_STARTED {
				continue
			}
			opts := &activitypb.ActivityOptions{
				RetryPolicy: &commonpb.RetryPolicy{InitialInterval: durationpb.New(500 * time.Millisecond)},
			}
			paths := []string{"retry_policy.initial_interval"}
			if heartbeating[pa.GetActivityType().GetName()] {
				opts.HeartbeatTimeout = durationpb.New(2 * time.Second)
				paths = append(paths, "heartbeat_timeout")
			} else {
				opts.StartToCloseTimeout = durationpb.New(3 * time.Second)
				paths = append(paths, "start_to_close_timeout")
			}
			_, err := c.WorkflowService().UpdateActivityOptions(ctx, &workflowservice.UpdateActivityOptionsRequest{
				Namespace:       "default",
				Execution:       &commonpb.WorkflowExecution{WorkflowId: id},
				Activity:        &workflowservice.UpdateActivityOptionsRequest_Id{Id: pa.GetActivityId()},
				ActivityOptions: opts,
				UpdateMask:      &fieldmaskpb.FieldMask{Paths: paths},
			})
			if errors.As(err, &nf) {
				continue // it finished meanwhile
			}
			if err != nil {
				t.Fatalf("update activity %s of %s: %v", pa.GetActivityId(), id, err)
			}
			orphans = append(orphans, pa.GetActivityType().GetName())
		}
	}
	return orphans
}
