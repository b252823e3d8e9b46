package webhook

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/BTCDecoded/releasetrain/config"
	"github.com/BTCDecoded/releasetrain/contract"
	"github.com/BTCDecoded/releasetrain/dag"
)

// Geometry of the drawn DAG (SVG user units): one row per layer, top down.
const (
	nodeW, nodeH = 196, 62
	gapX, gapY   = 28, 56
	margin       = 16
)

// releaseView is everything the release page shows.
type releaseView struct {
	Tag, State string
	Schedule   string
	Error      string
	ReleaseURL string
	Done       bool
	Graph      graphView
	Repos      []repoView
	Blockers   []contract.Blocker
	Critical   []string // the remaining critical path
	ETA        string   // "about 12m (14:32 UTC)", "" when done
	DoneCount  int
	Total      int
	Updated    string
}

// repoView is one repo as the page shows it.
type repoView struct {
	Name, State string
	Layer       int
	Attempt     int
	Elapsed     string
	RunURL      string
	Error       string
	Blocked     bool
	Critical    bool
}

// graphView is the DAG laid out for SVG.
type graphView struct {
	Width, Height int
	Nodes         []nodeView
	Edges         []edgeView
}

type nodeView struct {
	repoView
	X, Y   int
	Detail string // second line: state, attempt
}

type edgeView struct {
	From, To string
	Path     string
	Critical bool
}

// buildView turns a status into the page's view at time now. The graph's
// edges come from the train config, limited to the repos of the release.
func buildView(train *config.Train, st *contract.Status, now time.Time) releaseView {
	schedule := st.Schedule // the train's own; older trains do not say
	if schedule == "" {
		schedule = train.Schedule
	}
	v := releaseView{Tag: st.Tag, State: string(st.State), Schedule: schedule, Error: st.Error, ReleaseURL: st.ReleaseURL,
		Done: st.State.Final(), Blockers: contract.Blockers(*st, ""), Updated: now.UTC().Format("15:04:05 UTC")}
	g := releaseGraph(train, st)
	blocked := map[string]bool{}
	for _, b := range st.Blocked {
		blocked[b] = true
	}
	est := train.Estimate(g)
	remaining := map[string]time.Duration{}
	for _, name := range g.Names() {
		rs := st.Repos[name]
		switch rs.State {
		case contract.RepoSucceeded, contract.RepoSkipped:
			v.DoneCount++
		case contract.RepoCancelled:
		case contract.RepoPending:
			remaining[name] = est.Durations[name]
		default:
			remaining[name] = max(est.Durations[name]-elapsed(rs, now), 0)
		}
	}
	v.Total = g.Len()
	if !v.Done {
		path, left := g.CriticalPath(remaining)
		if schedule == config.ScheduleLayered {
			_, left = g.LayeredStarts(remaining)
		}
		for len(path) > 0 && remaining[path[0]] == 0 && st.Repos[path[0]].State.Final() {
			path = path[1:] // done dependencies start the chain; they are not on what is left
		}
		if left > 0 {
			v.Critical = path
		}
		v.ETA = fmt.Sprintf("about %s (%s)", config.ShortDuration(left), now.Add(left).UTC().Format("15:04 UTC"))
		if len(v.Blockers) > 0 {
			v.ETA += " once unblocked" // a block waits for a person: no estimate can say how long
		}
	}
	for i, layer := range g.Layers() {
		for _, name := range layer {
			rs := st.Repos[name]
			v.Repos = append(v.Repos, repoView{Name: name, State: orUnknown(string(rs.State)), Layer: i, Attempt: rs.Attempt,
				Elapsed: shortElapsed(elapsed(rs, now)), RunURL: rs.RunURL, Error: rs.Error, Blocked: blocked[name],
				Critical: slices.Contains(v.Critical, name)})
		}
	}
	v.Graph = layout(g, v.Repos, v.Critical)
	return v
}

// releaseGraph is the train's graph narrowed to the repos in the status
// (a release started with --only); the status's layers when the config no
// longer matches it.
func releaseGraph(train *config.Train, st *contract.Status) *dag.Graph {
	names := make([]string, 0, len(st.Repos))
	for _, layer := range st.Layers {
		names = append(names, layer...)
	}
	if g, err := train.Graph(); err == nil {
		if sub, err := g.Subgraph(names, false); err == nil {
			return sub
		}
	}
	// The train changed since this release started: draw its layers
	// without edges.
	nodes := make([]dag.Node, 0, len(names))
	for _, n := range names {
		nodes = append(nodes, dag.Node{Name: n})
	}
	g, err := dag.New(nodes)
	if err != nil {
		g, _ = dag.New(nil)
	}
	return g
}

// layout places each layer on a row, ordering a row by the mean position
// of each node's dependencies (fewer crossings), and draws the edges as
// curves; edges along the critical path are marked.
func layout(g *dag.Graph, repos []repoView, critical []string) graphView {
	byName := make(map[string]repoView, len(repos))
	for _, r := range repos {
		byName[r.Name] = r
	}
	layers := g.Layers()
	widest := 1
	for _, l := range layers {
		widest = max(widest, len(l))
	}
	gv := graphView{Width: 2*margin + widest*nodeW + (widest-1)*gapX, Height: 2*margin + len(layers)*nodeH + max(len(layers)-1, 0)*gapY}
	x := map[string]float64{}
	pos := map[string][2]int{}
	for i, layer := range layers {
		row := slices.Clone(layer)
		if i > 0 {
			weight := func(n string) float64 {
				deps := g.Dependencies(n)
				sum := 0.0
				for _, d := range deps {
					sum += x[d]
				}
				return sum / float64(max(len(deps), 1))
			}
			slices.SortStableFunc(row, func(a, b string) int {
				wa, wb := weight(a), weight(b)
				switch {
				case wa < wb:
					return -1
				case wa > wb:
					return 1
				}
				return strings.Compare(a, b)
			})
		}
		rowW := len(row)*nodeW + (len(row)-1)*gapX
		left := (gv.Width - rowW) / 2
		y := margin + i*(nodeH+gapY)
		for j, name := range row {
			px := left + j*(nodeW+gapX)
			x[name] = float64(px)
			pos[name] = [2]int{px, y}
			r := byName[name]
			detail := r.State
			if r.Blocked {
				detail = "BLOCKED"
			}
			if r.Attempt > 0 {
				detail += fmt.Sprintf(" · attempt %d", r.Attempt)
			}
			gv.Nodes = append(gv.Nodes, nodeView{repoView: r, X: px, Y: y, Detail: detail})
		}
	}
	onPath := map[[2]string]bool{}
	for i := 1; i < len(critical); i++ {
		onPath[[2]string{critical[i-1], critical[i]}] = true
	}
	for _, n := range g.Names() {
		for _, d := range g.Dependencies(n) {
			from, to := pos[d], pos[n]
			x1, y1 := from[0]+nodeW/2, from[1]+nodeH
			x2, y2 := to[0]+nodeW/2, to[1]-4
			mid := (y1 + y2) / 2
			gv.Edges = append(gv.Edges, edgeView{From: d, To: n, Critical: onPath[[2]string{d, n}],
				Path: fmt.Sprintf("M%d %d C%d %d, %d %d, %d %d", x1, y1, x1, mid, x2, mid, x2, y2)})
		}
	}
	return gv
}

// elapsed is how long a build has run (until it finished, or until now).
func elapsed(rs contract.RepoStatus, now time.Time) time.Duration {
	if rs.StartedAt == nil {
		return 0
	}
	end := now
	if rs.FinishedAt != nil {
		end = *rs.FinishedAt
	}
	return max(end.Sub(*rs.StartedAt), 0)
}

func shortElapsed(d time.Duration) string {
	if d <= 0 {
		return ""
	}
	return config.ShortDuration(d)
}

// orUnknown shows an empty state as "unknown".
func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}
