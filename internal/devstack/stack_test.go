package devstack

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/BTCDecoded/releasetrain/contract"
	"github.com/BTCDecoded/releasetrain/ghsim"
)

func TestCloseStopsInReverseOnceAndNamesFailures(t *testing.T) {
	s := &Stack{}
	var order []string
	for _, name := range []string{"first", "second", "third"} {
		s.onClose(name, func() error {
			order = append(order, name)
			if name == "second" {
				return errors.New("boom")
			}
			return nil
		})
	}
	err := s.Close()
	require.EqualError(t, err, "stop second: boom")
	assert.Equal(t, []string{"third", "second", "first"}, order)
	assert.Equal(t, err, s.Close(), "a second Close returns the same")
	assert.Len(t, order, 3, "and stops nothing again")
}

// A simulator that cannot start (a negative time scale) makes Start stop
// what it had started: the simulator's port is free again and the
// temporary data folder is gone.
func TestStartUndoesWhatItStartedOnError(t *testing.T) {
	port, err := freePort()
	require.NoError(t, err)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // where the stack makes its data folder

	_, err = Start(context.Background(), Options{Parts: PartSim, SimAddr: addr, Sim: ghsim.Options{TimeScale: -1}})
	require.ErrorContains(t, err, "negative time scale")

	ln, err := net.Listen("tcp", addr)
	require.NoError(t, err, "the simulator's address is free again")
	require.NoError(t, ln.Close())
	left, err := os.ReadDir(tmp)
	require.NoError(t, err)
	assert.Empty(t, left, "no data folder left behind")
}

// A simulator-only stack answers with the static token and stops answering
// once closed.
func TestSimOnlyStack(t *testing.T) {
	s, err := Start(context.Background(), Options{Parts: PartSim, DataDir: t.TempDir()})
	require.NoError(t, err)
	assert.Nil(t, s.Client, "no Temporal")
	assert.Empty(t, s.Workers)
	get := func() (*http.Response, error) {
		req, err := http.NewRequest(http.MethodGet, s.APIURL+"repos/BTCDecoded/bllvm-node", nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "token "+ghsim.StaticToken)
		return http.DefaultClient.Do(req)
	}
	resp, err := get()
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	assert.Equal(t, http.StatusOK, resp.StatusCode)

	require.NoError(t, s.Close())
	http.DefaultClient.CloseIdleConnections()
	_, err = get()
	assert.Error(t, err, "closed: connection refused")
}

func TestOptionsNeedTemporalAndSimForAWorker(t *testing.T) {
	_, err := Start(context.Background(), Options{Parts: PartSim | PartWorker})
	assert.ErrorContains(t, err, "needs Temporal and the simulator")
}

// With two workers, stopping one leaves a stack that still releases: the
// other is a real worker polling the same task queue. On the real Temporal
// dev server and ghsim.
func TestTwoWorkersEitherReleases(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: real Temporal dev server")
	}
	s := StartTest(t, Options{Workers: 2, ScaleTrain: true, Sim: ghsim.Options{Seed: 1}})
	require.Len(t, s.Workers, 2)
	s.Workers[0].Stop()

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	run, err := s.Client.ExecuteWorkflow(ctx, contract.StartOptions("v0.0.1"), contract.ReleaseWorkflowName,
		contract.ReleaseInput{Tag: "v0.0.1", Train: s.Train.JSON(), Trigger: "test", Only: []string{"commons"}})
	require.NoError(t, err)
	var st contract.Status
	require.NoError(t, run.Get(ctx, &st))
	assert.Equal(t, contract.StateSucceeded, st.State, st.Error)
	assert.Equal(t, map[string]int{"BTCDecoded/commons": 1}, s.Sim.Stats().Dispatches)
}
