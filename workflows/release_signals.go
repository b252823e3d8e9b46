package workflows

import (
	"fmt"

	"go.temporal.io/sdk/workflow"
)

// listen applies operator signals and layer progress until the workflow
// ends; everything that concerns a running build is forwarded to its layer.
func (r *release) listen(ctx workflow.Context) {
	sel := workflow.NewSelector(ctx)
	sel.AddReceive(workflow.GetSignalChannel(ctx, SignalPause), func(c workflow.ReceiveChannel, _ bool) {
		c.Receive(ctx, nil)
		r.onPause(ctx, true)
	})
	sel.AddReceive(workflow.GetSignalChannel(ctx, SignalResume), func(c workflow.ReceiveChannel, _ bool) {
		c.Receive(ctx, nil)
		r.onPause(ctx, false)
	})
	sel.AddReceive(workflow.GetSignalChannel(ctx, SignalCancel), func(c workflow.ReceiveChannel, _ bool) {
		var s CancelSignal
		c.Receive(ctx, &s)
		r.onCancel(ctx, s.Reason)
	})
	sel.AddReceive(workflow.GetSignalChannel(ctx, SignalRetry), func(c workflow.ReceiveChannel, _ bool) {
		var s RepoSignal
		c.Receive(ctx, &s)
		if err := r.validateRetry(s.Repo); err != nil {
			workflow.GetLogger(ctx).Warn("retry ignored", "error", err)
			return
		}
		r.onRetry(ctx, s.Repo)
	})
	sel.AddReceive(workflow.GetSignalChannel(ctx, SignalSkip), func(c workflow.ReceiveChannel, _ bool) {
		var s RepoSignal
		c.Receive(ctx, &s)
		if err := r.validateSkip(s.Repo); err != nil {
			workflow.GetLogger(ctx).Warn("skip ignored", "error", err)
			return
		}
		r.onSkip(ctx, s.Repo)
	})
	sel.AddReceive(workflow.GetSignalChannel(ctx, SignalBuildEvent), func(c workflow.ReceiveChannel, _ bool) {
		var ev BuildEvent
		c.Receive(ctx, &ev)
		if r.running(ev.Repo) {
			r.forward(ctx, SignalBuildEvent, ev)
		}
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

// running reports whether repo belongs to the layer child now running.
func (r *release) running(repo string) bool {
	if r.current == nil || r.graph == nil {
		return false
	}
	l, ok := r.graph.LayerOf(repo)
	return ok && l == r.started
}

// forward sends a signal to the running layer child; a failure (the child
// just finished) is logged.
func (r *release) forward(ctx workflow.Context, name string, arg any) {
	child := r.current
	if child == nil {
		return
	}
	f := child.SignalChildWorkflow(ctx, name, arg)
	workflow.Go(ctx, func(ctx workflow.Context) {
		if err := f.Get(ctx, nil); err != nil {
			workflow.GetLogger(ctx).Warn("forward signal to layer", "signal", name, "error", err)
		}
	})
}

func (r *release) onPause(ctx workflow.Context, paused bool) {
	if r.phase != StateRunning || r.paused == paused {
		return
	}
	r.paused = paused
	if paused {
		r.forward(ctx, SignalPause, nil)
	} else {
		r.forward(ctx, SignalResume, nil)
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
		r.forward(ctx, SignalSkip, RepoSignal{Repo: repo})
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
		r.forward(ctx, SignalRetry, RepoSignal{Repo: repo})
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
			return fmt.Errorf("release %s has no blocked release step to retry (state %s); name a repo to retry its blocked build",
				r.in.Tag, r.state())
		}
		return nil
	}
	if err := r.validateRepo(repo); err != nil {
		return err
	}
	if !r.blocked[repo] || !r.running(repo) {
		return fmt.Errorf("repo %q is not blocked (state %s)", repo, r.status.Repos[repo].State)
	}
	return nil
}

// validateSkip accepts a skip of any build not finished yet.
func (r *release) validateSkip(repo string) error {
	if err := r.validateRepo(repo); err != nil {
		return err
	}
	if _, done := r.results[repo]; done {
		return fmt.Errorf("repo %q already finished (state %s)", repo, r.status.Repos[repo].State)
	}
	l, _ := r.graph.LayerOf(repo)
	if l < r.started || (l == r.started && r.current == nil) {
		return fmt.Errorf("repo %q already finished (state %s)", repo, r.status.Repos[repo].State)
	}
	return nil
}

// validateRepo rejects repos not in this release.
func (r *release) validateRepo(repo string) error {
	if r.graph == nil || !r.graph.Has(repo) {
		return fmt.Errorf("unknown repo %q in release %s", repo, r.in.Tag)
	}
	if r.phase != StateRunning {
		return fmt.Errorf("release %s is %s", r.in.Tag, r.phase)
	}
	return nil
}
