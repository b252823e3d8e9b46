package dag

import (
	"slices"
	"sort"
)

// Node is one member of the graph and the names it depends on.
type Node struct {
	Name      string
	DependsOn []string
}

// Graph is a validated, acyclic dependency graph. It is immutable: every
// method returns fresh slices, sorted by name.
type Graph struct {
	names      []string            // sorted
	deps       map[string][]string // name -> direct dependencies, sorted, unique
	dependents map[string][]string // name -> direct dependents, sorted
	layers     [][]string          // Kahn layers, sorted inside
	layerOf    map[string]int
}

// New validates nodes and builds the graph. A dependency listed twice counts
// once. Errors are typed (see the package doc) and name the repos involved.
func New(nodes []Node) (*Graph, error) {
	g := &Graph{
		deps:       make(map[string][]string, len(nodes)),
		dependents: make(map[string][]string, len(nodes)),
		layerOf:    make(map[string]int, len(nodes)),
	}
	for i, n := range nodes {
		if n.Name == "" {
			return nil, &EmptyNameError{Index: i}
		}
		if _, dup := g.deps[n.Name]; dup {
			return nil, &DuplicateError{Repo: n.Name}
		}
		deps := slices.Clone(n.DependsOn)
		sort.Strings(deps)
		g.deps[n.Name] = slices.Compact(deps)
		g.names = append(g.names, n.Name)
	}
	sort.Strings(g.names)
	// Check in input order so the first problem reported is the first one written.
	for _, n := range nodes {
		for _, d := range n.DependsOn {
			if d == n.Name {
				return nil, &SelfDependencyError{Repo: n.Name}
			}
			if _, ok := g.deps[d]; !ok {
				return nil, &UnknownDependencyError{Repo: n.Name, Dependency: d}
			}
		}
	}
	for _, name := range g.names {
		for _, d := range g.deps[name] {
			g.dependents[d] = append(g.dependents[d], name) // names are visited sorted
		}
	}
	if err := g.layer(); err != nil {
		return nil, err
	}
	return g, nil
}

// layer runs Kahn's algorithm level by level; leftover nodes mean a cycle.
func (g *Graph) layer() error {
	pending := make(map[string]int, len(g.names))
	var current []string
	for _, name := range g.names {
		pending[name] = len(g.deps[name])
		if pending[name] == 0 {
			current = append(current, name)
		}
	}
	placed := 0
	for len(current) > 0 {
		g.layers = append(g.layers, current)
		var next []string
		for _, name := range current {
			g.layerOf[name] = len(g.layers) - 1
			placed++
			for _, d := range g.dependents[name] {
				pending[d]--
				if pending[d] == 0 {
					next = append(next, d)
				}
			}
		}
		sort.Strings(next)
		current = next
	}
	if placed == len(g.names) {
		return nil
	}
	return &CycleError{Path: g.cycle(pending)}
}

// cycle finds a cycle among the nodes Kahn could not place (pending > 0).
// Each of them has an unplaced dependency, so walking "smallest unplaced
// dependency" from the smallest unplaced node must revisit a node.
func (g *Graph) cycle(pending map[string]int) []string {
	var start string
	for _, name := range g.names {
		if pending[name] > 0 {
			start = name
			break
		}
	}
	seen := map[string]int{}
	var walk []string
	for cur := start; ; {
		if i, ok := seen[cur]; ok {
			walk = walk[i:]
			break
		}
		seen[cur] = len(walk)
		walk = append(walk, cur)
		for _, d := range g.deps[cur] {
			if pending[d] > 0 {
				cur = d
				break
			}
		}
	}
	least := 0
	for i, name := range walk {
		if name < walk[least] {
			least = i
		}
	}
	path := append(slices.Clone(walk[least:]), walk[:least]...)
	return append(path, path[0])
}

// Len is the number of nodes.
func (g *Graph) Len() int { return len(g.names) }

// Has reports whether name is a node of the graph.
func (g *Graph) Has(name string) bool {
	_, ok := g.deps[name]
	return ok
}

// Names returns every node name, sorted.
func (g *Graph) Names() []string { return slices.Clone(g.names) }

// Nodes returns every node with its direct dependencies, sorted by name.
func (g *Graph) Nodes() []Node {
	out := make([]Node, len(g.names))
	for i, name := range g.names {
		out[i] = Node{Name: name, DependsOn: slices.Clone(g.deps[name])}
	}
	return out
}

// Dependencies returns the direct dependencies of name, sorted (nil if unknown).
func (g *Graph) Dependencies(name string) []string { return slices.Clone(g.deps[name]) }

// Dependents returns the nodes that depend directly on name, sorted.
func (g *Graph) Dependents(name string) []string { return slices.Clone(g.dependents[name]) }

// Layers returns the nodes in dependency layers: layer 0 depends on nothing,
// and every node sits one layer after its deepest dependency. Names are
// sorted inside a layer.
func (g *Graph) Layers() [][]string {
	out := make([][]string, len(g.layers))
	for i, l := range g.layers {
		out[i] = slices.Clone(l)
	}
	return out
}

// LayerOf returns the index of name's layer.
func (g *Graph) LayerOf(name string) (int, bool) {
	i, ok := g.layerOf[name]
	return i, ok
}
