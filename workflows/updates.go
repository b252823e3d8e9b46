package workflows

import (
	"errors"
	"fmt"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/BTCDecoded/releasetrain/contract"
)

// invalid and conflict are a validator's typed rejections.
func invalid(format string, args ...any) error {
	return temporal.NewApplicationError(fmt.Sprintf(format, args...), contract.InvalidErrorType)
}

func conflict(format string, args ...any) error {
	return temporal.NewApplicationError(fmt.Sprintf(format, args...), contract.ConflictErrorType)
}

// asConflict types a rejection that carries no type yet as a conflict.
func asConflict(err error) error {
	var app *temporal.ApplicationError
	if err == nil || errors.As(err, &app) {
		return err
	}
	return temporal.NewApplicationError(err.Error(), contract.ConflictErrorType)
}

// registerUpdates installs the Release workflow's Updates
// (contract.UpdatePause, …) with their validators. They mirror the signals
// of the same names but answer synchronously: a validator rejects an
// unknown repo (contract.InvalidErrorType) or an action the train's state
// does not allow now (contract.ConflictErrorType: already paused, a retry
// of a build that is not blocked, a finished train) before anything is
// recorded, and the result is the release's status after the change. The
// validators are the only checks of an operator action: every client (the
// operator package, so the CLI and the HTTP API) relies on them.
func (r *release) registerUpdates(ctx workflow.Context) error {
	handlers := []struct {
		name     string
		handler  any
		validate any
	}{
		{contract.UpdatePause, func(ctx workflow.Context) (contract.Status, error) {
			r.onPause(ctx, true)
			return r.status, nil
		}, func(workflow.Context) error { return r.validatePause(true) }},
		{contract.UpdateResume, func(ctx workflow.Context) (contract.Status, error) {
			r.onPause(ctx, false)
			return r.status, nil
		}, func(workflow.Context) error { return r.validatePause(false) }},
		{contract.UpdateCancel, func(ctx workflow.Context, s contract.CancelSignal) (contract.Status, error) {
			r.onCancel(ctx, s.Reason)
			return r.status, nil
		}, func(_ workflow.Context, _ contract.CancelSignal) error { return r.validateRunning() }},
		{contract.UpdateRetry, func(ctx workflow.Context, s contract.RepoSignal) (contract.Status, error) {
			r.onRetry(ctx, r.canonicalRepo(s.Repo))
			return r.status, nil
		}, func(_ workflow.Context, s contract.RepoSignal) error {
			return asConflict(r.validateRetry(r.canonicalRepo(s.Repo)))
		}},
		{contract.UpdateSkip, func(ctx workflow.Context, s contract.RepoSignal) (contract.Status, error) {
			r.onSkip(ctx, r.canonicalRepo(s.Repo))
			return r.status, nil
		}, func(_ workflow.Context, s contract.RepoSignal) error {
			return asConflict(r.validateSkip(r.canonicalRepo(s.Repo)))
		}},
		{contract.UpdateAttachSignature, r.onAttach,
			func(_ workflow.Context, s contract.AttachSignature) error { return asConflict(r.validateAttach(s)) }},
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
	if r.phase != contract.StateRunning && r.phase != contract.StatePublishing {
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
	case r.phase != contract.StateRunning:
		return conflict("release %s is %s: its builds are done, there is nothing to pause or resume", r.in.Tag, r.phase)
	}
	return nil
}

// canonicalRepo is the train's spelling of a repo name (repo names are
// case-insensitive on GitHub); a name not in the train comes back as given.
func (r *release) canonicalRepo(repo string) string {
	return contract.CanonicalRepo(r.names(), repo)
}
