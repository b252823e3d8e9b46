package config

import (
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/BTCDecoded/releasetrain/dag"
)

// releaseActions returns the actions of GitHub's `release` webhook event.
func releaseActions() []string {
	return []string{"created", "deleted", "edited", "prereleased", "published", "released", "unpublished"}
}

// validator collects the context needed to name the file, line and key of a problem.
type validator struct {
	file  string
	lines lines // nil for trains built in code
}

func (v validator) errAt(key string, cause error, format string, args ...any) *Error {
	line := v.lines[key]
	for k := key; line == 0 && k != ""; { // fall back to the nearest enclosing key
		i := strings.LastIndexAny(k, ".[")
		if i < 0 {
			break
		}
		k = k[:i]
		line = v.lines[k]
	}
	return &Error{File: v.file, Line: line, Key: key, Msg: fmt.Sprintf(format, args...), Err: cause}
}

// checkExplicit rejects values written in the file that defaults would
// otherwise silently replace: empty strings and non-positive durations.
func (v validator) checkExplicit(scope, prefix string, s Settings) error {
	if v.lines == nil {
		return v.checkDurations(scope, prefix, s)
	}
	for _, f := range []struct{ key, val string }{
		{"dispatch", s.Dispatch}, {"workflow", s.Workflow}, {"ref", s.Ref}, {"event_type", s.EventType},
	} {
		if _, set := v.lines[join(prefix, f.key)]; set && f.val == "" {
			return v.errAt(join(prefix, f.key), nil, "%s: %s must not be empty", scope, f.key)
		}
	}
	for _, f := range []struct {
		key string
		val time.Duration
	}{{"build_timeout", s.BuildTimeout}, {"retry_backoff", s.RetryBackoff}, {"max_backoff", s.MaxBackoff}, {"poll_interval", s.PollInterval}, {"expected_duration", s.ExpectedDuration}} {
		if _, set := v.lines[join(prefix, f.key)]; set && f.val <= 0 {
			return v.errAt(join(prefix, f.key), nil, "%s: %s must be positive, got %s", scope, f.key, f.val)
		}
	}
	return v.checkDurations(scope, prefix, s)
}

func (v validator) checkDurations(scope, prefix string, s Settings) error {
	for _, f := range []struct {
		key string
		val time.Duration
	}{{"build_timeout", s.BuildTimeout}, {"retry_backoff", s.RetryBackoff}, {"max_backoff", s.MaxBackoff}, {"poll_interval", s.PollInterval}, {"expected_duration", s.ExpectedDuration}} {
		if f.val < 0 {
			return v.errAt(join(prefix, f.key), nil, "%s: %s must be positive, got %s", scope, f.key, f.val)
		}
	}
	if s.RetryLimit != nil && (*s.RetryLimit < 0 || *s.RetryLimit > MaxRetryLimit) {
		return v.errAt(join(prefix, "retry_limit"), nil, "%s: retry_limit must be 0 to %d, got %d", scope, MaxRetryLimit, *s.RetryLimit)
	}
	return nil
}

// checkSettings validates resolved settings.
func (v validator) checkSettings(scope, prefix string, s Settings) error {
	switch s.Dispatch {
	case DispatchWorkflow:
		if !validWorkflow(s.Workflow) {
			return v.errAt(join(prefix, "workflow"), nil, "%s: workflow %q is not a workflow file name (such as build.yml) or id", scope, s.Workflow)
		}
	case DispatchRepository:
		if len(s.EventType) > 100 {
			return v.errAt(join(prefix, "event_type"), nil, "%s: event_type is longer than GitHub's 100 characters", scope)
		}
	default:
		return v.errAt(join(prefix, "dispatch"), nil, "%s: dispatch %q is not %s or %s", scope, s.Dispatch, DispatchWorkflow, DispatchRepository)
	}
	if s.RetryBackoff > s.MaxBackoff {
		return v.errAt(join(prefix, "retry_backoff"), nil, "%s: retry_backoff %s is over max_backoff %s", scope, s.RetryBackoff, s.MaxBackoff)
	}
	if strings.ContainsAny(s.Ref, " ~^:?*[\\") || strings.Contains(s.Ref, "..") {
		return v.errAt(join(prefix, "ref"), nil, "%s: ref %q is not a valid git ref", scope, s.Ref)
	}
	for i, p := range s.Artifacts {
		if _, err := path.Match(p, ""); p == "" || err != nil {
			return v.errAt(fmt.Sprintf("%s[%d]", join(prefix, "artifacts"), i), err, "%s: artifact pattern %q is not a valid glob", scope, p)
		}
	}
	return nil
}

// checkGraph builds the dependency graph, naming the repo line of any problem.
func (v validator) checkGraph(t *Train) (*dag.Graph, error) {
	g, err := t.graph()
	if err == nil {
		return g, nil
	}
	repo := ""
	var (
		ce *dag.CycleError
		ue *dag.UnknownDependencyError
		se *dag.SelfDependencyError
		de *dag.DuplicateError
		ee *dag.EmptyNameError
	)
	switch {
	case errors.As(err, &ce):
		repo = ce.Path[0]
	case errors.As(err, &ue):
		repo = ue.Repo
	case errors.As(err, &se):
		repo = se.Repo
	case errors.As(err, &de):
		repo = de.Repo
	case errors.As(err, &ee):
		return nil, v.errAt(fmt.Sprintf("repos[%d]", ee.Index), err, "repos[%d]: name is required", ee.Index)
	}
	key := "repos"
	for i, r := range t.Repos {
		if r.Name == repo {
			key = fmt.Sprintf("repos[%d]", i) // the last one: for duplicates, the second occurrence
		}
	}
	return nil, v.errAt(key, err, "%s", err.Error())
}

// checkTrain validates the train after defaults are applied.
func (v validator) checkTrain(t *Train, g *dag.Graph) error {
	if err := v.checkSettings("defaults", "defaults", t.Defaults); err != nil {
		return err
	}
	for i, r := range t.Repos {
		key := fmt.Sprintf("repos[%d]", i)
		if !validRepoName(r.Name) {
			return v.errAt(join(key, "name"), nil, "repo %q: not a valid GitHub repository name", r.Name)
		}
		if err := v.checkSettings(fmt.Sprintf("repo %q", r.Name), key, r.Settings); err != nil {
			return err
		}
	}
	if t.Trigger.Mode != ModeDraft && t.Trigger.Mode != ModeRelease {
		return v.errAt("trigger.mode", nil, "trigger: mode %q is not %s or %s", t.Trigger.Mode, ModeDraft, ModeRelease)
	}
	for i, name := range t.Trigger.Repos {
		if !g.Has(name) {
			return v.errAt(fmt.Sprintf("trigger.repos[%d]", i), nil, "trigger: repo %q is not in the train", name)
		}
		if t.Trigger.Mode == ModeRelease && name == t.Release.Repo {
			// The train publishes into a draft of the release repo; a
			// published release there would be both the trigger and the
			// target, and an immutable one can take no assets.
			return v.errAt(fmt.Sprintf("trigger.repos[%d]", i), nil,
				"trigger: in mode release, release.repo %q must not be one of trigger.repos (the train publishes its own draft there); remove it from trigger.repos, pick another release.repo, or use trigger.mode: draft",
				name)
		}
	}
	for i, a := range t.Trigger.Actions {
		if !slices.Contains(releaseActions(), a) {
			return v.errAt(fmt.Sprintf("trigger.actions[%d]", i), nil, "trigger: action %q is not a release action (%s)", a, strings.Join(releaseActions(), ", "))
		}
	}
	if t.Schedule != ScheduleEager && t.Schedule != ScheduleLayered {
		return v.errAt("schedule", nil, "schedule %q is not %s or %s", t.Schedule, ScheduleEager, ScheduleLayered)
	}
	if !g.Has(t.Release.Repo) {
		return v.errAt("release.repo", nil, "release: repo %q is not in the train", t.Release.Repo)
	}
	if !slices.Contains([]string{"true", "false", "legacy"}, t.Release.MakeLatest) {
		return v.errAt("release.make_latest", nil, "release: make_latest %q is not true, false or legacy", t.Release.MakeLatest)
	}
	if !validFileName(t.Release.Name) {
		return v.errAt("release.name", nil, "release: name %q must be letters, digits, '.', '_' or '-'", t.Release.Name)
	}
	if w := t.Release.SignatureWindow; w < 0 || w > MaxSignatureWindow {
		return v.errAt("release.signature_window", nil, "release: signature_window %s: want 0 to %s", w, MaxSignatureWindow)
	}
	return v.checkReconcile(t.Reconcile)
}

// validOwner follows GitHub: letters, digits and single inner hyphens, at most 39.
func validOwner(s string) bool {
	if s == "" || len(s) > 39 || s[0] == '-' || s[len(s)-1] == '-' || strings.Contains(s, "--") {
		return false
	}
	for _, r := range s {
		if !isAlnum(r) && r != '-' {
			return false
		}
	}
	return true
}

// validRepoName follows GitHub: letters, digits, '.', '_', '-', at most 100, not "." or "..".
func validRepoName(s string) bool {
	return len(s) <= 100 && s != "." && s != ".." && validFileName(s)
}

func validFileName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !isAlnum(r) && r != '.' && r != '_' && r != '-' {
			return false
		}
	}
	return true
}

// validWorkflow accepts a workflow file name (build.yml) or a numeric workflow id.
func validWorkflow(s string) bool {
	if s == "" {
		return false
	}
	numeric := true
	for _, r := range s {
		numeric = numeric && r >= '0' && r <= '9'
	}
	return numeric || validFileName(s) && (strings.HasSuffix(s, ".yml") || strings.HasSuffix(s, ".yaml"))
}

func isAlnum(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
}
