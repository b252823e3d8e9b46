package workflows

import (
	"fmt"
	"regexp"
	"strconv"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/BTCDecoded/releasetrain/activities"
	"github.com/BTCDecoded/releasetrain/config"
)

// TaskQueue is the one task queue workers poll.
const TaskQueue = "releasetrain"

// Workflow type names, as registered and as seen in the Web UI.
const (
	ReleaseWorkflowName = "Release"
	LayerWorkflowName   = "Layer"
)

// Signal, query and update names on the Release workflow (the operator contract).
const (
	SignalPause      = "pause"
	SignalResume     = "resume"
	SignalCancel     = "cancel"
	SignalRetry      = "retry"
	SignalSkip       = "skip"
	SignalBuildEvent = "build-event"
	QueryStatus      = "status"
)

// Search attributes kept current by the Release workflow.
var (
	ReleaseTagKey   = temporal.NewSearchAttributeKeyKeyword("ReleaseTag")
	ReleaseStateKey = temporal.NewSearchAttributeKeyKeyword("ReleaseState")
)

// ReleaseWorkflowID is the business id of a tag's release train.
func ReleaseWorkflowID(tag string) string { return "release-" + tag }

// LayerWorkflowID is the business id of layer n of a tag's train.
func LayerWorkflowID(tag string, n int) string { return fmt.Sprintf("release-%s-layer-%d", tag, n) }

// ReleaseInput starts a train. The train config travels with it so the
// workflow never reads files.
type ReleaseInput struct {
	Tag        string `json:"tag"`
	Prerelease bool   `json:"prerelease"`
	// Only limits the train to these repos (and, with WithDependents, what depends on them).
	Only           []string     `json:"only,omitempty"`
	WithDependents bool         `json:"with_dependents,omitempty"`
	Train          config.Train `json:"train"`
	// Trigger says what started the train (e.g. "release webhook bllvm-consensus", "cli").
	Trigger string `json:"trigger,omitempty"`
	// DraftID is the maintainer's draft release whose `created` webhook
	// started the train (draft mode); the preflight requires it to exist.
	// Zero for every other start, which fills the tag's draft if there is
	// one and creates its own otherwise.
	DraftID int64 `json:"draft_id,omitempty"`
}

// CancelSignal is the payload of the cancel signal.
type CancelSignal struct {
	Reason string `json:"reason"`
}

// RepoSignal is the payload of the retry and skip signals. A retry with an
// empty Repo retries the blocked release step (package or publish).
type RepoSignal struct {
	Repo string `json:"repo"`
}

// BuildEvent is the payload of the build-event signal: a workflow_run webhook
// (or a releasetrain-build-complete dispatch) about one of the train's runs.
type BuildEvent struct {
	Repo       string `json:"repo"`
	RunID      int64  `json:"run_id"`
	Status     string `json:"status"`
	Conclusion string `json:"conclusion"`
}

// Release states.
const (
	StateRunning    = "running"
	StatePaused     = "paused"
	StateBlocked    = "blocked"
	StatePublishing = "publishing"
	StateSucceeded  = "succeeded"
	StateFailed     = "failed"
	StateCancelled  = "cancelled"
)

// Release steps around the builds; a failed one blocks the release (Status.BlockedStep).
const (
	StepPreflight = "preflight"
	StepPackage   = "package"
	StepPublish   = "publish"
)

// Repo (build) states.
const (
	RepoPending    = "pending"
	RepoDispatched = "dispatched"
	RepoBuilding   = "building"
	RepoCollecting = "collecting"
	RepoSucceeded  = "succeeded"
	RepoFailed     = "failed"
	RepoSkipped    = "skipped"
	RepoCancelled  = "cancelled"
)

// Status is the answer of the status query: the release's whole state.
type Status struct {
	Tag        string                `json:"tag"`
	State      string                `json:"state"`
	Prerelease bool                  `json:"prerelease"`
	Layer      int                   `json:"layer"`
	Layers     [][]string            `json:"layers"`
	Paused     bool                  `json:"paused"`
	Blocked    []string              `json:"blocked,omitempty"`
	Repos      map[string]RepoStatus `json:"repos"`
	ReleaseURL string                `json:"release_url,omitempty"`
	Error      string                `json:"error,omitempty"`
	// BlockedStep is the release step ("preflight", "package" or "publish")
	// that failed and waits for retry (with an empty repo) or cancel; Error
	// says why.
	BlockedStep string `json:"blocked_step,omitempty"`
	// Schedule is how the builds are started: "eager" (each as soon as its
	// dependencies are done) or "layered" (a layer after the previous one).
	Schedule string `json:"schedule,omitempty"`
	// Preflight is the preflight step (nil for trains started before it existed).
	Preflight *PreflightStatus `json:"preflight,omitempty"`
	// ReleaseImmutable is GitHub's immutable mark on the published release.
	ReleaseImmutable bool `json:"release_immutable,omitempty"`
	// ForeignAssets names assets a person attached to the draft: published
	// with the release, not covered by SHA256SUMS.
	ForeignAssets []string `json:"foreign_assets,omitempty"`
	// Trigger says what started the train (ReleaseInput.Trigger), e.g.
	// "release webhook BTCDecoded/bllvm-consensus (redelivered)".
	Trigger string `json:"trigger,omitempty"`
	// SignatureWindow is set once the filled draft waits for rebuilders'
	// signatures (release.signature_window > 0).
	SignatureWindow *SignatureWindow `json:"signature_window,omitempty"`
}

// RepoStatus is one build's state.
type RepoStatus struct {
	State      string     `json:"state"`
	RunID      int64      `json:"run_id,omitempty"`
	RunURL     string     `json:"run_url,omitempty"`
	Attempt    int        `json:"attempt"`
	StartedAt  *time.Time `json:"started_at,omitempty"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
	Error      string     `json:"error,omitempty"`
	// Files and Bytes count the collected files; Manifest is the store key
	// of their manifest (see activities.LoadManifest); Artifacts shows the
	// first few (at most activities.ManifestPreview), by name.
	Files     int           `json:"files,omitempty"`
	Bytes     int64         `json:"bytes,omitempty"`
	Manifest  string        `json:"manifest,omitempty"`
	Artifacts []ArtifactRef `json:"artifacts,omitempty"`
}

// ArtifactRef names a collected file by its content digest in the artifact
// store; payloads carry these, never bytes.
type ArtifactRef = activities.File

// setFiles shows a build's collected files in its status: the manifest's
// counts and first files, or (results recorded before manifests) the
// list's, so the status stays small either way.
func (rs *RepoStatus) setFiles(m *activities.ManifestRef, legacy []activities.File) {
	switch {
	case m != nil:
		rs.Files, rs.Bytes, rs.Manifest = m.Files, m.Bytes, activities.StoreKey(m.SHA256)
		if len(m.First) > 0 { // a layer result's reference has none: keep what progress showed
			rs.Artifacts = m.First
		}
	case len(legacy) > 0:
		rs.Files, rs.Bytes, rs.Manifest = len(legacy), 0, ""
		for _, f := range legacy {
			rs.Bytes += f.Size
		}
		rs.Artifacts = legacy[:min(len(legacy), activities.ManifestPreview)]
	}
}

// correlationPattern finds a correlation id inside a run's display title.
// Git tags and repo names cannot contain ':' or spaces, so the fields split cleanly.
var correlationPattern = regexp.MustCompile(`rt:([^\s:\[\]]+):([A-Za-z0-9._-]+):(\d+)`)

// CorrelationID is the deterministic id a build's run carries in its run-name:
// the same tag, repo and dispatch generation always give the same id.
func CorrelationID(tag, repo string, generation int) string {
	return fmt.Sprintf("rt:%s:%s:%d", tag, repo, generation)
}

// ParseCorrelationID finds a correlation id in a run's display title.
func ParseCorrelationID(title string) (tag, repo string, generation int, ok bool) {
	m := correlationPattern.FindStringSubmatch(title)
	if m == nil {
		return "", "", 0, false
	}
	n, err := strconv.Atoi(m[3])
	if err != nil {
		return "", "", 0, false
	}
	return m[1], m[2], n, true
}
