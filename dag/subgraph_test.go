package dag_test

import (
	"testing"

	"github.com/BTCDecoded/releasetrain/dag"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSubgraph(t *testing.T) {
	t.Parallel()
	g, err := dag.New(btcdecoded())
	require.NoError(t, err)
	tests := []struct {
		name           string
		only           []string
		withDependents bool
		want           [][]string
	}{
		{name: "one repo", only: []string{"bllvm-node"}, want: [][]string{{"bllvm-node"}}},
		{name: "keeps edges among kept", only: []string{"bllvm-sdk", "bllvm-consensus", "governance-app"}, want: [][]string{{"bllvm-consensus", "bllvm-sdk"}, {"governance-app"}}},
		{name: "with dependents", only: []string{"bllvm-node"}, withDependents: true, want: [][]string{{"bllvm-node"}, {"bllvm", "bllvm-sdk"}, {"governance-app"}}},
		{name: "with dependents of a leaf", only: []string{"commons"}, withDependents: true, want: [][]string{{"commons"}}},
		{name: "repeated names", only: []string{"commons", "commons"}, want: [][]string{{"commons"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sub, err := g.Subgraph(tt.only, tt.withDependents)
			require.NoError(t, err)
			assert.Equal(t, tt.want, sub.Layers())
		})
	}
}

func TestSubgraphErrors(t *testing.T) {
	t.Parallel()
	g, err := dag.New(btcdecoded())
	require.NoError(t, err)

	_, err = g.Subgraph([]string{"zeta", "commons", "alpha"}, false)
	require.EqualError(t, err, `unknown repos "alpha", "zeta"`)
	var ue *dag.UnknownRepoError
	require.ErrorAs(t, err, &ue)
	assert.Equal(t, []string{"alpha", "zeta"}, ue.Names)

	_, err = g.Subgraph([]string{"nope"}, true)
	require.EqualError(t, err, `unknown repo "nope"`)

	_, err = g.Subgraph(nil, true)
	require.ErrorIs(t, err, dag.ErrNoRepos)
}
