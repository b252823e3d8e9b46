package activities

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"go.temporal.io/sdk/activity"
	"go.uber.org/zap"

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
func (a *Activities) DispatchBuild(ctx context.Context, in DispatchInput) (RunRef, error) {
	upstream := in.Upstream
	if upstream == nil {
		upstream = map[string]int64{}
	}
	up, err := json.Marshal(upstream)
	if err != nil {
		return RunRef{}, badInput(fmt.Sprintf("dispatch %s/%s: upstream", in.Owner, in.Repo), err)
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
		return RunRef{}, githubError(fmt.Sprintf("dispatch %s/%s %s", in.Owner, in.Repo, in.CorrelationID), err)
	}
	a.logger().Info("build dispatched",
		zap.String("repo", in.Owner+"/"+in.Repo),
		zap.String("correlation_id", in.CorrelationID),
		zap.Int64("run_id", run.ID))
	return refFromRun(in.Owner, in.Repo, run), nil
}

// refFromRun makes a RunRef from a ghclient run.
func refFromRun(owner, repo string, run ghclient.Run) RunRef {
	attempt := run.Attempt
	if attempt == 0 {
		attempt = 1
	}
	return RunRef{Owner: owner, Repo: repo, ID: run.ID, URL: run.HTMLURL, Attempt: attempt, HeadSHA: run.HeadSHA}
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
