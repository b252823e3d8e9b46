package devstack

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/mocks"
)

// TestNextDemoTagSkipsEarlierReleases is what makes a second `make run` start
// a new release in the same data folder instead of joining the finished one.
func TestNextDemoTagSkipsEarlierReleases(t *testing.T) {
	c := &mocks.Client{}
	for _, id := range []string{"release-v0.1.0", "release-v0.1.1"} {
		c.On("DescribeWorkflow", mock.Anything, id, "").Return(&client.WorkflowExecutionDescription{}, nil)
	}
	c.On("DescribeWorkflow", mock.Anything, "release-v0.1.2", "").Return(nil, serviceerror.NewNotFound("no such workflow"))
	s := &Stack{Client: c}
	tag, err := s.NextDemoTag(context.Background())
	require.NoError(t, err)
	require.Equal(t, "v0.1.2", tag)
}

func TestNextDemoTagReportsTemporalErrors(t *testing.T) {
	c := &mocks.Client{}
	c.On("DescribeWorkflow", mock.Anything, "release-v0.1.0", "").Return(nil, errors.New("connection refused"))
	_, err := (&Stack{Client: c}).NextDemoTag(context.Background())
	require.Error(t, err, "a Temporal error was taken for a free tag")
}
