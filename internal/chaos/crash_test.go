package chaos

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/BTCDecoded/releasetrain/contract"
	"github.com/BTCDecoded/releasetrain/ghsim"
	"github.com/BTCDecoded/releasetrain/internal/devstack"
	"github.com/BTCDecoded/releasetrain/internal/traintest"
)

// Kill moments: each names where in the train the worker dies.
const (
	// phaseDispatch: right after a dispatch landed on GitHub, before the
	// worker saw the answer (its record of the run is lost).
	phaseDispatch = "dispatch"
	// phaseRerun: right after a re-run of a failed build landed.
	phaseRerun = "rerun"
	// phaseWaiting: while AwaitRun polls a running build.
	phaseWaiting = "waiting"
	// phaseCollect: while an artifact is being downloaded.
	phaseCollect = "collecting"
	// phasePackage: while PackageRelease builds the bundle.
	phasePackage = "packaging"
	// phaseUpload: right after an asset upload landed, before the worker saw the answer.
	phaseUpload = "publishing"
)

// failingRepo's first build attempt fails; the train re-runs it once.
const failingRepo = "bllvm-protocol"

// crashScenario is the BTCDecoded organisation with failingRepo's first
// attempt failing; the long version has longer builds and bigger binaries so
// waiting and packaging last long enough to be hit.
func crashScenario() *ghsim.Scenario {
	sc := ghsim.DefaultScenario()
	for i := range sc.Repos {
		r := &sc.Repos[i]
		if r.Name == failingRepo {
			r.Outcomes = []ghsim.Conclusion{"failure", "success"}
		}
		if long {
			r.Duration = ghsim.Duration(4 * time.Minute)
			r.Artifacts[0].Files[0].Size = 8 << 20
		}
	}
	return sc
}

// killer SIGKILLs the current worker process when the armed phase comes up.
// The simulator's hooks call it inside the request, so a kill "after a
// write landed" happens before the answer leaves.
type killer struct {
	mu     sync.Mutex
	proc   *exec.Cmd
	armed  string
	killed chan string
}

func newKiller() *killer { return &killer{killed: make(chan string, 1)} }

// arm sets the process to kill and the phase to kill it in.
func (k *killer) arm(p *exec.Cmd, phase string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.proc, k.armed = p, phase
}

// disarm stops waiting for a phase.
func (k *killer) disarm() {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.armed = ""
}

// fire kills the process if phase is armed.
func (k *killer) fire(phase string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.armed != phase || k.proc == nil {
		return
	}
	_ = k.proc.Process.Signal(syscall.SIGKILL)
	_ = k.proc.Wait()
	k.armed, k.proc = "", nil
	k.killed <- phase
}

// hooks are the simulator-side kill points.
func (k *killer) hooks(log *reqLog) {
	log.before = func(r *http.Request) {
		if r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/_blob/") {
			k.fire(phaseCollect)
		}
	}
	log.after = func(r *http.Request, status int) {
		if status < 200 || status > 299 || r.Method != http.MethodPost {
			return
		}
		switch p := r.URL.Path; {
		case strings.HasSuffix(p, "/dispatches"):
			k.fire(phaseDispatch)
		case strings.HasSuffix(p, "/rerun-failed-jobs"):
			k.fire(phaseRerun)
		case strings.HasPrefix(p, "/api/uploads/"):
			k.fire(phaseUpload)
		}
	}
}

// crashSchedule is the wanted order of kill moments; moments the train has
// passed by the time they come up are skipped.
func crashSchedule() []string {
	if !long {
		return []string{phaseDispatch, phaseRerun, phaseCollect, phaseUpload}
	}
	return []string{
		phaseDispatch, phaseWaiting, phaseCollect,
		phaseDispatch, phaseRerun, phaseWaiting, phaseCollect,
		phaseDispatch, phaseWaiting, phaseCollect,
		phaseDispatch, phaseWaiting, phaseCollect,
		phaseDispatch, phaseWaiting, phaseCollect,
		phasePackage, phaseUpload, phaseUpload, phaseUpload,
	}
}

// passed reports whether the train is past every chance of phase.
func passed(phase string, st ghsim.Stats, repos int) bool {
	uploads := traintest.Uploads(st)
	switch phase {
	case phaseDispatch:
		return traintest.Dispatches(st) >= repos
	case phaseRerun:
		return st.Requests["POST /repos/{owner}/{repo}/actions/runs/{run_id}/rerun-failed-jobs"]["201"] > 0
	case phaseWaiting, phaseCollect:
		return st.Requests["GET /_blob/{token}"]["200"] >= repos
	case phasePackage:
		return uploads > 0
	default:
		return uploads >= 2*repos+1
	}
}

// TestWorkerCrashes runs the BTCDecoded train with the worker as a separate
// releasetrain process, SIGKILLed at chosen moments across dispatch, a
// re-run, waiting, artifact collection, packaging and publishing, and
// restarted each time: the release completes with exactly one dispatch per
// repo, the one re-run failingRepo's failure calls for, one upload per
// asset, and SHA256SUMS matching every asset.
func TestWorkerCrashes(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: real Temporal dev server and a worker process")
	}
	bin := traintest.BuildReleasetrain(t)
	k := newKiller()
	log := &reqLog{}
	k.hooks(log)
	s := devstack.StartTest(t, devstack.Options{Parts: devstack.PartTemporal | devstack.PartSim,
		Sim: ghsim.Options{Scenario: crashScenario(), Seed: 11}, WrapSim: log.wrap})
	sim, c := s.Sim, s.Client
	train := traintest.FastTrain()
	layers := 5
	env := traintest.WorkerEnv(t, s)
	logs := filepath.Join(t.TempDir(), "worker.log")
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 0))
	t.Logf("random delays seed %d", seed)

	const tag = "v3.0.0"
	run := traintest.StartTrain(t, c, tag, train)
	start := time.Now()
	var kills []string
	for _, phase := range crashSchedule() {
		if passed(phase, sim.Stats(), len(train.Repos)) {
			continue
		}
		p := traintest.StartWorker(t, bin, env, logs)
		at := time.Now()
		got := awaitKill(t, c, k, p, phase, tag, layers, rng)
		if got == "" {
			// The moment passed before it was armed: stop this worker
			// gracefully and move on.
			k.disarm()
			stopWorker(t, p)
			t.Logf("moment %s did not come up; skipped", phase)
			continue
		}
		orphans := traintest.ExpireDeadActivities(t, c, tag, layers)
		kills = append(kills, got)
		t.Logf("kill %d (%s), %s after the worker started, train at %s (%s): orphaned %v",
			len(kills), got, time.Since(at).Round(time.Millisecond), time.Since(start).Round(time.Millisecond),
			progress(sim.Stats()), orphans)
	}
	p := traintest.StartWorker(t, bin, env, logs)
	st := waitOrDump(t, c, run, 3*time.Minute)
	took := time.Since(start)
	stopWorker(t, p)
	t.Logf("train finished %s after start, through %d kills %v", took.Round(time.Millisecond), len(kills), kills)

	minKills := 3
	if long {
		minKills = 10
	}
	assert.GreaterOrEqual(t, len(kills), minKills, "kills")
	for _, want := range []string{phaseDispatch, phaseCollect, phaseUpload} {
		assert.Contains(t, kills, want)
	}
	if long {
		assert.Contains(t, kills, phaseWaiting)
		assert.Contains(t, kills, phasePackage)
	}
	traintest.VerifyRelease(t, sim, train, tag, st)
	stats := sim.Stats()
	for repo, runs := range stats.Runs {
		if !assert.Len(t, runs, 1, "runs of %s", repo) {
			continue
		}
		want := 1
		if repo == train.Owner+"/"+failingRepo {
			want = 2
		}
		assert.Equal(t, want, runs[0].Attempts, "attempts of %s", repo)
		assert.Equal(t, "success", runs[0].Conclusion, repo)
	}
	t.Logf("ghsim: %s, %d requests, budget spent %d, reruns %v",
		progress(stats), traintest.Requests(sim), stats.BudgetSpent,
		stats.Requests["POST /repos/{owner}/{repo}/actions/runs/{run_id}/rerun-failed-jobs"])
	if t.Failed() {
		data, _ := os.ReadFile(logs)
		t.Logf("worker log (tail):\n%s", traintest.Tail(data, 80))
	}
}

// awaitKill arms phase against p and waits for the kill; the waiting and
// packaging moments are found by watching the workflows' pending
// activities. It returns "" if the moment did not come up in time.
func awaitKill(t *testing.T, c client.Client, k *killer, p *exec.Cmd, phase, tag string, layers int, rng *rand.Rand) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	activity := map[string]string{phaseWaiting: "AwaitRun", phasePackage: "PackageRelease"}[phase]
	if activity == "" {
		k.arm(p, phase)
		select {
		case got := <-k.killed:
			return got
		case <-time.After(time.Until(deadline)):
			return ""
		}
	}
	for time.Now().Before(deadline) {
		if started(t, c, tag, layers, activity) {
			time.Sleep(time.Duration(rng.IntN(300)) * time.Millisecond)
			require.NoError(t, p.Process.Signal(syscall.SIGKILL))
			_ = p.Wait()
			return phase
		}
		time.Sleep(30 * time.Millisecond)
	}
	return ""
}

// started reports whether an activity of that type runs in the train.
func started(t *testing.T, c client.Client, tag string, layers int, activity string) bool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, id := range traintest.WorkflowIDs(tag, layers) {
		d, err := c.DescribeWorkflow(ctx, id, "")
		var nf *serviceerror.NotFound
		if errors.As(err, &nf) {
			continue
		}
		require.NoError(t, err, "describe %s", id)
		for _, pa := range d.RawResponse.GetPendingActivities() {
			if pa.GetActivityType().GetName() == activity && pa.GetState() == enumspb.PENDING_ACTIVITY_STATE_STARTED {
				return true
			}
		}
	}
	return false
}

// stopWorker stops a worker gracefully with SIGTERM (once it has started).
func stopWorker(t *testing.T, p *exec.Cmd) {
	t.Helper()
	time.Sleep(time.Second) // a signal before main installs its handler just kills it
	_ = p.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- p.Wait() }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		_ = p.Process.Kill()
		<-done
		t.Error("worker did not stop within 20s of SIGTERM")
	}
}

// progress summarises the simulator's view of the train.
func progress(st ghsim.Stats) string {
	return fmt.Sprintf("%d dispatches, %d artifact downloads, %d uploads",
		traintest.Dispatches(st), st.Requests["GET /_blob/{token}"]["200"], traintest.Uploads(st))
}

// waitOrDump waits for the train; on timeout it logs the train's status
// (queried from the running worker) and fails.
func waitOrDump(t *testing.T, c client.Client, run client.WorkflowRun, timeout time.Duration) contract.Status {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var st contract.Status
	err := run.Get(ctx, &st)
	if err == nil {
		return st
	}
	qctx, qcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer qcancel()
	if v, qerr := c.QueryWorkflow(qctx, run.GetID(), "", contract.QueryStatus); qerr == nil {
		_ = v.Get(&st)
	}
	t.Fatalf("train %s: %v; status %+v", run.GetID(), err, st)
	return st
}
