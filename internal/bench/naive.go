package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/google/go-github/v62/github"
)

// NaivePoller is the rate-limit baseline: a build driven the obvious way
// with go-github and no conditional requests. It dispatches the workflow,
// lists runs until one carries the correlation id, polls the run every
// Interval without If-None-Match until it completes, then lists and
// downloads the artifacts.
type NaivePoller struct {
	// GH is a go-github client (plain: no ETag cache).
	GH *github.Client
	// Interval is the poll period (real time). The baseline is 10 s simulated.
	Interval time.Duration
	// Blob downloads the signed artifact URLs, without credentials.
	Blob *http.Client
}

// Build runs one build of owner/repo and returns the bytes of artifacts downloaded.
func (p *NaivePoller) Build(ctx context.Context, owner, repo, workflow, tag, correlation string) (int64, error) {
	_, err := p.GH.Actions.CreateWorkflowDispatchEventByFileName(ctx, owner, repo, workflow, github.CreateWorkflowDispatchEventRequest{
		Ref:    "main",
		Inputs: map[string]any{"release_tag": tag, "correlation_id": correlation},
	})
	if err != nil {
		return 0, fmt.Errorf("naive dispatch %s/%s: %w", owner, repo, err)
	}
	tick := time.NewTicker(p.Interval)
	defer tick.Stop()
	var runID int64
	for runID == 0 {
		runs, _, err := p.GH.Actions.ListWorkflowRunsByFileName(ctx, owner, repo, workflow,
			&github.ListWorkflowRunsOptions{Event: "workflow_dispatch", ListOptions: github.ListOptions{PerPage: 20}})
		if err != nil {
			return 0, fmt.Errorf("naive list runs %s/%s: %w", owner, repo, err)
		}
		for _, r := range runs.WorkflowRuns {
			if strings.Contains(r.GetDisplayTitle(), correlation) {
				runID = r.GetID()
			}
		}
		if runID == 0 {
			if err := wait(ctx, tick); err != nil {
				return 0, err
			}
		}
	}
	for {
		run, _, err := p.GH.Actions.GetWorkflowRunByID(ctx, owner, repo, runID)
		if err != nil {
			return 0, fmt.Errorf("naive get run %s/%s#%d: %w", owner, repo, runID, err)
		}
		if run.GetStatus() == "completed" {
			break
		}
		if err := wait(ctx, tick); err != nil {
			return 0, err
		}
	}
	arts, _, err := p.GH.Actions.ListWorkflowRunArtifacts(ctx, owner, repo, runID, &github.ListOptions{PerPage: 100})
	if err != nil {
		return 0, fmt.Errorf("naive list artifacts %s/%s#%d: %w", owner, repo, runID, err)
	}
	var total int64
	for _, a := range arts.Artifacts {
		u, _, err := p.GH.Actions.DownloadArtifact(ctx, owner, repo, a.GetID(), 1)
		if err != nil {
			return total, fmt.Errorf("naive artifact url %s/%s %s: %w", owner, repo, a.GetName(), err)
		}
		n, err := fetch(ctx, p.Blob, u.String())
		total += n
		if err != nil {
			return total, fmt.Errorf("naive download %s/%s %s: %w", owner, repo, a.GetName(), err)
		}
	}
	return total, nil
}

func wait(ctx context.Context, tick *time.Ticker) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-tick.C:
		return nil
	}
}

// fetch downloads url (a signed blob URL: no credentials) and discards it.
func fetch(ctx context.Context, hc *http.Client, url string) (int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("GET blob: %s", resp.Status)
	}
	return io.Copy(io.Discard, resp.Body)
}
