package e2e

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/BTCDecoded/releasetrain/contract"
	"github.com/BTCDecoded/releasetrain/ghsim"
	"github.com/BTCDecoded/releasetrain/internal/devstack"
	"github.com/BTCDecoded/releasetrain/internal/traintest"
)

// trainYAML is config.Default() with polling and back-off scaled to the simulator.
const trainYAML = `owner: BTCDecoded
defaults:
  poll_interval: 200ms
  retry_backoff: 1s
repos:
  - name: bllvm-consensus
  - name: bllvm-protocol
    depends_on: [bllvm-consensus]
  - name: bllvm-node
    depends_on: [bllvm-protocol, bllvm-consensus]
  - name: bllvm-sdk
    depends_on: [bllvm-node]
  - name: bllvm
    depends_on: [bllvm-node]
  - name: governance-app
    depends_on: [bllvm-sdk]
  - name: commons
`

// TestReleaseCLI drives trains with the releasetrain binary against the real
// server: start with --only, status (text and JSON), pause and resume,
// cancel, and the error for an unknown release.
func TestReleaseCLI(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: real Temporal dev server")
	}
	bin := traintest.BuildReleasetrain(t)
	s := devstack.StartTest(t, devstack.Options{Sim: ghsim.Options{Seed: 3}, StoreURL: "mem://"})
	sim := s.Sim

	// The BTCDecoded train, polling at the simulator's pace.
	cfg := filepath.Join(t.TempDir(), "train.yaml")
	require.NoError(t, os.WriteFile(cfg, []byte(trainYAML), 0o644))
	cli := func(args ...string) (string, error) {
		if args[0] == "start" {
			args = append(args, "--config", cfg)
		}
		cmd := exec.Command(bin, append([]string{"release"}, args...)...)
		cmd.Env = []string{"TEMPORAL_ADDRESS=" + s.TemporalAddr}
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		err := cmd.Run()
		if err != nil {
			return out.String() + errOut.String(), err
		}
		return out.String(), nil
	}
	status := func(tag string) contract.Status {
		out, err := cli("status", tag, "--json")
		require.NoError(t, err, out)
		var st contract.Status
		require.NoError(t, json.Unmarshal([]byte(out), &st), out)
		return st
	}

	out, err := cli("status", "v0.0.0")
	require.Error(t, err)
	assert.Contains(t, out, "release v0.0.0: not found")

	// --only with dependents: bllvm-sdk and what depends on it.
	out, err = cli("start", "v3.0.0-rc.1", "--only", "bllvm-sdk", "--with-dependents")
	require.NoError(t, err, out)
	assert.Contains(t, out, "release v3.0.0-rc.1: started, workflow release-v3.0.0-rc.1, run ")
	require.Eventually(t, func() bool { return status("v3.0.0-rc.1").State == contract.StateSucceeded }, trainTimeout, 200*time.Millisecond)
	st := status("v3.0.0-rc.1")
	assert.True(t, st.Prerelease, "an rc tag is a prerelease")
	assert.Equal(t, [][]string{{"bllvm-sdk"}, {"governance-app"}}, st.Layers)
	assert.Equal(t, map[string]int{"BTCDecoded/bllvm-sdk": 1, "BTCDecoded/governance-app": 1}, sim.Stats().Dispatches)
	out, err = cli("status", "v3.0.0-rc.1")
	require.NoError(t, err, out)
	assert.Contains(t, out, "release v3.0.0-rc.1: succeeded, layer 2/2, prerelease")
	assert.Regexp(t, `1\s+governance-app\s+succeeded\s+1\s+2 \(\d+KiB\)\s+https://`, out)
	assert.Regexp(t, `-\s+\(preflight\)\s+passed`, out)

	// Pause holds the next layer; resume lets the train finish.
	out, err = cli("start", "v3.1.0", "--only", "bllvm-consensus,bllvm-protocol")
	require.NoError(t, err, out)
	// Pause once bllvm-consensus is dispatched: a pause that lands during the
	// preflight holds every dispatch, bllvm-consensus's too.
	require.Eventually(t, func() bool { return status("v3.1.0").Repos["bllvm-consensus"].RunID != 0 },
		trainTimeout, 50*time.Millisecond)
	out, err = cli("pause", "v3.1.0", "--reason", "checking")
	require.NoError(t, err, out)
	assert.Equal(t, "release v3.1.0: pause accepted (state paused)\n", out)
	require.Eventually(t, func() bool { return status("v3.1.0").Repos["bllvm-consensus"].State == contract.RepoSucceeded },
		trainTimeout, 100*time.Millisecond)
	time.Sleep(1500 * time.Millisecond) // several build durations at this time scale
	st = status("v3.1.0")
	assert.True(t, st.Paused)
	assert.Equal(t, contract.RepoPending, st.Repos["bllvm-protocol"].State, "no dispatch while paused")
	assert.Zero(t, sim.Stats().Dispatches["BTCDecoded/bllvm-protocol"])
	_, err = cli("resume", "v3.1.0")
	require.NoError(t, err)
	require.Eventually(t, func() bool { return status("v3.1.0").State == contract.StateSucceeded }, trainTimeout, 200*time.Millisecond)
	assert.Equal(t, 1, sim.Stats().Dispatches["BTCDecoded/bllvm-protocol"])

	// Cancel ends a train as cancelled and publishes nothing.
	_, err = cli("start", "v3.2.0", "--only", "commons")
	require.NoError(t, err)
	out, err = cli("cancel", "v3.2.0", "--reason", "wrong tag")
	require.NoError(t, err, out)
	require.Eventually(t, func() bool { return status("v3.2.0").State == contract.StateCancelled }, trainTimeout, 200*time.Millisecond)
	_, published := sim.Release("BTCDecoded", "bllvm-consensus", "v3.2.0")
	assert.False(t, published, "a cancelled train publishes nothing")
	out, err = cli("resume", "v3.2.0")
	require.Error(t, err)
	assert.Contains(t, out, "release v3.2.0: already finished")
}
