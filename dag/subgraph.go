package dag

import (
	"errors"
	"sort"
)

// ErrNoRepos is returned by Subgraph when only is empty.
var ErrNoRepos = errors.New("no repos selected")

// Subgraph keeps the nodes named in only and, with withDependents, every node
// that depends on them directly or transitively. Edges to dropped nodes are
// removed (those dependencies are taken as already released). Unknown names
// give an *UnknownRepoError naming all of them; an empty only gives ErrNoRepos.
func (g *Graph) Subgraph(only []string, withDependents bool) (*Graph, error) {
	if len(only) == 0 {
		return nil, ErrNoRepos
	}
	keep := make(map[string]bool, len(only))
	var unknown []string
	for _, name := range only {
		if !g.Has(name) {
			unknown = append(unknown, name)
			continue
		}
		keep[name] = true
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return nil, &UnknownRepoError{Names: unknown}
	}
	if withDependents {
		for _, layer := range g.layers { // a node's dependencies come in earlier layers
			for _, name := range layer {
				for _, d := range g.deps[name] {
					if keep[d] {
						keep[name] = true
						break
					}
				}
			}
		}
	}
	nodes := make([]Node, 0, len(keep))
	for _, name := range g.names {
		if !keep[name] {
			continue
		}
		var deps []string
		for _, d := range g.deps[name] {
			if keep[d] {
				deps = append(deps, d)
			}
		}
		nodes = append(nodes, Node{Name: name, DependsOn: deps})
	}
	return New(nodes)
}
