package bench

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-github/v62/github"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sync/errgroup"

	"github.com/BTCDecoded/releasetrain/ghsim"
	"github.com/BTCDecoded/releasetrain/internal/devstack"
	"github.com/BTCDecoded/releasetrain/internal/testenv"
)

// naiveInterval is the baseline's poll period in simulated time.
const naiveInterval = 10 * time.Second

// TestRateLimitCost compares the primary rate-limit budget one build costs
// (dispatch to artifacts) in releasetrain — polling only, and with webhooks —
// against NaivePoller (10 s polls without ETags), in the same run, each
// against its own simulator with the same scenario and clock.
func TestRateLimitCost(t *testing.T) {
	integration(t)
	builds, scale := BTCDecodedBuilds(), 60.0
	if !full() {
		for k, d := range builds {
			builds[k] = d / 5
		}
	}
	srv := testenv.StartTemporal(t, "")
	perBuild := map[string]float64{}
	for _, mode := range []string{"naive", "polling", "webhooks"} {
		if mode == "webhooks" && !full() {
			continue
		}
		t.Run(mode, func(t *testing.T) {
			train, sc := BTCDecoded(builds, scale)
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			var stats ghsim.Stats
			if mode == "naive" {
				stats = naiveRelease(ctx, t, sc, scale)
			} else {
				s := StartStack(t, devstack.Options{Parts: Parts(mode == "webhooks"), Client: srv.Client(), Train: train, Sim: ghsim.Options{Scenario: sc, TimeScale: scale, Seed: 1}})
				r, err := s.Release(ctx, "v3.0.0-"+mode)
				require.NoError(t, err)
				stats = r.GitHub
			}
			perBuild[mode] = float64(BuildBudget(stats)) / float64(len(sc.Repos))
			t.Logf("%s: %.1f budget units per build (%d builds; 304s %d; load %s)", mode, perBuild[mode], len(sc.Repos), stats.NotModified, loadavg())
			for route, byStatus := range stats.Requests {
				t.Logf("  %s %v", route, byStatus)
			}
		})
	}
	if t.Failed() {
		return
	}
	ratio := perBuild["naive"] / perBuild["polling"]
	t.Logf("RESULT rate-limit cost per build: naive %.1f, releasetrain polling %.1f (%.1f× fewer), webhooks %.1f; load %s",
		perBuild["naive"], perBuild["polling"], ratio, perBuild["webhooks"], loadavg())
	// releasetrain's cost per build is constant: list once, dispatch, two
	// run reads (in progress, completed: the first read waits one interval,
	// past "queued"; 304s are free), list and fetch artifacts. The naive
	// poller's grows by 6 a minute, so the ratio is the build length's
	// (docs/benchmarks.md).
	assert.LessOrEqual(t, perBuild["polling"], float64(6), "releasetrain spends %.1f budget units per build polling, want ≤ 6", perBuild["polling"])
	if full() {
		assert.LessOrEqual(t, perBuild["webhooks"], float64(7), "budget units per build with webhooks")
	}
	// The naive poller's cost follows the wall clock (a starved poller polls
	// less), so the ratio is judged by make bench only.
	want := 10.0
	if full() {
		assert.GreaterOrEqual(t, ratio, want, "naive/releasetrain at these build lengths")
	}
}

// naiveRelease runs every repo's build of sc once with NaivePoller against
// its own simulator and returns the simulator's accounting.
func naiveRelease(ctx context.Context, t *testing.T, sc *ghsim.Scenario, scale float64) ghsim.Stats {
	simStack := devstack.StartTest(t, devstack.Options{Parts: devstack.PartSim, Sim: ghsim.Options{Scenario: sc, TimeScale: scale, Seed: 1}})
	sim, url := simStack.Sim, simStack.SimURL
	hc := &http.Client{}
	t.Cleanup(hc.CloseIdleConnections)
	gh, err := github.NewClient(hc).WithAuthToken(ghsim.StaticToken).WithEnterpriseURLs(url+"/api/v3/", url+"/api/uploads/")
	require.NoError(t, err)
	blob := &http.Client{}
	t.Cleanup(blob.CloseIdleConnections)
	p := &NaivePoller{GH: gh, Blob: blob, Interval: time.Duration(float64(naiveInterval) / scale)}
	g, gctx := errgroup.WithContext(ctx)
	for _, r := range sc.Repos {
		g.Go(func() error {
			n, err := p.Build(gctx, sc.Owner, r.Name, "build.yml", "v3.0.0", fmt.Sprintf("naive-%s", r.Name))
			if err == nil && n == 0 {
				err = fmt.Errorf("%s: no artifact bytes", r.Name)
			}
			return err
		})
	}
	require.NoError(t, g.Wait())
	return sim.Stats()
}
