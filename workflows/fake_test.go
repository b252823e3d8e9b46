package workflows

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/BTCDecoded/releasetrain/activities"
	"github.com/BTCDecoded/releasetrain/config"
	"github.com/BTCDecoded/releasetrain/contract"
)

// testTag is the tag every workflow test releases.
const testTag = "v1.2.3"

// btcDecoded is the built-in BTCDecoded graph with resolved settings.
func btcDecoded() config.Train {
	deps := []struct {
		name string
		deps []string
	}{
		{"bllvm-consensus", nil},
		{"bllvm-protocol", []string{"bllvm-consensus"}},
		{"bllvm-node", []string{"bllvm-protocol", "bllvm-consensus"}},
		{"bllvm-sdk", []string{"bllvm-node"}},
		{"bllvm", []string{"bllvm-node"}},
		{"governance-app", []string{"bllvm-sdk"}},
		{"commons", nil},
	}
	t := config.Train{
		Owner:   "BTCDecoded",
		Release: config.ReleaseTarget{Repo: "bllvm-consensus", Name: "btcdecoded"},
	}
	for _, d := range deps {
		t.Repos = append(t.Repos, config.Repo{Name: d.name, DependsOn: d.deps, Settings: settings(2)})
	}
	return t
}

// settings are resolved defaults with the given retry limit.
func settings(retries int) config.Settings {
	return config.Settings{
		Dispatch:     config.DispatchWorkflow,
		Workflow:     "build.yml",
		Ref:          "main",
		EventType:    "releasetrain-build",
		BuildTimeout: 2 * time.Hour,
		RetryLimit:   &retries,
		RetryBackoff: time.Minute,
		PollInterval: 15 * time.Second,
		Artifacts:    []string{"*"},
	}
}

// singleRepo is a train of one repo "a".
func singleRepo(retries int) config.Train {
	return config.Train{
		Owner:   "o",
		Release: config.ReleaseTarget{Repo: "a", Name: "o"},
		Repos:   []config.Repo{{Name: "a", Settings: settings(retries)}},
	}
}

// event is one mocked activity call, at test time.
type event struct {
	what string // dispatch, await, check, rerun, cancel, collect
	repo string
	at   time.Time
}

// fakeGitHub scripts the activities: every build takes buildTime and
// succeeds unless failures[repo] says how many attempts fail first.
type fakeGitHub struct {
	t   *testing.T
	env *testsuite.TestWorkflowEnvironment

	mu        sync.Mutex
	events    []event
	buildTime time.Duration
	// buildTimes override buildTime per repo.
	buildTimes map[string]time.Duration
	failures   map[string]int
	outcome    string // outcome of a scripted failure; default failed
	// dispatchTime delays every DispatchBuild answer (cancel-in-flight tests).
	dispatchTime time.Duration
	// lost are the CancelDispatchedRun inputs, in order.
	lost []activities.LostDispatchInput
	// dispatchErrs are returned by the first DispatchBuild calls of a repo.
	dispatchErrs map[string][]error
	// collectErrs are returned by the first CollectArtifacts calls of a repo.
	collectErrs map[string][]error
	// legacyCollect answers CollectArtifacts with the file list itself, as
	// results recorded before manifests did.
	legacyCollect bool
	// blockAwait makes AwaitRun wait for cancellation (build-event tests).
	blockAwait bool
	// awaitTimeout makes AwaitRun fail as a ScheduleToClose timeout after
	// buildTime (the test environment does not enforce activity timeouts).
	awaitTimeout bool
	// checkFn replaces the CheckRun mock.
	checkFn func(context.Context, contract.RunRef) (activities.RunResult, error)
	// packageErrs and publishErrs are returned by the first PackageRelease
	// and PublishRelease calls.
	packageErrs []error
	publishErrs []error
	pkg         []activities.PackageInput
	pub         []activities.PublishInput
	dispatched  []activities.DispatchInput
	states      []contract.State // ReleaseState upserts
	// preflightResults are the first Preflight answers (then: passed);
	// preflights are its inputs.
	preflightResults []activities.PreflightResult
	preflights       []activities.PreflightInput
}

// newEnv builds a test environment with real workflows and the fake's
// activity mocks.
func newEnv(t *testing.T, f *fakeGitHub) *testsuite.TestWorkflowEnvironment {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	f.t, f.env = t, env
	if f.buildTime == 0 {
		f.buildTime = 10 * time.Minute
	}
	if f.outcome == "" {
		f.outcome = activities.OutcomeFailed
	}
	env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: contract.ReleaseWorkflowID(testTag)})
	env.RegisterWorkflowWithOptions(Release, workflowOptions(contract.ReleaseWorkflowName))
	env.RegisterWorkflowWithOptions(Layer, workflowOptions(contract.LayerWorkflowName))
	env.RegisterActivity(&activities.Activities{})
	var a *activities.Activities
	if f.dispatchTime > 0 {
		env.OnActivity(a.DispatchBuild, mock.Anything, mock.Anything).After(f.dispatchTime).Return(f.dispatch)
	} else {
		env.OnActivity(a.DispatchBuild, mock.Anything, mock.Anything).Return(f.dispatch)
	}
	env.OnActivity(a.CancelDispatchedRun, mock.Anything, mock.Anything).Return(f.cancelLost)
	env.OnActivity(a.Preflight, mock.Anything, mock.Anything).Return(f.preflight)
	if f.blockAwait {
		// Longer than the await's ScheduleToClose: only a build-event ends it.
		env.OnActivity(a.AwaitRun, mock.Anything, mock.Anything).AfterFn(f.awaitStarted(100 * time.Hour)).Return(f.awaitBlocking)
	} else if f.awaitTimeout {
		env.OnActivity(a.AwaitRun, mock.Anything, mock.Anything).AfterFn(f.awaitStarted(f.buildTime)).
			Return(activities.RunResult{}, temporal.NewTimeoutError(enumspb.TIMEOUT_TYPE_SCHEDULE_TO_CLOSE, nil))
	} else {
		for _, repo := range slices.Sorted(maps.Keys(f.buildTimes)) {
			onRepo := mock.MatchedBy(func(in activities.AwaitInput) bool { return in.Run.Repo == repo })
			env.OnActivity(a.AwaitRun, mock.Anything, onRepo).AfterFn(f.awaitStarted(f.buildTimes[repo])).Return(f.await)
		}
		env.OnActivity(a.AwaitRun, mock.Anything, mock.Anything).AfterFn(f.awaitStarted(f.buildTime)).Return(f.await)
	}
	check := f.check
	if f.checkFn != nil {
		check = f.checkFn
	}
	env.OnActivity(a.CheckRun, mock.Anything, mock.Anything).Return(check)
	env.OnActivity(a.RerunFailedJobs, mock.Anything, mock.Anything).Return(f.rerun)
	env.OnActivity(a.CancelRun, mock.Anything, mock.Anything).Return(f.cancel)
	env.OnActivity(a.CollectArtifacts, mock.Anything, mock.Anything).Return(f.collect)
	env.OnActivity(a.PackageRelease, mock.Anything, mock.Anything).Return(f.pack)
	env.OnActivity(a.PublishRelease, mock.Anything, mock.Anything).Return(f.publish)
	env.OnUpsertTypedSearchAttributes(mock.Anything).Run(func(args mock.Arguments) {
		sa := args.Get(0).(temporal.SearchAttributes)
		if st, ok := sa.GetKeyword(contract.ReleaseStateKey); ok {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.states = append(f.states, contract.State(st))
		}
	}).Return(nil).Maybe()
	return env
}

func (f *fakeGitHub) preflight(_ context.Context, in activities.PreflightInput) (activities.PreflightResult, error) {
	f.record("preflight", "")
	f.mu.Lock()
	defer f.mu.Unlock()
	f.preflights = append(f.preflights, in)
	if len(f.preflightResults) > 0 {
		res := f.preflightResults[0]
		f.preflightResults = f.preflightResults[1:]
		return res, nil
	}
	return activities.PreflightResult{ImmutableKnown: true, ReleaseImmutable: true, RateRemaining: 5000, RateLimit: 5000}, nil
}

func (f *fakeGitHub) record(what, repo string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.events = append(f.events, event{what: what, repo: repo, at: f.env.Now()})
}

// runID is the fake run id of a repo: stable, distinct.
func runID(repo string) int64 {
	var h int64 = 1000
	for _, c := range repo {
		h = h*31 + int64(c)
	}
	return h & 0xffffff
}

func runRef(repo string, attempt int) contract.RunRef {
	id := runID(repo)
	return contract.RunRef{Owner: "o", Repo: repo, ID: id, Attempt: attempt,
		URL: fmt.Sprintf("https://github.test/o/%s/actions/runs/%d", repo, id)}
}

func (f *fakeGitHub) dispatch(_ context.Context, in activities.DispatchInput) (contract.RunRef, error) {
	f.record("dispatch", in.Repo)
	f.mu.Lock()
	defer f.mu.Unlock()
	if errs := f.dispatchErrs[in.Repo]; len(errs) > 0 {
		f.dispatchErrs[in.Repo] = errs[1:]
		return contract.RunRef{}, errs[0]
	}
	f.dispatched = append(f.dispatched, in)
	return runRef(in.Repo, 1), nil
}

// result is a completed run: failed while scripted failures remain.
func (f *fakeGitHub) result(run contract.RunRef) activities.RunResult {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failures[run.Repo] > 0 {
		f.failures[run.Repo]--
		return activities.RunResult{Run: run, Status: "completed", Conclusion: "failure", Outcome: f.outcome}
	}
	return activities.RunResult{Run: run, Status: "completed", Conclusion: "success", Outcome: activities.OutcomeSucceeded}
}

// awaitStarted records each AwaitRun call when it starts (the test
// environment only hands the mock its arguments after the delay d, so the
// event names no repo) and delays its result by d.
func (f *fakeGitHub) awaitStarted(d time.Duration) func() time.Duration {
	return func() time.Duration {
		f.record("await", "")
		return d
	}
}

func (f *fakeGitHub) await(_ context.Context, in activities.AwaitInput) (activities.RunResult, error) {
	return f.result(in.Run), nil
}

// awaitBlocking is AwaitRun that never sees the run complete. (The test
// environment delays the call on its clock and does not interrupt the
// delay on cancel, so the result only matters if nothing cancels it.)
func (f *fakeGitHub) awaitBlocking(_ context.Context, in activities.AwaitInput) (activities.RunResult, error) {
	return activities.RunResult{Run: in.Run, Status: "in_progress", Outcome: activities.OutcomeRunning}, nil
}

func (f *fakeGitHub) check(_ context.Context, run contract.RunRef) (activities.RunResult, error) {
	f.record("check", run.Repo)
	return f.result(run), nil
}

func (f *fakeGitHub) rerun(_ context.Context, run contract.RunRef) (contract.RunRef, error) {
	f.record("rerun", run.Repo)
	return runRef(run.Repo, run.Attempt+1), nil
}

func (f *fakeGitHub) cancel(_ context.Context, run contract.RunRef) error {
	f.record("cancel", run.Repo)
	return nil
}

// cancelLost finds the lost dispatch's run (the fake always started it) and
// cancels it.
func (f *fakeGitHub) cancelLost(_ context.Context, in activities.LostDispatchInput) (activities.LostDispatchResult, error) {
	f.record("cancel-lost", in.Repo)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lost = append(f.lost, in)
	return activities.LostDispatchResult{Found: true, Cancelled: true, Run: runRef(in.Repo, 1)}, nil
}

func (f *fakeGitHub) collect(_ context.Context, in activities.CollectInput) (activities.CollectResult, error) {
	f.record("collect", in.Run.Repo)
	f.mu.Lock()
	defer f.mu.Unlock()
	if errs := f.collectErrs[in.Run.Repo]; len(errs) > 0 {
		f.collectErrs[in.Run.Repo] = errs[1:]
		return activities.CollectResult{}, errs[0]
	}
	file := fakeFile(in.Run.Repo)
	if f.legacyCollect {
		return activities.CollectResult{Files: []contract.File{file}}, nil
	}
	return activities.CollectResult{Manifest: contract.ManifestRef{SHA256: fmt.Sprintf("%064x", 1000+runID(in.Run.Repo)),
		Files: 1, Bytes: 3, First: []contract.File{file}}}, nil
}

// fakeFile is the one file the fakes collect for repo.
func fakeFile(repo string) contract.File {
	return contract.File{Repo: repo, Name: repo + "-linux-amd64", Size: 3, SHA256: fmt.Sprintf("%064x", runID(repo))}
}

// repoFiles is what the fake store's manifest of r lists.
func repoFiles(r activities.RepoResult) []contract.File {
	if r.Manifest != nil {
		return []contract.File{fakeFile(r.Repo)}
	}
	return r.Files
}

func (f *fakeGitHub) pack(_ context.Context, in activities.PackageInput) (activities.PackageResult, error) {
	f.record("package", "")
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.packageErrs) > 0 {
		err := f.packageErrs[0]
		f.packageErrs = f.packageErrs[1:]
		return activities.PackageResult{}, err
	}
	f.pkg = append(f.pkg, in)
	var out activities.PackageResult
	for _, r := range in.Repos {
		for _, file := range repoFiles(r) {
			out.Assets = append(out.Assets, activities.Asset{Name: file.Name, Size: file.Size, SHA256: file.SHA256})
		}
	}
	out.NotesSHA256 = "notes"
	return out, nil
}

func (f *fakeGitHub) publish(_ context.Context, in activities.PublishInput) (activities.PublishResult, error) {
	f.record("publish", "")
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.publishErrs) > 0 {
		err := f.publishErrs[0]
		f.publishErrs = f.publishErrs[1:]
		return activities.PublishResult{}, err
	}
	f.pub = append(f.pub, in)
	return activities.PublishResult{ReleaseID: 1, URL: "https://github.test/" + in.Owner + "/" + in.Repo + "/releases/tag/" + in.Tag}, nil
}

// calls returns the recorded events of one kind, in order.
func (f *fakeGitHub) calls(what string) []event {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []event
	for _, e := range f.events {
		if e.what == what {
			out = append(out, e)
		}
	}
	return out
}

// repos lists the repos of events, in order.
func repos(evs []event) []string {
	out := make([]string, 0, len(evs))
	for _, e := range evs {
		out = append(out, e.repo)
	}
	return out
}

// first returns the first event of a kind for repo.
func (f *fakeGitHub) first(t *testing.T, what, repo string) event {
	t.Helper()
	i := slices.IndexFunc(f.calls(what), func(e event) bool { return e.repo == repo })
	require.GreaterOrEqual(t, i, 0, "no %s for %s", what, repo)
	return f.calls(what)[i]
}

// queryStatus asks the running (or finished) workflow for its status.
func queryStatus(t *testing.T, env *testsuite.TestWorkflowEnvironment) contract.Status {
	t.Helper()
	v, err := env.QueryWorkflow(contract.QueryStatus)
	require.NoError(t, err, "query status")
	var st contract.Status
	require.NoError(t, v.Get(&st), "decode status")
	return st
}

func workflowOptions(name string) workflow.RegisterOptions {
	return workflow.RegisterOptions{Name: name}
}

type (
	ctxT         = context.Context
	testsuiteEnv = testsuite.TestWorkflowEnvironment
)

// upserted returns the ReleaseState values upserted so far.
func (f *fakeGitHub) upserted() []contract.State {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.states)
}

// operatorSignal is a signal an operator sends to a repo's build.
type operatorSignal struct {
	name, repo string
}

// statusThenSignal runs a release of train; at (workflow time) it reads the
// status, as an operator would on a blocked train, and sends the signals.
// The release must then end without error. It returns the status read.
func statusThenSignal(t *testing.T, env *testsuite.TestWorkflowEnvironment, at time.Duration, train config.Train, signals ...operatorSignal) contract.Status {
	t.Helper()
	var st contract.Status
	env.RegisterDelayedCallback(func() {
		st = queryStatus(t, env)
		for _, s := range signals {
			env.SignalWorkflow(s.name, contract.RepoSignal{Repo: s.repo})
		}
	}, at)
	env.ExecuteWorkflow(Release, contract.ReleaseInput{Tag: testTag, Train: train.JSON()})
	require.NoError(t, env.GetWorkflowError(), "workflow error")
	return st
}
