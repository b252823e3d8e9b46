package workflows

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/BTCDecoded/releasetrain/config"
	"github.com/BTCDecoded/releasetrain/contract"
	"github.com/BTCDecoded/releasetrain/internal/testenv"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// scaleEnv turns on TestScaleHistory (about a minute on two cores).
const scaleEnv = "RELEASETRAIN_SCALE_TEST"

// wideTrain is a graph of layers×width repos; every repo depends on two
// repos of the previous layer.
func wideTrain(layers, width int) config.Train {
	t := config.Train{Owner: "o", Release: config.ReleaseTarget{Repo: "r-0-0", Name: "o"}}
	for l := range layers {
		for i := range width {
			r := config.Repo{Name: fmt.Sprintf("r-%d-%d", l, i), Settings: settings(2)}
			if l > 0 {
				r.DependsOn = []string{fmt.Sprintf("r-%d-%d", l-1, i), fmt.Sprintf("r-%d-%d", l-1, (i+1)%width)}
			}
			t.Repos = append(t.Repos, r)
		}
	}
	return t
}

// TestScaleHistory runs a 500-repo train in 25 layers on the dev server and
// checks every history stays under Temporal's warning limit (10,240 events).
func TestScaleHistory(t *testing.T) {
	if os.Getenv(scaleEnv) == "" {
		t.Skipf("set %s=1 to run a 500-repo train on a dev server", scaleEnv)
	}
	srv := testenv.StartTemporal(t, "")
	w := worker.New(srv.Client(), contract.TaskQueue, worker.Options{})
	w.RegisterWorkflowWithOptions(Release, workflow.RegisterOptions{Name: contract.ReleaseWorkflowName})
	w.RegisterWorkflowWithOptions(Layer, workflow.RegisterOptions{Name: contract.LayerWorkflowName})
	w.RegisterActivity(&cannedActivities{failures: map[string]int{}, block: map[string]bool{}})
	require.NoError(t, w.Start())
	t.Cleanup(w.Stop)
	c := srv.Client()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	const layers, width = 25, 20
	start := time.Now()
	run, err := c.ExecuteWorkflow(ctx, contract.StartOptions("v9.9.9"), contract.ReleaseWorkflowName, contract.ReleaseInput{Tag: "v9.9.9", Train: wideTrain(layers, width).JSON()})
	require.NoError(t, err)
	var st contract.Status
	require.NoError(t, run.Get(ctx, &st), "release")
	took := time.Since(start)
	require.Equal(t, contract.StateSucceeded, st.State)
	require.Len(t, st.Repos, layers*width)
	events := func(id string) int {
		n := 0
		it := c.GetWorkflowHistory(ctx, id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		for it.HasNext() {
			_, err := it.Next()
			require.NoError(t, err, "history %s", id)
			n++
		}
		return n
	}
	parent := events(run.GetID())
	maxLayer := 0
	for n := range layers {
		maxLayer = max(maxLayer, events(contract.LayerWorkflowID("v9.9.9", n)))
	}
	t.Logf("%d repos in %d layers: %v; release history %d events (%.1f per repo), largest layer history %d events",
		layers*width, layers, took.Round(time.Millisecond), parent, float64(parent)/float64(layers*width), maxLayer)
	assert.LessOrEqual(t, parent, 10240)
	assert.LessOrEqual(t, maxLayer, 10240)
}
