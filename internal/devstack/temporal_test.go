package devstack

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/BTCDecoded/releasetrain/internal/temporalcli"
	"github.com/BTCDecoded/releasetrain/workflows"
)

// The dev server registers the search attributes the Release workflow
// sets (temporalcli cannot import workflows: its tests start the server).
func TestDevServerRegistersTheWorkflowSearchAttributes(t *testing.T) {
	sa := temporalcli.DevServerOptions("temporal").SearchAttributes
	assert.True(t, sa.ContainsKey(workflows.ReleaseTagKey), "ReleaseTag")
	assert.True(t, sa.ContainsKey(workflows.ReleaseStateKey), "ReleaseState")
	assert.Equal(t, 2, sa.Size())
}
