package ghclient

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// RepoAccess is what GitHub says about a repository and our access to it.
type RepoAccess struct {
	FullName string
	// Push is whether the credentials may write (GitHub's permissions.push);
	// nil when GitHub did not say.
	Push *bool
	// Archived repositories take no writes.
	Archived bool
}

// Workflow is an Actions workflow file of a repository.
type Workflow struct {
	ID    int64  `json:"id"`
	Name  string `json:"name"`
	Path  string `json:"path"`
	State string `json:"state"` // active, disabled_manually, disabled_inactivity, …
}

// ImmutableReleases is a repository's immutable-releases setting.
type ImmutableReleases struct {
	Enabled         bool `json:"enabled"`
	EnforcedByOwner bool `json:"enforced_by_owner"`
}

// RateBudget is the core rate limit as GET /rate_limit reports it.
type RateBudget struct {
	Limit     int
	Remaining int
	Reset     time.Time
}

// GetRepo reads a repository (GET /repos/{owner}/{repo}).
func (c *Client) GetRepo(ctx context.Context, owner, repo string) (RepoAccess, error) {
	var out struct {
		FullName    string `json:"full_name"`
		Archived    bool   `json:"archived"`
		Permissions *struct {
			Push bool `json:"push"`
		} `json:"permissions"`
	}
	if err := c.getJSON(withKind(ctx, kindGetRepo), "get repository", fullName(owner, repo),
		fmt.Sprintf("repos/%s/%s", owner, repo), &out); err != nil {
		return RepoAccess{}, err
	}
	ra := RepoAccess{FullName: out.FullName, Archived: out.Archived}
	if out.Permissions != nil {
		ra.Push = &out.Permissions.Push
	}
	return ra, nil
}

// GetWorkflow reads a workflow by file name or id
// (GET /repos/{owner}/{repo}/actions/workflows/{file}).
func (c *Client) GetWorkflow(ctx context.Context, owner, repo, file string) (Workflow, error) {
	var wf Workflow
	err := c.getJSON(withKind(ctx, kindGetWorkflow), "get workflow "+file, fullName(owner, repo),
		fmt.Sprintf("repos/%s/%s/actions/workflows/%s", owner, repo, file), &wf)
	return wf, err
}

// GetImmutableReleases reads a repository's immutable-releases setting
// (GET /repos/{owner}/{repo}/immutable-releases). ok is false when the
// server does not know the setting (404: an older GitHub Enterprise Server).
func (c *Client) GetImmutableReleases(ctx context.Context, owner, repo string) (setting ImmutableReleases, ok bool, err error) {
	err = c.getJSON(withKind(ctx, kindImmutable), "get immutable-releases setting", fullName(owner, repo),
		fmt.Sprintf("repos/%s/%s/immutable-releases", owner, repo), &setting)
	if statusCode(err) == http.StatusNotFound {
		return ImmutableReleases{}, false, nil
	}
	return setting, err == nil, err
}

// GetRateBudget reads the core rate limit (GET /rate_limit, which GitHub
// does not charge).
func (c *Client) GetRateBudget(ctx context.Context) (RateBudget, error) {
	var out struct {
		Resources struct {
			Core struct {
				Limit     int   `json:"limit"`
				Remaining int   `json:"remaining"`
				Reset     int64 `json:"reset"`
			} `json:"core"`
		} `json:"resources"`
	}
	if err := c.getJSON(withKind(ctx, kindRateLimit), "get rate limit", "", "rate_limit", &out); err != nil {
		return RateBudget{}, err
	}
	core := out.Resources.Core
	return RateBudget{Limit: core.Limit, Remaining: core.Remaining, Reset: time.Unix(core.Reset, 0)}, nil
}

// getJSON GETs path (relative to the API base) into v, classifying errors.
func (c *Client) getJSON(ctx context.Context, call, repo, path string, v any) error {
	req, err := c.gh.NewRequest(http.MethodGet, path, nil)
	if err != nil {
		return c.classify(call, repo, err)
	}
	if _, err := c.gh.Do(ctx, req, v); err != nil {
		return c.classify(call, repo, err)
	}
	return nil
}
