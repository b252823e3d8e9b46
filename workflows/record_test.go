package workflows

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/BTCDecoded/releasetrain/activities"
	"github.com/BTCDecoded/releasetrain/config"
	"github.com/BTCDecoded/releasetrain/contract"
	"github.com/BTCDecoded/releasetrain/internal/testenv"
)

// recordEnv turns on TestRecordHistories, which re-records the histories
// the replay test checks. Re-record only on purpose: the point of the old
// histories is that trains started by older code must still replay.
const recordEnv = "RELEASETRAIN_RECORD_HISTORIES"

// cannedActivities are activity implementations with the real activities'
// names and signatures that answer at once, for recording histories on a
// real Temporal server.
type cannedActivities struct {
	mu       sync.Mutex
	failures map[string]int // repo → failing attempts left
	block    map[string]bool
}

func (c *cannedActivities) Preflight(context.Context, activities.PreflightInput) (activities.PreflightResult, error) {
	return activities.PreflightResult{RateRemaining: 5000, RateLimit: 5000}, nil
}

func (c *cannedActivities) DispatchBuild(_ context.Context, in activities.DispatchInput) (contract.RunRef, error) {
	return runRef(in.Repo, 1), nil
}

// AwaitRun completes the run at once, or (for a blocking repo) waits until
// cancelled by a build-event or a few seconds pass.
func (c *cannedActivities) AwaitRun(ctx context.Context, in activities.AwaitInput) (activities.RunResult, error) {
	c.mu.Lock()
	block := c.block[in.Run.Repo]
	c.mu.Unlock()
	if block {
		activity.RecordHeartbeat(ctx)
		select {
		case <-ctx.Done():
			return activities.RunResult{}, ctx.Err()
		case <-time.After(5 * time.Second):
		}
	}
	return c.result(in.Run), nil
}

func (c *cannedActivities) result(run contract.RunRef) activities.RunResult {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.failures[run.Repo] > 0 {
		c.failures[run.Repo]--
		return activities.RunResult{Run: run, Status: "completed", Conclusion: "failure", Outcome: activities.OutcomeFailed}
	}
	return activities.RunResult{Run: run, Status: "completed", Conclusion: "success", Outcome: activities.OutcomeSucceeded}
}

func (c *cannedActivities) CheckRun(_ context.Context, run contract.RunRef) (activities.RunResult, error) {
	return c.result(run), nil
}

func (c *cannedActivities) RerunFailedJobs(_ context.Context, run contract.RunRef) (contract.RunRef, error) {
	return runRef(run.Repo, run.Attempt+1), nil
}

func (c *cannedActivities) CancelRun(context.Context, contract.RunRef) error { return nil }

// CancelDispatchedRun: the canned dispatches answer at once, so none is lost.
func (c *cannedActivities) CancelDispatchedRun(context.Context, activities.LostDispatchInput) (activities.LostDispatchResult, error) {
	return activities.LostDispatchResult{}, nil
}

func (c *cannedActivities) CollectArtifacts(_ context.Context, in activities.CollectInput) (activities.CollectResult, error) {
	file := fakeFile(in.Run.Repo)
	return activities.CollectResult{Manifest: contract.ManifestRef{SHA256: fmt.Sprintf("%064x", 1000+runID(in.Run.Repo)),
		Files: 1, Bytes: 3, First: []contract.File{file}}}, nil
}

func (c *cannedActivities) PackageRelease(_ context.Context, in activities.PackageInput) (activities.PackageResult, error) {
	var out activities.PackageResult
	for _, r := range in.Repos {
		for _, f := range repoFiles(r) {
			out.Assets = append(out.Assets, activities.Asset{Name: f.Name, Size: f.Size, SHA256: f.SHA256})
		}
	}
	out.NotesSHA256 = fmt.Sprintf("%064x", 1)
	return out, nil
}

func (c *cannedActivities) PublishRelease(_ context.Context, in activities.PublishInput) (activities.PublishResult, error) {
	return activities.PublishResult{ReleaseID: 1, URL: "https://github.test/" + in.Owner + "/" + in.Repo + "/releases/tag/" + in.Tag}, nil
}

func (c *cannedActivities) AttachSignature(_ context.Context, in activities.AttachSignatureInput) (activities.Asset, error) {
	return activities.Asset{Name: in.Name, Size: int64(len(in.Signature)), SHA256: fmt.Sprintf("%064x", len(in.Signature))}, nil
}

// fastTrain is the BTCDecoded train with one-second backoffs.
func fastTrain(retries int) config.Train {
	t := btcDecoded()
	for i := range t.Repos {
		t.Repos[i].RetryLimit = &retries
		t.Repos[i].RetryBackoff = time.Second
	}
	return t
}

// recorder runs scenarios on a real dev server and exports their histories.
type recorder struct {
	t   *testing.T
	cli string
	srv interface {
		Client() client.Client
		FrontendHostPort() string
	}
	acts *cannedActivities
}

func TestRecordHistories(t *testing.T) {
	if os.Getenv(recordEnv) == "" {
		t.Skipf("set %s=1 to re-record testdata histories on a dev server", recordEnv)
	}
	srv := testenv.StartTemporal(t, "")
	acts := &cannedActivities{failures: map[string]int{}, block: map[string]bool{}}
	w := worker.New(srv.Client(), contract.TaskQueue, worker.Options{})
	w.RegisterWorkflowWithOptions(Release, workflow.RegisterOptions{Name: contract.ReleaseWorkflowName})
	w.RegisterWorkflowWithOptions(Layer, workflow.RegisterOptions{Name: contract.LayerWorkflowName})
	w.RegisterActivity(acts)
	require.NoError(t, w.Start())
	t.Cleanup(w.Stop)
	r := &recorder{t: t, cli: testenv.TemporalCLI(t), srv: srv, acts: acts}

	t.Run("happy", func(t *testing.T) {
		r.t = t
		id := r.start("v0.1.0-happy", fastTrain(2))
		r.wait(id, enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED)
		r.export(id, "happy", 5)
	})
	t.Run("blocked-skip", func(t *testing.T) {
		r.t = t
		acts.mu.Lock()
		acts.failures["bllvm-protocol"] = 1 // retry_limit 0: blocks at once
		acts.failures["commons"] = 0
		acts.block["commons"] = true // woken by a build-event
		acts.mu.Unlock()
		id := r.start("v0.2.0-skip", fastTrain(0))
		r.signalWhen(id, func(st contract.Status) bool { return st.Repos["commons"].State == contract.RepoBuilding },
			contract.SignalBuildEvent, contract.BuildEvent{Repo: "commons", RunID: runID("commons"), Status: "completed", Conclusion: "success"})
		r.signalWhen(id, func(st contract.Status) bool { return st.State == contract.StateBlocked },
			contract.SignalSkip, contract.RepoSignal{Repo: "bllvm-protocol"})
		r.wait(id, enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED)
		r.export(id, "blocked-skip", 5)
	})
	t.Run("eager-skip", func(t *testing.T) {
		// The eager schedule: every layer starts at once; a blocked
		// bllvm-protocol holds only its dependents; pause and resume reach
		// every layer; the skip lets bllvm-node start.
		r.t = t
		acts.mu.Lock()
		acts.failures["bllvm-protocol"] = 1
		acts.block["commons"] = true
		acts.mu.Unlock()
		train := fastTrain(0)
		train.Schedule = config.ScheduleEager
		id := r.start("v0.4.0-eager", train)
		r.signalWhen(id, func(st contract.Status) bool { return st.State == contract.StateBlocked }, contract.SignalPause, nil)
		r.signalWhen(id, func(st contract.Status) bool { return st.State == contract.StatePaused }, contract.SignalResume, nil)
		r.signalWhen(id, func(st contract.Status) bool { return st.State == contract.StateBlocked }, contract.SignalSkip, contract.RepoSignal{Repo: "bllvm-protocol"})
		r.signalWhen(id, func(st contract.Status) bool { return st.Repos["commons"].State == contract.RepoBuilding },
			contract.SignalBuildEvent, contract.BuildEvent{Repo: "commons", RunID: runID("commons"), Status: "completed", Conclusion: "success"})
		r.wait(id, enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED)
		r.export(id, "eager-skip", 5)
	})
	t.Run("retry-cancel", func(t *testing.T) {
		r.t = t
		acts.mu.Lock()
		acts.failures["bllvm-consensus"] = 2 // one automatic re-run, then blocked
		acts.block["commons"] = false
		acts.mu.Unlock()
		id := r.start("v0.3.0-cancel", fastTrain(1))
		r.signalWhen(id, func(st contract.Status) bool { return st.State == contract.StateBlocked }, contract.SignalPause, nil)
		r.signalWhen(id, func(st contract.Status) bool { return st.State == contract.StatePaused }, contract.SignalRetry, contract.RepoSignal{Repo: "bllvm-consensus"})
		// The retried re-run waits for resume.
		r.signalWhen(id, func(st contract.Status) bool { return st.State == contract.StatePaused && len(st.Blocked) == 0 }, contract.SignalResume, nil)
		r.signalWhen(id, func(st contract.Status) bool { return st.Repos["bllvm-consensus"].State == contract.RepoSucceeded },
			contract.SignalCancel, contract.CancelSignal{Reason: "recorded cancel"})
		r.wait(id, enumspb.WORKFLOW_EXECUTION_STATUS_CANCELED)
		r.export(id, "retry-cancel", 1)
	})
	t.Run("signature-window", func(t *testing.T) {
		r.t = t
		acts.mu.Lock()
		clear(acts.failures)
		clear(acts.block)
		acts.mu.Unlock()
		train := fastTrain(0)
		train.Release.SignatureWindow = 3 * time.Second
		id := r.start("v0.4.0-window", train)
		r.updateWhen(id, func(st contract.Status) bool { return st.SignatureWindow != nil && st.SignatureWindow.Open },
			contract.UpdateAttachSignature, contract.AttachSignature{Name: "SHA256SUMS.rebuilder.asc", Signature: testSignature(t)})
		r.wait(id, enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED)
		r.export(id, "signature-window", 0)
	})
}

// testSignature is an armored detached OpenPGP signature by a new key.
func testSignature(t *testing.T) []byte {
	t.Helper()
	e, err := openpgp.NewEntity("Rebuilder", "", "r@example.org", &packet.Config{Algorithm: packet.PubKeyAlgoEdDSA})
	require.NoError(t, err)
	var out bytes.Buffer
	require.NoError(t, openpgp.ArmoredDetachSign(&out, e, strings.NewReader("sums"), nil))
	return out.Bytes()
}

// updateWhen polls the status query until ready holds, then sends the
// update and waits for its answer.
func (r *recorder) updateWhen(id string, ready func(contract.Status) bool, name string, arg any) {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r.waitFor(ctx, id, ready, name)
	h, err := r.srv.Client().UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: id, UpdateName: name,
		Args: []any{arg}, WaitForStage: client.WorkflowUpdateStageCompleted})
	if err == nil {
		err = h.Get(ctx, nil)
	}
	require.NoError(r.t, err, "update %s %s", id, name)
}

func (r *recorder) start(tag string, train config.Train) string {
	r.t.Helper()
	opts := contract.StartOptions(tag)
	run, err := r.srv.Client().ExecuteWorkflow(context.Background(), opts, contract.ReleaseWorkflowName, contract.ReleaseInput{Tag: tag, Train: train.JSON(), Trigger: "recorder"})
	require.NoError(r.t, err, "start %s", tag)
	return run.GetID()
}

// waitFor polls the status query of id until ready holds (before the
// update or signal called name).
func (r *recorder) waitFor(ctx context.Context, id string, ready func(contract.Status) bool, name string) {
	r.t.Helper()
	for {
		v, err := r.srv.Client().QueryWorkflow(ctx, id, "", contract.QueryStatus)
		var st contract.Status
		if err == nil && v.Get(&st) == nil && ready(st) {
			break
		}
		select {
		case <-ctx.Done():
			r.t.Fatalf("%s: condition for %s never held (last status %+v, err %v)", id, name, st, err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// signalWhen polls the status query until ready holds, then signals.
func (r *recorder) signalWhen(id string, ready func(contract.Status) bool, name string, arg any) {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r.waitFor(ctx, id, ready, name)
	require.NoError(r.t, r.srv.Client().SignalWorkflow(ctx, id, "", name, arg), "signal %s %s", id, name)
}

// wait waits until the workflow closes with the wanted status.
func (r *recorder) wait(id string, want enumspb.WorkflowExecutionStatus) {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err := r.srv.Client().GetWorkflow(ctx, id, "").Get(ctx, nil)
	d, derr := r.srv.Client().DescribeWorkflow(ctx, id, "")
	require.NoError(r.t, derr, "describe %s", id)
	require.Equal(r.t, want, d.Status, "%s closed (err %v)", id, err)
}

// export writes the release's and its first layers' histories to testdata.
func (r *recorder) export(id, name string, layers int) {
	r.t.Helper()
	ids := []string{id}
	tag := id[len("release-"):]
	for n := range layers {
		ids = append(ids, contract.LayerWorkflowID(tag, n))
	}
	for i, wid := range ids {
		file := filepath.Join("testdata", fmt.Sprintf("%s-release.json", name))
		if i > 0 {
			file = filepath.Join("testdata", fmt.Sprintf("%s-layer-%d.json", name, i-1))
		}
		out, err := exec.Command(r.cli, "workflow", "show", "--workflow-id", wid,
			"--address", r.srv.FrontendHostPort(), "--output", "json").Output()
		require.NoError(r.t, err, "export %s", wid)
		require.NoError(r.t, os.WriteFile(file, out, 0o644))
	}
}
