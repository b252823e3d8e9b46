package dag

import "time"

// EarliestStarts returns when each node can start at the earliest, counted
// from the train's start, when every node starts as soon as all its
// dependencies have finished (eager scheduling with unlimited parallelism):
// the latest finish among its dependencies. Nodes missing from durations
// take 0.
func (g *Graph) EarliestStarts(durations map[string]time.Duration) map[string]time.Duration {
	start := make(map[string]time.Duration, len(g.names))
	for _, layer := range g.layers { // dependencies are always in earlier layers
		for _, name := range layer {
			var s time.Duration
			for _, d := range g.deps[name] {
				s = max(s, start[d]+durations[d])
			}
			start[name] = s
		}
	}
	return start
}

// LayeredStarts returns when each node starts when a layer starts only
// after the whole previous layer has finished (layered scheduling): the sum
// of the longest durations of the earlier layers. The second result is the
// layered makespan.
func (g *Graph) LayeredStarts(durations map[string]time.Duration) (map[string]time.Duration, time.Duration) {
	start := make(map[string]time.Duration, len(g.names))
	var at time.Duration
	for _, layer := range g.layers {
		var longest time.Duration
		for _, name := range layer {
			start[name] = at
			longest = max(longest, durations[name])
		}
		at += longest
	}
	return start, at
}
