package main

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/BTCDecoded/releasetrain/operator"
)

func TestExitCode(t *testing.T) {
	kind := func(k operator.Kind) error {
		return fmt.Errorf("release v1: %w", &operator.Error{Kind: k, Msg: "m"})
	}
	tests := []struct {
		name string
		give error
		want int
	}{
		{name: "success", give: nil, want: 0},
		{name: "usage", give: usageError(errors.New("want TAG")), want: 2},
		{name: "invalid", give: kind(operator.ErrInvalid), want: 2},
		{name: "not found", give: kind(operator.ErrNotFound), want: 3},
		{name: "conflict", give: kind(operator.ErrConflict), want: 4},
		{name: "unavailable", give: kind(operator.ErrUnavailable), want: 5},
		{name: "anything else", give: errors.New("decode status: bad JSON"), want: 1},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, exitCode(tt.give), tt.name)
	}
}

// Every kind has its own exit status, none 0 or 1.
func TestExitCodesCoverEveryKind(t *testing.T) {
	seen := map[int]operator.Kind{}
	for _, k := range operator.Kinds {
		code, ok := exitCodes[k]
		require.True(t, ok, "kind %q has no exit status", k)
		require.Greater(t, code, 1, k)
		require.NotContains(t, seen, code, "kinds %q and %q share exit status %d", seen[code], k, code)
		seen[code] = k
	}
}
