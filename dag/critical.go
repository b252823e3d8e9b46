package dag

import (
	"slices"
	"time"
)

// CriticalPath returns the chain of dependencies with the largest total
// duration and that total: the shortest possible makespan with unlimited
// parallelism. Nodes missing from durations take 0. The path runs from a
// node with no dependencies to the last node to finish. Ties go to the
// smallest name, so the result is deterministic. An empty graph gives (nil, 0).
func (g *Graph) CriticalPath(durations map[string]time.Duration) ([]string, time.Duration) {
	finish := make(map[string]time.Duration, len(g.names))
	via := make(map[string]string, len(g.names))
	var end string
	for _, layer := range g.layers { // dependencies are always in earlier layers
		for _, name := range layer {
			var start time.Duration
			best := ""
			for _, d := range g.deps[name] { // sorted: the first maximum is the smallest name
				if best == "" || finish[d] > start {
					start, best = finish[d], d
				}
			}
			via[name] = best
			finish[name] = start + durations[name]
			if end == "" || finish[name] > finish[end] || finish[name] == finish[end] && name < end {
				end = name
			}
		}
	}
	if end == "" {
		return nil, 0
	}
	var path []string
	for n := end; n != ""; n = via[n] {
		path = append(path, n)
	}
	slices.Reverse(path)
	return path, finish[end]
}
