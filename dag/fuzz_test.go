package dag_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/BTCDecoded/releasetrain/dag"
	"github.com/stretchr/testify/require"
)

// parseNodes reads "name:dep,dep" lines; a fuzzer-friendly input format.
func parseNodes(s string) []dag.Node {
	var nodes []dag.Node
	for _, line := range strings.Split(s, "\n") {
		name, deps, _ := strings.Cut(line, ":")
		n := dag.Node{Name: name}
		if deps != "" {
			n.DependsOn = strings.Split(deps, ",")
		}
		nodes = append(nodes, n)
	}
	return nodes
}

func FuzzNew(f *testing.F) {
	f.Add("a\nb:a\nc:a,b")
	f.Add("a:b\nb:c\nc:a")
	f.Add("a:a")
	f.Add("a\na")
	f.Add("y:x")
	f.Add("a\n\nb")
	f.Add("bllvm-consensus\nbllvm-protocol:bllvm-consensus\nbllvm-node:bllvm-protocol,bllvm-consensus\ncommons")
	f.Fuzz(func(t *testing.T, s string) {
		nodes := parseNodes(s)
		deps := depsOf(nodes)
		g, err := dag.New(nodes)
		var ce *dag.CycleError
		switch {
		case err == nil:
			checkLayers(t, nodes, g)
		case errors.As(err, &ce):
			p := ce.Path
			require.GreaterOrEqual(t, len(p), 3, "malformed cycle %v", p)
			require.Equal(t, p[len(p)-1], p[0], "malformed cycle %v", p)
			for k := 0; k+1 < len(p); k++ {
				require.True(t, deps[p[k]][p[k+1]], "cycle %v: %q does not depend on %q", p, p[k], p[k+1])
			}
		case err.Error() == "":
			t.Fatalf("empty error message (%T)", err)
		}
	})
}
