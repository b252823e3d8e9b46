package operator

import (
	"context"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/BTCDecoded/releasetrain/contract"
	"github.com/BTCDecoded/releasetrain/releasetag"
)

// Temporal is the part of client.Client the operator client uses; a
// client.Client (or go.temporal.io/sdk/mocks.Client in tests) satisfies it.
type Temporal interface {
	ExecuteWorkflow(ctx context.Context, options client.StartWorkflowOptions, workflow any, args ...any) (client.WorkflowRun, error)
	DescribeWorkflowExecution(ctx context.Context, workflowID, runID string) (*workflowservice.DescribeWorkflowExecutionResponse, error)
	QueryWorkflow(ctx context.Context, workflowID, runID, queryType string, args ...any) (converter.EncodedValue, error)
	UpdateWorkflow(ctx context.Context, options client.UpdateWorkflowOptions) (client.WorkflowUpdateHandle, error)
	SignalWorkflow(ctx context.Context, workflowID, runID, signalName string, arg any) error
	ListWorkflow(ctx context.Context, request *workflowservice.ListWorkflowExecutionsRequest) (*workflowservice.ListWorkflowExecutionsResponse, error)
}

var _ Temporal = client.Client(nil)

// DefaultTimeout bounds a call whose context has no deadline: an update
// waits for the worker to run its validator and handler, and with no
// worker it would wait for ever.
const DefaultTimeout = time.Minute

// Client sends operator actions to release trains.
type Client struct {
	temporal Temporal
	timeout  time.Duration
}

// New returns a Client over a Temporal client. timeout bounds each call
// whose context has no deadline (DefaultTimeout when 0).
func New(c Temporal, timeout time.Duration) *Client {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	return &Client{temporal: c, timeout: timeout}
}

// bound gives ctx the client's timeout unless it has a deadline.
func (c *Client) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, c.timeout)
}

// lookup checks a tag that names an existing train: one that could never
// be a train's is not found.
func lookup(tag string) error {
	if err := releasetag.Check(tag); err != nil {
		return fail(ErrNotFound, fmt.Sprintf("release %q: not found (%v)", tag, err), err)
	}
	return nil
}

// temporalError turns a Temporal error of the action what on tag's train
// into an Error: a not-found answer is told apart by describing the train
// (finished: conflict; missing: not found); an error of no known kind is
// wrapped as it is.
func (c *Client) temporalError(ctx context.Context, tag, what string, err error) error {
	kind, ok := classify(err)
	switch {
	case !ok:
		return fmt.Errorf("%s release %s: %w", what, tag, err)
	case kind == ErrNotFound:
		return c.notFound(ctx, tag, err)
	case kind == ErrUnavailable:
		return fail(kind, fmt.Sprintf("%s release %s: temporal unavailable", what, tag), err)
	}
	return fail(kind, fmt.Sprintf("%s: %s", what, message(err)), err)
}

// notFound tells a train that does not exist from one that has finished.
func (c *Client) notFound(ctx context.Context, tag string, cause error) error {
	desc, err := c.temporal.DescribeWorkflowExecution(ctx, contract.ReleaseWorkflowID(tag), "")
	switch {
	case err == nil:
		st := desc.GetWorkflowExecutionInfo().GetStatus()
		if st != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
			return fail(ErrConflict, fmt.Sprintf("release %s: already finished (%s)", tag, st), cause)
		}
	case isUnavailable(err):
		return fail(ErrUnavailable, fmt.Sprintf("release %s: temporal unavailable", tag), err)
	}
	return notFoundError(tag, cause)
}

// notFoundError says no train has the tag.
func notFoundError(tag string, cause error) error {
	return fail(ErrNotFound, fmt.Sprintf("release %s: not found", tag), cause)
}
