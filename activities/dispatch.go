package activities

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"go.temporal.io/sdk/activity"
	"go.uber.org/zap"

	"github.com/BTCDecoded/releasetrain/contract"
	"github.com/BTCDecoded/releasetrain/ghclient"
)

// Build inputs every member repository's workflow receives (workflow_dispatch
// inputs, or client_payload keys for repository_dispatch).
const (
	InputReleaseTag    = "release_tag"
	InputCorrelationID = "correlation_id"
	InputUpstream      = "upstream"
)

// DispatchBuild starts the build of one repo, or finds the run an earlier
// attempt already started: the correlation id is deterministic, and a retried
// attempt waits out GitHub's listing delay before dispatching again.
func (a *Activities) DispatchBuild(ctx context.Context, in DispatchInput) (contract.RunRef, error) {
	upstream := in.Upstream
	if upstream == nil {
		upstream = map[string]int64{}
	}
	up, err := json.Marshal(upstream)
	if err != nil {
		return contract.RunRef{}, badInput(fmt.Sprintf("dispatch %s/%s: upstream", in.Owner, in.Repo), err)
	}
	wait := a.listingWaitFor(activity.GetInfo(ctx).Attempt)
	req := ghclient.DispatchRequest{
		Owner:         in.Owner,
		Repo:          in.Repo,
		Kind:          in.Settings.Dispatch,
		Workflow:      in.Settings.Workflow,
		Ref:           in.Settings.Ref,
		EventType:     in.Settings.EventType,
		CorrelationID: in.CorrelationID,
		Inputs: map[string]string{
			InputReleaseTag:    in.Tag,
			InputCorrelationID: in.CorrelationID,
			InputUpstream:      string(up),
		},
		NotBefore:   in.NotBefore,
		ListingWait: wait,
	}
	stop := heartbeatDuring(ctx, in.CorrelationID)
	run, err := a.GitHub.FindOrDispatch(ctx, req)
	stop()
	if err != nil {
		return contract.RunRef{}, githubError(fmt.Sprintf("dispatch %s/%s %s", in.Owner, in.Repo, in.CorrelationID), err)
	}
	a.logger().Info("build dispatched",
		zap.String("repo", in.Owner+"/"+in.Repo),
		zap.String("correlation_id", in.CorrelationID),
		zap.Int64("run_id", run.ID))
	return refFromRun(in.Owner, in.Repo, run), nil
}

// lostDispatchMaxDelay caps the pause between two looks for a lost
// dispatch's run.
const lostDispatchMaxDelay = 15 * time.Second

// CancelDispatchedRun is the cleanup of a DispatchBuild cancelled before it
// reported its run: the dispatch may have reached GitHub all the same, and
// that run, building for a cancelled train, would be lost to the cleanup
// that cancels runs by id. It looks the run up by its correlation id (again,
// with backoff, until in.Wait is spent: GitHub lists a new run after a few
// seconds) and cancels it unless it has completed. No run found is not an
// error: the dispatch never got through.
func (a *Activities) CancelDispatchedRun(ctx context.Context, in LostDispatchInput) (LostDispatchResult, error) {
	call := fmt.Sprintf("cancel dispatched run %s/%s %s", in.Owner, in.Repo, in.CorrelationID)
	stop := heartbeatDuring(ctx, in.CorrelationID)
	defer stop()
	deadline := time.Now().Add(in.Wait)
	delay := time.Second
	for {
		run, ok, err := a.GitHub.FindRun(ctx, in.Owner, in.Repo, in.CorrelationID, in.NotBefore)
		if err != nil {
			return LostDispatchResult{}, githubError(call, err)
		}
		if ok {
			return a.cancelFound(ctx, in, run)
		}
		left := time.Until(deadline)
		if left <= 0 {
			a.logger().Info("no run of a cancelled dispatch listed",
				zap.String("repo", in.Owner+"/"+in.Repo), zap.String("correlation_id", in.CorrelationID))
			return LostDispatchResult{}, nil
		}
		t := time.NewTimer(min(delay, left))
		select {
		case <-ctx.Done():
			t.Stop()
			return LostDispatchResult{}, ctx.Err()
		case <-t.C:
		}
		delay = min(2*delay, lostDispatchMaxDelay)
	}
}

// cancelFound cancels the run CancelDispatchedRun found, unless it completed.
func (a *Activities) cancelFound(ctx context.Context, in LostDispatchInput, run ghclient.Run) (LostDispatchResult, error) {
	res := LostDispatchResult{Found: true, Run: refFromRun(in.Owner, in.Repo, run)}
	if run.Status == "completed" {
		return res, nil
	}
	if err := a.GitHub.CancelRun(ctx, in.Owner, in.Repo, run.ID); err != nil {
		return res, githubError(fmt.Sprintf("cancel run %s/%s#%d", in.Owner, in.Repo, run.ID), err)
	}
	a.logger().Info("cancelled the run of a cancelled dispatch",
		zap.String("repo", in.Owner+"/"+in.Repo), zap.String("correlation_id", in.CorrelationID), zap.Int64("run_id", run.ID))
	res.Cancelled = true
	return res, nil
}

// refFromRun makes a RunRef from a ghclient run.
func refFromRun(owner, repo string, run ghclient.Run) contract.RunRef {
	attempt := run.Attempt
	if attempt == 0 {
		attempt = 1
	}
	return contract.RunRef{Owner: owner, Repo: repo, ID: run.ID, URL: run.HTMLURL, Attempt: attempt, HeadSHA: run.HeadSHA}
}

// listingWaitFor is the ListingWait for an activity attempt: a first attempt
// looks once and dispatches; a retry may follow a crash after a dispatch, so
// it gives GitHub time to list that run first.
func (a *Activities) listingWaitFor(attempt int32) time.Duration {
	if attempt <= 1 {
		return 0
	}
	return a.listingWait()
}
