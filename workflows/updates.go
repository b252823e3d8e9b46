package workflows

import (
	"errors"
	"fmt"

	"go.temporal.io/sdk/workflow"

	"github.com/BTCDecoded/releasetrain/contract"
)

// errNotRunning rejects updates on a finished release.
var errNotRunning = errors.New("release is not running")

// registerUpdates installs the update handlers with their validators.
func (r *release) registerUpdates(ctx workflow.Context) error {
	running := func() error {
		if r.phase != contract.StateRunning && r.phase != contract.StatePublishing {
			return errNotRunning
		}
		return nil
	}
	handlers := []struct {
		name     string
		handler  any
		validate any
	}{
		{contract.UpdatePause, func(ctx workflow.Context) (contract.Status, error) {
			r.onPause(ctx, true)
			return r.status, nil
		}, func(workflow.Context) error { return running() }},
		{contract.UpdateResume, func(ctx workflow.Context) (contract.Status, error) {
			r.onPause(ctx, false)
			return r.status, nil
		}, func(workflow.Context) error { return running() }},
		{contract.UpdateCancel, func(ctx workflow.Context, s contract.CancelSignal) (contract.Status, error) {
			r.onCancel(ctx, s.Reason)
			return r.status, nil
		}, func(_ workflow.Context, _ contract.CancelSignal) error { return running() }},
		{contract.UpdateRetry, func(ctx workflow.Context, s contract.RepoSignal) (contract.Status, error) {
			r.onRetry(ctx, s.Repo)
			return r.status, nil
		}, func(_ workflow.Context, s contract.RepoSignal) error { return r.validateRetry(s.Repo) }},
		{contract.UpdateSkip, func(ctx workflow.Context, s contract.RepoSignal) (contract.Status, error) {
			r.onSkip(ctx, s.Repo)
			return r.status, nil
		}, func(_ workflow.Context, s contract.RepoSignal) error { return r.validateSkip(s.Repo) }},
		{contract.UpdateAttachSignature, r.onAttach,
			func(_ workflow.Context, s contract.AttachSignature) error { return r.validateAttach(s) }},
	}
	for _, h := range handlers {
		if err := workflow.SetUpdateHandlerWithOptions(ctx, h.name, h.handler,
			workflow.UpdateHandlerOptions{Validator: h.validate}); err != nil {
			return fmt.Errorf("register %s update: %w", h.name, err)
		}
	}
	return nil
}
