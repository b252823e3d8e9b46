package workflows

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/BTCDecoded/releasetrain/activities"
	"github.com/BTCDecoded/releasetrain/contract"
)

// cancelLostDispatchVersion is the workflow.GetVersion change id of looking
// up and cancelling the run of a dispatch cancelled before it reported one.
const cancelLostDispatchVersion = "cancel-lost-dispatch"

// errSkipped ends a build's pipeline when an operator skips it.
var errSkipped = errors.New("skipped by operator")

// step is one stage of a build's pipeline; it returns the next stage (nil
// when the build succeeded). It returns an error only for a skip or a
// cancellation: every other failure blocks inside the step.
type step func(ctx workflow.Context) (step, error)

// build is one repo's pipeline inside a Layer: dispatch → await (woken by
// build-event signals) → collect, with re-runs and operator blocks.
type build struct {
	l    *layer
	repo LayerRepo
	// gen is the dispatch generation in the correlation id; it only grows
	// when a run is lost for good and a fresh dispatch is needed.
	gen       int
	notBefore time.Time
	run       *contract.RunRef
	runActive bool // the run exists and has not completed: cancel it on cancel/skip
	reruns    int  // automatic re-runs used
	status    contract.RepoStatus
	manifest  *contract.ManifestRef // the collected files
	files     []contract.File       // the collected files, in histories from before manifests
	event     *contract.BuildEvent  // latest completed build-event, consumed on use
	// artifacts (the stored list of the run's artifacts) and conclusion
	// describe the successful run, for the provenance.
	artifacts  string
	conclusion string
	// lost is a dispatch cancelled before it reported a run: GitHub may have
	// started one all the same, so the cleanup looks it up and cancels it.
	lost *activities.LostDispatchInput

	// Operator requests and flags, set by the layer's signal listener.
	retry, skip, blocked, finished bool
}

func newBuild(l *layer, r LayerRepo) *build {
	return &build{l: l, repo: r, gen: 1, status: contract.RepoStatus{State: contract.RepoPending}}
}

// drive runs the pipeline to its end: succeeded, skipped or cancelled.
// After a cancel, CancelRun runs on a disconnected context.
func (b *build) drive(ctx workflow.Context) {
	err := b.pipeline(ctx)
	cleanup, _ := workflow.NewDisconnectedContext(ctx)
	b.finished = true
	b.blocked = false
	switch {
	case err == nil:
		return
	case errors.Is(err, errSkipped):
		b.cancelRun(cleanup)
		b.finish(cleanup, contract.RepoSkipped)
	default:
		b.cancelRun(cleanup)
		b.cancelLostDispatch(cleanup)
		b.finish(cleanup, contract.RepoCancelled)
	}
}

func (b *build) pipeline(ctx workflow.Context) error {
	for next := step(b.dispatch); next != nil; {
		var err error
		if next, err = next(ctx); err != nil {
			return err
		}
	}
	return nil
}

// dispatch finds or starts the build's run under its correlation id.
func (b *build) dispatch(ctx workflow.Context) (step, error) {
	var a *activities.Activities
	if err := b.waitUpstream(ctx); err != nil {
		return nil, err
	}
	if err := b.waitUnpaused(ctx); err != nil {
		return nil, err
	}
	now := workflow.Now(ctx)
	if b.notBefore.IsZero() {
		b.notBefore = now
	}
	if b.status.StartedAt == nil {
		b.status.StartedAt = &now
	}
	b.status.State = contract.RepoDispatched
	b.report()
	in := activities.DispatchInput{
		Owner:         b.l.in.Owner,
		Repo:          b.repo.Name,
		Tag:           b.l.in.Tag,
		CorrelationID: contract.CorrelationID(b.l.in.Tag, b.repo.Name, b.gen),
		Settings:      b.repo.Settings,
		Upstream:      b.upstream(),
		NotBefore:     b.notBefore,
	}
	var ref contract.RunRef
	err := workflow.ExecuteActivity(dispatchOptions(ctx), a.DispatchBuild, in).Get(ctx, &ref)
	if err == nil {
		b.setRun(ref)
	}
	if ctx.Err() != nil {
		if err != nil {
			b.lost = &activities.LostDispatchInput{Owner: in.Owner, Repo: in.Repo,
				CorrelationID: in.CorrelationID, NotBefore: in.NotBefore, Wait: lostDispatchWait}
		}
		return nil, ctx.Err()
	}
	if err != nil {
		return b.block(ctx, "dispatch: "+errText(err), b.dispatch)
	}
	if b.skip {
		return nil, errSkipped
	}
	b.status.State = contract.RepoBuilding
	b.report()
	return b.await, nil
}

// upstream maps the repo's direct dependencies to their successful runs.
func (b *build) upstream() map[string]int64 {
	up := make(map[string]int64, len(b.repo.DependsOn))
	for _, d := range b.repo.DependsOn {
		if id, ok := b.l.in.Upstream[d]; ok {
			up[d] = id
		} else if id, ok := b.l.upstream[d]; ok {
			up[d] = id
		}
	}
	if len(up) == 0 {
		return nil
	}
	return up
}

// await waits for the run to complete and routes its outcome.
func (b *build) await(ctx workflow.Context) (step, error) {
	res, err := b.waitRun(ctx)
	if err != nil {
		if errors.Is(err, errSkipped) || ctx.Err() != nil {
			return nil, err
		}
		if _, ok := errors.AsType[*temporal.TimeoutError](err); ok {
			b.cancelRun(ctx)
			return b.failed(ctx, fmt.Sprintf("build exceeded build_timeout %s", b.repo.Settings.BuildTimeout))
		}
		return b.block(ctx, "await run: "+errText(err), b.redispatch)
	}
	b.runActive = false
	if res.Run.ID != 0 {
		b.setRun(res.Run)
	}
	switch res.Outcome {
	case activities.OutcomeSucceeded:
		b.conclusion = res.Conclusion
		return b.collect, nil
	case activities.OutcomeNeedsPerson:
		return b.block(ctx, "run needs a person: "+res.Conclusion, b.rerun)
	default:
		return b.failed(ctx, "run concluded "+res.Conclusion)
	}
}

// waitRun runs AwaitRun and, in parallel, waits for a completed
// build-event about the run: the event cancels the poll and one CheckRun
// confirms it. An unconfirmed (stale) event resumes the poll.
func (b *build) waitRun(ctx workflow.Context) (activities.RunResult, error) {
	var a *activities.Activities
	for {
		actx, cancel := workflow.WithCancel(ctx)
		f := workflow.ExecuteActivity(awaitOptions(actx, b.repo.Settings), a.AwaitRun,
			activities.AwaitInput{Run: *b.run, PollInterval: b.repo.Settings.PollInterval})
		err := workflow.Await(ctx, func() bool { return f.IsReady() || b.skip || b.completedEvent() })
		if err == nil && f.IsReady() {
			var res activities.RunResult
			err = f.Get(ctx, &res)
			cancel()
			return res, err
		}
		cancel()
		if err != nil {
			return activities.RunResult{}, err
		}
		if b.skip {
			return activities.RunResult{}, errSkipped
		}
		b.event = nil
		var res activities.RunResult
		if err := workflow.ExecuteActivity(apiOptions(ctx), a.CheckRun, *b.run).Get(ctx, &res); err != nil {
			return res, err
		}
		if res.Outcome != activities.OutcomeRunning {
			return res, nil
		}
		workflow.GetLogger(ctx).Info("build-event not confirmed; polling again", "repo", b.repo.Name, "run", b.run.ID)
	}
}

// completedEvent reports whether a completed build-event names the current run.
func (b *build) completedEvent() bool {
	return b.event != nil && b.run != nil && b.event.RunID == b.run.ID
}

// onEvent records a build-event; only completions wake the build.
func (b *build) onEvent(ev contract.BuildEvent) {
	if ev.Status == "completed" {
		b.event = &ev
	}
}

// failed re-runs a failed build after a backoff while re-runs remain,
// then blocks.
func (b *build) failed(ctx workflow.Context, why string) (step, error) {
	if b.reruns >= b.repo.Settings.Retries() {
		return b.block(ctx, why, b.rerun)
	}
	b.status.State = contract.RepoFailed
	b.status.Error = why
	b.report()
	wait := b.repo.Settings.Backoff(b.reruns)
	if err := b.sleep(ctx, wait, fmt.Sprintf("%s re-run %d backoff", b.repo.Name, b.reruns+1)); err != nil {
		return nil, err
	}
	b.reruns++
	return b.rerun, nil
}

// rerun re-runs the failed jobs of the run (same run, next attempt).
func (b *build) rerun(ctx workflow.Context) (step, error) {
	var a *activities.Activities
	if err := b.waitUnpaused(ctx); err != nil {
		return nil, err
	}
	b.event = nil
	var ref contract.RunRef
	err := workflow.ExecuteActivity(apiOptions(ctx), a.RerunFailedJobs, *b.run).Get(ctx, &ref)
	if err == nil {
		b.setRun(ref)
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if err != nil {
		return b.block(ctx, "re-run: "+errText(err), b.redispatch)
	}
	b.status.State = contract.RepoBuilding
	b.status.Error = ""
	b.report()
	return b.await, nil
}

// redispatch starts a fresh run under the next generation's correlation id,
// for a run that can no longer be awaited or re-run.
func (b *build) redispatch(ctx workflow.Context) (step, error) {
	b.gen++
	b.run, b.runActive = nil, false
	b.status.RunID, b.status.RunURL, b.status.Attempt = 0, "", 0
	return b.dispatch(ctx)
}

// collect stores the successful run's artifacts; the build is done.
func (b *build) collect(ctx workflow.Context) (step, error) {
	var a *activities.Activities
	b.status.State = contract.RepoCollecting
	b.status.Error = ""
	b.report()
	var out activities.CollectResult
	in := activities.CollectInput{Run: *b.run, Patterns: b.repo.Settings.Artifacts}
	err := workflow.ExecuteActivity(longOptions(ctx, collectTimeout), a.CollectArtifacts, in).Get(ctx, &out)
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if err != nil {
		return b.block(ctx, "collect artifacts: "+errText(err), b.collect)
	}
	if out.Manifest.SHA256 != "" {
		b.manifest = &out.Manifest
	}
	b.files = out.Files // only in results recorded before manifests
	b.artifacts = out.ArtifactsSHA256
	setFiles(&b.status, b.manifest, b.files)
	b.finish(ctx, contract.RepoSucceeded)
	return nil, nil
}

// block reports the build blocked and waits for an operator: retry
// continues with onRetry, skip ends the build, cancel ends the layer.
func (b *build) block(ctx workflow.Context, why string, onRetry step) (step, error) {
	workflow.GetLogger(ctx).Warn("build blocked", "repo", b.repo.Name, "reason", why)
	b.retry, b.blocked = false, true
	b.status.State = contract.RepoFailed
	b.status.Error = why
	b.report()
	err := workflow.Await(ctx, func() bool { return b.retry || b.skip })
	b.blocked = false
	switch {
	case err != nil:
		return nil, err
	case b.skip:
		return nil, errSkipped
	}
	b.retry = false
	b.report()
	return onRetry, nil
}

// sleep waits d on a labelled timer, or until a skip.
func (b *build) sleep(ctx workflow.Context, d time.Duration, summary string) error {
	tctx, cancel := workflow.WithCancel(ctx)
	defer cancel()
	t := workflow.NewTimerWithOptions(tctx, d, workflow.TimerOptions{Summary: summary})
	if err := workflow.Await(ctx, func() bool { return t.IsReady() || b.skip }); err != nil {
		return err
	}
	if b.skip {
		return errSkipped
	}
	return nil
}

// waitUpstream holds the build of an eager layer until every repo it
// depends on has succeeded or was skipped, or until it is skipped itself.
func (b *build) waitUpstream(ctx workflow.Context) error {
	if !b.l.in.Eager {
		return nil
	}
	if err := workflow.Await(ctx, func() bool { return b.skip || b.upstreamReady() }); err != nil {
		return err
	}
	if b.skip {
		return errSkipped
	}
	return nil
}

// upstreamReady reports whether every dependency of the build is done.
func (b *build) upstreamReady() bool {
	for _, d := range b.repo.DependsOn {
		if _, done := b.l.in.Upstream[d]; !done && !b.l.ready[d] {
			return false
		}
	}
	return true
}

// waitUnpaused holds a dispatch or re-run while the train is paused.
func (b *build) waitUnpaused(ctx workflow.Context) error {
	if err := workflow.Await(ctx, func() bool { return !b.l.paused || b.skip }); err != nil {
		return err
	}
	if b.skip {
		return errSkipped
	}
	return nil
}

// cancelRun cancels the GitHub run if it is still going; errors are logged
// (the train is ending or moving on either way).
func (b *build) cancelRun(ctx workflow.Context) {
	var a *activities.Activities
	if b.run == nil || !b.runActive {
		return
	}
	if err := workflow.ExecuteActivity(cleanupOptions(ctx), a.CancelRun, *b.run).Get(ctx, nil); err != nil {
		workflow.GetLogger(ctx).Warn("cancel run", "repo", b.repo.Name, "run", b.run.ID, "error", err)
	}
	b.runActive = false
}

// cancelLostDispatch cancels the run of a dispatch that was cancelled
// before it reported one (version 1): DispatchBuild answers a cancel with
// the context's error even after GitHub accepted the dispatch, and without
// a run id cancelRun has nothing to cancel, so the run built on for a
// cancelled train. Errors are logged, like cancelRun's.
func (b *build) cancelLostDispatch(ctx workflow.Context) {
	var a *activities.Activities
	if b.lost == nil {
		return
	}
	in := *b.lost
	b.lost = nil
	if workflow.GetVersion(ctx, cancelLostDispatchVersion, workflow.DefaultVersion, 1) < 1 {
		return
	}
	var res activities.LostDispatchResult
	if err := workflow.ExecuteActivity(lostDispatchOptions(ctx), a.CancelDispatchedRun, in).Get(ctx, &res); err != nil {
		workflow.GetLogger(ctx).Warn("cancel the run of a cancelled dispatch", "repo", b.repo.Name,
			"correlation_id", in.CorrelationID, "error", err)
		return
	}
	if res.Found {
		b.status.RunID, b.status.RunURL, b.status.Attempt = res.Run.ID, res.Run.URL, res.Run.Attempt
	}
}

// setRun records the run the build now follows.
func (b *build) setRun(ref contract.RunRef) {
	b.run = &ref
	b.runActive = true
	b.status.RunID = ref.ID
	b.status.RunURL = ref.URL
	b.status.Attempt = ref.Attempt
}

// finish records a final state.
func (b *build) finish(ctx workflow.Context, state contract.RepoState) {
	now := workflow.Now(ctx)
	b.status.State = state
	b.status.FinishedAt = &now
	if state == contract.RepoSucceeded {
		b.status.Error = ""
	}
	b.report()
	if b.l.in.Eager && (state == contract.RepoSucceeded || state == contract.RepoSkipped) {
		u := UpstreamRepo{Name: b.repo.Name, Skipped: state == contract.RepoSkipped}
		if !u.Skipped && b.run != nil {
			u.RunID = b.run.ID
		}
		b.l.notify(ctx, u)
	}
}

func (b *build) report() {
	b.l.rep.add(RepoUpdate{Repo: b.repo.Name, Status: b.status, Blocked: b.blocked})
}

// result is the build's contribution to the release.
func (b *build) result() activities.RepoResult {
	r := activities.RepoResult{Repo: b.repo.Name, Attempts: b.status.Attempt, Files: b.files,
		Conclusion: b.conclusion, Workflow: b.repo.Settings.Workflow, ArtifactsSHA256: b.artifacts}
	if b.manifest != nil {
		// The first files are for the status only: the layer result and the
		// package input carry the reference and counts, a few hundred bytes
		// a repo however many repos the train has.
		m := *b.manifest
		m.First = nil
		r.Manifest = &m
	}
	if b.run != nil {
		r.Run = *b.run
		// Re-runs of the final run, and fresh dispatches before it.
		r.Reruns = max(b.run.Attempt-1, 0) + b.gen - 1
	}
	if b.status.State == contract.RepoSkipped {
		r.Skipped = true
		r.SkipReason = "skipped by operator"
		if b.status.Error != "" {
			r.SkipReason += " after: " + b.status.Error
		}
	}
	return r
}

// errText renders an activity's failure once, for the status: the
// application error's message, without Temporal's activity wrapping
// ("activity error (type: …, scheduledEventID: …)") or the "(type: …,
// retryable: …)" of ApplicationError.Error(). The activities put their
// cause's text into the message already ("collect …: <cause>"), so a cause
// is appended only when the text so far does not hold it.
func errText(err error) string {
	app, ok := errors.AsType[*temporal.ApplicationError](err)
	if !ok {
		return err.Error()
	}
	text := app.Message()
	for cause := app.Unwrap(); cause != nil; cause = errors.Unwrap(cause) {
		msg := cause.Error()
		if a, ok := cause.(*temporal.ApplicationError); ok {
			msg = a.Message()
		}
		switch {
		case msg == "" || strings.Contains(text, msg):
		case text == "":
			text = msg
		default:
			text += ": " + msg
		}
		if _, ok := cause.(*temporal.ApplicationError); !ok {
			break // a Go error's Error() already holds its whole chain
		}
	}
	if text == "" {
		return app.Error()
	}
	return text
}
