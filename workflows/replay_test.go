package workflows

import (
	"path/filepath"
	"testing"

	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/BTCDecoded/releasetrain/contract"
	"github.com/stretchr/testify/require"
)

// TestReplayRecordedHistories replays histories recorded from real runs
// (TestRecordHistories): a change that would break trains already running
// fails here. Guard such a change with workflow.GetVersion.
func TestReplayRecordedHistories(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(files), 2, "want recorded histories in testdata, found %v", files)
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			r := worker.NewWorkflowReplayer()
			r.RegisterWorkflowWithOptions(Release, workflow.RegisterOptions{Name: contract.ReleaseWorkflowName})
			r.RegisterWorkflowWithOptions(Layer, workflow.RegisterOptions{Name: contract.LayerWorkflowName})
			require.NoError(t, r.ReplayWorkflowHistoryFromJSONFile(nil, file), "replay %s", file)
		})
	}
}
