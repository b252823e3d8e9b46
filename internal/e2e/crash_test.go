package e2e

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/BTCDecoded/releasetrain/assetname"
	"github.com/BTCDecoded/releasetrain/ghsim"
	"github.com/BTCDecoded/releasetrain/internal/devstack"
	"github.com/BTCDecoded/releasetrain/internal/traintest"
)

const (
	// kills is how many times the worker process is SIGKILLed mid-train.
	kills = 4
	// crashTag is the crash test's release.
	crashTag = "v2.0.0"
	// layers is the depth of the BTCDecoded train's DAG.
	layers = 5
	// dispatchRoute is ghsim's workflow_dispatch route.
	dispatchRoute = "POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches"
)

// TestCrashRelease runs the train with the worker as a separate releasetrain
// process that is SIGKILLed at random points several times and restarted:
// the train completes with exactly one dispatch per repo and the same
// artifacts as an undisturbed run.
//
// A killed worker's activities are only noticed through their timeouts
// (minutes in production: a 1-minute heartbeat for AwaitRun, 5 minutes for a
// dispatch). After each kill the test does what an operator can do in the
// Web UI: it shortens the heartbeat or start-to-close timeout of the
// activities the dead worker held (UpdateActivityOptions), so detection
// takes seconds. What is tested — at-most-once dispatch, resumption, and
// idempotent collection and publishing — is unchanged.
func TestCrashRelease(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: real Temporal dev server and a worker process")
	}
	bin := traintest.BuildReleasetrain(t)
	train := traintest.FastTrain()

	// Run 2's stack: a simulator and no worker (the worker runs as a process).
	s := devstack.StartTest(t, devstack.Options{Parts: devstack.PartTemporal | devstack.PartSim, Sim: ghsim.Options{Seed: 7}})
	c := s.Client

	// Run 1, undisturbed and in-process on its own simulator with the same
	// seed, gives the reference artifacts.
	refStack := devstack.StartTest(t, devstack.Options{Client: c, Sim: ghsim.Options{Seed: 7}})
	refStart := time.Now()
	ref := traintest.VerifyRelease(t, refStack.Sim, train, "v1.9.0", traintest.WaitTrain(t, traintest.StartTrain(t, c, "v1.9.0", train), trainTimeout))
	refTook := time.Since(refStart)
	refStack.Workers[0].Stop()

	// Run 2, through crashes.
	sim := s.Sim
	// Slow dispatches (half of them) widen the window in which a kill lands between GitHub
	// accepting a dispatch and the activity reporting it: the request still
	// lands after the worker dies, and the retry must find that run instead of
	// dispatching again.
	sim.SetFaults([]ghsim.Fault{{Route: dispatchRoute, Latency: 700 * time.Millisecond, Probability: 0.5}})
	key, armoredKey := signingKey(t)
	env := traintest.WorkerEnv(t, s, "RELEASETRAIN_SIGNING_KEY="+string(armoredKey))
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 0))
	t.Logf("kill schedule seed %d", seed)

	run := traintest.StartTrain(t, c, crashTag, train)
	start := time.Now()
	logs := filepath.Join(t.TempDir(), "worker.log")
	for i := range kills {
		p := traintest.StartWorker(t, bin, env, logs)
		// Kill it at a random moment once it is doing GitHub work again
		// (after a kill, Temporal first times out the dead worker's tasks).
		before := traintest.Requests(sim)
		require.Eventually(t, func() bool { return traintest.Requests(sim) > before }, 30*time.Second, 20*time.Millisecond,
			"worker %d made no GitHub request", i+1)
		wait := time.Duration(rng.IntN(1500)) * time.Millisecond
		time.Sleep(wait)
		require.NoError(t, p.Process.Signal(syscall.SIGKILL))
		_ = p.Wait()
		orphans := traintest.ExpireDeadActivities(t, c, crashTag, layers)
		t.Logf("kill %d, %s into its work (train at %s, %s): running activities orphaned: %v",
			i+1, wait, time.Since(start).Round(time.Millisecond), progress(sim), orphans)
	}
	p := traintest.StartWorker(t, bin, env, logs)
	st := traintest.WaitTrain(t, run, trainTimeout)
	took := time.Since(start)
	t.Logf("train finished %s after start through %d kills: %.1f× the undisturbed run (%s)",
		took.Round(time.Millisecond), kills, took.Seconds()/refTook.Seconds(), refTook.Round(time.Millisecond))

	// The last worker shuts down gracefully on SIGTERM (once it has
	// started: a signal before main installs its handler just kills it).
	// Only the last worker's part of the log counts: a killed worker may
	// have done GitHub work before it logged "worker started" (its pollers
	// run as soon as Start returns), so counting every line is a race a
	// loaded machine loses.
	require.Eventually(t, func() bool {
		data, _ := os.ReadFile(logs)
		last := bytes.LastIndex(data, []byte("--- worker start "))
		return last >= 0 && bytes.Contains(data[last:], []byte(`"worker started"`))
	}, time.Minute, 20*time.Millisecond, "last worker started")
	require.NoError(t, p.Process.Signal(syscall.SIGTERM))
	done := make(chan error, 1)
	go func() { done <- p.Wait() }()
	select {
	case err := <-done:
		assert.NoError(t, err, "worker exit after SIGTERM")
	case <-time.After(time.Minute):
		_ = p.Process.Kill()
		<-done
		t.Error("worker did not stop within a minute of SIGTERM")
	}

	got := traintest.VerifyRelease(t, sim, train, crashTag, st)
	assert.Equal(t, traintest.ArtifactSums(ref), traintest.ArtifactSums(got), "the same artifacts as the undisturbed run")

	// The worker signed SHA256SUMS with the key from its environment.
	sums, err := sim.ReleaseAsset(train.Owner, train.Release.Repo, crashTag, assetname.Sums)
	require.NoError(t, err)
	sigs, err := sim.ReleaseAsset(train.Owner, train.Release.Repo, crashTag, assetname.SumsSignature)
	require.NoError(t, err)
	_, err = openpgp.CheckArmoredDetachedSignature(openpgp.EntityList{key}, bytes.NewReader(sums), bytes.NewReader(sigs), nil)
	assert.NoError(t, err, "SHA256SUMS.asc verifies")
	if t.Failed() {
		data, _ := os.ReadFile(logs)
		t.Logf("worker log (tail):\n%s", traintest.Tail(data, 60))
	}
}

// progress summarises the simulator's view of the train: dispatches and uploads so far.
func progress(sim *ghsim.Sim) string {
	st := sim.Stats()
	return fmt.Sprintf("%d dispatches, %d uploads", traintest.Dispatches(st), traintest.Uploads(st))
}

// signingKey makes an OpenPGP signing key and its armored private form.
func signingKey(t *testing.T) (*openpgp.Entity, []byte) {
	t.Helper()
	e, err := openpgp.NewEntity("releasetrain e2e", "", "e2e@example.org", &packet.Config{Algorithm: packet.PubKeyAlgoEdDSA})
	require.NoError(t, err)
	var buf bytes.Buffer
	w, err := armor.Encode(&buf, openpgp.PrivateKeyType, nil)
	require.NoError(t, err)
	require.NoError(t, e.SerializePrivate(w, nil))
	require.NoError(t, w.Close())
	return e, buf.Bytes()
}
