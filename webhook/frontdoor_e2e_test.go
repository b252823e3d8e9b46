package webhook

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/go-github/v62/github"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/serviceerror"

	"github.com/BTCDecoded/releasetrain/contract"
	"github.com/BTCDecoded/releasetrain/ghsim"
	"github.com/BTCDecoded/releasetrain/internal/testenv"
	"github.com/BTCDecoded/releasetrain/releasetag"
)

// The front door against the Temporal dev server and ghsim: while 200
// clients hold stalled 25 MB claims open, ghsim's signed repository_dispatch
// deliveries are still handled; a dispatch from a repository of the owner
// outside the train, a misspelt client_payload key and a legal git tag the
// train cannot package start nothing (no workflow on the server), and a good
// dispatch starts its train.
func TestFrontDoorDevServerAndGhsim(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Temporal dev server")
	}
	dev := testenv.StartTemporal(t, "")
	tc := dev.Client()
	t.Cleanup(tc.Close)
	f := &fixture{reg: prometheus.NewRegistry()}
	var err error
	f.srv, err = New(Options{Secret: []byte(testSecret), Train: testTrain(), Temporal: tc, Registerer: f.reg, BodyTimeout: 10 * time.Minute})
	require.NoError(t, err)
	base, _ := served(t, f)

	const stalled = 200
	var conns []net.Conn
	for range stalled {
		conns = append(conns, stall(t, base, 25_000_000, nil))
	}
	defer func() {
		for _, c := range conns {
			_ = c.Close()
		}
	}()
	require.Eventually(t, func() bool { return f.srv.bodies.pending() == stalled }, time.Minute, 10*time.Millisecond)

	sc := ghsim.DefaultScenario()
	sc.Repos = append(sc.Repos, ghsim.RepoScenario{Name: "website"}) // the owner's, not the train's
	sim, err := ghsim.New(ghsim.Options{Scenario: sc, ManualClock: true, Seed: 1, WebhookURL: base + "/webhook", WebhookSecret: testSecret})
	require.NoError(t, err)
	hs := httptest.NewServer(sim.Handler())
	t.Cleanup(func() {
		hs.Close()
		sim.Close()
	})
	gh, err := github.NewClient(hs.Client()).WithAuthToken(ghsim.StaticToken).WithEnterpriseURLs(hs.URL+"/api/v3/", hs.URL+"/api/uploads/")
	require.NoError(t, err)

	ctx := context.Background()
	// dispatch sends releasetrain-release from repo and returns the
	// receiver's answer as ghsim's delivery log records it.
	dispatch := func(repo string, payload map[string]any) int {
		t.Helper()
		raw, err := json.Marshal(payload)
		require.NoError(t, err)
		msg := json.RawMessage(raw)
		_, _, err = gh.Repositories.Dispatch(ctx, "BTCDecoded", repo, github.DispatchRequestOptions{EventType: DispatchRelease, ClientPayload: &msg})
		require.NoError(t, err)
		var code int
		require.Eventually(t, func() bool {
			for _, d := range sim.Deliveries() {
				if d.Event == "repository_dispatch" && !d.Pending && d.Repository == "BTCDecoded/"+repo && json.Valid(d.Payload) &&
					jsonHas(d.Payload, payload) {
					code = d.StatusCode
					return true
				}
			}
			return false
		}, time.Minute, 10*time.Millisecond, "delivery of the dispatch from %s", repo)
		return code
	}
	noWorkflow := func(tag string) {
		t.Helper()
		_, err := tc.DescribeWorkflow(ctx, contract.ReleaseWorkflowID(tag), "")
		var nf *serviceerror.NotFound
		assert.ErrorAs(t, err, &nf, "%s: want no workflow", tag)
	}

	assert.Equal(t, http.StatusAccepted, dispatch("website", map[string]any{"tag": "v9.0.0"}), "a repo outside the train")
	noWorkflow("v9.0.0")
	assert.Equal(t, http.StatusBadRequest, dispatch("bllvm-node", map[string]any{"tag": "v9.0.1", "prerelase": true}), "a misspelt key")
	noWorkflow("v9.0.1")
	assert.Equal(t, http.StatusUnprocessableEntity, dispatch("bllvm-node", map[string]any{"tag": "release/1.0"}), "a tag the train cannot package")
	noWorkflow("release/1.0")
	assert.Equal(t, 1.0, testutil.ToFloat64(f.srv.metrics.tagsRefused.WithLabelValues(sourceDispatch, string(releasetag.RuleSlash))))

	assert.Equal(t, http.StatusOK, dispatch("bllvm-node", map[string]any{"tag": "v9.1.0"}), "a good dispatch, with the stalled clients still held")
	desc, err := tc.DescribeWorkflow(ctx, contract.ReleaseWorkflowID("v9.1.0"), "")
	require.NoError(t, err)
	assert.Equal(t, contract.ReleaseWorkflowID("v9.1.0"), desc.WorkflowExecution.ID)
	assert.Equal(t, stalled, f.srv.bodies.pending(), "every stalled client is still held")
	require.NoError(t, tc.TerminateWorkflow(ctx, contract.ReleaseWorkflowID("v9.1.0"), "", "test done"))
}

// jsonHas reports whether the delivery's client_payload holds every key of want.
func jsonHas(delivery json.RawMessage, want map[string]any) bool {
	var d struct {
		ClientPayload map[string]any `json:"client_payload"`
	}
	if json.Unmarshal(delivery, &d) != nil {
		return false
	}
	for k, v := range want {
		if d.ClientPayload[k] != v {
			return false
		}
	}
	return len(d.ClientPayload) == len(want)
}
