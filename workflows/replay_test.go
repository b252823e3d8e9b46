package workflows

import (
	"path/filepath"
	"testing"

	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/BTCDecoded/releasetrain/contract"
)

// TestReplayRecordedHistories replays histories recorded from real runs
// (TestRecordHistories): a change that would break trains already running
// fails here. Guard such a change with workflow.GetVersion.
func TestReplayRecordedHistories(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 2 {
		t.Fatalf("want recorded histories in testdata, found %v", files)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			r := worker.NewWorkflowReplayer()
			r.RegisterWorkflowWithOptions(Release, workflow.RegisterOptions{Name: contract.ReleaseWorkflowName})
			r.RegisterWorkflowWithOptions(Layer, workflow.RegisterOptions{Name: contract.LayerWorkflowName})
			if err := r.ReplayWorkflowHistoryFromJSONFile(nil, file); err != nil {
				t.Fatalf("replay %s: %v", file, err)
			}
		})
	}
}
