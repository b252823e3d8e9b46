package devstack

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// StartTest starts the stack for a test, with its data in the test's
// temporary folder unless opts names one; the test's cleanup closes it and
// reports what failed to stop.
func StartTest(t testing.TB, opts Options) *Stack {
	t.Helper()
	if opts.DataDir == "" {
		opts.DataDir = t.TempDir()
	}
	s, err := Start(context.Background(), opts)
	require.NoError(t, err, "start the stack")
	t.Cleanup(func() { assert.NoError(t, s.Close(), "close the stack") })
	return s
}
