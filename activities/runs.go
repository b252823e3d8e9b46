package activities

import (
	"context"
	"fmt"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.uber.org/zap"

	"github.com/BTCDecoded/releasetrain/contract"
	"github.com/BTCDecoded/releasetrain/ghclient"
)

// awaitProgress is AwaitRun's heartbeat detail: a retried attempt resumes
// with the last ETag (a free 304) and the last status seen.
type awaitProgress struct {
	ETag       string `json:"etag"`
	Status     string `json:"status"`
	Conclusion string `json:"conclusion"`
	Attempt    int    `json:"attempt"`
	URL        string `json:"url"`
	HeadSHA    string `json:"head_sha"`
}

// AwaitRun polls a run with ETags every PollInterval until it completes,
// heartbeating each poll (and often enough for the heartbeat timeout); it
// returns ctx.Err() promptly when cancelled. The first read waits one
// interval: the run was just dispatched or re-run, so an immediate read would
// spend a rate-limit unit to learn "queued" (a run that finishes sooner is
// noticed by its build-event). A resumed attempt reads at once: with the
// ETag from its heartbeat that costs nothing.
func (a *Activities) AwaitRun(ctx context.Context, in AwaitInput) (RunResult, error) {
	interval := in.PollInterval
	if interval <= 0 {
		interval = DefaultPollInterval
	}
	beat := interval
	if hb := activity.GetInfo(ctx).HeartbeatTimeout; hb > 0 && hb/2 < beat {
		beat = hb / 2
	}
	p := awaitProgress{Attempt: in.Run.Attempt, URL: in.Run.URL, HeadSHA: in.Run.HeadSHA}
	nextPoll := time.Now().Add(interval)
	if activity.HasHeartbeatDetails(ctx) {
		var prev awaitProgress
		if err := activity.GetHeartbeatDetails(ctx, &prev); err == nil {
			p = prev
		}
		nextPoll = time.Now()
	}
	call := fmt.Sprintf("get run %s/%s#%d", in.Run.Owner, in.Run.Repo, in.Run.ID)
	timer := time.NewTimer(min(beat, time.Until(nextPoll)))
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return RunResult{}, ctx.Err()
		case <-timer.C:
		}
		if now := time.Now(); !now.Before(nextPoll) {
			run, changed, err := a.GitHub.GetRun(ctx, in.Run.Owner, in.Run.Repo, in.Run.ID, p.ETag)
			if err != nil {
				return RunResult{}, githubError(call, err)
			}
			if changed {
				p = awaitProgress{ETag: run.ETag, Status: run.Status, Conclusion: run.Conclusion,
					Attempt: run.Attempt, URL: run.HTMLURL, HeadSHA: run.HeadSHA}
			}
			nextPoll = now.Add(interval)
			if p.Status == "completed" && !staleAttempt(in.Run, p) {
				return a.result(in.Run, p), nil
			}
		}
		activity.RecordHeartbeat(ctx, p)
		wait := min(beat, time.Until(nextPoll))
		timer.Reset(max(wait, 0))
	}
}

// staleAttempt reports an answer about an earlier attempt than the one
// awaited: right after a re-run GitHub may still show the failed attempt as
// completed, which must not count as this attempt's result.
func staleAttempt(want contract.RunRef, p awaitProgress) bool {
	return want.Attempt > 0 && p.Attempt > 0 && p.Attempt < want.Attempt
}

// CheckRun reads a run once (e.g. after a build-event signal). Like
// AwaitRun, an answer about an attempt before the one awaited (a late
// webhook of the failed attempt, while GitHub still shows it right after a
// re-run) is not this attempt's result: it reports the run as running, so
// the build polls on instead of counting a failure it already handled.
func (a *Activities) CheckRun(ctx context.Context, run contract.RunRef) (RunResult, error) {
	r, _, err := a.GitHub.GetRun(ctx, run.Owner, run.Repo, run.ID, "")
	if err != nil {
		return RunResult{}, githubError(fmt.Sprintf("get run %s/%s#%d", run.Owner, run.Repo, run.ID), err)
	}
	p := awaitProgress{Status: r.Status, Conclusion: r.Conclusion,
		Attempt: r.Attempt, URL: r.HTMLURL, HeadSHA: r.HeadSHA}
	if staleAttempt(run, p) {
		return RunResult{Run: run, Status: r.Status, Outcome: OutcomeRunning}, nil
	}
	return a.result(run, p), nil
}

// RerunFailedJobs re-runs a failed run's failed jobs: the same run, next
// attempt. It is idempotent: when the run is already past run.Attempt (an
// earlier try's re-run landed, but its answer was lost to a crash or a 5xx),
// it returns that attempt instead of asking again, which GitHub would refuse
// ("already running") or turn into a second re-run.
func (a *Activities) RerunFailedJobs(ctx context.Context, run contract.RunRef) (contract.RunRef, error) {
	call := fmt.Sprintf("rerun failed jobs %s/%s#%d", run.Owner, run.Repo, run.ID)
	cur, _, err := a.GitHub.GetRun(ctx, run.Owner, run.Repo, run.ID, "")
	if err != nil {
		return contract.RunRef{}, githubError(call, err)
	}
	if cur.Attempt > run.Attempt {
		a.logger().Info("build re-run already landed", zap.String("repo", run.Owner+"/"+run.Repo),
			zap.Int64("run_id", run.ID), zap.Int("attempt", cur.Attempt))
		next := run
		next.Attempt = cur.Attempt
		return next, nil
	}
	if rerunMustWait(cur.Status, activity.GetInfo(ctx).Attempt) {
		// A run cancelled for its build_timeout stays in progress until its
		// jobs stop; GitHub would refuse the re-run ("already running").
		return contract.RunRef{}, temporal.NewApplicationErrorWithOptions(
			fmt.Sprintf("%s: run is still %s; re-running once it completes", call, cur.Status), GitHubErrorType,
			temporal.ApplicationErrorOptions{NextRetryDelay: rerunWait})
	}
	if err := a.GitHub.RerunFailedJobs(ctx, run.Owner, run.Repo, run.ID); err != nil {
		return contract.RunRef{}, githubError(call, err)
	}
	a.logger().Info("build re-run", zap.String("repo", run.Owner+"/"+run.Repo),
		zap.Int64("run_id", run.ID), zap.Int("attempt", run.Attempt+1))
	next := run
	next.Attempt = run.Attempt + 1
	return next, nil
}

// A re-run of a run that has not completed yet (still being cancelled after
// its build_timeout) waits rerunWait between looks, for up to
// rerunWaitAttempts tries; then it asks anyway, and GitHub's refusal blocks
// the build for an operator.
const (
	rerunWait         = 15 * time.Second
	rerunWaitAttempts = 20
)

// rerunMustWait reports whether RerunFailedJobs' attempt should wait for a
// run in status to complete instead of asking GitHub to re-run it.
func rerunMustWait(status string, attempt int32) bool {
	return status != "completed" && attempt < rerunWaitAttempts
}

// CancelRun cancels a run (GitHub answers 202; a run that already finished is not an error for ghclient).
func (a *Activities) CancelRun(ctx context.Context, run contract.RunRef) error {
	if err := a.GitHub.CancelRun(ctx, run.Owner, run.Repo, run.ID); err != nil {
		return githubError(fmt.Sprintf("cancel run %s/%s#%d", run.Owner, run.Repo, run.ID), err)
	}
	return nil
}

// result reduces a run's last known state to a RunResult.
func (a *Activities) result(ref contract.RunRef, p awaitProgress) RunResult {
	if p.Attempt > 0 {
		ref.Attempt = p.Attempt
	}
	if p.URL != "" {
		ref.URL = p.URL
	}
	if p.HeadSHA != "" {
		ref.HeadSHA = p.HeadSHA
	}
	outcome := ghclient.Classify(ghclient.Run{ID: ref.ID, Attempt: ref.Attempt, Status: p.Status, Conclusion: p.Conclusion}, false)
	return RunResult{Run: ref, Status: p.Status, Conclusion: p.Conclusion, Outcome: outcomeName(outcome)}
}

// outcomeName maps ghclient's outcome to the workflows' outcome names.
func outcomeName(o ghclient.Outcome) string {
	switch o {
	case ghclient.Succeeded:
		return OutcomeSucceeded
	case ghclient.FailedRetryable:
		return OutcomeFailed
	case ghclient.NeedsPerson:
		return OutcomeNeedsPerson
	case ghclient.Cancelled:
		return OutcomeCancelled
	default:
		return OutcomeRunning
	}
}
