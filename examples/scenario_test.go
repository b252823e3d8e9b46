package examples

import (
	"testing"

	"github.com/BTCDecoded/releasetrain/config"
	"github.com/BTCDecoded/releasetrain/ghsim"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFailingScenarioCoversTheDefaultTrain keeps the README's "a build that
// fails" example runnable: it parses, simulates every repo of the embedded
// train, and fails bllvm-node more often than the default retry limit allows.
func TestFailingScenarioCoversTheDefaultTrain(t *testing.T) {
	sc, err := ghsim.LoadScenario("failing.yaml")
	require.NoError(t, err)
	train := config.Default()
	byName := map[string]ghsim.RepoScenario{}
	for _, r := range sc.Repos {
		byName[r.Name] = r
	}
	for _, r := range train.Repos {
		_, ok := byName[r.Name]
		assert.True(t, ok, "scenario lacks %s of the default train", r.Name)
	}
	node, _ := train.Repo("bllvm-node")
	failures := 0
	for _, o := range byName["bllvm-node"].Outcomes {
		if o != "success" {
			failures++
		}
	}
	assert.Greater(t, failures, node.Settings.Retries(), "bllvm-node fails %d times, not more than its %d automatic re-runs: the train would not block", failures, node.Settings.Retries())
}
