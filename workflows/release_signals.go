package workflows

import (
	"go.temporal.io/sdk/workflow"

	"github.com/BTCDecoded/releasetrain/contract"
)

// listen applies operator signals and layer progress until the workflow
// ends; everything that concerns a running build is forwarded to its layer.
func (r *release) listen(ctx workflow.Context) {
	sel := workflow.NewSelector(ctx)
	sel.AddReceive(workflow.GetSignalChannel(ctx, contract.SignalPause), func(c workflow.ReceiveChannel, _ bool) {
		c.Receive(ctx, nil)
		r.onPause(ctx, true)
	})
	sel.AddReceive(workflow.GetSignalChannel(ctx, contract.SignalResume), func(c workflow.ReceiveChannel, _ bool) {
		c.Receive(ctx, nil)
		r.onPause(ctx, false)
	})
	sel.AddReceive(workflow.GetSignalChannel(ctx, contract.SignalCancel), func(c workflow.ReceiveChannel, _ bool) {
		var s contract.CancelSignal
		c.Receive(ctx, &s)
		r.onCancel(ctx, s.Reason)
	})
	sel.AddReceive(workflow.GetSignalChannel(ctx, contract.SignalRetry), func(c workflow.ReceiveChannel, _ bool) {
		var s contract.RepoSignal
		c.Receive(ctx, &s)
		if err := r.validateRetry(s.Repo); err != nil {
			workflow.GetLogger(ctx).Warn("retry ignored", "error", err)
			return
		}
		r.onRetry(ctx, s.Repo)
	})
	sel.AddReceive(workflow.GetSignalChannel(ctx, contract.SignalSkip), func(c workflow.ReceiveChannel, _ bool) {
		var s contract.RepoSignal
		c.Receive(ctx, &s)
		if err := r.validateSkip(s.Repo); err != nil {
			workflow.GetLogger(ctx).Warn("skip ignored", "error", err)
			return
		}
		r.onSkip(ctx, s.Repo)
	})
	sel.AddReceive(workflow.GetSignalChannel(ctx, contract.SignalBuildEvent), func(c workflow.ReceiveChannel, _ bool) {
		var ev contract.BuildEvent
		c.Receive(ctx, &ev)
		r.forward(ctx, ev.Repo, contract.SignalBuildEvent, ev)
	})
	sel.AddReceive(workflow.GetSignalChannel(ctx, SignalLayerProgress), func(c workflow.ReceiveChannel, _ bool) {
		var p LayerProgress
		c.Receive(ctx, &p)
		r.apply(p)
		r.refresh(ctx)
	})
	for {
		sel.Select(ctx)
	}
}

// running reports whether repo belongs to a layer child now running.
func (r *release) running(repo string) bool {
	return r.childOf(repo) != nil
}

// childOf is the running layer child that builds repo, nil if none.
func (r *release) childOf(repo string) workflow.ChildWorkflowFuture {
	if r.graph == nil {
		return nil
	}
	l, ok := r.graph.LayerOf(repo)
	switch {
	case !ok:
		return nil
	case r.eager:
		return r.children[l]
	case r.current != nil && l == r.started:
		return r.current
	}
	return nil
}

// forward sends a signal to the layer child that builds repo.
func (r *release) forward(ctx workflow.Context, repo, name string, arg any) {
	if child := r.childOf(repo); child != nil {
		r.forwardTo(ctx, child, name, arg)
	}
}

// forwardAll sends a signal to every running layer child, in layer order.
func (r *release) forwardAll(ctx workflow.Context, name string, arg any) {
	if !r.eager {
		if r.current != nil {
			r.forwardTo(ctx, r.current, name, arg)
		}
		return
	}
	for n := range r.status.Layers {
		if child := r.children[n]; child != nil {
			r.forwardTo(ctx, child, name, arg)
		}
	}
}

// forwardTo sends a signal to a layer child; a failure (the child just
// finished) is logged.
func (r *release) forwardTo(ctx workflow.Context, child workflow.ChildWorkflowFuture, name string, arg any) {
	f := child.SignalChildWorkflow(ctx, name, arg)
	workflow.Go(ctx, func(ctx workflow.Context) {
		if err := f.Get(ctx, nil); err != nil {
			workflow.GetLogger(ctx).Warn("forward signal to layer", "signal", name, "error", err)
		}
	})
}

func (r *release) onPause(ctx workflow.Context, paused bool) {
	if r.phase != contract.StateRunning || r.paused == paused {
		return
	}
	r.paused = paused
	if paused {
		r.forwardAll(ctx, contract.SignalPause, nil)
	} else {
		r.forwardAll(ctx, contract.SignalResume, nil)
	}
	r.refresh(ctx)
}

func (r *release) onCancel(ctx workflow.Context, reason string) {
	if r.cancel == nil || r.cancelReason != "" {
		return
	}
	if reason == "" {
		reason = "cancelled by operator"
	}
	r.cancelReason = reason
	workflow.GetLogger(ctx).Info("release cancel requested", "reason", reason)
	r.cancel()
}

// onSkip skips a running build through its layer, or a repo whose layer has
// not started yet right here.
func (r *release) onSkip(ctx workflow.Context, repo string) {
	if r.running(repo) {
		r.forward(ctx, repo, contract.SignalSkip, contract.RepoSignal{Repo: repo})
		return
	}
	r.skipPending(ctx, repo)
	r.refresh(ctx)
}

// onRetry retries a blocked build through its layer or, for an empty repo,
// the blocked release step: it is unblocked at once, so the status answered
// to an update already shows the step running again.
func (r *release) onRetry(ctx workflow.Context, repo string) {
	if repo != "" {
		r.forward(ctx, repo, contract.SignalRetry, contract.RepoSignal{Repo: repo})
		return
	}
	workflow.GetLogger(ctx).Info("release step retried", "tag", r.in.Tag, "step", r.stepBlocked)
	r.stepBlocked, r.status.BlockedStep, r.status.Error = "", "", ""
	r.refresh(ctx)
}

// validateRetry accepts a retry of a blocked build, or with an empty repo a
// retry of the blocked release step.
func (r *release) validateRetry(repo string) error {
	if repo == "" {
		if r.stepBlocked == "" {
			return conflict("release %s has no blocked release step to retry (state %s); name a repo to retry its blocked build",
				r.in.Tag, r.state())
		}
		return nil
	}
	if err := r.validateRepo(repo); err != nil {
		return err
	}
	if !r.blocked[repo] || !r.running(repo) {
		return conflict("repo %q of release %s is not blocked (state %s)", repo, r.in.Tag, r.status.Repos[repo].State)
	}
	return nil
}

// validateSkip accepts a skip of any build not finished yet.
func (r *release) validateSkip(repo string) error {
	if err := r.validateRepo(repo); err != nil {
		return err
	}
	if _, done := r.results[repo]; done {
		return conflict("repo %q already finished (state %s)", repo, r.status.Repos[repo].State)
	}
	l, _ := r.graph.LayerOf(repo)
	if r.eager {
		if st := r.status.Repos[repo].State; r.children[l] == nil || st == contract.RepoSucceeded || st == contract.RepoSkipped {
			return conflict("repo %q already finished (state %s)", repo, st)
		}
		return nil
	}
	if l < r.started || (l == r.started && r.current == nil) {
		return conflict("repo %q already finished (state %s)", repo, r.status.Repos[repo].State)
	}
	return nil
}

// validateRepo rejects repos not in this release.
func (r *release) validateRepo(repo string) error {
	if r.graph == nil || !r.graph.Has(repo) {
		return invalid("unknown repo %q in release %s", repo, r.in.Tag)
	}
	if r.phase != contract.StateRunning {
		return conflict("release %s is %s", r.in.Tag, r.phase)
	}
	return nil
}
