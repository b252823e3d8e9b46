package workflows

import (
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/BTCDecoded/releasetrain/activities"
	"github.com/BTCDecoded/releasetrain/contract"
)

// layer is the state of one Layer execution.
type layer struct {
	in     LayerInput
	paused bool
	// ready are the repos an earlier layer or the parent said have finished
	// since this layer started (SignalUpstreamDone), upstream their
	// successful runs; those finished before are in in.Upstream.
	ready    map[string]bool
	upstream map[string]int64
	// notifying counts the SignalUpstreamDone signals in flight to later layers.
	notifying int
	builds    []*build
	byName    map[string]*build
	rep       *reporter
}

// Layer runs the build pipeline of every repo of one DAG layer in parallel
// and returns when each has succeeded or been skipped. A failed build is
// re-run up to its repo's limit, then blocks until the parent forwards
// retry, skip or cancel. On cancellation every running GitHub run is
// cancelled before the layer ends as cancelled.
func Layer(ctx workflow.Context, in LayerInput) (LayerResult, error) {
	l := &layer{in: in, paused: in.Paused, byName: make(map[string]*build, len(in.Repos)), rep: &reporter{},
		ready: map[string]bool{}, upstream: map[string]int64{}}
	if p := workflow.GetInfo(ctx).ParentWorkflowExecution; p != nil {
		l.rep.parent = p.ID
	}
	for _, r := range in.Repos {
		b := newBuild(l, r)
		l.builds = append(l.builds, b)
		l.byName[r.Name] = b
	}
	cleanup, _ := workflow.NewDisconnectedContext(ctx)
	workflow.Go(cleanup, l.rep.loop)
	workflow.Go(ctx, l.listen)

	done := 0
	for _, b := range l.builds {
		workflow.Go(ctx, func(ctx workflow.Context) {
			b.drive(ctx)
			done++
		})
	}
	// Builds end on their own after a cancel (each cancels its GitHub run
	// first), so wait for them on the disconnected context.
	_ = workflow.Await(cleanup, func() bool { return done == len(l.builds) })
	_ = workflow.Await(cleanup, l.rep.idle)
	_ = workflow.Await(cleanup, func() bool { return l.notifying == 0 })
	_ = workflow.Await(cleanup, func() bool { return workflow.AllHandlersFinished(cleanup) })
	if ctx.Err() != nil {
		return LayerResult{}, temporal.NewCanceledError()
	}
	res := LayerResult{Repos: make([]activities.RepoResult, 0, len(l.builds))}
	for _, b := range l.builds {
		res.Repos = append(res.Repos, b.result())
	}
	return res, nil
}

// notify tells the later layers that depend on u (LayerInput.Dependents)
// that it is done; the parent says so too (see release.announce), and a
// layer takes either.
func (l *layer) notify(ctx workflow.Context, u UpstreamRepo) {
	for _, n := range l.in.Dependents[u.Name] {
		l.notifying++
		f := workflow.SignalExternalWorkflow(ctx, contract.LayerWorkflowID(l.in.Tag, n), "", SignalUpstreamDone, UpstreamDone{Repos: []UpstreamRepo{u}})
		workflow.Go(ctx, func(ctx workflow.Context) {
			if err := f.Get(ctx, nil); err != nil {
				workflow.GetLogger(ctx).Warn("tell a later layer", "repo", u.Name, "layer", n, "error", err)
			}
			l.notifying--
		})
	}
}

// listen applies the signals the parent forwards until the layer ends.
func (l *layer) listen(ctx workflow.Context) {
	log := workflow.GetLogger(ctx)
	sel := workflow.NewSelector(ctx)
	sel.AddReceive(workflow.GetSignalChannel(ctx, contract.SignalBuildEvent), func(c workflow.ReceiveChannel, _ bool) {
		var ev contract.BuildEvent
		c.Receive(ctx, &ev)
		if b, ok := l.byName[ev.Repo]; ok {
			b.onEvent(ev)
		}
	})
	sel.AddReceive(workflow.GetSignalChannel(ctx, contract.SignalRetry), func(c workflow.ReceiveChannel, _ bool) {
		var s contract.RepoSignal
		c.Receive(ctx, &s)
		b, ok := l.byName[s.Repo]
		switch {
		case !ok:
			log.Warn("retry ignored: repo not in this layer", "repo", s.Repo, "layer", l.in.Index)
		case !b.blocked:
			log.Warn("retry ignored: build not blocked", "repo", s.Repo, "state", b.status.State)
		default:
			b.retry = true
		}
	})
	sel.AddReceive(workflow.GetSignalChannel(ctx, contract.SignalSkip), func(c workflow.ReceiveChannel, _ bool) {
		var s contract.RepoSignal
		c.Receive(ctx, &s)
		b, ok := l.byName[s.Repo]
		switch {
		case !ok:
			log.Warn("skip ignored: repo not in this layer", "repo", s.Repo, "layer", l.in.Index)
		case b.finished:
			log.Warn("skip ignored: build already finished", "repo", s.Repo, "state", b.status.State)
		default:
			b.skip = true
		}
	})
	sel.AddReceive(workflow.GetSignalChannel(ctx, contract.SignalPause), func(c workflow.ReceiveChannel, _ bool) {
		c.Receive(ctx, nil)
		l.paused = true
	})
	sel.AddReceive(workflow.GetSignalChannel(ctx, SignalUpstreamDone), func(c workflow.ReceiveChannel, _ bool) {
		var u UpstreamDone
		c.Receive(ctx, &u)
		for _, rep := range u.Repos {
			l.ready[rep.Name] = true
			if !rep.Skipped && rep.RunID != 0 {
				l.upstream[rep.Name] = rep.RunID
			}
		}
	})
	sel.AddReceive(workflow.GetSignalChannel(ctx, contract.SignalResume), func(c workflow.ReceiveChannel, _ bool) {
		c.Receive(ctx, nil)
		l.paused = false
	})
	for ctx.Err() == nil {
		sel.Select(ctx)
	}
}
