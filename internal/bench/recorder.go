package bench

import (
	"context"
	"sync"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/BTCDecoded/releasetrain/contract"
	"github.com/BTCDecoded/releasetrain/webhook"
)

// Recorder is a webhook.Temporal that records every start and signal that
// succeeded. With Inner nil it behaves like a Temporal server with no worker:
// a start creates the workflow (or joins it under USE_EXISTING), a signal to
// a workflow never started is NotFound. With Inner set, calls go through to
// it and only successful ones are recorded.
type Recorder struct {
	Inner webhook.Temporal

	mu      sync.Mutex
	started map[string]bool
	// Starts counts successful ExecuteWorkflow calls per workflow id.
	Starts map[string]int
	// Policies records the id conflict policy of every start.
	Policies map[enumspb.WorkflowIdConflictPolicy]int
	// Signals counts build-event signals per run id, per workflow id.
	Signals map[string]map[int64]int
}

var _ webhook.Temporal = (*Recorder)(nil)

// NewRecorder returns an empty recorder over inner (nil: in memory).
func NewRecorder(inner webhook.Temporal) *Recorder {
	return &Recorder{Inner: inner, started: map[string]bool{}, Starts: map[string]int{},
		Policies: map[enumspb.WorkflowIdConflictPolicy]int{}, Signals: map[string]map[int64]int{}}
}

// ExecuteWorkflow implements webhook.Temporal.
func (r *Recorder) ExecuteWorkflow(ctx context.Context, opts client.StartWorkflowOptions, wf any, args ...any) (client.WorkflowRun, error) {
	var run client.WorkflowRun = memRun{id: opts.ID}
	if r.Inner != nil {
		var err error
		if run, err = r.Inner.ExecuteWorkflow(ctx, opts, wf, args...); err != nil {
			return nil, err
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.started[opts.ID] = true
	r.Starts[opts.ID]++
	r.Policies[opts.WorkflowIDConflictPolicy]++
	return run, nil
}

// SignalWorkflow implements webhook.Temporal.
func (r *Recorder) SignalWorkflow(ctx context.Context, id, runID, name string, arg any) error {
	if r.Inner != nil {
		if err := r.Inner.SignalWorkflow(ctx, id, runID, name, arg); err != nil {
			return err
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.Inner == nil && !r.started[id] {
		return serviceerror.NewNotFound("workflow " + id + " not found")
	}
	if ev, ok := arg.(contract.BuildEvent); ok && name == contract.SignalBuildEvent {
		if r.Signals[id] == nil {
			r.Signals[id] = map[int64]int{}
		}
		r.Signals[id][ev.RunID]++
	}
	return nil
}

// DescribeWorkflowExecution implements webhook.Temporal.
func (r *Recorder) DescribeWorkflowExecution(ctx context.Context, id, runID string) (*workflowservice.DescribeWorkflowExecutionResponse, error) {
	if r.Inner != nil {
		return r.Inner.DescribeWorkflowExecution(ctx, id, runID)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.started[id] {
		return nil, serviceerror.NewNotFound("workflow " + id + " not found")
	}
	return &workflowservice.DescribeWorkflowExecutionResponse{WorkflowExecutionInfo: &workflowpb.WorkflowExecutionInfo{
		Status: enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING}}, nil
}

// QueryWorkflow implements webhook.Temporal (the operator API only).
func (r *Recorder) QueryWorkflow(ctx context.Context, id, runID, queryType string, args ...any) (converter.EncodedValue, error) {
	if r.Inner != nil {
		return r.Inner.QueryWorkflow(ctx, id, runID, queryType, args...)
	}
	return nil, serviceerror.NewNotFound("no queries in the recorder")
}

// CancelWorkflow implements webhook.Temporal (the operator API only).
func (r *Recorder) CancelWorkflow(ctx context.Context, id, runID string) error {
	if r.Inner != nil {
		return r.Inner.CancelWorkflow(ctx, id, runID)
	}
	return serviceerror.NewNotFound("no cancels in the recorder")
}

// ListWorkflow implements webhook.Temporal (the operator API only).
func (r *Recorder) ListWorkflow(ctx context.Context, req *workflowservice.ListWorkflowExecutionsRequest) (*workflowservice.ListWorkflowExecutionsResponse, error) {
	if r.Inner != nil {
		return r.Inner.ListWorkflow(ctx, req)
	}
	return &workflowservice.ListWorkflowExecutionsResponse{}, nil
}

// CheckHealth implements webhook.Temporal.
func (r *Recorder) UpdateWorkflow(ctx context.Context, options client.UpdateWorkflowOptions) (client.WorkflowUpdateHandle, error) {
	return r.Inner.UpdateWorkflow(ctx, options)
}

func (r *Recorder) CheckHealth(ctx context.Context, req *client.CheckHealthRequest) (*client.CheckHealthResponse, error) {
	if r.Inner != nil {
		return r.Inner.CheckHealth(ctx, req)
	}
	return &client.CheckHealthResponse{}, nil
}

// memRun is the in-memory recorder's started run.
type memRun struct{ id string }

func (m memRun) GetID() string    { return m.id }
func (m memRun) GetRunID() string { return "run-" + m.id }
func (m memRun) Get(context.Context, any) error {
	return serviceerror.NewUnimplemented("in-memory run has no result")
}
func (m memRun) GetWithOptions(context.Context, any, client.WorkflowRunGetOptions) error {
	return serviceerror.NewUnimplemented("in-memory run has no result")
}
func (m memRun) GetFirstExecutionRunID() string { return m.GetRunID() }
