package config

import (
	"strings"
	"time"

	"github.com/BTCDecoded/releasetrain/dag"
)

// Estimate is a train's expected timing from each repo's
// expected_duration, for `releasetrain plan` and the live page's ETA.
type Estimate struct {
	// Durations are the repos' expected durations.
	Durations map[string]time.Duration
	// Start is each repo's earliest start under the train's schedule,
	// from the train's start.
	Start map[string]time.Duration
	// Path is the critical path (dependencies with the largest total) and
	// Critical its length: the eager makespan.
	Path     []string
	Critical time.Duration
	// Layered is the makespan when each layer waits for the previous one.
	Layered time.Duration
	// Makespan is the expected makespan under the train's schedule.
	Makespan time.Duration
}

// Estimate computes the timing of g (the train's graph, or a subgraph of
// it) from the repos' expected durations.
func (t *Train) Estimate(g *dag.Graph) Estimate {
	e := Estimate{Durations: make(map[string]time.Duration, g.Len())}
	for _, name := range g.Names() {
		d := DefaultExpectedDuration
		if r, ok := t.Repo(name); ok && r.ExpectedDuration > 0 {
			d = r.ExpectedDuration
		}
		e.Durations[name] = d
	}
	e.Path, e.Critical = g.CriticalPath(e.Durations)
	var layered map[string]time.Duration
	layered, e.Layered = g.LayeredStarts(e.Durations)
	if t.Schedule == ScheduleLayered {
		e.Start, e.Makespan = layered, e.Layered
	} else {
		e.Start, e.Makespan = g.EarliestStarts(e.Durations), e.Critical
	}
	return e
}

// ShortDuration writes an estimate without zero units: "10m", "1h5m",
// "45s", "0s".
func ShortDuration(d time.Duration) string {
	s := d.Round(time.Second).String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
