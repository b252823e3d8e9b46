package activities

import (
	"time"

	"github.com/BTCDecoded/releasetrain/config"
	"github.com/BTCDecoded/releasetrain/contract"
)

// Activity inputs and results. They cross Temporal's payload boundary, so
// they hold references and digests, never file contents.

// DispatchInput asks for one build; CorrelationID is computed by the workflow
// (deterministic), so a retried dispatch finds the run instead of starting another.
type DispatchInput struct {
	Owner         string          `json:"owner"`
	Repo          string          `json:"repo"`
	Tag           string          `json:"tag"`
	CorrelationID string          `json:"correlation_id"`
	Settings      config.Settings `json:"settings"`
	// Upstream maps each dependency to its successful run id, so the build can
	// download its dependencies' artifacts.
	Upstream map[string]int64 `json:"upstream,omitempty"`
	// NotBefore bounds run discovery: runs created earlier are not this build.
	NotBefore time.Time `json:"not_before"`
}

// LostDispatchInput names a build whose DispatchBuild was cancelled before
// it reported a run: GitHub may have accepted the dispatch all the same, so
// the run is looked up by its correlation id for up to Wait and cancelled.
type LostDispatchInput struct {
	Owner         string    `json:"owner"`
	Repo          string    `json:"repo"`
	CorrelationID string    `json:"correlation_id"`
	NotBefore     time.Time `json:"not_before"`
	// Wait is how long to keep looking for a run GitHub has not listed yet;
	// zero looks once.
	Wait time.Duration `json:"wait"`
}

// LostDispatchResult says whether the dispatched run was found and cancelled
// (a run found already completed is left alone).
type LostDispatchResult struct {
	Found     bool            `json:"found"`
	Cancelled bool            `json:"cancelled"`
	Run       contract.RunRef `json:"run"`
}

// AwaitInput waits for a run to complete.
type AwaitInput struct {
	Run          contract.RunRef `json:"run"`
	PollInterval time.Duration   `json:"poll_interval"`
}

// Build outcomes as the workflows see them.
const (
	OutcomeRunning     = "running"
	OutcomeSucceeded   = "succeeded"
	OutcomeFailed      = "failed"       // retry-worthy: failure, timed_out, startup_failure, stale, cancelled by others
	OutcomeNeedsPerson = "needs_person" // action_required
	OutcomeCancelled   = "cancelled"
)

// RunResult is a run's state when AwaitRun or CheckRun returns.
type RunResult struct {
	Run        contract.RunRef `json:"run"`
	Status     string          `json:"status"`
	Conclusion string          `json:"conclusion"`
	Outcome    string          `json:"outcome"`
}

// CollectInput collects a successful run's artifacts into the store.
type CollectInput struct {
	Run contract.RunRef `json:"run"`
	// Patterns select artifact names (path.Match); empty means all.
	Patterns []string `json:"patterns,omitempty"`
}

// CollectResult addresses the manifest of a run's collected files. Files
// is only in results recorded before manifests existed (it grew with the
// files and could pass Temporal's payload limit); it is read, never written.
type CollectResult struct {
	Manifest contract.ManifestRef `json:"manifest"`
	Files    []contract.File      `json:"files,omitempty"`
	// ArtifactsSHA256 addresses the JSON list of the run's GitHub artifacts
	// (names and digests, []ArtifactDigest) in the store, for the provenance.
	ArtifactsSHA256 string `json:"artifacts_sha256,omitempty"`
}

// ArtifactDigest is one GitHub Actions artifact of a run: its name and
// GitHub's digest ("sha256:<hex>"; empty for uploads older than upload-artifact v4).
type ArtifactDigest struct {
	Name   string `json:"name"`
	Digest string `json:"digest,omitempty"`
}

// RepoResult is one repo's contribution to the release.
type RepoResult struct {
	Repo       string          `json:"repo"`
	Run        contract.RunRef `json:"run"`
	Attempts   int             `json:"attempts"`
	Skipped    bool            `json:"skipped,omitempty"`
	SkipReason string          `json:"skip_reason,omitempty"`
	// Manifest addresses the repo's collected files (nil when skipped).
	Manifest *contract.ManifestRef `json:"manifest,omitempty"`
	// Files is the list itself in results recorded before manifests
	// existed; read them both with Activities.RepoFiles.
	Files []contract.File `json:"files,omitempty"`
	// Conclusion is the run's final conclusion, Reruns the re-runs and fresh
	// dispatches it took, Workflow the build workflow's path, and
	// ArtifactsSHA256 the stored list of the artifacts collected: what the provenance records.
	Conclusion      string `json:"conclusion,omitempty"`
	Reruns          int    `json:"reruns,omitempty"`
	Workflow        string `json:"workflow,omitempty"`
	ArtifactsSHA256 string `json:"artifacts_sha256,omitempty"`
}

// PackageInput builds the bundle, SHA256SUMS, signatures and notes.
type PackageInput struct {
	Owner       string       `json:"owner"`
	ReleaseRepo string       `json:"release_repo"`
	Name        string       `json:"name"` // bundle prefix: <name>-<tag>.tar.gz
	Tag         string       `json:"tag"`
	Prerelease  bool         `json:"prerelease"`
	Time        time.Time    `json:"time"` // release time: the bundle's fixed mtime
	Repos       []RepoResult `json:"repos"`
	// GenerateNotes appends GitHub's generated notes for the release repo.
	GenerateNotes bool `json:"generate_notes,omitempty"`
	// Provenance is what the provenance records beyond the repos' results.
	Provenance ProvenanceInput `json:"provenance"`
}

// ProvenanceInput describes the train's run for its provenance
// (<name>-<tag>.intoto.jsonl): the Release workflow's execution and times,
// what started it and how it was narrowed.
type ProvenanceInput struct {
	WorkflowID string    `json:"workflow_id"`
	RunID      string    `json:"run_id"`
	StartedAt  time.Time `json:"started_at"`
	// FinishedAt is when the builds were done (the packaging began), from the
	// workflow's clock, so a retried PackageRelease records the same time.
	FinishedAt     time.Time `json:"finished_at"`
	Trigger        string    `json:"trigger,omitempty"`
	Only           []string  `json:"only,omitempty"`
	WithDependents bool      `json:"with_dependents,omitempty"`
	// ConfigSHA256 is the hex sha256 of the train's resolved config (JSON).
	ConfigSHA256 string `json:"config_sha256,omitempty"`
}

// Asset is one file to publish, by reference into the store.
type Asset struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// PackageResult is everything to publish.
type PackageResult struct {
	Assets []Asset `json:"assets"`
	// NotesSHA256 addresses the release notes (Markdown) in the store.
	NotesSHA256 string `json:"notes_sha256"`
}

// PublishInput publishes the unified release: draft, upload, publish.
type PublishInput struct {
	Owner       string  `json:"owner"`
	Repo        string  `json:"repo"`
	Tag         string  `json:"tag"`
	Title       string  `json:"title"`
	Prerelease  bool    `json:"prerelease"`
	Assets      []Asset `json:"assets"`
	NotesSHA256 string  `json:"notes_sha256"`
	// Marker labels the assets this train uploads, so a retry may replace its
	// own asset but never someone else's.
	Marker string `json:"marker"`
	// MakeLatest is GitHub's make_latest for a release that is not a
	// prerelease ("true", "false", "legacy"); "" means "true".
	MakeLatest string `json:"make_latest,omitempty"`
	// KeepDraft fills the draft and stops there (the signature window);
	// a later PublishRelease without it publishes.
	KeepDraft bool `json:"keep_draft,omitempty"`
}

// maxForeignNames bounds the names of a person's assets a result carries.
const maxForeignNames = 20

// PublishResult is the published release, or the filled draft with KeepDraft.
type PublishResult struct {
	ReleaseID int64  `json:"release_id"`
	URL       string `json:"url"`
	Draft     bool   `json:"draft,omitempty"`
	// Immutable is GitHub's mark on the release as read back after publishing.
	Immutable bool `json:"immutable"`
	// Foreign names assets a person attached to the draft (kept, not covered
	// by SHA256SUMS; at most maxForeignNames), ForeignCount counts them all.
	Foreign      []string `json:"foreign,omitempty"`
	ForeignCount int      `json:"foreign_count,omitempty"`
	// Deleted counts an earlier train's leftover assets removed from the draft.
	Deleted int `json:"deleted,omitempty"`
}

// PreflightRepo is one member repo as the preflight checks it.
type PreflightRepo struct {
	Name     string `json:"name"`
	Dispatch string `json:"dispatch"`
	Workflow string `json:"workflow,omitempty"`
}

// PreflightInput asks whether a train can start: its repos and workflows,
// the release repo, the tag, and the rate budget.
type PreflightInput struct {
	Owner       string          `json:"owner"`
	Tag         string          `json:"tag"`
	ReleaseRepo string          `json:"release_repo"`
	Repos       []PreflightRepo `json:"repos"`
	// RequireDraft: the train was started by a maintainer's draft (draft
	// mode), which must still exist.
	RequireDraft bool `json:"require_draft,omitempty"`
	// Calls is the train's estimated GitHub API use (budget units).
	Calls int `json:"calls"`
}

// Problem is one reason a train cannot start: where, which call, and what
// a person must do.
type Problem struct {
	Repo string `json:"repo"`
	Call string `json:"call"`
	Fix  string `json:"fix"`
}

// String reads "owner/repo: call: fix".
func (p Problem) String() string { return p.Repo + ": " + p.Call + ": " + p.Fix }

// PreflightResult is what the preflight found. Problems block the train;
// a non-zero WaitUntil (the rate budget does not cover the train) delays it.
type PreflightResult struct {
	Problems []Problem `json:"problems,omitempty"`
	// ImmutableKnown says whether GitHub reported the release repo's
	// immutable-releases setting; ReleaseImmutable is that setting.
	ImmutableKnown   bool `json:"immutable_known"`
	ReleaseImmutable bool `json:"release_immutable"`
	// DraftFound: the tag has a draft release in the release repo (a
	// maintainer's or an earlier train's), which the train fills.
	DraftFound bool `json:"draft_found"`
	// RateRemaining and RateLimit are GitHub's core budget; WaitUntil, when
	// set, is its reset, which the train waits for.
	RateRemaining int       `json:"rate_remaining"`
	RateLimit     int       `json:"rate_limit"`
	WaitUntil     time.Time `json:"wait_until,omitempty"`
	// Notes are findings that block nothing (e.g. write access not reported).
	Notes []string `json:"notes,omitempty"`
}

// AttachSignatureInput adds a rebuilder's signature over SHA256SUMS to the
// train's draft. The signature travels in the payload: it is a few hundred
// bytes, bounded by contract.MaxSignatureSize. Whose key made it is for the users'
// keyrings to judge (releasetrain verify --min-good).
type AttachSignatureInput struct {
	Owner string `json:"owner"`
	Repo  string `json:"repo"`
	Tag   string `json:"tag"`
	// Name is SHA256SUMS.<signer>.asc.
	Name      string `json:"name"`
	Signature []byte `json:"signature"`
	Marker    string `json:"marker"`
}
