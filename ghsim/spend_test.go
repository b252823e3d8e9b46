package ghsim

import (
	"net/http"
	"testing"
	"time"

	"github.com/google/go-github/v62/github"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSpendBudgetFor(t *testing.T) {
	e := setup(t, Options{ManualClock: true, RateLimit: 100})
	_, _, err := e.gh.Repositories.Get(e.ctx, "acme", "app")
	require.NoError(t, err)
	e.sim.SpendBudgetFor(time.Minute)

	_, resp, err := e.gh.Repositories.Get(e.ctx, "acme", "app")
	var rle *github.RateLimitError
	require.ErrorAs(t, err, &rle)
	assert.Equal(t, http.StatusForbidden, status(resp))
	// Manual clock at scale 1: the window ends a real minute from now.
	assert.WithinDuration(t, time.Now().Add(time.Minute), rle.Rate.Reset.Time, 20*time.Second) // wide: safe on a loaded machine, still not "now" or an hour
	assert.Zero(t, e.sim.Stats().BudgetRemaining)

	e.sim.Advance(59 * time.Second)
	assert.Zero(t, e.sim.Stats().BudgetRemaining, "still spent a second before the reset")
	e.sim.Advance(time.Second)
	st := e.sim.Stats()
	assert.Equal(t, 100, st.BudgetRemaining, "a fresh window at the reset")
	gh := newClient(t, e.srv, e.srv.Client(), StaticToken) // go-github remembers the reset; a fresh client asks
	_, _, err = gh.Repositories.Get(e.ctx, "acme", "app")
	require.NoError(t, err)
	assert.Equal(t, 2, e.sim.Stats().BudgetSpent)
}
