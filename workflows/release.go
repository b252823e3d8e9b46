package workflows

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/BTCDecoded/releasetrain/activities"
	"github.com/BTCDecoded/releasetrain/assetname"
	"github.com/BTCDecoded/releasetrain/config"
	"github.com/BTCDecoded/releasetrain/contract"
	"github.com/BTCDecoded/releasetrain/dag"
)

// publishWaitsForCancelVersion is the workflow.GetVersion change id of
// waiting for a cancelled PublishRelease to answer.
const publishWaitsForCancelVersion = "publish-waits-for-cancel"

// blockReleaseStepVersion is the workflow.GetVersion change id of blocking
// on a failed package or publish step instead of failing the train.
const blockReleaseStepVersion = "block-release-step"

// Release runs a whole train: one Layer child per DAG layer in order, then
// PackageRelease and PublishRelease. It answers the status query, keeps the
// ReleaseTag/ReleaseState search attributes and the Web UI summary current,
// and obeys the operator signals (pause, resume, cancel, retry, skip,
// build-event). A failed package or publish step blocks the release (state
// blocked, Status.BlockedStep) until a retry with an empty repo runs it
// again or a cancel ends the train. A cancel (signal or Temporal cancel
// request) cancels the running layer, whose builds' GitHub runs are
// cancelled, publishes nothing and ends the workflow as cancelled.
func Release(ctx workflow.Context, in contract.ReleaseInput) (contract.Status, error) {
	r := newRelease(in)
	if err := workflow.SetQueryHandler(ctx, contract.QueryStatus, func() (contract.Status, error) { return r.status, nil }); err != nil {
		return r.status, fmt.Errorf("register %s query: %w", contract.QueryStatus, err)
	}
	if err := workflow.UpsertTypedSearchAttributes(ctx, contract.ReleaseTagKey.ValueSet(in.Tag)); err != nil {
		workflow.GetLogger(ctx).Warn("upsert ReleaseTag", "tag", in.Tag, "error", err)
	}
	r.version = workflow.GetVersion(ctx, preflightVersion, workflow.DefaultVersion, 1)
	if err := r.plan(); err != nil {
		r.phase = contract.StateFailed
		r.status.Error = err.Error()
		r.refresh(ctx)
		return r.status, temporal.NewNonRetryableApplicationError(err.Error(), InvalidTrainErrorType, err)
	}
	work, cancel := workflow.WithCancel(ctx)
	r.cancel = cancel
	r.refresh(ctx)
	workflow.Go(ctx, r.listen)
	if err := r.registerUpdates(ctx); err != nil {
		return r.status, err
	}

	var err error
	if r.version >= 1 {
		err = r.preflight(ctx, work)
	}
	if err == nil {
		err = r.runBuilds(ctx, work)
	}
	if err == nil {
		err = r.publish(ctx, work)
	}
	switch {
	case err == nil:
		r.phase = contract.StateSucceeded
	case work.Err() != nil:
		return r.status, r.cancelled(ctx)
	default:
		r.phase = contract.StateFailed
		r.status.Error = err.Error()
	}
	r.refresh(ctx)
	_ = workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) })
	return r.status, err
}

// plan builds the graph (narrowed by Only) and lists every repo as pending.
func (r *release) plan() error {
	// Decoding JSON into config.Train (a struct with no maps) is
	// deterministic; workflowcheck only sees encoding/json's reflection.
	//workflowcheck:ignore
	if err := json.Unmarshal(r.in.Train, &r.train); err != nil {
		return fmt.Errorf("train config of %s: %w", r.in.Tag, err)
	}
	nodes := make([]dag.Node, 0, len(r.train.Repos))
	for _, repo := range r.train.Repos {
		nodes = append(nodes, dag.Node{Name: repo.Name, DependsOn: repo.DependsOn})
	}
	g, err := dag.New(nodes)
	if err != nil {
		return fmt.Errorf("train graph: %w", err)
	}
	if len(r.in.Only) > 0 {
		if g, err = g.Subgraph(r.in.Only, r.in.WithDependents); err != nil {
			return fmt.Errorf("only %v: %w", r.in.Only, err)
		}
	}
	if r.version >= 1 {
		// Asset names are known to be kept by GitHub before any build: the
		// bundle's from the tag here, every file's when it is packaged.
		if err := assetname.Check(assetname.Bundle(r.train.Release.Name, r.in.Tag)); err != nil {
			return fmt.Errorf("tag %s: %w", r.in.Tag, err)
		}
	}
	r.graph = g
	r.status.Layers = g.Layers()
	for _, n := range g.Names() {
		r.status.Repos[n] = contract.RepoStatus{State: contract.RepoPending}
	}
	return nil
}

// runLayers runs one Layer child per layer, each after the previous one
// finished and while not paused.
func (r *release) runLayers(ctx, work workflow.Context) error {
	for n, names := range r.status.Layers {
		r.status.Layer = n
		r.refresh(ctx)
		if err := workflow.Await(work, func() bool { return !r.paused }); err != nil {
			return err
		}
		repos := r.layerRepos(names)
		r.started = n
		if len(repos) == 0 {
			continue
		}
		in := r.layerInput(n, repos)
		child := workflow.ExecuteChildWorkflow(layerOptions(work, r.in.Tag, n), Layer, in)
		r.current = child
		res, err := r.awaitLayer(ctx, work, n, in, child, func(c workflow.ChildWorkflowFuture) { r.current = c })
		r.current = nil
		if err != nil {
			if work.Err() != nil {
				return work.Err()
			}
			return fmt.Errorf("layer %d: %w", n, err)
		}
		r.record(ctx, res)
	}
	return nil
}

// publish packages and publishes the unified release.
func (r *release) publish(ctx, work workflow.Context) error {
	var a *activities.Activities
	r.phase = contract.StatePublishing
	r.refresh(ctx)
	t := r.train
	info := workflow.GetInfo(ctx)
	pin := activities.PackageInput{
		Owner:         t.Owner,
		ReleaseRepo:   t.Release.Repo,
		Name:          t.Release.Name,
		Tag:           r.in.Tag,
		Prerelease:    r.in.Prerelease,
		Time:          workflow.GetInfo(ctx).WorkflowStartTime,
		Repos:         r.repoResults(),
		GenerateNotes: t.Release.GenerateNotes,
		Provenance: activities.ProvenanceInput{
			WorkflowID:     info.WorkflowExecution.ID,
			RunID:          info.WorkflowExecution.RunID,
			StartedAt:      info.WorkflowStartTime,
			FinishedAt:     workflow.Now(ctx),
			Trigger:        r.in.Trigger,
			Only:           r.in.Only,
			WithDependents: r.in.WithDependents,
			ConfigSHA256:   configDigest(t),
		},
	}
	var pkg activities.PackageResult
	if err := r.releaseStep(ctx, work, contract.StepPackage, func() error {
		return workflow.ExecuteActivity(longOptions(work, packageTimeout), a.PackageRelease, pin).Get(work, &pkg)
	}); err != nil {
		return err
	}
	out := activities.PublishInput{
		Owner:       t.Owner,
		Repo:        t.Release.Repo,
		Tag:         r.in.Tag,
		Title:       t.Release.Name + " " + r.in.Tag,
		Prerelease:  r.in.Prerelease,
		Assets:      pkg.Assets,
		NotesSHA256: pkg.NotesSHA256,
		Marker:      workflow.GetInfo(ctx).WorkflowExecution.ID,
		MakeLatest:  t.Release.MakeLatest,
	}
	// With a signature window (version 1), the draft is filled first and
	// stays open for rebuilders' signatures, which are published with it.
	if w := t.Release.SignatureWindow; w > 0 && workflow.GetVersion(ctx, signatureWindowVersion, workflow.DefaultVersion, 1) >= 1 {
		sigs, err := r.signatureWindow(ctx, work, out, w)
		if err != nil {
			return err
		}
		out.Assets = append(append([]activities.Asset(nil), out.Assets...), sigs...)
	}
	// A cancel reaches PublishRelease only through its heartbeats, so it may
	// still publish after the cancel. Wait for its answer (version 1): a
	// release it published is reported as succeeded with its URL, never as a
	// cancelled train with a live release behind it.
	var pub activities.PublishResult
	if err := r.releaseStep(ctx, work, contract.StepPublish, func() error {
		opts := longOptions(work, publishTimeout)
		if workflow.GetVersion(ctx, publishWaitsForCancelVersion, workflow.DefaultVersion, 1) >= 1 {
			opts = workflow.WithWaitForCancellation(opts, true)
		}
		return workflow.ExecuteActivity(opts, a.PublishRelease, out).Get(work, &pub)
	}); err != nil {
		return err
	}
	r.status.ReleaseURL = pub.URL
	r.status.ReleaseImmutable = pub.Immutable
	r.status.ForeignAssets = pub.Foreign
	return nil
}

// configDigest is the hex sha256 of the train's resolved config as JSON,
// as this workflow received it (empty if it cannot be encoded).
func configDigest(t config.Train) string {
	// encoding/json writes struct fields in order and map keys sorted, so
	// the bytes depend on the train alone; workflowcheck cannot see past its
	// reflection and caches.
	data, err := json.Marshal(t) //workflowcheck:ignore
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// releaseStep runs a release step (package or publish) until it succeeds.
// A failure (the activities retry transient errors themselves, so it is
// permanent: a permission error, an immutable release, a bundle conflict)
// blocks the release (version 1) until an operator retries the step or
// cancels; before, it failed the train, and restarting the tag rebuilt
// every repo. A cancel ends it with the work context's error.
func (r *release) releaseStep(ctx, work workflow.Context, step string, run func() error) error {
	for {
		err := run()
		if err == nil {
			return nil
		}
		if work.Err() != nil {
			return err
		}
		if workflow.GetVersion(ctx, blockReleaseStepVersion, workflow.DefaultVersion, 1) < 1 {
			return fmt.Errorf("%s release: %w", step, err)
		}
		if err := r.blockStep(ctx, work, step, err); err != nil {
			return err
		}
	}
}

// blockStep reports a failed release step blocked and waits for retry
// (which unblocks it, see onRetryStep) or cancel.
func (r *release) blockStep(ctx, work workflow.Context, step string, cause error) error {
	why := step + " release: " + errText(cause)
	if step == contract.StepPreflight {
		why = "preflight: " + errText(cause)
	}
	workflow.GetLogger(ctx).Warn("release step blocked", "tag", r.in.Tag, "step", step, "reason", why)
	r.stepBlocked = step
	r.status.BlockedStep = step
	r.status.Error = why
	r.refresh(ctx)
	err := workflow.Await(work, func() bool { return r.stepBlocked == "" })
	r.stepBlocked, r.status.BlockedStep = "", ""
	return err
}

// cancelled finishes a cancelled train: every unfinished repo cancelled,
// state cancelled, and the error that shows the workflow as Cancelled.
func (r *release) cancelled(ctx workflow.Context) error {
	dctx, _ := workflow.NewDisconnectedContext(ctx)
	r.phase = contract.StateCancelled
	r.status.Error = r.cancelReason
	r.markCancelled(dctx)
	r.refresh(dctx)
	_ = workflow.Await(dctx, func() bool { return workflow.AllHandlersFinished(dctx) })
	workflow.GetLogger(ctx).Info("release cancelled", "tag", r.in.Tag, "reason", r.cancelReason)
	if r.cancelReason != "" {
		return temporal.NewCanceledError(r.cancelReason)
	}
	return temporal.NewCanceledError()
}
