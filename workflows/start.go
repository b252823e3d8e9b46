package workflows

import (
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
)

// StartOptions are the options every starter (webhook, CLI, HTTP API) uses
// for a tag's train, so a duplicate request joins the running train instead
// of starting a second one: conflict policy USE_EXISTING, and a finished
// train is only started again if it failed (ALLOW_DUPLICATE_FAILED_ONLY).
func StartOptions(tag string) client.StartWorkflowOptions {
	return client.StartWorkflowOptions{
		ID:                       ReleaseWorkflowID(tag),
		TaskQueue:                TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY,
		TypedSearchAttributes: temporal.NewSearchAttributes(
			ReleaseTagKey.ValueSet(tag),
			ReleaseStateKey.ValueSet(StateRunning),
		),
	}
}
