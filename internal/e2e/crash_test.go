package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	activitypb "go.temporal.io/api/activity/v1"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	"github.com/BTCDecoded/releasetrain/bundle"
	"github.com/BTCDecoded/releasetrain/ghclient"
	"github.com/BTCDecoded/releasetrain/ghsim"
	"github.com/BTCDecoded/releasetrain/internal/temporalcli"
	"github.com/BTCDecoded/releasetrain/internal/testenv"
	"github.com/BTCDecoded/releasetrain/worker"
)

const (
	// kills is how many times the worker process is SIGKILLed mid-train.
	kills = 4
	// crashTag is the crash test's release.
	crashTag = "v2.0.0"
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
	bin := buildReleasetrain(t)
	srv := testenv.StartTemporal(t, "")
	c := srv.Client()
	train := fastTrain()

	// Run 1, undisturbed and in-process, gives the reference artifacts.
	refSim, refURL := startSim(t, 7)
	w, err := worker.New(c, worker.Options{
		GitHub:   ghclient.Config{BaseURL: refURL, Token: simToken},
		StoreURL: "file://" + t.TempDir() + "?no_tmp_dir=1",
		WorkDir:  t.TempDir(),
	})
	require.NoError(t, err)
	require.NoError(t, w.Start())
	refStart := time.Now()
	ref := verifyRelease(t, refSim, train, "v1.9.0", waitTrain(t, startTrain(t, c, "v1.9.0", train)))
	refTook := time.Since(refStart)
	w.Stop()

	// Run 2 on a fresh simulator with the same seed, through crashes.
	sim, apiURL := startSim(t, 7)
	// Slow dispatches (half of them) widen the window in which a kill lands between GitHub
	// accepting a dispatch and the activity reporting it: the request still
	// lands after the worker dies, and the retry must find that run instead of
	// dispatching again.
	sim.SetFaults([]ghsim.Fault{{Route: dispatchRoute, Latency: 700 * time.Millisecond, Probability: 0.5}})
	store := t.TempDir()
	key, armoredKey := signingKey(t)
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + t.TempDir(),
		"TEMPORAL_ADDRESS=" + srv.FrontendHostPort(),
		"GITHUB_API_URL=" + apiURL,
		"GITHUB_TOKEN=" + simToken,
		"RELEASETRAIN_ARTIFACT_STORE=file://" + store + "?create_dir=1&no_tmp_dir=1",
		"RELEASETRAIN_WORK_DIR=" + t.TempDir(),
		"RELEASETRAIN_LISTING_WAIT=1s",
		"RELEASETRAIN_SIGNING_KEY=" + string(armoredKey),
	}
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 0))
	t.Logf("kill schedule seed %d", seed)

	run := startTrain(t, c, crashTag, train)
	start := time.Now()
	logs := filepath.Join(t.TempDir(), "worker.log")
	for i := range kills {
		p := startWorker(t, bin, env, logs)
		// Kill it at a random moment once it is doing GitHub work again
		// (after a kill, Temporal first times out the dead worker's tasks).
		before := requests(sim)
		require.Eventually(t, func() bool { return requests(sim) > before }, 30*time.Second, 20*time.Millisecond,
			"worker %d made no GitHub request", i+1)
		wait := time.Duration(rng.IntN(1500)) * time.Millisecond
		time.Sleep(wait)
		require.NoError(t, p.Process.Signal(syscall.SIGKILL))
		_ = p.Wait()
		orphans := expireDeadActivities(t, c, crashTag)
		t.Logf("kill %d, %s into its work (train at %s, %s): running activities orphaned: %v",
			i+1, wait, time.Since(start).Round(time.Millisecond), progress(sim), orphans)
	}
	p := startWorker(t, bin, env, logs)
	st := waitTrain(t, run)
	took := time.Since(start)
	t.Logf("train finished %s after start through %d kills: %.1f× the undisturbed run (%s)",
		took.Round(time.Millisecond), kills, took.Seconds()/refTook.Seconds(), refTook.Round(time.Millisecond))

	// The last worker shuts down gracefully on SIGTERM (once it has
	// started: a signal before main installs its handler just kills it).
	require.Eventually(t, func() bool {
		data, _ := os.ReadFile(logs)
		return bytes.Count(data, []byte(`"worker started"`)) == kills+1
	}, 20*time.Second, 20*time.Millisecond, "last worker started")
	require.NoError(t, p.Process.Signal(syscall.SIGTERM))
	done := make(chan error, 1)
	go func() { done <- p.Wait() }()
	select {
	case err := <-done:
		assert.NoError(t, err, "worker exit after SIGTERM")
	case <-time.After(20 * time.Second):
		_ = p.Process.Kill()
		<-done
		t.Error("worker did not stop within 20s of SIGTERM")
	}

	got := verifyRelease(t, sim, train, crashTag, st)
	assert.Equal(t, artifactSums(ref), artifactSums(got), "the same artifacts as the undisturbed run")

	// The worker signed SHA256SUMS with the key from its environment.
	sums, err := sim.ReleaseAsset(train.Owner, train.Release.Repo, crashTag, bundle.SumsName)
	require.NoError(t, err)
	sigs, err := sim.ReleaseAsset(train.Owner, train.Release.Repo, crashTag, bundle.SigsName)
	require.NoError(t, err)
	_, err = openpgp.CheckArmoredDetachedSignature(openpgp.EntityList{key}, bytes.NewReader(sums), bytes.NewReader(sigs), nil)
	assert.NoError(t, err, "SHA256SUMS.asc verifies")
	if t.Failed() {
		data, _ := os.ReadFile(logs)
		t.Logf("worker log (tail):\n%s", tail(data, 60))
	}
}

// buildReleasetrain builds the binary once into a temp folder.
func buildReleasetrain(t *testing.T) string {
	t.Helper()
	wd, err := os.Getwd()
	require.NoError(t, err)
	root, err := temporalcli.RepoRoot(wd)
	require.NoError(t, err)
	bin := filepath.Join(t.TempDir(), "releasetrain")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/releasetrain")
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "go build ./cmd/releasetrain: %s", out)
	return bin
}

// startWorker starts `releasetrain worker`, appending its output to logPath.
func startWorker(t *testing.T, bin string, env []string, logPath string) *exec.Cmd {
	t.Helper()
	f, err := os.OpenFile(logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	require.NoError(t, err)
	t.Cleanup(func() { _ = f.Close() })
	fmt.Fprintf(f, "--- worker start %s\n", time.Now().Format(time.RFC3339Nano))
	cmd := exec.Command(bin, "worker")
	cmd.Env = env
	cmd.Stdout = f
	cmd.Stderr = f
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	return cmd
}

// heartbeating activities report progress, so a short heartbeat timeout
// detects their dead worker; the others get a short start-to-close timeout.
var heartbeating = map[string]bool{"AwaitRun": true, "CollectArtifacts": true, "PackageRelease": true, "PublishRelease": true}

// expireDeadActivities shortens the timeouts of every activity that was
// running when the worker died, in the release and its layer children, and
// returns their types. It also clears the executions' sticky task
// queue, as a worker does when it drops a workflow from its cache.
func expireDeadActivities(t *testing.T, c client.Client, tag string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ids := []string{"release-" + tag}
	for n := range 5 {
		ids = append(ids, fmt.Sprintf("release-%s-layer-%d", tag, n))
	}
	var orphans []string
	for _, id := range ids {
		d, err := c.DescribeWorkflow(ctx, id, "")
		var nf *serviceerror.NotFound
		if errors.As(err, &nf) {
			continue
		}
		require.NoError(t, err, "describe %s", id)
		desc := d.RawResponse
		if desc.GetWorkflowExecutionInfo().GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
			continue
		}
		// New workflow tasks go to the shared queue, not the dead worker's sticky one.
		_, err = c.WorkflowService().ResetStickyTaskQueue(ctx, &workflowservice.ResetStickyTaskQueueRequest{
			Namespace: "default",
			Execution: &commonpb.WorkflowExecution{WorkflowId: id},
		})
		if err != nil && !errors.As(err, &nf) {
			require.NoError(t, err, "reset sticky queue of %s", id)
		}
		for _, pa := range desc.GetPendingActivities() {
			if pa.GetState() != enumspb.PENDING_ACTIVITY_STATE_STARTED {
				continue
			}
			opts := &activitypb.ActivityOptions{
				RetryPolicy: &commonpb.RetryPolicy{InitialInterval: durationpb.New(500 * time.Millisecond)},
			}
			paths := []string{"retry_policy.initial_interval"}
			if heartbeating[pa.GetActivityType().GetName()] {
				opts.HeartbeatTimeout = durationpb.New(2 * time.Second)
				paths = append(paths, "heartbeat_timeout")
			} else {
				opts.StartToCloseTimeout = durationpb.New(3 * time.Second)
				paths = append(paths, "start_to_close_timeout")
			}
			_, err := c.WorkflowService().UpdateActivityOptions(ctx, &workflowservice.UpdateActivityOptionsRequest{
				Namespace:       "default",
				Execution:       &commonpb.WorkflowExecution{WorkflowId: id},
				Activity:        &workflowservice.UpdateActivityOptionsRequest_Id{Id: pa.GetActivityId()},
				ActivityOptions: opts,
				UpdateMask:      &fieldmaskpb.FieldMask{Paths: paths},
			})
			if errors.As(err, &nf) {
				continue // it finished meanwhile
			}
			require.NoError(t, err, "update activity %s of %s", pa.GetActivityId(), id)
			orphans = append(orphans, pa.GetActivityType().GetName())
		}
	}
	return orphans
}

// tail returns the last n lines of data.
func tail(data []byte, n int) string {
	lines := bytes.Split(bytes.TrimRight(data, "\n"), []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.ToValidUTF8(string(bytes.Join(lines, []byte("\n"))), "?")
}

// progress summarises the simulator's view of the train: dispatches and uploads so far.
func progress(sim *ghsim.Sim) string {
	st := sim.Stats()
	dispatches, uploads := 0, 0
	for _, n := range st.Dispatches {
		dispatches += n
	}
	for _, assets := range st.Uploads {
		for _, n := range assets {
			uploads += n
		}
	}
	return fmt.Sprintf("%d dispatches, %d uploads", dispatches, uploads)
}

// requests counts the simulator's API answers so far.
func requests(sim *ghsim.Sim) int {
	n := 0
	for _, byStatus := range sim.Stats().Requests {
		for _, c := range byStatus {
			n += c
		}
	}
	return n
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
