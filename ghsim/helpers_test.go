package ghsim

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/go-github/v62/github"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const testScenarioYAML = `
owner: acme
listing_delay: 2s
repos:
  - name: app
    queue_delay: 5s
    duration: 1m
    outcomes: [failure, success]
    artifacts:
      - name: app-linux
        files:
          - {name: app, size: 200KiB, executable: true}
          - {name: NOTES.txt, size: 1000}
  - name: lib
    queue_delay: 1s
    duration: 10s
    honour_run_name: false
`

// env is one simulator behind an httptest server with a go-github client.
type env struct {
	sim *Sim
	srv *httptest.Server
	gh  *github.Client
	ctx context.Context
}

func testScenario(t *testing.T) *Scenario {
	t.Helper()
	sc, err := ParseScenario([]byte(testScenarioYAML))
	require.NoError(t, err)
	return sc
}

// setup starts a simulator (manual clock, test scenario unless given) and a client.
func setup(t *testing.T, opts Options) *env {
	t.Helper()
	if opts.Scenario == nil {
		opts.Scenario = testScenario(t)
	}
	sim, err := New(opts)
	require.NoError(t, err)
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(func() {
		srv.Close()
		sim.Close()
	})
	return &env{sim: sim, srv: srv, gh: newClient(t, srv, srv.Client(), StaticToken), ctx: context.Background()}
}

// newClient is go-github pointed at the simulator.
func newClient(t *testing.T, srv *httptest.Server, hc *http.Client, token string) *github.Client {
	t.Helper()
	gh := github.NewClient(hc)
	if token != "" {
		gh = gh.WithAuthToken(token)
	}
	gh, err := gh.WithEnterpriseURLs(srv.URL+"/api/v3/", srv.URL+"/api/uploads/")
	require.NoError(t, err)
	return gh
}

// status is the HTTP status of a go-github answer (0 without one).
func status(resp *github.Response) int {
	if resp == nil || resp.Response == nil {
		return 0
	}
	return resp.StatusCode
}
