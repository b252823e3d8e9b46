package ghsim

import (
	"net/http"
	"strconv"
	"time"
)

// budget is the primary rate limit: RateLimit requests per simulated hour.
type budget struct {
	windowStart time.Time
	used        int
	spent       int // total over all windows (Stats.BudgetSpent)
}

// rollLocked starts a new window when the current one has ended.
func (s *Sim) rollLocked(now time.Time) {
	if s.budget.windowStart.IsZero() || !now.Before(s.budget.windowStart.Add(time.Hour)) {
		s.budget.windowStart = now
		s.budget.used = 0
	}
}

// spend takes one request from the budget; false when it is exhausted.
func (s *Sim) spend() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rollLocked(s.clock.Now())
	if s.budget.used >= s.opts.RateLimit {
		return false
	}
	s.budget.used++
	s.budget.spent++
	return true
}

// SpendBudget exhausts the primary budget until the current window resets.
func (s *Sim) SpendBudget() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rollLocked(s.clock.Now())
	s.budget.used = s.opts.RateLimit
}

// rateHeaders sets x-ratelimit-*; reset is the real epoch second at which the
// simulated window ends, so a client sleeping until then waits the right time.
func (s *Sim) rateHeaders(h http.Header) {
	s.mu.Lock()
	now := s.clock.Now()
	s.rollLocked(now)
	used := s.budget.used
	end := s.budget.windowStart.Add(time.Hour)
	s.mu.Unlock()
	remaining := s.opts.RateLimit - used
	if remaining < 0 {
		remaining = 0
	}
	h.Set("X-RateLimit-Limit", strconv.Itoa(s.opts.RateLimit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
	h.Set("X-RateLimit-Used", strconv.Itoa(used))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(s.clock.realAt(end).Add(time.Second-1).Unix(), 10))
	h.Set("X-RateLimit-Resource", "core")
}

// handleRateLimit answers GET /rate_limit.
func (s *Sim) handleRateLimit(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	now := s.clock.Now()
	s.rollLocked(now)
	used := s.budget.used
	end := s.budget.windowStart.Add(time.Hour)
	s.mu.Unlock()
	remaining := max(s.opts.RateLimit-used, 0)
	core := map[string]int64{"limit": int64(s.opts.RateLimit), "remaining": int64(remaining), "used": int64(used), "reset": s.clock.realAt(end).Unix()}
	writeJSON(w, http.StatusOK, map[string]any{"resources": map[string]any{"core": core}, "rate": core})
}

// writeAllowed applies the scenario's content_writes_per_minute secondary
// limit (0 = off) over a sliding simulated minute.
func (s *Sim) writeAllowed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	limit := s.scenario.ContentWritesPerMinute
	if limit <= 0 {
		return true
	}
	now := s.clock.Now()
	keep := s.writes[:0]
	for _, t := range s.writes {
		if now.Sub(t) < time.Minute {
			keep = append(keep, t)
		}
	}
	s.writes = keep
	if len(s.writes) >= limit {
		return false
	}
	s.writes = append(s.writes, now)
	return true
}
