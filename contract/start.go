package contract

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
)

// StartOptions are the options every starter (webhook, CLI, HTTP API) uses
// for a tag's train, so a duplicate request joins the running train instead
// of starting a second one: conflict policy USE_EXISTING, and a finished
// train is only started again if it failed, was cancelled, terminated or
// timed out (ALLOW_DUPLICATE_FAILED_ONLY); a succeeded train never runs twice.
func StartOptions(tag string) client.StartWorkflowOptions {
	return client.StartWorkflowOptions{
		ID:                       ReleaseWorkflowID(tag),
		TaskQueue:                TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY,
		TypedSearchAttributes: temporal.NewSearchAttributes(
			ReleaseTagKey.ValueSet(tag),
			ReleaseStateKey.ValueSet(string(StateRunning)),
		),
	}
}

// StartMemo is the memo key holding the id of the start request that
// created a train's run; StartOrJoin compares it with its own.
const StartMemo = "start_request"

// ErrTrainFinished means the tag's train already succeeded: the reuse
// policy never starts it again.
var ErrTrainFinished = errors.New("release train already finished")

// Starter is the part of a Temporal client StartOrJoin uses.
type Starter interface {
	ExecuteWorkflow(ctx context.Context, options client.StartWorkflowOptions, workflow any, args ...any) (client.WorkflowRun, error)
	DescribeWorkflowExecution(ctx context.Context, workflowID, runID string) (*workflowservice.DescribeWorkflowExecutionResponse, error)
}

// Started is the answer of StartOrJoin.
type Started struct {
	WorkflowID string
	RunID      string
	// Joined: the tag's train was already running and this request joined
	// it; false: this request started the run.
	Joined bool
}

// StartOrJoin starts the tag's train, or joins the one already running,
// and says truthfully which: the start carries a fresh id in its memo
// (StartMemo), and the run it returns is asked whose id it holds. A train
// that already succeeded answers [ErrTrainFinished] (wrapped, naming the
// run); one that failed, was cancelled or terminated starts a new run.
func StartOrJoin(ctx context.Context, c Starter, in ReleaseInput) (Started, error) {
	nonce, err := startNonce()
	if err != nil {
		return Started{}, err
	}
	opts := StartOptions(in.Tag)
	opts.Memo = map[string]any{StartMemo: nonce}
	opts.StaticSummary = "release train " + in.Tag
	if in.Trigger != "" {
		opts.StaticSummary += " · started by " + in.Trigger
	}
	run, err := c.ExecuteWorkflow(ctx, opts, ReleaseWorkflowName, in)
	if err != nil {
		return Started{}, err
	}
	st := Started{WorkflowID: run.GetID(), RunID: run.GetRunID()}
	desc, err := c.DescribeWorkflowExecution(ctx, st.WorkflowID, st.RunID)
	if err != nil {
		return st, fmt.Errorf("describe %s: %w", st.WorkflowID, err)
	}
	info := desc.GetWorkflowExecutionInfo()
	var got string
	if p, ok := info.GetMemo().GetFields()[StartMemo]; ok {
		_ = converter.GetDefaultDataConverter().FromPayload(p, &got)
	}
	if got == nonce {
		return st, nil
	}
	st.Joined = true
	if status := info.GetStatus(); status != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
		return st, fmt.Errorf("%s run %s is %s: %w", st.WorkflowID, st.RunID, status, ErrTrainFinished)
	}
	return st, nil
}

// startNonce is a random id for one start request.
func startNonce() (string, error) {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("start request id: %w", err)
	}
	return hex.EncodeToString(b), nil
}
