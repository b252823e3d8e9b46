package config

import "time"

// Train is one release train: a family of repositories released together.
// After Load, every Repo carries fully resolved Settings (defaults applied),
// so consumers (the workflows in particular) never merge defaults themselves.
type Train struct {
	// Owner is the GitHub user or organisation owning every repo of the train.
	Owner string `yaml:"owner" json:"owner"`
	// Trigger says which release events start a train.
	Trigger Trigger `yaml:"trigger" json:"trigger"`
	// Release says where and how the unified release is published.
	Release ReleaseTarget `yaml:"release" json:"release"`
	// Defaults are the settings every repo inherits unless it overrides them.
	Defaults Settings `yaml:"defaults" json:"defaults"`
	// Repos are the members of the train, with their dependencies.
	Repos []Repo `yaml:"repos" json:"repos"`
	// Schedule is when a repo's build starts: ScheduleEager (default) as soon
	// as every repo it depends on succeeded or was skipped; ScheduleLayered
	// when the whole previous DAG layer has finished.
	Schedule string `yaml:"schedule" json:"schedule,omitempty"`
	// Reconcile configures the webhook delivery-log reconciler.
	Reconcile Reconcile `yaml:"reconcile" json:"reconcile"`
}

// Schedules of Train.Schedule.
const (
	ScheduleEager   = "eager"
	ScheduleLayered = "layered"
)

// Trigger modes (Trigger.Mode).
const (
	// ModeDraft: a maintainer saves a draft release in the release repo
	// (webhook `release`, action `created`, `draft: true`); the train fills
	// that draft and publishes it. The default.
	ModeDraft = "draft"
	// ModeRelease: a published release in a trigger repo starts the train,
	// which publishes into its own draft in the release repo.
	ModeRelease = "release"
)

// Trigger selects the `release` webhook events that start a train.
type Trigger struct {
	// Mode is draft (default) or release; see ModeDraft and ModeRelease.
	Mode string `yaml:"mode" json:"mode"`
	// Repos whose published releases start a train in release mode.
	// Default: every repo of the train except the release repo.
	Repos []string `yaml:"repos" json:"repos"`
	// Actions of the `release` event that start a train in release mode.
	// Default: [published, prereleased].
	Actions []string `yaml:"actions" json:"actions"`
}

// ReleaseTarget is the unified release.
type ReleaseTarget struct {
	// Repo receives the unified release. Default: the first repo of the first layer.
	Repo string `yaml:"repo" json:"repo"`
	// Name prefixes the bundle (`<name>-<tag>.tar.gz`) and the release title. Default: the owner, lower-cased.
	Name string `yaml:"name" json:"name"`
	// GenerateNotes appends GitHub's generated notes for the release repo. Default false.
	GenerateNotes bool `yaml:"generate_notes" json:"generate_notes"`
	// MakeLatest is GitHub's make_latest for a release that is not a
	// prerelease: "true", "false" or "legacy" (latest by date and version).
	// Prereleases are never latest. Default "true".
	MakeLatest string `yaml:"make_latest" json:"make_latest,omitempty"`
	// SignatureWindow keeps the filled draft open this long before it is
	// published, so independent rebuilders can attach their signatures
	// over SHA256SUMS (releasetrain release attach-signature). Default 0:
	// publish at once. At most MaxSignatureWindow.
	SignatureWindow time.Duration `yaml:"signature_window" json:"signature_window,omitempty"`
}

// MaxSignatureWindow bounds release.signature_window.
const MaxSignatureWindow = 30 * 24 * time.Hour

// Dispatch kinds.
const (
	DispatchWorkflow   = "workflow_dispatch"
	DispatchRepository = "repository_dispatch"
)

// Settings are the per-repo build settings. In a file every field is optional;
// after Load they are all set.
type Settings struct {
	// Dispatch is workflow_dispatch (default) or repository_dispatch.
	Dispatch string `yaml:"dispatch" json:"dispatch"`
	// Workflow is the workflow file for workflow_dispatch. Default "build.yml".
	Workflow string `yaml:"workflow" json:"workflow"`
	// Ref is the git ref the build runs on. Default "main".
	Ref string `yaml:"ref" json:"ref"`
	// EventType is the repository_dispatch event type. Default "releasetrain-build".
	EventType string `yaml:"event_type" json:"event_type"`
	// BuildTimeout bounds one build attempt. Default 2h.
	BuildTimeout time.Duration `yaml:"build_timeout" json:"build_timeout"`
	// RetryLimit is how many times a failed build is re-run before the train blocks. Default 2.
	RetryLimit *int `yaml:"retry_limit" json:"retry_limit"`
	// RetryBackoff is the wait before the first re-run; it doubles each time
	// up to MaxBackoff. Default 1m.
	RetryBackoff time.Duration `yaml:"retry_backoff" json:"retry_backoff"`
	// MaxBackoff caps the wait before a re-run. Default 30m.
	MaxBackoff time.Duration `yaml:"max_backoff" json:"max_backoff,omitempty"`
	// PollInterval is how often a running build is polled when no webhook arrives. Default 15s.
	PollInterval time.Duration `yaml:"poll_interval" json:"poll_interval"`
	// Artifacts are glob patterns of artifact names to collect. Default ["*"].
	Artifacts []string `yaml:"artifacts" json:"artifacts"`
	// ExpectedDuration is how long a build usually takes, from dispatch to
	// collected artifacts. Only estimates use it: `releasetrain plan`'s
	// critical path and earliest starts, and the live page's ETA. Default 10m.
	ExpectedDuration time.Duration `yaml:"expected_duration" json:"expected_duration,omitempty"`
}

// Repo is one member of the train.
type Repo struct {
	Name      string   `yaml:"name" json:"name"`
	DependsOn []string `yaml:"depends_on" json:"depends_on"`
	// Settings override the train's defaults for this repo.
	Settings `yaml:",inline" json:"settings"`
}

// Backoff returns the wait before re-run number rerun+1 (rerun counts from
// 0): RetryBackoff doubled rerun times, capped at MaxBackoff (DefaultMaxBackoff
// when unset, as in trains started before the setting existed). It cannot
// overflow.
func (s Settings) Backoff(rerun int) time.Duration {
	ceiling := s.MaxBackoff
	if ceiling <= 0 {
		ceiling = DefaultMaxBackoff
	}
	wait := max(s.RetryBackoff, 0)
	for i := 0; i < rerun && wait < ceiling; i++ {
		if wait > ceiling/2 {
			return ceiling
		}
		wait *= 2
	}
	return min(wait, ceiling)
}

// Retries returns the resolved retry limit (0 when unset).
func (s Settings) Retries() int {
	if s.RetryLimit == nil {
		return 0
	}
	return *s.RetryLimit
}
