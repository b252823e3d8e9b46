package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/BTCDecoded/releasetrain/config"
	"github.com/BTCDecoded/releasetrain/dag"
)

// planJSON is the --format json document; "layers" must stay the first key.
type planJSON struct {
	Layers      [][]string     `json:"layers"`
	Owner       string         `json:"owner"`
	ReleaseRepo string         `json:"release_repo"`
	Repos       []planJSONRepo `json:"repos"`
	// Schedule is the train's schedule (eager or layered); the estimates
	// below come from each repo's expected_duration.
	Schedule     string   `json:"schedule"`
	CriticalPath []string `json:"critical_path"`
	// CriticalPathSeconds is the eager makespan; LayeredSeconds the
	// layered one; MakespanSeconds the one of the train's schedule.
	CriticalPathSeconds float64 `json:"critical_path_seconds"`
	LayeredSeconds      float64 `json:"layered_seconds"`
	MakespanSeconds     float64 `json:"makespan_seconds"`
}

type planJSONRepo struct {
	Name      string   `json:"name"`
	Layer     int      `json:"layer"`
	DependsOn []string `json:"depends_on"`
	Dispatch  string   `json:"dispatch"`
	// EarliestStartSeconds is when the build starts at the earliest under
	// the train's schedule, from the train's start.
	EarliestStartSeconds    float64 `json:"earliest_start_seconds"`
	ExpectedDurationSeconds float64 `json:"expected_duration_seconds"`
	OnCriticalPath          bool    `json:"on_critical_path,omitempty"`
}

// runPlan prints the release plan (the DAG's layers) of a train config.
func runPlan(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("plan", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "train config `FILE` (default: $"+config.EnvConfig+", else the built-in BTCDecoded train)")
	format := fs.String("format", "text", "output `FORMAT`: text, json, mermaid or dot")
	only := fs.String("only", "", "plan only these comma-separated `REPOS`, as `release start --only` would")
	withDependents := fs.Bool("with-dependents", false, "with --only: add every repo that depends on them")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return usageError(err)
	}
	if fs.NArg() > 0 {
		return usageError(fmt.Errorf("plan: unexpected argument %q", fs.Arg(0)))
	}
	write, ok := planWriters()[*format]
	if !ok {
		return usageError(fmt.Errorf("plan: unknown format %q (want text, json, mermaid or dot)", *format))
	}
	train, err := config.OSEnv().Train(*cfgPath)
	if err != nil {
		return usageError(err)
	}
	g, err := train.Graph()
	if err != nil {
		return usageError(err)
	}
	if g, err = narrow(g, *only, *withDependents); err != nil {
		return usageError(err)
	}
	return write(stdout, train, g)
}

// narrow applies --only and --with-dependents the way the Release workflow does.
func narrow(g *dag.Graph, only string, withDependents bool) (*dag.Graph, error) {
	var names []string
	for _, name := range strings.Split(only, ",") {
		if name = strings.TrimSpace(name); name != "" {
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		if withDependents {
			return nil, errors.New("plan: --with-dependents needs --only")
		}
		return g, nil
	}
	sub, err := g.Subgraph(names, withDependents)
	if err != nil {
		return nil, fmt.Errorf("plan: --only: %w", err)
	}
	return sub, nil
}

// planWriters maps each --format to its writer.
func planWriters() map[string]func(io.Writer, *config.Train, *dag.Graph) error {
	return map[string]func(io.Writer, *config.Train, *dag.Graph) error{
		"text":    writePlanText,
		"json":    writePlanJSON,
		"mermaid": writePlanMermaid,
		"dot":     writePlanDOT,
	}
}

func writePlanJSON(w io.Writer, t *config.Train, g *dag.Graph) error {
	est := t.Estimate(g)
	doc := planJSON{Layers: g.Layers(), Owner: t.Owner, ReleaseRepo: t.Release.Repo, Schedule: t.Schedule,
		CriticalPath: est.Path, CriticalPathSeconds: est.Critical.Seconds(), LayeredSeconds: est.Layered.Seconds(),
		MakespanSeconds: est.Makespan.Seconds()}
	for _, layer := range doc.Layers {
		for _, name := range layer {
			r, _ := t.Repo(name)
			l, _ := g.LayerOf(name)
			deps := g.Dependencies(name)
			if deps == nil {
				deps = []string{}
			}
			doc.Repos = append(doc.Repos, planJSONRepo{Name: name, Layer: l, DependsOn: deps, Dispatch: r.Dispatch,
				EarliestStartSeconds: est.Start[name].Seconds(), ExpectedDurationSeconds: est.Durations[name].Seconds(),
				OnCriticalPath: slices.Contains(est.Path, name)})
		}
	}
	if err := json.NewEncoder(w).Encode(doc); err != nil {
		return fmt.Errorf("write plan: %w", err)
	}
	return nil
}

func writePlanText(w io.Writer, t *config.Train, g *dag.Graph) error {
	layers := g.Layers()
	width := 0
	for _, name := range g.Names() {
		width = max(width, len(name))
	}
	var b strings.Builder
	count := strconv.Itoa(g.Len())
	if g.Len() < len(t.Repos) {
		count += " of " + strconv.Itoa(len(t.Repos))
	}
	inLayers := strconv.Itoa(len(layers)) + " layers"
	if len(layers) == 1 {
		inLayers = "1 layer"
	}
	est := t.Estimate(g)
	fmt.Fprintf(&b, "train %s: %s repos in %s; unified release in %s/%s\n", t.Owner, count, inLayers, t.Owner, t.Release.Repo)
	for i, layer := range layers {
		fmt.Fprintf(&b, "\nlayer %d: %s\n", i, plural(len(layer), "repo"))
		for _, name := range layer {
			after := ""
			if deps := g.Dependencies(name); len(deps) > 0 {
				after = "  after " + strings.Join(deps, ", ")
			}
			at := fmt.Sprintf("starts +%s, takes %s", config.ShortDuration(est.Start[name]), config.ShortDuration(est.Durations[name]))
			b.WriteString(strings.TrimRight(fmt.Sprintf("  %-*s  %-26s%s", width, name, at, after), " ") + "\n")
		}
	}
	fmt.Fprintf(&b, "\n%s schedule: about %s (expected_duration of each repo)\n", t.Schedule, config.ShortDuration(est.Makespan))
	fmt.Fprintf(&b, "critical path %s: %s\n", config.ShortDuration(est.Critical), strings.Join(est.Path, " → "))
	if t.Schedule == config.ScheduleEager {
		fmt.Fprintf(&b, "layered schedule would take %s\n", config.ShortDuration(est.Layered))
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write plan: %w", err)
	}
	return nil
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s in parallel"
}

// writePlanMermaid draws build order top-down, one subgraph per layer.
// Node ids are positional (n0, n1, …) because Mermaid ids cannot hold '-'.
func writePlanMermaid(w io.Writer, _ *config.Train, g *dag.Graph) error {
	var b strings.Builder
	id := map[string]string{}
	for i, name := range g.Names() {
		id[name] = "n" + strconv.Itoa(i)
	}
	b.WriteString("graph TD\n")
	for i, layer := range g.Layers() {
		fmt.Fprintf(&b, "  subgraph layer%d[\"layer %d\"]\n", i, i)
		for _, name := range layer {
			fmt.Fprintf(&b, "    %s[\"%s\"]\n", id[name], name)
		}
		b.WriteString("  end\n")
	}
	for _, n := range g.Nodes() {
		for _, d := range n.DependsOn {
			fmt.Fprintf(&b, "  %s --> %s\n", id[d], id[n.Name])
		}
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write plan: %w", err)
	}
	return nil
}

// writePlanDOT writes Graphviz DOT: edges in build order, one rank per layer.
func writePlanDOT(w io.Writer, t *config.Train, g *dag.Graph) error {
	var b strings.Builder
	fmt.Fprintf(&b, "digraph %s {\n  rankdir=TB;\n  node [shape=box];\n", strconv.Quote(t.Owner))
	for _, layer := range g.Layers() {
		quoted := make([]string, len(layer))
		for i, name := range layer {
			quoted[i] = strconv.Quote(name)
		}
		fmt.Fprintf(&b, "  { rank=same; %s; }\n", strings.Join(quoted, "; "))
	}
	for _, n := range g.Nodes() {
		for _, d := range n.DependsOn {
			fmt.Fprintf(&b, "  %s -> %s;\n", strconv.Quote(d), strconv.Quote(n.Name))
		}
	}
	b.WriteString("}\n")
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write plan: %w", err)
	}
	return nil
}
