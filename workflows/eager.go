package workflows

import (
	"fmt"
	"slices"

	"go.temporal.io/sdk/workflow"

	"github.com/BTCDecoded/releasetrain/config"
	"github.com/BTCDecoded/releasetrain/contract"
)

// eagerScheduleVersion is the workflow.GetVersion change id of the eager
// schedule. A train whose config asks for it runs eagerly only when its
// history says so (version 1): one started by new code but first run by an
// older worker recorded the layered commands and replays them.
const eagerScheduleVersion = "eager-schedule"

// SignalUpstreamDone is the internal signal the Release workflow sends a
// Layer child of an eager train when repos its builds depend on have
// finished. Operators never send it.
const SignalUpstreamDone = "upstream-done"

// UpstreamDone is the payload of SignalUpstreamDone.
type UpstreamDone struct {
	Repos []UpstreamRepo `json:"repos"`
}

// UpstreamRepo is one finished repo: its successful run, or skipped.
type UpstreamRepo struct {
	Name    string `json:"name"`
	RunID   int64  `json:"run_id,omitempty"`
	Skipped bool   `json:"skipped,omitempty"`
}

// runBuilds builds every repo: eagerly when the train's schedule says so
// (and its history allows it), else one layer after the other.
func (r *release) runBuilds(ctx, work workflow.Context) error {
	if r.train.Schedule == config.ScheduleEager &&
		workflow.GetVersion(ctx, eagerScheduleVersion, workflow.DefaultVersion, 1) >= 1 {
		r.status.Schedule = config.ScheduleEager
		return r.runEager(ctx, work)
	}
	r.status.Schedule = config.ScheduleLayered
	return r.runLayers(ctx, work)
}

// runEager starts one Layer child per layer at once. Each build waits in
// its layer until every repo it depends on has succeeded or was skipped:
// the layer of a finished repo tells the layers of its dependents at once
// (SignalUpstreamDone, see layer.notify), so a build never waits for its
// layer's slowest member. The release announces too, as a safety net that
// keeps its own history short: repos finished before their layer started
// (skipped), and every repo of a layer that completed. A failed layer
// cancels the others.
func (r *release) runEager(ctx, work workflow.Context) error {
	r.eager = true
	r.children = map[int]workflow.ChildWorkflowFuture{}
	r.announced = map[string]bool{}
	children, cancelChildren := workflow.WithCancel(work)
	running := 0
	var failed error
	for n, names := range r.status.Layers {
		repos := r.layerRepos(names)
		r.started = n
		if len(repos) == 0 {
			continue
		}
		in := r.layerInput(n, repos)
		in.Eager, in.Dependents = true, r.dependentLayers(repos)
		child := workflow.ExecuteChildWorkflow(layerOptions(children, r.in.Tag, n), Layer, in)
		r.children[n] = child
		running++
		workflow.Go(ctx, func(ctx workflow.Context) {
			res, err := r.awaitLayer(ctx, children, n, in, child, func(c workflow.ChildWorkflowFuture) { r.children[n] = c })
			delete(r.children, n)
			running--
			if err != nil {
				if failed == nil && work.Err() == nil {
					failed = fmt.Errorf("layer %d: %w", n, err)
					cancelChildren()
				}
				return
			}
			r.record(ctx, res)
			r.announce(ctx)
			r.status.Layer = r.lowestRunning()
			r.refresh(ctx)
		})
	}
	r.status.Layer = r.lowestRunning()
	r.announce(ctx) // repos skipped before their layer started
	r.refresh(ctx)
	if err := workflow.Await(ctx, func() bool { return running == 0 }); err != nil {
		return err
	}
	if work.Err() != nil {
		return work.Err()
	}
	return failed
}

// dependentLayers maps each repo to the sorted indices of the layers that
// hold its direct dependents.
func (r *release) dependentLayers(repos []LayerRepo) map[string][]int {
	out := map[string][]int{}
	for _, repo := range repos {
		var layers []int
		for _, d := range r.graph.Dependents(repo.Name) {
			if l, ok := r.graph.LayerOf(d); ok && !slices.Contains(layers, l) {
				layers = append(layers, l)
			}
		}
		if len(layers) > 0 {
			slices.Sort(layers)
			out[repo.Name] = layers
		}
	}
	return out
}

// lowestRunning is the index of the first layer still running (the last
// layer when none is).
func (r *release) lowestRunning() int {
	for n := range r.status.Layers {
		if r.children[n] != nil {
			return n
		}
	}
	return max(len(r.status.Layers)-1, 0)
}

// announce tells the running layers which of their builds' dependencies
// have finished since the last announcement: one signal per layer that
// has a dependent of them.
func (r *release) announce(ctx workflow.Context) {
	if !r.eager {
		return
	}
	var done []UpstreamRepo
	for _, n := range r.names() {
		if r.announced[n] {
			continue
		}
		rs := r.status.Repos[n]
		rr, recorded := r.results[n]
		switch {
		case recorded:
			done = append(done, UpstreamRepo{Name: n, RunID: rr.Run.ID, Skipped: rr.Skipped})
		case rs.State == contract.RepoSucceeded:
			done = append(done, UpstreamRepo{Name: n, RunID: rs.RunID})
		case rs.State == contract.RepoSkipped:
			done = append(done, UpstreamRepo{Name: n, Skipped: true})
		default:
			continue
		}
		r.announced[n] = true
	}
	if len(done) == 0 {
		return
	}
	for n := range r.status.Layers {
		child := r.children[n]
		if child == nil {
			continue
		}
		var mine []UpstreamRepo
		for _, u := range done {
			if r.feeds(u.Name, n) {
				mine = append(mine, u)
			}
		}
		if len(mine) > 0 {
			r.forwardTo(ctx, child, SignalUpstreamDone, UpstreamDone{Repos: mine})
		}
	}
}

// feeds reports whether a repo of layer n depends directly on repo.
func (r *release) feeds(repo string, n int) bool {
	for _, d := range r.graph.Dependents(repo) {
		if l, ok := r.graph.LayerOf(d); ok && l == n {
			return true
		}
	}
	return false
}
