package contract

import "time"

// State is a release train's state.
type State string

// Release states.
const (
	StateRunning    State = "running"
	StatePaused     State = "paused"
	StateBlocked    State = "blocked"
	StatePublishing State = "publishing"
	StateSucceeded  State = "succeeded"
	StateFailed     State = "failed"
	StateCancelled  State = "cancelled"
)

// States are every release state, in the order a train meets them.
var States = []State{StateRunning, StatePaused, StateBlocked, StatePublishing, StateSucceeded, StateFailed, StateCancelled}

// Final reports whether the train has ended (succeeded, failed or cancelled).
func (s State) Final() bool {
	return s == StateSucceeded || s == StateFailed || s == StateCancelled
}

// RepoState is one build's state.
type RepoState string

// Repo (build) states.
const (
	RepoPending    RepoState = "pending"
	RepoDispatched RepoState = "dispatched"
	RepoBuilding   RepoState = "building"
	RepoCollecting RepoState = "collecting"
	RepoSucceeded  RepoState = "succeeded"
	RepoFailed     RepoState = "failed"
	RepoSkipped    RepoState = "skipped"
	RepoCancelled  RepoState = "cancelled"
)

// Final reports whether the build is over for the train: succeeded,
// skipped or cancelled (a failed build waits for a retry or a skip).
func (s RepoState) Final() bool {
	return s == RepoSucceeded || s == RepoSkipped || s == RepoCancelled
}

// Release steps around the builds; a failed one blocks the release (Status.BlockedStep).
const (
	StepPreflight = "preflight"
	StepPackage   = "package"
	StepPublish   = "publish"
)

// Status is the answer of the status query (and of every update): the
// release's whole state.
type Status struct {
	Tag        string                `json:"tag"`
	State      State                 `json:"state"`
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
	State      RepoState  `json:"state"`
	RunID      int64      `json:"run_id,omitempty"`
	RunURL     string     `json:"run_url,omitempty"`
	Attempt    int        `json:"attempt"`
	StartedAt  *time.Time `json:"started_at,omitempty"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
	Error      string     `json:"error,omitempty"`
	// Files and Bytes count the collected files; Manifest is the store key
	// of their manifest; Artifacts shows the first few (at most
	// ManifestPreview), by name.
	Files     int    `json:"files,omitempty"`
	Bytes     int64  `json:"bytes,omitempty"`
	Manifest  string `json:"manifest,omitempty"`
	Artifacts []File `json:"artifacts,omitempty"`
}

// Preflight states (Status.Preflight.State).
const (
	PreflightRunning = "running"
	PreflightWaiting = "waiting"
	PreflightBlocked = "blocked"
	PreflightPassed  = "passed"
)

// PreflightStatus is the preflight step as the status shows it.
type PreflightStatus struct {
	// State is running, waiting (for the rate budget), blocked or passed.
	State string `json:"state"`
	// Problems block the train, one per refusal: "owner/repo: call: fix".
	Problems []string `json:"problems,omitempty"`
	// Message says why the step waits, or what it noted.
	Message string `json:"message,omitempty"`
	// ReleaseImmutable is the release repo's immutable-releases setting;
	// nil when GitHub did not report it.
	ReleaseImmutable *bool `json:"release_immutable,omitempty"`
	// DraftFound: the tag's draft exists and the train fills it.
	DraftFound bool `json:"draft_found"`
	// RateRemaining is GitHub's remaining core budget when last checked.
	RateRemaining int `json:"rate_remaining"`
}

// SignatureWindow is the status of a release whose filled draft waits for
// rebuilders' signatures before it is published.
type SignatureWindow struct {
	// Until is when the draft is published.
	Until time.Time `json:"until"`
	// DraftURL is the draft release rebuilders download.
	DraftURL string `json:"draft_url,omitempty"`
	// Signatures are the signature files attached so far.
	Signatures []string `json:"signatures,omitempty"`
	// Open is false once the window has closed.
	Open bool `json:"open"`
}
