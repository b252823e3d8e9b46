package workflows

import (
	"go.temporal.io/sdk/workflow"
)

// reporter batches a Layer's repo status changes and sends them to the
// parent Release as SignalLayerProgress. Changes made while a signal is in
// flight go out together in the next one, so a layer of twenty parallel
// builds costs a handful of signals, not one per change; the parent's
// history stays small.
type reporter struct {
	parent  string // parent workflow id; "" when the layer runs alone
	pending []RepoUpdate
	sending bool
}

// add queues u, replacing a queued update of the same repo.
func (r *reporter) add(u RepoUpdate) {
	if r.parent == "" {
		return
	}
	for i := range r.pending {
		if r.pending[i].Repo == u.Repo {
			r.pending[i] = u
			return
		}
	}
	r.pending = append(r.pending, u)
}

// idle reports whether every queued update has been delivered.
func (r *reporter) idle() bool { return len(r.pending) == 0 && !r.sending }

// loop sends queued updates until ctx ends. Run it on a disconnected context
// so the final "cancelled" states still reach the parent.
func (r *reporter) loop(ctx workflow.Context) {
	if r.parent == "" {
		return
	}
	for {
		if err := workflow.Await(ctx, func() bool { return len(r.pending) > 0 }); err != nil {
			return
		}
		batch := LayerProgress{Updates: r.pending}
		r.pending = nil
		r.sending = true
		err := workflow.SignalExternalWorkflow(ctx, r.parent, "", SignalLayerProgress, batch).Get(ctx, nil)
		r.sending = false
		if err != nil {
			workflow.GetLogger(ctx).Warn("layer progress not delivered", "parent", r.parent, "error", err)
		}
	}
}
