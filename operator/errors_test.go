package operator

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/temporal"

	"github.com/BTCDecoded/releasetrain/contract"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		name string
		give error
		want Kind // "" means no known kind
	}{
		{name: "validator invalid", give: temporal.NewApplicationError("unknown repo", contract.InvalidErrorType), want: ErrInvalid},
		{name: "validator conflict", give: temporal.NewApplicationError("not blocked", contract.ConflictErrorType), want: ErrConflict},
		{name: "handler failure", give: temporal.NewApplicationError("attach: 422", ""), want: ErrConflict},
		{name: "already started", give: serviceerror.NewWorkflowExecutionAlreadyStarted("started", "", ""), want: ErrConflict},
		{name: "bad list query", give: serviceerror.NewInvalidArgument("query"), want: ErrInvalid},
		{name: "unavailable", give: serviceerror.NewUnavailable("down"), want: ErrUnavailable},
		{name: "deadline", give: fmt.Errorf("update: %w", context.DeadlineExceeded), want: ErrUnavailable},
		{name: "not found", give: serviceerror.NewNotFound("workflow not found"), want: ErrNotFound},
		{name: "other", give: errors.New("decode"), want: ""},
	}
	for _, tt := range tests {
		got, ok := classify(tt.give)
		require.Equal(t, tt.want, got, tt.name)
		require.Equal(t, tt.want != "", ok, tt.name)
	}
}

func TestErrorIsItsKind(t *testing.T) {
	cause := serviceerror.NewUnavailable("down")
	err := fmt.Errorf("cli: %w", fail(ErrUnavailable, "pause release v1: temporal unavailable", cause))
	require.ErrorIs(t, err, ErrUnavailable)
	require.NotErrorIs(t, err, ErrNotFound)
	require.Equal(t, ErrUnavailable, KindOf(err))
	var su *serviceerror.Unavailable
	require.ErrorAs(t, err, &su, "the cause stays reachable")
	require.Equal(t, Kind(""), KindOf(errors.New("plain")))
}
