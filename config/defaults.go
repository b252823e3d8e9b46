package config

import (
	"slices"
	"strings"
	"time"
)

// Built-in defaults, applied when neither the repo nor the train's defaults set a value.
const (
	DefaultDispatch     = DispatchWorkflow
	DefaultWorkflow     = "build.yml"
	DefaultRef          = "main"
	DefaultEventType    = "releasetrain-build"
	DefaultBuildTimeout = 2 * time.Hour
	DefaultRetryLimit   = 2
	DefaultRetryBackoff = time.Minute
	DefaultMaxBackoff   = 30 * time.Minute
	DefaultPollInterval = 15 * time.Second
	// DefaultExpectedDuration is a build's expected duration when the file
	// sets none: a typical CI build, for estimates only.
	DefaultExpectedDuration = 10 * time.Minute
	// DefaultSchedule starts each build as soon as its dependencies are done.
	DefaultSchedule = ScheduleEager
	// DefaultTriggerMode is draft: GitHub's documented order for immutable
	// releases (draft, upload every asset, publish) by construction.
	DefaultTriggerMode = ModeDraft
)

// MaxRetryLimit is the largest retry_limit: with backoff doubling, more
// re-runs only wait longer for a build that keeps failing.
const MaxRetryLimit = 10

// DefaultArtifacts returns the default artifact patterns: every artifact.
func DefaultArtifacts() []string { return []string{"*"} }

// DefaultTriggerActions returns the `release` actions that start a train by default.
func DefaultTriggerActions() []string { return []string{"published", "prereleased"} }

// builtin returns the built-in settings.
func builtin() Settings {
	limit := DefaultRetryLimit
	return Settings{
		Dispatch:         DefaultDispatch,
		Workflow:         DefaultWorkflow,
		Ref:              DefaultRef,
		EventType:        DefaultEventType,
		BuildTimeout:     DefaultBuildTimeout,
		RetryLimit:       &limit,
		RetryBackoff:     DefaultRetryBackoff,
		MaxBackoff:       DefaultMaxBackoff,
		PollInterval:     DefaultPollInterval,
		Artifacts:        DefaultArtifacts(),
		ExpectedDuration: DefaultExpectedDuration,
	}
}

// over returns s with every unset field taken from base. Empty strings and
// zero durations are unset; an explicit empty artifact list is kept.
func (s Settings) over(base Settings) Settings {
	out := s
	if out.Dispatch == "" {
		out.Dispatch = base.Dispatch
	}
	if out.Workflow == "" {
		out.Workflow = base.Workflow
	}
	if out.Ref == "" {
		out.Ref = base.Ref
	}
	if out.EventType == "" {
		out.EventType = base.EventType
	}
	if out.BuildTimeout == 0 {
		out.BuildTimeout = base.BuildTimeout
	}
	if out.RetryLimit == nil && base.RetryLimit != nil {
		out.RetryLimit = new(*base.RetryLimit)
	} else if out.RetryLimit != nil {
		out.RetryLimit = new(*out.RetryLimit) // never share the pointer with the input
	}
	if out.RetryBackoff == 0 {
		out.RetryBackoff = base.RetryBackoff
	}
	if out.MaxBackoff == 0 {
		out.MaxBackoff = base.MaxBackoff
	}
	if out.PollInterval == 0 {
		out.PollInterval = base.PollInterval
	}
	if out.ExpectedDuration == 0 {
		out.ExpectedDuration = base.ExpectedDuration
	}
	if out.Artifacts == nil {
		out.Artifacts = slices.Clone(base.Artifacts)
	} else {
		out.Artifacts = slices.Clone(out.Artifacts)
	}
	return out
}

// applyDefaults resolves every default in place. firstRoot is the first repo
// of the graph's first layer (the default release repo); "" if unknown.
func (t *Train) applyDefaults(firstRoot string) {
	t.Defaults = t.Defaults.over(builtin())
	for i := range t.Repos {
		t.Repos[i].Settings = t.Repos[i].Settings.over(t.Defaults)
		if len(t.Repos[i].DependsOn) == 0 {
			t.Repos[i].DependsOn = nil // one spelling of "no dependencies", so trains compare equal
		}
	}
	if t.Release.Repo == "" {
		t.Release.Repo = firstRoot
	}
	if t.Trigger.Mode == "" {
		t.Trigger.Mode = DefaultTriggerMode
	}
	if t.Trigger.Repos == nil {
		// The release repo's own releases are the unified release (release
		// mode) or the maintainer's draft (draft mode), never a trigger.
		for _, r := range t.Repos {
			if r.Name != t.Release.Repo {
				t.Trigger.Repos = append(t.Trigger.Repos, r.Name)
			}
		}
	}
	if t.Trigger.Actions == nil {
		t.Trigger.Actions = DefaultTriggerActions()
	}
	if t.Release.MakeLatest == "" {
		t.Release.MakeLatest = "true"
	}
	if t.Schedule == "" {
		t.Schedule = DefaultSchedule
	}
	if t.Release.Name == "" {
		t.Release.Name = strings.ToLower(t.Owner)
	}
}
