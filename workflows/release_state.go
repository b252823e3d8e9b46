package workflows

import (
	"fmt"
	"strings"

	"github.com/BTCDecoded/releasetrain/config"

	"go.temporal.io/sdk/workflow"

	"github.com/BTCDecoded/releasetrain/activities"
	"github.com/BTCDecoded/releasetrain/contract"
	"github.com/BTCDecoded/releasetrain/dag"
)

// release is the state of one Release execution. Only the workflow's own
// coroutines touch it; they never run at the same time.
type release struct {
	in contract.ReleaseInput
	// train is in.Train decoded (plan).
	train  config.Train
	graph  *dag.Graph
	status contract.Status
	// phase is running, publishing or a final state; State adds paused and
	// blocked on top of running.
	phase   contract.State
	saState contract.State // ReleaseState last upserted
	paused  bool
	blocked map[string]bool
	// stepBlocked is the release step (package, publish) blocked on a
	// failure, "" when none; a retry with an empty repo clears it.
	stepBlocked string
	// current is the running layer child; started is the highest layer index
	// started (-1 before the first).
	current workflow.ChildWorkflowFuture
	started int
	// eager: the train runs on the eager schedule; children are its running
	// layer children by index, announced the finished repos whose
	// dependents have been told (see announce).
	eager        bool
	children     map[int]workflow.ChildWorkflowFuture
	announced    map[string]bool
	cancelReason string
	cancel       workflow.CancelFunc
	results      map[string]activities.RepoResult
	// version is the preflightVersion of this execution (0: started before
	// the preflight step existed).
	version workflow.Version
	// window is the open (or closed) signature window, nil before it;
	// signatures are the rebuilders' signature assets attached in it, and
	// attaching counts attach-signature updates still uploading.
	window     *contract.SignatureWindow
	signatures []activities.Asset
	attaching  int
}

func newRelease(in contract.ReleaseInput) *release {
	return &release{
		in:      in,
		phase:   contract.StateRunning,
		started: -1,
		blocked: map[string]bool{},
		results: map[string]activities.RepoResult{},
		status: contract.Status{
			Tag:        in.Tag,
			State:      contract.StateRunning,
			Prerelease: in.Prerelease,
			Repos:      map[string]contract.RepoStatus{},
			Trigger:    in.Trigger,
		},
	}
}

// names are the train's repos in this release, sorted.
func (r *release) names() []string {
	if r.graph == nil {
		return nil
	}
	return r.graph.Names()
}

// state derives the release state from the phase, pause and blocks.
func (r *release) state() contract.State {
	switch {
	case (r.phase == contract.StatePublishing || r.phase == contract.StateRunning) && r.stepBlocked != "":
		return contract.StateBlocked
	case r.phase != contract.StateRunning:
		return r.phase
	case r.paused:
		return contract.StatePaused
	case len(r.blocked) > 0:
		return contract.StateBlocked
	default:
		return contract.StateRunning
	}
}

// refresh brings the status, the ReleaseState search attribute and the Web
// UI summary up to date; call it after every change.
func (r *release) refresh(ctx workflow.Context) {
	st := r.state()
	r.status.State = st
	r.status.Paused = r.paused
	r.status.Blocked = r.status.Blocked[:0]
	for _, n := range r.names() {
		if r.blocked[n] {
			r.status.Blocked = append(r.status.Blocked, n)
		}
	}
	if len(r.status.Blocked) == 0 {
		r.status.Blocked = nil
	}
	if st != r.saState {
		if err := workflow.UpsertTypedSearchAttributes(ctx, contract.ReleaseStateKey.ValueSet(string(st))); err != nil {
			workflow.GetLogger(ctx).Warn("upsert ReleaseState", "state", st, "error", err)
		} else {
			r.saState = st
		}
	}
	workflow.SetCurrentDetails(ctx, r.summary())
}

// summaryActive caps how many in-flight repos the summary names.
const summaryActive = 3

// summary is the one-line Web UI status, e.g.
// "layer 2/5 · bllvm-node building (attempt 1) · 3/7 done".
func (r *release) summary() string {
	parts := []string{string(r.status.State)}
	pf := r.status.Preflight
	switch n := len(r.status.Layers); {
	case r.stepBlocked != "":
		parts[0] = r.stepBlocked + " blocked (retry or cancel): " + r.status.Error
	case pf != nil && pf.State != contract.PreflightPassed && r.phase == contract.StateRunning:
		parts[0] = "preflight " + pf.State
		if pf.State == contract.PreflightWaiting {
			parts[0] += ": " + pf.Message
		}
	case n > 0 && r.phase == contract.StateRunning:
		parts[0] = fmt.Sprintf("layer %d/%d", r.status.Layer+1, n)
		if r.state() != contract.StateRunning {
			parts[0] += " " + string(r.state())
		}
	}
	var active []string
	done := 0
	names := r.names()
	for _, n := range names {
		rs := r.status.Repos[n]
		switch rs.State {
		case contract.RepoSucceeded, contract.RepoSkipped:
			done++
		case contract.RepoDispatched, contract.RepoBuilding, contract.RepoCollecting, contract.RepoFailed:
			label := rs.State
			if r.blocked[n] {
				label = "blocked"
			}
			active = append(active, fmt.Sprintf("%s %s (attempt %d)", n, label, max(rs.Attempt, 1)))
		}
	}
	if len(active) > summaryActive {
		active = append(active[:summaryActive], fmt.Sprintf("+%d more", len(active)-summaryActive))
	}
	if len(active) > 0 {
		parts = append(parts, strings.Join(active, ", "))
	}
	parts = append(parts, fmt.Sprintf("%d/%d done", done, len(names)))
	if w := r.window; w != nil && w.Open {
		parts = append(parts, fmt.Sprintf("draft open for signatures until %s (%d attached) %s",
			w.Until.UTC().Format("2006-01-02 15:04 MST"), len(w.Signatures), w.DraftURL))
	}
	if r.status.ReleaseURL != "" {
		parts = append(parts, r.status.ReleaseURL)
	}
	return strings.Join(parts, " · ")
}

// apply records a layer's progress report. Repos whose layer result is
// already recorded keep their final state.
func (r *release) apply(p LayerProgress) {
	for _, u := range p.Updates {
		if _, done := r.results[u.Repo]; done {
			continue
		}
		if _, known := r.status.Repos[u.Repo]; !known {
			continue
		}
		r.status.Repos[u.Repo] = u.Status
		if u.Blocked {
			r.blocked[u.Repo] = true
		} else {
			delete(r.blocked, u.Repo)
		}
	}
}

// record stores a finished layer's results; the layer's final word on its repos.
func (r *release) record(ctx workflow.Context, res LayerResult) {
	now := workflow.Now(ctx)
	for _, rr := range res.Repos {
		r.results[rr.Repo] = rr
		delete(r.blocked, rr.Repo)
		rs := r.status.Repos[rr.Repo]
		rs.RunID, rs.RunURL, rs.Attempt = rr.Run.ID, rr.Run.URL, rr.Attempts
		setFiles(&rs, rr.Manifest, rr.Files)
		if rr.Skipped {
			rs.State = contract.RepoSkipped
		} else {
			rs.State = contract.RepoSucceeded
			rs.Error = ""
		}
		if rs.FinishedAt == nil {
			rs.FinishedAt = &now
		}
		r.status.Repos[rr.Repo] = rs
	}
}

// skipPending skips a repo whose layer has not started yet.
func (r *release) skipPending(ctx workflow.Context, repo string) {
	now := workflow.Now(ctx)
	r.results[repo] = activities.RepoResult{Repo: repo, Skipped: true, SkipReason: "skipped by operator before its build"}
	r.status.Repos[repo] = contract.RepoStatus{State: contract.RepoSkipped, FinishedAt: &now}
}

// repoResults lists every repo's result, sorted by name, for PackageRelease.
func (r *release) repoResults() []activities.RepoResult {
	out := make([]activities.RepoResult, 0, len(r.results))
	for _, n := range r.names() {
		if rr, ok := r.results[n]; ok {
			out = append(out, rr)
		}
	}
	return out
}

// upstream maps every repo built so far to its successful run.
func (r *release) upstream() map[string]int64 {
	up := map[string]int64{}
	for _, n := range r.names() {
		if rr, ok := r.results[n]; ok && !rr.Skipped && rr.Run.ID != 0 {
			up[n] = rr.Run.ID
		}
	}
	return up
}

// layerInput is layer n's input for repos, as the layered and the eager
// schedule start it (eager adds its own fields).
func (r *release) layerInput(n int, repos []LayerRepo) LayerInput {
	return LayerInput{
		Tag:      r.in.Tag,
		Owner:    r.train.Owner,
		Index:    n,
		Count:    len(r.status.Layers),
		Repos:    repos,
		Upstream: r.upstream(),
		Paused:   r.paused,
	}
}

// layerRepos are the repos of a layer still to build (not skipped ahead).
func (r *release) layerRepos(names []string) []LayerRepo {
	settings := make(map[string]LayerRepo, len(r.train.Repos))
	for _, repo := range r.train.Repos {
		settings[repo.Name] = LayerRepo{Name: repo.Name, Settings: repo.Settings}
	}
	var out []LayerRepo
	for _, n := range names {
		if _, done := r.results[n]; done {
			continue
		}
		lr := settings[n]
		lr.DependsOn = r.graph.Dependencies(n)
		out = append(out, lr)
	}
	return out
}

// markCancelled sets every unfinished repo to cancelled.
func (r *release) markCancelled(ctx workflow.Context) {
	now := workflow.Now(ctx)
	for _, n := range r.names() {
		rs := r.status.Repos[n]
		if !rs.State.Final() {
			rs.State = contract.RepoCancelled
			rs.FinishedAt = &now
			r.status.Repos[n] = rs
		}
	}
	clear(r.blocked)
}
