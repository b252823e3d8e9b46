package ghsim

import "time"

// SpendBudgetFor exhausts the primary budget for d of simulated time, as
// when a client has used its whole hour's budget d before the window
// resets: the current window is made to end d from now, and a fresh one
// starts then. x-ratelimit-reset and GET /rate_limit report that end.
func (s *Sim) SpendBudgetFor(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.budget.windowStart = s.clock.Now().Add(d - time.Hour)
	s.budget.used = s.opts.RateLimit
}
