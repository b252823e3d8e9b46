package ghsim

import "strings"

// faultState is an injected fault with its counters.
type faultState struct {
	Fault
	calls int
	fired int
}

// SetFaults replaces the injected faults (nil clears them).
func (s *Sim) SetFaults(faults []Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = s.faults[:0]
	for _, f := range faults {
		s.faults = append(s.faults, &faultState{Fault: f})
	}
}

// Faults returns the injected faults.
func (s *Sim) Faults() []Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Fault, len(s.faults))
	for i, f := range s.faults {
		out[i] = f.Fault
	}
	return out
}

// matches reports whether the fault applies to the route ("METHOD /template").
func (f *faultState) matches(method, route string) bool {
	if f.Method != "" && !strings.EqualFold(f.Method, method) {
		return false
	}
	if f.Route == "*" || f.Route == route {
		return true
	}
	_, path, _ := strings.Cut(route, " ")
	return f.Route == path
}

// matchFault counts the call against every matching fault in order and returns
// the first that fires, or nil.
func (s *Sim) matchFault(method, route string) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range s.faults {
		if !f.matches(method, route) {
			continue
		}
		f.calls++
		if f.Count > 0 && f.fired >= f.Count {
			continue
		}
		fire := true
		switch {
		case f.Nth > 0:
			fire = f.calls == f.Nth
		case f.Every > 0:
			fire = f.calls%f.Every == 0
		case f.Probability > 0:
			fire = s.rng.Float64() < f.Probability
		}
		if fire {
			f.fired++
			out := f.Fault
			return &out
		}
	}
	return nil
}
