package dag

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEarliestStartsFollowDependenciesNotLayers(t *testing.T) {
	g, err := New([]Node{
		{Name: "a"}, {Name: "slow"},
		{Name: "b", DependsOn: []string{"a"}},
		{Name: "c", DependsOn: []string{"b", "a"}},
	})
	require.NoError(t, err)
	d := map[string]time.Duration{"a": 2 * time.Minute, "slow": 10 * time.Minute, "b": 3 * time.Minute, "c": time.Minute}
	got := g.EarliestStarts(d)
	want := map[string]time.Duration{"a": 0, "slow": 0, "b": 2 * time.Minute, "c": 5 * time.Minute}
	for n, w := range want {
		assert.Equal(t, w, got[n], "earliest start of %s", n)
	}
	layered, span := g.LayeredStarts(d)
	assert.Equal(t, 10*time.Minute, layered["b"])
	assert.Equal(t, 13*time.Minute, layered["c"])
	assert.Equal(t, 14*time.Minute, span)
	path, total := g.CriticalPath(d)
	assert.Equal(t, 10*time.Minute, total, "critical path length")
	assert.Equal(t, []string{"slow"}, path, "critical path")
}
