package workflows

import (
	"errors"
	"fmt"

	"go.temporal.io/sdk/workflow"
)

// Update names on the Release workflow. They mirror the signals of the same
// names but answer synchronously: a validator rejects an unknown repo (or a
// retry of a build that is not blocked, or a retry with an empty repo while
// no release step is blocked) before anything is recorded, and the result is
// the release's status after the change.
const (
	UpdatePause  = SignalPause
	UpdateResume = SignalResume
	UpdateCancel = SignalCancel
	UpdateRetry  = SignalRetry
	UpdateSkip   = SignalSkip
)

// errNotRunning rejects updates on a finished release.
var errNotRunning = errors.New("release is not running")

// registerUpdates installs the update handlers with their validators.
func (r *release) registerUpdates(ctx workflow.Context) error {
	running := func() error {
		if r.phase != StateRunning && r.phase != StatePublishing {
			return errNotRunning
		}
		return nil
	}
	handlers := []struct {
		name     string
		handler  any
		validate any
	}{
		{UpdatePause, func(ctx workflow.Context) (Status, error) {
			r.onPause(ctx, true)
			return r.status, nil
		}, func(workflow.Context) error { return running() }},
		{UpdateResume, func(ctx workflow.Context) (Status, error) {
			r.onPause(ctx, false)
			return r.status, nil
		}, func(workflow.Context) error { return running() }},
		{UpdateCancel, func(ctx workflow.Context, s CancelSignal) (Status, error) {
			r.onCancel(ctx, s.Reason)
			return r.status, nil
		}, func(_ workflow.Context, _ CancelSignal) error { return running() }},
		{UpdateRetry, func(ctx workflow.Context, s RepoSignal) (Status, error) {
			r.onRetry(ctx, s.Repo)
			return r.status, nil
		}, func(_ workflow.Context, s RepoSignal) error { return r.validateRetry(s.Repo) }},
		{UpdateSkip, func(ctx workflow.Context, s RepoSignal) (Status, error) {
			r.onSkip(ctx, s.Repo)
			return r.status, nil
		}, func(_ workflow.Context, s RepoSignal) error { return r.validateSkip(s.Repo) }},
		{UpdateAttachSignature, r.onAttach,
			func(_ workflow.Context, s AttachSignature) error { return r.validateAttach(s) }},
	}
	for _, h := range handlers {
		if err := workflow.SetUpdateHandlerWithOptions(ctx, h.name, h.handler,
			workflow.UpdateHandlerOptions{Validator: h.validate}); err != nil {
			return fmt.Errorf("register %s update: %w", h.name, err)
		}
	}
	return nil
}
