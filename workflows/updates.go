package workflows

import (
	"errors"
	"fmt"
	"strings"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// Update names on the Release workflow. They mirror the signals of the same
// names but answer synchronously: a validator rejects an unknown repo (or a
// retry of a build that is not blocked, or a retry with an empty repo while
// no release step is blocked) before anything is recorded, and the result is
// the release's status after the change. The validators are the only
// checks of an operator action: every client (CLI, HTTP API) relies on them.
const (
	UpdatePause  = SignalPause
	UpdateResume = SignalResume
	UpdateCancel = SignalCancel
	UpdateRetry  = SignalRetry
	UpdateSkip   = SignalSkip
)

// Application error types of an update validator's rejection, so a client
// tells "bad request" from "not now" (operator.Client maps them).
const (
	// InvalidErrorType: the request can never succeed on this train (an
	// unknown repo, a malformed signature file name).
	InvalidErrorType = "Invalid"
	// ConflictErrorType: the request does not fit the train's state now
	// (already paused, not blocked, already finished).
	ConflictErrorType = "Conflict"
)

// invalid and conflict are a validator's typed rejections.
func invalid(format string, args ...any) error {
	return temporal.NewApplicationError(fmt.Sprintf(format, args...), InvalidErrorType)
}

func conflict(format string, args ...any) error {
	return temporal.NewApplicationError(fmt.Sprintf(format, args...), ConflictErrorType)
}

// asConflict types a rejection that carries no type yet as a conflict.
func asConflict(err error) error {
	var app *temporal.ApplicationError
	if err == nil || errors.As(err, &app) {
		return err
	}
	return temporal.NewApplicationError(err.Error(), ConflictErrorType)
}

// registerUpdates installs the update handlers with their validators.
func (r *release) registerUpdates(ctx workflow.Context) error {
	handlers := []struct {
		name     string
		handler  any
		validate any
	}{
		{UpdatePause, func(ctx workflow.Context) (Status, error) {
			r.onPause(ctx, true)
			return r.status, nil
		}, func(workflow.Context) error { return r.validatePause(true) }},
		{UpdateResume, func(ctx workflow.Context) (Status, error) {
			r.onPause(ctx, false)
			return r.status, nil
		}, func(workflow.Context) error { return r.validatePause(false) }},
		{UpdateCancel, func(ctx workflow.Context, s CancelSignal) (Status, error) {
			r.onCancel(ctx, s.Reason)
			return r.status, nil
		}, func(_ workflow.Context, _ CancelSignal) error { return r.validateRunning() }},
		{UpdateRetry, func(ctx workflow.Context, s RepoSignal) (Status, error) {
			r.onRetry(ctx, r.canonicalRepo(s.Repo))
			return r.status, nil
		}, func(_ workflow.Context, s RepoSignal) error {
			return asConflict(r.validateRetry(r.canonicalRepo(s.Repo)))
		}},
		{UpdateSkip, func(ctx workflow.Context, s RepoSignal) (Status, error) {
			r.onSkip(ctx, r.canonicalRepo(s.Repo))
			return r.status, nil
		}, func(_ workflow.Context, s RepoSignal) error {
			return asConflict(r.validateSkip(r.canonicalRepo(s.Repo)))
		}},
		{UpdateAttachSignature, r.onAttach,
			func(_ workflow.Context, s AttachSignature) error { return asConflict(r.validateAttach(s)) }},
	}
	for _, h := range handlers {
		if err := workflow.SetUpdateHandlerWithOptions(ctx, h.name, h.handler,
			workflow.UpdateHandlerOptions{Validator: h.validate}); err != nil {
			return fmt.Errorf("register %s update: %w", h.name, err)
		}
	}
	return nil
}

// validateRunning accepts an action while the train runs (building or
// publishing), refusing one on a finished train.
func (r *release) validateRunning() error {
	if r.phase != StateRunning && r.phase != StatePublishing {
		return conflict("release %s is not running (state %s)", r.in.Tag, r.state())
	}
	return nil
}

// validatePause accepts a pause of a running train that is not paused, a
// resume of a paused one.
func (r *release) validatePause(pause bool) error {
	if err := r.validateRunning(); err != nil {
		return err
	}
	switch {
	case pause && r.paused:
		return conflict("release %s is already paused", r.in.Tag)
	case !pause && !r.paused:
		return conflict("release %s is not paused (state %s)", r.in.Tag, r.state())
	case r.phase != StateRunning:
		return conflict("release %s is %s: its builds are done, there is nothing to pause or resume", r.in.Tag, r.phase)
	}
	return nil
}

// canonicalRepo is the train's spelling of a repo name (repo names are
// case-insensitive on GitHub); a name not in the train comes back as given.
func (r *release) canonicalRepo(repo string) string {
	return CanonicalRepo(r.names(), repo)
}

// CanonicalRepo returns the spelling names use for repo, matched
// case-insensitively (GitHub's repo names are), or repo itself when no name
// matches. Every surface canonicalises a repo name with it.
func CanonicalRepo(names []string, repo string) string {
	for _, n := range names {
		if strings.EqualFold(n, repo) {
			return n
		}
	}
	return repo
}
