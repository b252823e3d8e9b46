package ghclient

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/google/go-github/v62/github"
)

// clockSkew widens created>= so a server clock slightly behind ours still
// lists the run.
const clockSkew = time.Minute

// maxListPages bounds a run search: GitHub returns at most 1,000 results per
// filtered search (10 pages of 100).
const maxListPages = 10

// FindRun looks once for a run created at or after notBefore (minus a minute
// of clock-skew slack) whose display title carries correlationID whole (not
// followed by a digit, so generation 1 never takes generation 12). When
// several match, the earliest is returned.
func (c *Client) FindRun(ctx context.Context, owner, repo, correlationID string, notBefore time.Time) (Run, bool, error) {
	return c.findRun(ctx, owner, repo, "", correlationID, notBefore)
}

// findRun lists runs (optionally of one event) and matches display_title.
func (c *Client) findRun(ctx context.Context, owner, repo, event, correlationID string, notBefore time.Time) (Run, bool, error) {
	if correlationID == "" {
		return Run{}, false, &Error{Kind: KindPermanent, Call: "find run", Repo: fullName(owner, repo), Message: "empty correlation id"}
	}
	opts := &github.ListWorkflowRunsOptions{Event: event, ListOptions: github.ListOptions{PerPage: 100}}
	if !notBefore.IsZero() {
		opts.Created = ">=" + notBefore.Add(-clockSkew).UTC().Format(time.RFC3339)
	}
	ctx = withKind(ctx, kindListRuns)
	var (
		best  Run
		found bool
	)
	for page := 0; page < maxListPages; page++ {
		runs, resp, err := c.gh.Actions.ListRepositoryWorkflowRuns(ctx, owner, repo, opts)
		if err != nil {
			return Run{}, false, c.classify("list runs", fullName(owner, repo), err)
		}
		for _, wr := range runs.WorkflowRuns {
			if !carriesID(wr.GetDisplayTitle(), correlationID) {
				continue
			}
			r := runFrom(wr)
			if !found || r.CreatedAt.Before(best.CreatedAt) || (r.CreatedAt.Equal(best.CreatedAt) && r.ID < best.ID) {
				best, found = r, true
			}
		}
		if resp.NextPage == 0 {
			break
		}
		opts.Page = resp.NextPage
	}
	return best, found, nil
}

// carriesID reports whether title holds id as a whole: an occurrence
// followed by a digit is another id (correlation ids end in a generation
// number, and "…:1" is a prefix of "…:12").
func carriesID(title, id string) bool {
	for i := 0; ; {
		j := strings.Index(title[i:], id)
		if j < 0 {
			return false
		}
		end := i + j + len(id)
		if end == len(title) || title[end] < '0' || title[end] > '9' {
			return true
		}
		i += j + 1
	}
}

// GetRun fetches a run. With the etag of an earlier GetRun it asks
// If-None-Match: an unchanged run answers 304, costs no rate-limit budget and
// returns changed=false with only ETag set.
func (c *Client) GetRun(ctx context.Context, owner, repo string, runID int64, etag string) (Run, bool, error) {
	call := fmt.Sprintf("get run %d", runID)
	req, err := c.gh.NewRequest(http.MethodGet, fmt.Sprintf("repos/%s/%s/actions/runs/%d", owner, repo, runID), nil)
	if err != nil {
		return Run{}, false, c.classify(call, fullName(owner, repo), err)
	}
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	var wr github.WorkflowRun
	resp, err := c.gh.Do(withKind(ctx, kindGetRun), req, &wr)
	if err != nil {
		return Run{}, false, c.classify(call, fullName(owner, repo), err)
	}
	if resp.Header.Get(notModifiedHeader) != "" {
		return Run{ETag: etag}, false, nil
	}
	r := runFrom(&wr)
	r.ETag = resp.Header.Get("ETag")
	return r, true, nil
}

// Classify reduces a run to what the orchestrator acts on. cancelledByUs
// makes a "cancelled" conclusion final instead of retryable.
func Classify(r Run, cancelledByUs bool) Outcome {
	if r.Status != "completed" {
		return Running
	}
	switch r.Conclusion {
	case "success":
		return Succeeded
	case "action_required":
		return NeedsPerson
	case "cancelled":
		if cancelledByUs {
			return Cancelled
		}
		return FailedRetryable
	case "failure", "timed_out", "startup_failure", "stale":
		return FailedRetryable
	default:
		// neutral, skipped, or a conclusion GitHub adds later: a person decides.
		return NeedsPerson
	}
}

// RerunFailedJobs re-runs a completed run's failed jobs (same run id, next attempt).
func (c *Client) RerunFailedJobs(ctx context.Context, owner, repo string, runID int64) error {
	_, err := c.gh.Actions.RerunFailedJobsByID(withKind(ctx, kindRerun), owner, repo, runID)
	return c.classify(fmt.Sprintf("rerun failed jobs of run %d", runID), fullName(owner, repo), err)
}

// CancelRun asks GitHub to cancel a run. 202 is success; 409 (the run has
// already completed) is not an error.
func (c *Client) CancelRun(ctx context.Context, owner, repo string, runID int64) error {
	_, err := c.gh.Actions.CancelWorkflowRunByID(withKind(ctx, kindCancel), owner, repo, runID)
	if isAccepted(err) || statusCode(err) == http.StatusConflict {
		return nil
	}
	return c.classify(fmt.Sprintf("cancel run %d", runID), fullName(owner, repo), err)
}

func isAccepted(err error) bool {
	var ae *github.AcceptedError
	return errors.As(err, &ae)
}

// runFrom maps go-github's run.
func runFrom(wr *github.WorkflowRun) Run {
	return Run{
		ID:           wr.GetID(),
		Attempt:      wr.GetRunAttempt(),
		Status:       wr.GetStatus(),
		Conclusion:   wr.GetConclusion(),
		HTMLURL:      wr.GetHTMLURL(),
		HeadSHA:      wr.GetHeadSHA(),
		DisplayTitle: wr.GetDisplayTitle(),
		CreatedAt:    wr.GetCreatedAt().Time,
		UpdatedAt:    wr.GetUpdatedAt().Time,
	}
}
