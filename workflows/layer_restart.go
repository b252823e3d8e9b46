package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/BTCDecoded/releasetrain/contract"
)

// layerRestartVersion is the workflow.GetVersion change id of waiting for a
// previous run's layer child that still holds the layer's business id.
const layerRestartVersion = "layer-restart"

// How long a layer waits for a previous run's child to close: it checks
// every layerRestartWait, at most layerRestartWaits times (ten minutes; a
// cancelled layer's clean-up cancels its GitHub runs, each call bounded by
// cleanupOptions).
const (
	layerRestartWait  = 10 * time.Second
	layerRestartWaits = 60
)

// awaitLayer waits for layer n's child and returns its result. Layer
// children have business ids (release-<tag>-layer-<n>), so the child of an
// earlier run of the same tag that is still closing makes the start fail
// as already started: a terminated train's children are asked to cancel
// after the train has gone (parent close policy REQUEST_CANCEL) and clean
// up their GitHub runs first. The layer then waits and starts its child
// again instead of failing the new train; set records each new child so
// signals reach it. Trains recorded before this (GetVersion) fail as they
// did.
func (r *release) awaitLayer(ctx, childCtx workflow.Context, n int, in LayerInput, child workflow.ChildWorkflowFuture, set func(workflow.ChildWorkflowFuture)) (LayerResult, error) {
	for waits := 0; ; waits++ {
		var res LayerResult
		err := child.Get(ctx, &res)
		if err == nil || !temporal.IsWorkflowExecutionAlreadyStartedError(err) || childCtx.Err() != nil || waits >= layerRestartWaits {
			return res, err
		}
		if workflow.GetVersion(ctx, layerRestartVersion, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
			return res, err
		}
		workflow.GetLogger(ctx).Info("an earlier run's layer child is still closing; waiting for it",
			"layer", n, "child", contract.LayerWorkflowID(r.in.Tag, n))
		// The timer is cancelled with the children; ctx is the coroutine
		// that blocks (eager layers wait in their own).
		if err := workflow.NewTimer(childCtx, layerRestartWait).Get(ctx, nil); err != nil {
			return res, err
		}
		child = workflow.ExecuteChildWorkflow(layerOptions(childCtx, r.in.Tag, n), Layer, in)
		set(child)
	}
}
