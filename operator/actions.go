package operator

import (
	"context"
	"errors"
	"fmt"

	"go.temporal.io/sdk/client"

	"github.com/BTCDecoded/releasetrain/contract"
)

// Pause holds the train's next dispatches (running builds go on); the
// answer is the train's status after the change.
func (c *Client) Pause(ctx context.Context, tag string) (contract.Status, error) {
	return c.update(ctx, tag, contract.UpdatePause)
}

// Resume lets a paused train dispatch again.
func (c *Client) Resume(ctx context.Context, tag string) (contract.Status, error) {
	return c.update(ctx, tag, contract.UpdateResume)
}

// Cancel ends the train: its running builds' GitHub runs are cancelled and
// nothing is published. reason is recorded ("" lets the workflow say
// "cancelled by operator").
func (c *Client) Cancel(ctx context.Context, tag, reason string) (contract.Status, error) {
	return c.update(ctx, tag, contract.UpdateCancel, contract.CancelSignal{Reason: reason})
}

// Retry re-runs repo's blocked build or, for repo "", the blocked release
// step (package or publish).
func (c *Client) Retry(ctx context.Context, tag, repo string) (contract.Status, error) {
	return c.update(ctx, tag, contract.UpdateRetry, contract.RepoSignal{Repo: repo})
}

// Skip releases the train without repo's build (blocked, running or not
// started yet); what depends on it builds without it.
func (c *Client) Skip(ctx context.Context, tag, repo string) (contract.Status, error) {
	return c.update(ctx, tag, contract.UpdateSkip, contract.RepoSignal{Repo: repo})
}

// AttachSignature uploads a rebuilder's signature over SHA256SUMS to the
// release's draft while its signature window is open.
func (c *Client) AttachSignature(ctx context.Context, tag string, s contract.AttachSignature) (contract.Status, error) {
	st, err := c.update(ctx, tag, contract.UpdateAttachSignature, s)
	var e *Error
	if errors.As(err, &e) && e.Kind == ErrConflict && isNotFound(e.Err) {
		e.Msg = fmt.Sprintf("release %s is not running: once published, GitHub refuses new assets on an immutable release and releasetrain writes only to drafts; signatures are collected while the draft is open (release.signature_window)", tag)
	}
	return st, err
}

// update sends an Update to the tag's train and waits for its answer: the
// workflow's validator accepts or rejects it (ErrInvalid, ErrConflict), a
// missing train is ErrNotFound, a finished one ErrConflict.
func (c *Client) update(ctx context.Context, tag, name string, args ...any) (contract.Status, error) {
	var st contract.Status
	if err := lookup(tag); err != nil {
		return st, err
	}
	ctx, cancel := c.bound(ctx)
	defer cancel()
	h, err := c.temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID:   contract.ReleaseWorkflowID(tag),
		UpdateName:   name,
		Args:         args,
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err == nil {
		err = h.Get(ctx, &st)
	}
	if err != nil {
		return st, c.temporalError(ctx, tag, name, err)
	}
	return st, nil
}

// BuildEvent forwards a workflow_run webhook about one of the train's runs
// (the build-event signal); a train that is not running is ErrNotFound.
func (c *Client) BuildEvent(ctx context.Context, tag string, ev contract.BuildEvent) error {
	if err := lookup(tag); err != nil {
		return err
	}
	ctx, cancel := c.bound(ctx)
	defer cancel()
	err := c.temporal.SignalWorkflow(ctx, contract.ReleaseWorkflowID(tag), "", contract.SignalBuildEvent, ev)
	if err == nil {
		return nil
	}
	if kind, ok := classify(err); ok && kind == ErrNotFound {
		return notFoundError(tag, err)
	}
	return c.temporalError(ctx, tag, contract.SignalBuildEvent, err)
}
