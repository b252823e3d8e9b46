package chaos

import (
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/BTCDecoded/releasetrain/ghsim"
	"github.com/BTCDecoded/releasetrain/internal/devstack"
	"github.com/BTCDecoded/releasetrain/internal/traintest"
)

// Route templates the faults aim at.
const (
	routeDispatch = "POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches"
	routeZipURL   = "GET /repos/{owner}/{repo}/actions/artifacts/{artifact_id}/{archive_format}"
	routeUpload   = "POST /repos/{owner}/{repo}/releases/{release_id}/assets"
)

// githubFaults are the injected faults: about 10% 5xx on every endpoint,
// secondary limits in bursts (403 and 429 with retry-after), resets of the
// artifact-URL and upload answers, and writes that land before a 5xx or a
// reset. The short version keeps one of each kind, aimed at layer 0 where
// the builds run in parallel, and caps the random 5xx (each costs a
// Temporal retry of 5 s or more).
func githubFaults() []ghsim.Fault {
	if !long {
		return []ghsim.Fault{
			{Route: routeDispatch, AfterWrite: true, Status: 502, Nth: 1},
			{Route: routeZipURL, Reset: true, Nth: 1},
			{Route: routeUpload, AfterWrite: true, Reset: true, Nth: 2},
			{Route: "*", SecondaryLimit: true, Every: 13, Count: 2},
			{Route: "*", SecondaryLimit: true, Status: 429, Every: 17, Count: 1},
			{Route: "*", Status: 503, Probability: 0.1, Count: 2},
		}
	}
	return []ghsim.Fault{
		{Route: routeDispatch, AfterWrite: true, Status: 502, Nth: 1},
		{Route: routeDispatch, AfterWrite: true, Reset: true, Nth: 4},
		{Route: routeUpload, AfterWrite: true, Status: 500, Nth: 2},
		{Route: routeUpload, AfterWrite: true, Reset: true, Nth: 5},
		{Route: routeUpload, Reset: true, Nth: 8},
		{Route: routeZipURL, Reset: true, Nth: 2},
		{Route: "*", SecondaryLimit: true, Every: 23, Count: 4},
		{Route: "*", SecondaryLimit: true, Status: 429, Every: 29, Count: 3},
		{Route: "*", Status: 500, Probability: 0.034},
		{Route: "*", Status: 502, Probability: 0.034},
		{Route: "*", Status: 503, Probability: 0.034},
	}
}

// blobCutter resets every cut-th artifact download half-way through its
// body (ghsim's blob storage has no fault hooks of its own).
type blobCutter struct {
	mu    sync.Mutex
	every int
	n     int
	cuts  int
}

// wrap cuts the chosen blob downloads.
func (b *blobCutter) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/_blob/") {
			next.ServeHTTP(w, r)
			return
		}
		b.mu.Lock()
		b.n++
		cut := b.n%b.every == 1
		if cut {
			b.cuts++
		}
		b.mu.Unlock()
		if !cut {
			next.ServeHTTP(w, r)
			return
		}
		cw := &cutWriter{ResponseWriter: w, left: 32 << 10}
		next.ServeHTTP(cw, r)
	})
}

// cutWriter passes left bytes, then resets the connection.
type cutWriter struct {
	http.ResponseWriter
	left int
	cut  bool
}

func (c *cutWriter) Write(p []byte) (int, error) {
	if c.cut {
		return 0, net.ErrClosed
	}
	if len(p) < c.left {
		c.left -= len(p)
		return c.ResponseWriter.Write(p)
	}
	_, _ = c.ResponseWriter.Write(p[:c.left])
	c.cut = true
	conn, _, err := http.NewResponseController(c.ResponseWriter).Hijack()
	if err == nil {
		if tc, ok := conn.(*net.TCPConn); ok {
			_ = tc.SetLinger(0)
		}
		_ = conn.Close()
	}
	return 0, net.ErrClosed
}

// TestGitHubFaults runs the train through GitHub faults and a spent primary
// budget: it completes with one dispatch per repo, one run attempt per
// build and one upload per asset; no request is refused for the spent
// budget once the client knows of it, and no request is retried before its
// retry-after.
func TestGitHubFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: real Temporal dev server")
	}
	log := &reqLog{}
	cutter := &blobCutter{every: 100} // the first download only
	if long {
		cutter.every = 3
	}
	var spendOnce sync.Once
	var sim *ghsim.Sim
	var blackout time.Time
	log.after = func(r *http.Request, status int) {
		// Spend the budget for ten simulated minutes (five real seconds at
		// TimeScale) once bllvm-protocol's build is under way: long enough for
		// several of its polls even on a loaded machine (two minutes were
		// missed by a worker slowed by two busy cores), so an injected
		// secondary limit that lands on one (every 17th request is one)
		// cannot hide the spent budget.
		// Any answered Actions call of bllvm-protocol's, not only its
		// dispatch: a dispatch whose answer was lost to a fault is not sent
		// again (the retry finds the run by its correlation id).
		if status == http.StatusNoContent || status == http.StatusOK {
			p := r.URL.Path
			if strings.Contains(p, "/bllvm-protocol/") && (strings.HasSuffix(p, "/dispatches") || strings.Contains(p, "/actions/runs")) {
				spendOnce.Do(func() {
					blackout = time.Now()
					sim.SpendBudgetFor(10 * time.Minute)
				})
			}
		}
	}
	s := devstack.StartTest(t, devstack.Options{Sim: ghsim.Options{Seed: 21}, WrapSim: func(h http.Handler) http.Handler {
		return log.wrap(cutter.wrap(h))
	}})
	sim = s.Sim
	c := s.Client
	sim.SetFaults(githubFaults())

	train := traintest.FastTrain()
	const tag = "v4.0.0"
	start := time.Now()
	st := waitOrDump(t, c, traintest.StartTrain(t, c, tag, train), 4*time.Minute)
	took := time.Since(start)
	traintest.VerifyRelease(t, sim, train, tag, st)

	stats := sim.Stats()
	for repo, runs := range stats.Runs {
		if assert.Len(t, runs, 1, "runs of %s", repo) {
			assert.Equal(t, 1, runs[0].Attempts, "attempts of %s", repo)
		}
	}
	entries := log.snapshot()
	checkPrimaryHonoured(t, entries, blackout)
	checkRetryAfterHonoured(t, entries)

	fired := map[string]int{}
	for _, e := range entries {
		if !e.At.Before(blackout) && e.Remaining == "0" && !e.primaryLimited() {
			fired["spent budget told"]++ // a free 304 or a charged answer said remaining 0
		}
		switch {
		case e.Status == 0:
			fired["reset"]++
		case e.primaryLimited():
			fired["primary limit"]++
		case e.secondaryLimited():
			fired["secondary limit"]++
		case e.Status >= 500:
			fired[strconv.Itoa(e.Status)]++
		}
	}
	fired["blob cut mid-body"] = cutter.cuts
	t.Logf("train finished in %s; %d requests; faults answered: %v; budget spent %d",
		took.Round(time.Millisecond), len(entries), fired, stats.BudgetSpent)
	// The client meets the spent budget either as a refusal or, when the
	// first request after the spend is a conditional poll (a free 304 that
	// says remaining 0), as that answer; either way it must then hold back
	// until the reset (checkPrimaryHonoured).
	assert.NotZero(t, fired["primary limit"]+fired["spent budget told"], "the spent budget was met")
	assert.NotZero(t, fired["secondary limit"], "secondary limits were met")
	assert.NotZero(t, fired["reset"], "resets were met")
	assert.NotZero(t, cutter.cuts, "downloads were cut")
}

// checkPrimaryHonoured: once the first request is refused for the spent
// budget, the client holds back until the reset — any later refusal means
// a request went out while the client knew the budget was spent. Requests
// already in flight get a grace of inFlight.
func checkPrimaryHonoured(t *testing.T, entries []entry, blackout time.Time) {
	t.Helper()
	const inFlight = 100 * time.Millisecond
	require.False(t, blackout.IsZero(), "the budget was spent")
	var first *entry
	for i, e := range entries {
		if !e.primaryLimited() {
			continue
		}
		if first == nil {
			first = &entries[i]
			continue
		}
		assert.True(t, e.At.Sub(first.At) < inFlight,
			"%s %s refused for the spent budget %s after the client learnt of it", e.Method, e.Path, e.At.Sub(first.At))
	}
	if first == nil {
		return
	}
	reset, err := strconv.ParseInt(first.Reset, 10, 64)
	require.NoError(t, err)
	t.Logf("budget spent at +0, first refusal at +%s, reset at +%s",
		first.At.Sub(blackout).Round(time.Millisecond), time.Unix(reset, 0).Sub(blackout).Round(time.Millisecond))
}

// checkRetryAfterHonoured: a request refused with retry-after is not sent
// again before that many seconds have passed.
func checkRetryAfterHonoured(t *testing.T, entries []entry) {
	t.Helper()
	for i, e := range entries {
		if !e.secondaryLimited() {
			continue
		}
		secs, err := strconv.Atoi(e.RetryAfter)
		require.NoError(t, err)
		until := e.At.Add(time.Duration(secs) * time.Second)
		for _, next := range entries[i+1:] {
			if next.route() == e.route() && next.At.Before(until) {
				assert.Fail(t, "retry-after not waited out",
					"%s sent %s after a secondary limit asking for %ds", next.route(), next.At.Sub(e.At), secs)
			}
		}
	}
}
