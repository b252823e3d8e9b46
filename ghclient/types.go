package ghclient

import "time"

// DispatchRequest asks for one build of one repo. CorrelationID identifies the
// build: a run carrying it (in its display title) is that build, so a request
// is never dispatched twice.
type DispatchRequest struct {
	Owner, Repo string
	// Kind is "workflow_dispatch" or "repository_dispatch".
	Kind string
	// Workflow is the workflow file name (workflow_dispatch only).
	Workflow string
	// Ref is the git ref to build (workflow_dispatch only).
	Ref string
	// EventType is the repository_dispatch event type.
	EventType string
	// CorrelationID must appear in the run's display title (run-name).
	CorrelationID string
	// Inputs are the workflow inputs / client_payload (string values).
	Inputs map[string]string
	// NotBefore bounds run listings (created>=); runs older than it are not ours.
	NotBefore time.Time
	// ListingWait is how long to keep looking for an existing run carrying
	// CorrelationID before dispatching: 0 on a first attempt (one look), about
	// GitHub's listing delay on a retry, when an earlier attempt may have
	// dispatched before it crashed.
	ListingWait time.Duration
}

// Run is the part of a workflow run releasetrain needs.
type Run struct {
	ID           int64     `json:"id"`
	Attempt      int       `json:"attempt"`
	Status       string    `json:"status"`
	Conclusion   string    `json:"conclusion"`
	HTMLURL      string    `json:"html_url"`
	HeadSHA      string    `json:"head_sha"`
	DisplayTitle string    `json:"display_title"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
	// ETag of the last GET of this run; pass it back to GetRun for a free 304.
	ETag string `json:"etag,omitempty"`
}

// Outcome is a run's state reduced to what the orchestrator acts on.
type Outcome int

const (
	// Running: not completed yet.
	Running Outcome = iota
	// Succeeded: completed with success.
	Succeeded
	// FailedRetryable: failure, timed_out, startup_failure, stale, or cancelled by someone else.
	FailedRetryable
	// NeedsPerson: action_required.
	NeedsPerson
	// Cancelled: cancelled (by us, or by anyone when the caller says so).
	Cancelled
)

// Artifact is one artifact of a run.
type Artifact struct {
	ID      int64  `json:"id"`
	Name    string `json:"name"`
	Size    int64  `json:"size"`
	Expired bool   `json:"expired"`
	// Digest is "sha256:<hex>" when GitHub knows it (upload-artifact v4+), else "".
	Digest string `json:"digest,omitempty"`
}

// ReleaseSpec describes the unified release to create or publish.
type ReleaseSpec struct {
	Owner, Repo     string
	Tag             string
	Name            string
	Body            string
	TargetCommitish string
	Prerelease      bool
	// MakeLatest is GitHub's make_latest ("true", "false" or "legacy") for a
	// release that is not a prerelease; prereleases are never latest.
	// Default "true".
	MakeLatest string
}

// Release is a GitHub release as releasetrain sees it.
type Release struct {
	ID         int64  `json:"id"`
	Tag        string `json:"tag"`
	Name       string `json:"name,omitempty"`
	Body       string `json:"body,omitempty"`
	HTMLURL    string `json:"html_url"`
	Draft      bool   `json:"draft"`
	Prerelease bool   `json:"prerelease"`
	// Immutable is GitHub's mark of a published release in a repo with
	// immutable releases on: its assets and tag can never change.
	Immutable bool    `json:"immutable,omitempty"`
	Assets    []Asset `json:"assets"`
}

// Asset is a release asset.
type Asset struct {
	ID    int64  `json:"id"`
	Name  string `json:"name"`
	Size  int64  `json:"size"`
	Label string `json:"label,omitempty"`
	// State is "uploaded", or "open" for an upload that never finished.
	State string `json:"state,omitempty"`
	// Digest is "sha256:<hex>" when GitHub reports it.
	Digest string `json:"digest,omitempty"`
}
