package ghsim

import (
	"sort"
	"strconv"
	"time"
)

// Stats is the simulator's accounting (GET /_sim/stats).
type Stats struct {
	// Requests counts API requests per route template and status
	// ("GET /repos/{owner}/{repo}/actions/runs/{run_id}" → "200" → n).
	// Status "0" means the connection was reset by an injected fault.
	Requests map[string]map[string]int `json:"requests"`
	// BudgetSpent counts requests charged to the primary rate limit (304s are free).
	BudgetSpent int `json:"budget_spent"`
	// BudgetRemaining is what is left of the current window.
	BudgetRemaining int `json:"budget_remaining"`
	// NotModified counts 304 answers.
	NotModified int `json:"not_modified"`
	// Dispatches counts dispatches that landed per "owner/repo" (AfterWrite faults included).
	Dispatches map[string]int `json:"dispatches"`
	// Runs lists every run per "owner/repo", in creation order.
	Runs map[string][]RunStat `json:"runs"`
	// Uploads counts landed asset uploads per "owner/repo@tag" and asset name.
	Uploads map[string]map[string]int `json:"uploads"`
	// PublishedReleaseWrites counts API requests per "owner/repo@tag" that
	// tried to change a published release, refused or not: asset uploads and
	// deletes, edits carrying tag_name, target_commitish, name or body (even
	// unchanged) or draft: true, and deleting the release. Publishing a
	// draft and flipping prerelease or make_latest only are not counted.
	PublishedReleaseWrites map[string]int `json:"published_release_writes"`
	// Webhooks counts recorded deliveries per event.
	Webhooks map[string]int `json:"webhooks"`
	// Now is the simulated time.
	Now time.Time `json:"now"`
}

// RunStat is one run in Stats.
type RunStat struct {
	ID           int64  `json:"id"`
	Attempts     int    `json:"attempts"`
	Status       string `json:"status"`
	Conclusion   string `json:"conclusion"`
	Event        string `json:"event"`
	DisplayTitle string `json:"display_title"`
}

// statsState holds the counters behind Stats.
type statsState struct {
	requests    map[string]map[string]int
	notModified int
	dispatches  map[string]int
	uploads     map[string]map[string]int
	// publishedWrites backs Stats.PublishedReleaseWrites.
	publishedWrites map[string]int
}

func newStatsState() statsState {
	return statsState{requests: map[string]map[string]int{}, dispatches: map[string]int{}, uploads: map[string]map[string]int{},
		publishedWrites: map[string]int{}}
}

// countRequest records one answer.
func (s *Sim) countRequest(route string, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stats.requests[route] == nil {
		s.stats.requests[route] = map[string]int{}
	}
	s.stats.requests[route][strconv.Itoa(status)]++
}

// Stats returns a snapshot of the accounting.
func (s *Sim) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.progressLocked()
	now := s.clock.Now()
	s.rollLocked(now)
	st := Stats{
		Requests:               map[string]map[string]int{},
		BudgetSpent:            s.budget.spent,
		BudgetRemaining:        max(s.opts.RateLimit-s.budget.used, 0),
		NotModified:            s.stats.notModified,
		Dispatches:             map[string]int{},
		Runs:                   map[string][]RunStat{},
		Uploads:                map[string]map[string]int{},
		Webhooks:               map[string]int{},
		Now:                    now,
		PublishedReleaseWrites: copyMap(s.stats.publishedWrites),
	}
	for k, v := range s.stats.requests {
		st.Requests[k] = copyMap(v)
	}
	for k, v := range s.stats.dispatches {
		st.Dispatches[k] = v
	}
	for k, v := range s.stats.uploads {
		st.Uploads[k] = copyMap(v)
	}
	keys := make([]string, 0, len(s.repos))
	for k := range s.repos {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		repo := s.repos[k]
		for _, r := range repo.runs {
			p := r.phaseAt(now)
			st.Runs[repo.fullName()] = append(st.Runs[repo.fullName()], RunStat{
				ID: r.id, Attempts: r.attempt, Status: p.status, Conclusion: p.conclusion, Event: r.event, DisplayTitle: r.title,
			})
		}
	}
	for _, d := range s.delivs {
		st.Webhooks[d.Event]++
	}
	return st
}

func copyMap(m map[string]int) map[string]int {
	out := make(map[string]int, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
