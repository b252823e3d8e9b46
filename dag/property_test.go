package dag_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/BTCDecoded/releasetrain/dag"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// randomDAG builds an acyclic graph: node i may depend only on nodes before
// it in a random order, and the input is shuffled so order carries no hint.
func randomDAG(r *rand.Rand, n int, density float64) []dag.Node {
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("r%03d", i)
	}
	r.Shuffle(n, func(i, j int) { names[i], names[j] = names[j], names[i] })
	nodes := make([]dag.Node, n)
	for i := range nodes {
		nodes[i].Name = names[i]
		for j := 0; j < i; j++ {
			if r.Float64() < density {
				nodes[i].DependsOn = append(nodes[i].DependsOn, names[j])
			}
		}
	}
	r.Shuffle(n, func(i, j int) { nodes[i], nodes[j] = nodes[j], nodes[i] })
	return nodes
}

// depsOf indexes the input independently of the package under test.
func depsOf(nodes []dag.Node) map[string]map[string]bool {
	m := make(map[string]map[string]bool, len(nodes))
	for _, n := range nodes {
		m[n.Name] = map[string]bool{}
		for _, d := range n.DependsOn {
			m[n.Name][d] = true
		}
	}
	return m
}

// hasCycle is a plain three-colour DFS, independent of the Kahn code under test.
func hasCycle(deps map[string]map[string]bool) bool {
	const (
		white = iota
		grey
		black
	)
	colour := map[string]int{}
	var visit func(string) bool
	visit = func(n string) bool {
		colour[n] = grey
		for d := range deps[n] {
			if colour[d] == grey || colour[d] == white && visit(d) {
				return true
			}
		}
		colour[n] = black
		return false
	}
	for n := range deps {
		if colour[n] == white && visit(n) {
			return true
		}
	}
	return false
}

// checkLayers asserts the layer invariants against the raw input.
func checkLayers(t *testing.T, nodes []dag.Node, g *dag.Graph) {
	t.Helper()
	deps := depsOf(nodes)
	layerOf := map[string]int{}
	for i, layer := range g.Layers() {
		require.NotEmpty(t, layer, "layer %d", i)
		require.True(t, slices.IsSorted(layer), "layer %d not sorted: %v", i, layer)
		for _, name := range layer {
			_, dup := layerOf[name]
			require.False(t, dup, "%s in two layers", name)
			layerOf[name] = i
		}
	}
	require.Len(t, layerOf, len(nodes), "layers must partition the nodes")
	for name, ds := range deps {
		deepest := -1
		for d := range ds {
			require.Less(t, layerOf[d], layerOf[name], "edge %s -> %s must go to an earlier layer", name, d)
			deepest = max(deepest, layerOf[d])
		}
		require.Equal(t, deepest+1, layerOf[name], "%s must sit right after its deepest dependency", name)
	}
}

func TestPropertyLayers(t *testing.T) {
	t.Parallel()
	for seed := range uint64(300) {
		r := rand.New(rand.NewPCG(seed, 1))
		nodes := randomDAG(r, 1+r.IntN(40), r.Float64()*0.3)
		g, err := dag.New(nodes)
		require.NoError(t, err, "seed %d", seed)
		checkLayers(t, nodes, g)
	}
}

func TestPropertyCycles(t *testing.T) {
	t.Parallel()
	cycles := 0
	for seed := range uint64(300) {
		r := rand.New(rand.NewPCG(seed, 2))
		nodes := randomDAG(r, 2+r.IntN(30), r.Float64()*0.2)
		// Add a few random edges that may close cycles.
		for range 1 + r.IntN(3) {
			i, j := r.IntN(len(nodes)), r.IntN(len(nodes))
			if i != j && !slices.Contains(nodes[i].DependsOn, nodes[j].Name) {
				nodes[i].DependsOn = append(nodes[i].DependsOn, nodes[j].Name)
			}
		}
		deps := depsOf(nodes)
		g, err := dag.New(nodes)
		if !hasCycle(deps) {
			require.NoError(t, err, "seed %d", seed)
			checkLayers(t, nodes, g)
			continue
		}
		cycles++
		var ce *dag.CycleError
		require.True(t, errors.As(err, &ce), "seed %d: want a cycle error, got %v", seed, err)
		path := ce.Path
		require.GreaterOrEqual(t, len(path), 3, "seed %d", seed)
		require.Equal(t, path[0], path[len(path)-1], "seed %d: cycle must close", seed)
		inner := slices.Clone(path[:len(path)-1])
		require.Equal(t, slices.Min(inner), path[0], "seed %d: cycle starts at its smallest name", seed)
		slices.Sort(inner)
		require.Len(t, slices.Compact(inner), len(path)-1, "seed %d: cycle repeats a node: %v", seed, path)
		for k := 0; k+1 < len(path); k++ {
			require.True(t, deps[path[k]][path[k+1]], "seed %d: %s does not depend on %s", seed, path[k], path[k+1])
		}
	}
	require.Greater(t, cycles, 50, "the generator must produce cycles")
}

func TestPropertyReadyAndSubgraph(t *testing.T) {
	t.Parallel()
	for seed := range uint64(200) {
		r := rand.New(rand.NewPCG(seed, 3))
		nodes := randomDAG(r, 1+r.IntN(30), r.Float64()*0.3)
		deps := depsOf(nodes)
		g, err := dag.New(nodes)
		require.NoError(t, err)

		// Ready: exactly the undone nodes whose dependencies are all done.
		done := map[string]bool{}
		for _, n := range nodes {
			done[n.Name] = r.IntN(2) == 0
		}
		ready := g.Ready(done)
		require.True(t, slices.IsSorted(ready))
		for name, ds := range deps {
			want := !done[name]
			for d := range ds {
				want = want && done[d]
			}
			require.Equal(t, want, slices.Contains(ready, name), "seed %d: ready(%s)", seed, name)
		}

		// Subgraph with dependents: closed under dependents, nothing else reachable.
		var only []string
		for _, n := range nodes {
			if r.IntN(4) == 0 {
				only = append(only, n.Name)
			}
		}
		if len(only) == 0 {
			continue
		}
		sub, err := g.Subgraph(only, true)
		require.NoError(t, err)
		for _, name := range only {
			require.True(t, sub.Has(name))
		}
		for name, ds := range deps {
			reachesOnly := slices.Contains(only, name)
			for d := range ds {
				reachesOnly = reachesOnly || sub.Has(d)
			}
			require.Equal(t, reachesOnly, sub.Has(name), "seed %d: kept(%s)", seed, name)
		}
		for _, n := range sub.Nodes() {
			for _, d := range n.DependsOn {
				require.True(t, deps[n.Name][d], "seed %d: invented edge %s -> %s", seed, n.Name, d)
			}
			for d := range deps[n.Name] {
				require.Equal(t, sub.Has(d), slices.Contains(n.DependsOn, d), "seed %d: edge %s -> %s", seed, n.Name, d)
			}
		}
	}
}

func TestPropertyCriticalPath(t *testing.T) {
	t.Parallel()
	for seed := range uint64(200) {
		r := rand.New(rand.NewPCG(seed, 4))
		nodes := randomDAG(r, 1+r.IntN(30), r.Float64()*0.3)
		deps := depsOf(nodes)
		g, err := dag.New(nodes)
		require.NoError(t, err)
		durations := map[string]time.Duration{}
		for _, n := range nodes {
			durations[n.Name] = time.Duration(r.IntN(100)) * time.Second
		}
		// Brute force: the longest finish time over all nodes, by memoised recursion.
		memo := map[string]time.Duration{}
		var finish func(string) time.Duration
		finish = func(n string) time.Duration {
			if f, ok := memo[n]; ok {
				return f
			}
			var start time.Duration
			for d := range deps[n] {
				start = max(start, finish(d))
			}
			memo[n] = start + durations[n]
			return memo[n]
		}
		var want time.Duration
		for _, n := range nodes {
			want = max(want, finish(n.Name))
		}
		path, total := g.CriticalPath(durations)
		assert.Equal(t, want, total, "seed %d", seed)
		require.NotEmpty(t, path)
		assert.Empty(t, deps[path[0]], "seed %d: path must start at a root", seed)
		var sum time.Duration
		for k, n := range path {
			sum += durations[n]
			if k > 0 {
				assert.True(t, deps[n][path[k-1]], "seed %d: %s does not depend on %s", seed, n, path[k-1])
			}
		}
		assert.Equal(t, total, sum, "seed %d", seed)
	}
}
