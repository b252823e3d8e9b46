package workflows

import (
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/BTCDecoded/releasetrain/activities"
	"github.com/BTCDecoded/releasetrain/contract"
)

// signatureWindowVersion is the workflow.GetVersion change id of keeping the
// filled draft open for release.signature_window before publishing.
const signatureWindowVersion = "signature-window"

// signatureWindow fills the draft (PublishRelease with KeepDraft), keeps it
// open for the window while attach-signature updates add rebuilders'
// signatures, and returns the signature assets to publish with the rest.
func (r *release) signatureWindow(ctx, work workflow.Context, out activities.PublishInput, window time.Duration) ([]activities.Asset, error) {
	var a *activities.Activities
	draft := out
	draft.KeepDraft = true
	var res activities.PublishResult
	if err := r.releaseStep(ctx, work, contract.StepPublish, func() error {
		return workflow.ExecuteActivity(longOptions(work, publishTimeout), a.PublishRelease, draft).Get(work, &res)
	}); err != nil {
		return nil, err
	}
	r.window = &contract.SignatureWindow{Until: workflow.Now(ctx).Add(window), DraftURL: res.URL, Open: true}
	r.status.SignatureWindow = r.window
	r.refresh(ctx)
	err := workflow.NewTimerWithOptions(work, window, workflow.TimerOptions{Summary: "signature window"}).Get(work, nil)
	r.window.Open = false
	r.refresh(ctx)
	if err != nil {
		return nil, err
	}
	// Signatures being uploaded as the window closed are still published.
	if err := workflow.Await(work, func() bool { return r.attaching == 0 }); err != nil {
		return nil, err
	}
	return r.signatures, nil
}

// validateAttach accepts a signature only while the window is open.
func (r *release) validateAttach(s contract.AttachSignature) error {
	switch {
	case r.status.ReleaseURL != "" || r.phase == contract.StateSucceeded:
		return conflict("release %s is published: GitHub refuses new assets on an immutable release and releasetrain writes only to drafts; collect rebuilders' signatures while the draft is open (release.signature_window)", r.in.Tag)
	case r.window == nil:
		return conflict("release %s has no open signature window (state %s): signatures are attached while the filled draft waits %s before it is published (release.signature_window)",
			r.in.Tag, r.state(), r.train.Release.SignatureWindow)
	case !r.window.Open:
		return conflict("release %s: the signature window closed at %s; the release is being published", r.in.Tag, r.window.Until.Format(time.RFC3339))
	}
	// The content is checked by the AttachSignature activity (parsing
	// OpenPGP packets is not deterministic code).
	if err := contract.CheckSignatureName(s.Name, len(s.Signature)); err != nil {
		return invalid("%v", err)
	}
	return nil
}

// onAttach uploads the signature to the draft and records it.
func (r *release) onAttach(ctx workflow.Context, s contract.AttachSignature) (contract.Status, error) {
	var a *activities.Activities
	r.attaching++
	defer func() { r.attaching-- }()
	in := activities.AttachSignatureInput{
		Owner: r.train.Owner, Repo: r.train.Release.Repo, Tag: r.in.Tag,
		Name: s.Name, Signature: s.Signature, Marker: workflow.GetInfo(ctx).WorkflowExecution.ID,
	}
	var asset activities.Asset
	if err := workflow.ExecuteActivity(apiOptions(ctx), a.AttachSignature, in).Get(ctx, &asset); err != nil {
		// A file the worker finds is no signature is invalid; GitHub
		// refusing the upload (a published release) conflicts with the
		// release's state.
		msg := fmt.Sprintf("attach %s: %s", s.Name, errText(err))
		if app, ok := errors.AsType[*temporal.ApplicationError](err); ok && app.Type() == activities.BadInputErrorType {
			return r.status, invalid("%s", msg)
		}
		return r.status, conflict("%s", msg)
	}
	replaced := false
	for i := range r.signatures {
		if r.signatures[i].Name == asset.Name {
			r.signatures[i], replaced = asset, true
		}
	}
	if !replaced {
		r.signatures = append(r.signatures, asset)
		r.window.Signatures = append(r.window.Signatures, asset.Name)
	}
	workflow.GetLogger(ctx).Info("signature attached", "tag", r.in.Tag, "name", asset.Name)
	r.refresh(ctx)
	return r.status, nil
}
