package workflows

import (
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/BTCDecoded/releasetrain/activities"
	"github.com/BTCDecoded/releasetrain/config"
	"github.com/BTCDecoded/releasetrain/contract"
)

// preflightVersion is the workflow.GetVersion change id of the preflight
// step before the first layer (and the asset-name check of the plan).
const preflightVersion = "preflight"

// Calls a train is estimated to spend from GitHub's rate budget (budget
// units; a 304 is free): per build a dispatch, its discovery, about six
// polls, the artifact list and downloads and a re-run's worth of slack;
// per release the draft, every upload, the checks and the publishing.
const (
	callsPerRepo    = 15
	callsPerRelease = 25
)

// minRateWait is the shortest wait for a rate-limit reset (a reset GitHub
// puts in the past, or clock skew, never spins the preflight).
const minRateWait = 10 * time.Second

// estimateCalls is the train's estimated GitHub API use.
func estimateCalls(repos int) int { return callsPerRepo*repos + callsPerRelease }

// preflightInput lists the release's repos with what the preflight checks.
func (r *release) preflightInput() activities.PreflightInput {
	in := activities.PreflightInput{
		Owner:        r.train.Owner,
		Tag:          r.in.Tag,
		ReleaseRepo:  r.train.Release.Repo,
		RequireDraft: r.in.DraftID != 0,
	}
	for _, name := range r.names() {
		for _, repo := range r.train.Repos {
			if repo.Name != name {
				continue
			}
			pr := activities.PreflightRepo{Name: name, Dispatch: repo.Dispatch}
			if repo.Dispatch == config.DispatchWorkflow {
				pr.Workflow = repo.Workflow
			}
			in.Repos = append(in.Repos, pr)
		}
	}
	in.Calls = estimateCalls(len(in.Repos))
	return in
}

// preflight runs the Preflight activity until it passes: problems block the
// train (state blocked, BlockedStep preflight) until retry runs it again or
// cancel ends the train; a rate budget that does not cover the train waits
// for its reset, saying so. Nothing is dispatched before it passes.
func (r *release) preflight(ctx, work workflow.Context) error {
	var a *activities.Activities
	in := r.preflightInput()
	for {
		r.status.Preflight = &contract.PreflightStatus{State: contract.PreflightRunning}
		r.refresh(ctx)
		var res activities.PreflightResult
		err := workflow.ExecuteActivity(apiOptions(work), a.Preflight, in).Get(work, &res)
		if work.Err() != nil {
			return work.Err()
		}
		ps := &contract.PreflightStatus{DraftFound: res.DraftFound, RateRemaining: res.RateRemaining,
			Message: strings.Join(res.Notes, "; ")}
		if res.ImmutableKnown {
			ps.ReleaseImmutable = new(res.ReleaseImmutable)
		}
		for _, p := range res.Problems {
			ps.Problems = append(ps.Problems, p.String())
		}
		if err != nil {
			ps.Problems = append(ps.Problems, errText(err))
		}
		r.status.Preflight = ps
		switch {
		case len(ps.Problems) > 0:
			ps.State = contract.PreflightBlocked
			cause := fmt.Errorf("%d problem(s): %s", len(ps.Problems), strings.Join(ps.Problems, "; "))
			if err := r.blockStep(ctx, work, contract.StepPreflight, cause); err != nil {
				return err
			}
		case !res.WaitUntil.IsZero():
			wait := max(res.WaitUntil.Sub(workflow.Now(ctx)), minRateWait)
			ps.State = contract.PreflightWaiting
			ps.Message = fmt.Sprintf("waiting for GitHub's rate limit reset at %s: %d calls left, the train needs about %d",
				res.WaitUntil.UTC().Format(time.RFC3339), res.RateRemaining, in.Calls)
			r.refresh(ctx)
			timer := workflow.NewTimerWithOptions(work, wait, workflow.TimerOptions{Summary: "rate limit reset"})
			if err := timer.Get(work, nil); err != nil {
				return err
			}
		default:
			ps.State = contract.PreflightPassed
			r.refresh(ctx)
			return nil
		}
	}
}
