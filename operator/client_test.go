package operator

import (
	"context"
	"testing"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/mocks"

	"github.com/BTCDecoded/releasetrain/contract"
)

func described(status enumspb.WorkflowExecutionStatus) *workflowservice.DescribeWorkflowExecutionResponse {
	return &workflowservice.DescribeWorkflowExecutionResponse{WorkflowExecutionInfo: &workflowpb.WorkflowExecutionInfo{Status: status}}
}

// TestNotFoundTellsMissingFromFinished: Temporal answers not found for an
// update to a train that does not exist and to one that has finished; the
// client describes the workflow to tell them apart.
func TestNotFoundTellsMissingFromFinished(t *testing.T) {
	tests := []struct {
		name     string
		describe *workflowservice.DescribeWorkflowExecutionResponse
		descErr  error
		want     Kind
		msg      string
	}{
		{name: "missing", descErr: serviceerror.NewNotFound("none"), want: ErrNotFound, msg: "release v1: not found"},
		{name: "finished", describe: described(enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED), want: ErrConflict,
			msg: "release v1: already finished (Completed)"},
		{name: "describe unavailable", descErr: serviceerror.NewUnavailable("down"), want: ErrUnavailable,
			msg: "release v1: temporal unavailable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tc := mocks.NewClient(t)
			tc.On("UpdateWorkflow", mock.Anything, mock.Anything).Return(nil, serviceerror.NewNotFound("workflow execution already completed")).Once()
			tc.On("DescribeWorkflowExecution", mock.Anything, "release-v1", "").Return(tt.describe, tt.descErr).Once()
			_, err := New(tc, 0).Resume(context.Background(), "v1")
			require.ErrorIs(t, err, tt.want)
			require.EqualError(t, err, tt.msg)
		})
	}
}

// A tag no train can have is not found without asking Temporal; a build
// event for a train that is not running is not found.
func TestLookupsWithoutATrain(t *testing.T) {
	tc := mocks.NewClient(t)
	c := New(tc, 0)
	_, err := c.Status(context.Background(), "a/b")
	require.ErrorIs(t, err, ErrNotFound)
	_, err = c.Skip(context.Background(), "v1..2", "commons")
	require.ErrorIs(t, err, ErrNotFound)

	tc.On("SignalWorkflow", mock.Anything, "release-v1", "", contract.SignalBuildEvent, contract.BuildEvent{Repo: "commons"}).
		Return(serviceerror.NewNotFound("workflow execution already completed")).Once()
	require.ErrorIs(t, c.BuildEvent(context.Background(), "v1", contract.BuildEvent{Repo: "commons"}), ErrNotFound)
}
