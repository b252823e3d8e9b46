package dag_test

import (
	"errors"
	"testing"

	"github.com/BTCDecoded/releasetrain/dag"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// btcdecoded is the built-in BTCDecoded train (config/btcdecoded.yaml), in its order.
func btcdecoded() []dag.Node {
	return []dag.Node{
		{Name: "bllvm-consensus"},
		{Name: "bllvm-protocol", DependsOn: []string{"bllvm-consensus"}},
		{Name: "bllvm-node", DependsOn: []string{"bllvm-protocol", "bllvm-consensus"}},
		{Name: "bllvm-sdk", DependsOn: []string{"bllvm-node"}},
		{Name: "bllvm", DependsOn: []string{"bllvm-node"}},
		{Name: "governance-app", DependsOn: []string{"bllvm-sdk"}},
		{Name: "commons"},
	}
}

func TestLayersBTCDecoded(t *testing.T) {
	t.Parallel()
	g, err := dag.New(btcdecoded())
	require.NoError(t, err)
	assert.Equal(t, [][]string{
		{"bllvm-consensus", "commons"},
		{"bllvm-protocol"},
		{"bllvm-node"},
		{"bllvm", "bllvm-sdk"},
		{"governance-app"},
	}, g.Layers())
	assert.Equal(t, 7, g.Len())
	assert.Equal(t, []string{"bllvm-consensus", "bllvm-protocol"}, g.Dependencies("bllvm-node"))
	assert.Equal(t, []string{"bllvm", "bllvm-sdk"}, g.Dependents("bllvm-node"))
	assert.Nil(t, g.Dependencies("nope"))
	layer, ok := g.LayerOf("bllvm-sdk")
	assert.True(t, ok)
	assert.Equal(t, 3, layer)
	_, ok = g.LayerOf("nope")
	assert.False(t, ok)
}

func TestLayersReturnCopies(t *testing.T) {
	t.Parallel()
	g, err := dag.New(btcdecoded())
	require.NoError(t, err)
	g.Layers()[0][0] = "mutated"
	g.Nodes()[2].DependsOn[0] = "mutated"
	g.Dependents("bllvm-node")[0] = "mutated"
	assert.Equal(t, "bllvm-consensus", g.Layers()[0][0])
	assert.Equal(t, []string{"bllvm-consensus", "bllvm-protocol"}, g.Nodes()[2].DependsOn)
	assert.Equal(t, []string{"bllvm", "bllvm-sdk"}, g.Dependents("bllvm-node"))
}

func TestNewIsIndependentOfInputOrder(t *testing.T) {
	t.Parallel()
	nodes := btcdecoded()
	reversed := make([]dag.Node, len(nodes))
	for i, n := range nodes {
		reversed[len(nodes)-1-i] = n
	}
	a, err := dag.New(nodes)
	require.NoError(t, err)
	b, err := dag.New(reversed)
	require.NoError(t, err)
	assert.Equal(t, a.Layers(), b.Layers())
	assert.Equal(t, a.Nodes(), b.Nodes())
}

func TestNewErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		give []dag.Node
		want string
		as   any
	}{
		{
			name: "cycle of three",
			give: []dag.Node{{Name: "a", DependsOn: []string{"b"}}, {Name: "b", DependsOn: []string{"c"}}, {Name: "c", DependsOn: []string{"a"}}},
			want: "cycle: a -> b -> c -> a",
			as:   new(*dag.CycleError),
		},
		{
			name: "cycle reported from its smallest name",
			give: []dag.Node{{Name: "z", DependsOn: []string{"m"}}, {Name: "m", DependsOn: []string{"x"}}, {Name: "x", DependsOn: []string{"z"}}},
			want: "cycle: m -> x -> z -> m",
			as:   new(*dag.CycleError),
		},
		{
			name: "cycle behind an acyclic prefix",
			give: []dag.Node{{Name: "a", DependsOn: []string{"b"}}, {Name: "b", DependsOn: []string{"c"}}, {Name: "c", DependsOn: []string{"d"}}, {Name: "d", DependsOn: []string{"c"}}, {Name: "e"}},
			want: "cycle: c -> d -> c",
			as:   new(*dag.CycleError),
		},
		{
			name: "unknown dependency",
			give: []dag.Node{{Name: "y", DependsOn: []string{"x"}}},
			want: `repo "y": unknown dependency "x"`,
			as:   new(*dag.UnknownDependencyError),
		},
		{
			name: "self dependency",
			give: []dag.Node{{Name: "a", DependsOn: []string{"a"}}},
			want: `repo "a": depends on itself`,
			as:   new(*dag.SelfDependencyError),
		},
		{
			name: "duplicate",
			give: []dag.Node{{Name: "a"}, {Name: "b"}, {Name: "a"}},
			want: `duplicate repo "a"`,
			as:   new(*dag.DuplicateError),
		},
		{
			name: "empty name",
			give: []dag.Node{{Name: "a"}, {Name: ""}},
			want: "repo #2: empty name",
			as:   new(*dag.EmptyNameError),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			g, err := dag.New(tt.give)
			assert.Nil(t, g)
			require.EqualError(t, err, tt.want)
			assert.True(t, errors.As(err, tt.as), "error type %T", err)
		})
	}
}

func TestCycleErrorFields(t *testing.T) {
	t.Parallel()
	_, err := dag.New([]dag.Node{{Name: "b", DependsOn: []string{"a"}}, {Name: "a", DependsOn: []string{"b"}}})
	var ce *dag.CycleError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, []string{"a", "b", "a"}, ce.Path)

	_, err = dag.New([]dag.Node{{Name: "y", DependsOn: []string{"x"}}})
	var ue *dag.UnknownDependencyError
	require.ErrorAs(t, err, &ue)
	assert.Equal(t, dag.UnknownDependencyError{Repo: "y", Dependency: "x"}, *ue)
}

func TestDuplicateDependencyCountsOnce(t *testing.T) {
	t.Parallel()
	g, err := dag.New([]dag.Node{{Name: "a"}, {Name: "b", DependsOn: []string{"a", "a"}}})
	require.NoError(t, err)
	assert.Equal(t, []string{"a"}, g.Dependencies("b"))
	assert.Equal(t, [][]string{{"a"}, {"b"}}, g.Layers())
}

func TestEmptyGraph(t *testing.T) {
	t.Parallel()
	g, err := dag.New(nil)
	require.NoError(t, err)
	assert.Empty(t, g.Layers())
	assert.Empty(t, g.Ready(nil))
	path, total := g.CriticalPath(nil)
	assert.Nil(t, path)
	assert.Zero(t, total)
}
