package ghclient

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"
)

func TestMetrics(t *testing.T) {
	t.Parallel()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", `"e1"`)
		if r.Header.Get("If-None-Match") == `"e1"` {
			w.Header().Set("X-Ratelimit-Remaining", "41")
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("X-Ratelimit-Remaining", "42")
		w.WriteHeader(200)
		_, _ = w.Write([]byte(`{"id":7,"status":"queued"}`))
	})
	reg := prometheus.NewRegistry()
	c, _, _ := newTestClient(t, h, func(cfg *Config) { cfg.Registerer = reg })
	// A second client on the same registry shares the collectors.
	c2, _, _ := newTestClient(t, h, func(cfg *Config) { cfg.Registerer = reg })
	ctx := context.Background()
	r, _, err := c.GetRun(ctx, "o", "r", 7, "")
	require.NoError(t, err)
	for range 3 {
		_, _, err := c2.GetRun(ctx, "o", "r", 7, r.ETag)
		require.NoError(t, err)
	}
	want := `
# HELP releasetrain_github_budget_spent_total GitHub API requests that counted against the primary rate limit (304s and artifact blob downloads do not).
# TYPE releasetrain_github_budget_spent_total counter
releasetrain_github_budget_spent_total 1
# HELP releasetrain_github_ratelimit_remaining Last seen x-ratelimit-remaining.
# TYPE releasetrain_github_ratelimit_remaining gauge
releasetrain_github_ratelimit_remaining 41
# HELP releasetrain_github_requests_total GitHub HTTP requests by call kind and HTTP status ("error" when no answer arrived).
# TYPE releasetrain_github_requests_total counter
releasetrain_github_requests_total{kind="get_run",status="200"} 1
releasetrain_github_requests_total{kind="get_run",status="304"} 3
`
	require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(want)))
	require.Equal(t, 42, c.RateRemaining())
	require.Equal(t, 41, c2.RateRemaining())
}
