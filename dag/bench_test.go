package dag_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/BTCDecoded/releasetrain/dag"
	"github.com/stretchr/testify/require"
)

// wideDAG is a release-train-like graph: n repos, each depending on up to 3
// earlier ones, so layers stay shallow and wide.
func wideDAG(n int) []dag.Node {
	r := rand.New(rand.NewPCG(uint64(n), 7))
	nodes := make([]dag.Node, n)
	for i := range nodes {
		nodes[i].Name = fmt.Sprintf("repo-%05d", i)
		for k := 0; k < 3 && i > 0; k++ {
			nodes[i].DependsOn = append(nodes[i].DependsOn, nodes[r.IntN(i)].Name)
		}
	}
	return nodes
}

func BenchmarkNew(b *testing.B) {
	for _, n := range []int{100, 1000, 10000} {
		nodes := wideDAG(n)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, err := dag.New(nodes)
				require.NoError(b, err)
			}
		})
	}
}

func BenchmarkQueries(b *testing.B) {
	nodes := wideDAG(1000)
	g, err := dag.New(nodes)
	require.NoError(b, err)
	done := map[string]bool{}
	durations := map[string]time.Duration{}
	for i, n := range nodes {
		done[n.Name] = i%2 == 0
		durations[n.Name] = time.Duration(i) * time.Second
	}
	b.Run("Layers", func(b *testing.B) {
		for b.Loop() {
			g.Layers()
		}
	})
	b.Run("Ready", func(b *testing.B) {
		for b.Loop() {
			g.Ready(done)
		}
	})
	b.Run("CriticalPath", func(b *testing.B) {
		for b.Loop() {
			g.CriticalPath(durations)
		}
	})
	b.Run("Subgraph", func(b *testing.B) {
		for b.Loop() {
			_, err := g.Subgraph([]string{nodes[10].Name}, true)
			require.NoError(b, err)
		}
	})
}
