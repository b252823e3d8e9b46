package ghsim

import (
	"sync"
	"time"
)

// clock is the simulated clock: start + offset + scale × real elapsed.
type clock struct {
	mu        sync.Mutex
	start     time.Time
	realStart time.Time
	offset    time.Duration
	scale     float64
	manual    bool
}

func newClock(scale float64, manual bool) *clock {
	now := time.Now()
	return &clock{start: now.UTC().Truncate(time.Second), realStart: now, scale: scale, manual: manual}
}

// Now is the simulated time.
func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.start.Add(c.offset)
	if !c.manual {
		t = t.Add(time.Duration(float64(time.Since(c.realStart)) * c.scale))
	}
	return t
}

// Advance moves simulated time forward.
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
}

// toReal converts a simulated duration into the real duration a client waits.
func (c *clock) toReal(d time.Duration) time.Duration {
	return time.Duration(float64(d) / c.scale)
}

// realAt is the real wall-clock instant at which simulated time reaches t.
func (c *clock) realAt(t time.Time) time.Time {
	return time.Now().Add(c.toReal(t.Sub(c.Now())))
}
