package dag

import (
	"testing"
	"time"
)

func TestEarliestStartsFollowDependenciesNotLayers(t *testing.T) {
	g, err := New([]Node{
		{Name: "a"}, {Name: "slow"},
		{Name: "b", DependsOn: []string{"a"}},
		{Name: "c", DependsOn: []string{"b", "a"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	d := map[string]time.Duration{"a": 2 * time.Minute, "slow": 10 * time.Minute, "b": 3 * time.Minute, "c": time.Minute}
	got := g.EarliestStarts(d)
	want := map[string]time.Duration{"a": 0, "slow": 0, "b": 2 * time.Minute, "c": 5 * time.Minute}
	for n, w := range want {
		if got[n] != w {
			t.Errorf("earliest start of %s = %s, want %s", n, got[n], w)
		}
	}
	layered, span := g.LayeredStarts(d)
	if layered["b"] != 10*time.Minute || layered["c"] != 13*time.Minute || span != 14*time.Minute {
		t.Errorf("layered starts b=%s c=%s makespan %s, want 10m, 13m, 14m", layered["b"], layered["c"], span)
	}
	path, total := g.CriticalPath(d)
	if total != 10*time.Minute || len(path) != 1 || path[0] != "slow" {
		t.Errorf("critical path %v %s, want [slow] 10m", path, total)
	}
}
