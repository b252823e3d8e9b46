package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-github/v62/github"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/BTCDecoded/releasetrain/contract"
	"github.com/BTCDecoded/releasetrain/ghsim"
	"github.com/BTCDecoded/releasetrain/internal/devstack"
	"github.com/BTCDecoded/releasetrain/internal/testenv"
	"github.com/BTCDecoded/releasetrain/internal/traintest"
)

// outsider is a repo of the owner that is not in the train.
const outsider = "website"

// TestReconcilerRecoversLostTrigger: with the receiver down, a maintainer's
// trigger (in the train's default trigger mode), a release in a repo outside
// the train and a repository_dispatch all fail delivery. The receiver comes
// back; the dispatch is redelivered by hand and succeeds. One reconcile run
// redelivers exactly the trigger's relevant deliveries (not the outsider's,
// not the ping, not the dispatch that succeeded on a later attempt), the
// train starts once with "(redelivered)" in its trigger and completes; a
// second run redelivers nothing.
// It runs with the GitHub App (the App hook's log) and with a token only
// (each member repository's hook to reconcile.webhook_url).
func TestReconcilerRecoversLostTrigger(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: real Temporal dev server")
	}
	srv := testenv.StartTemporal(t, "")
	t.Run("app", func(t *testing.T) { recoversLostTrigger(t, srv.Client(), false) })
	t.Run("token", func(t *testing.T) { recoversLostTrigger(t, srv.Client(), true) })
}

func recoversLostTrigger(t *testing.T, c client.Client, tokenOnly bool) {
	sc := ghsim.DefaultScenario()
	sc.Repos = append(sc.Repos, ghsim.RepoScenario{Name: outsider})
	train := traintest.FastTrain()
	s := devstack.StartTest(t, devstack.Options{Parts: devstack.AllParts, Client: c, Train: &train, App: !tokenOnly,
		Reconcile: true, ReceiverStopped: true, Sim: ghsim.Options{Scenario: sc, WebhookTimeout: 2 * time.Second}})
	hooks, lookups := 1, len(train.Repos) // the App's hook; repository ids
	if tokenOnly {
		hooks, lookups = len(train.Repos), 2*len(train.Repos) // each repo's hook; ids and hooks
	}
	tag := "v3.1.4"
	if tokenOnly {
		tag = "v3.1.5"
	}

	// Receiver down: every delivery fails.
	traintest.MaintainerTrigger(t, s, tag)
	_, err := s.Sim.PublishRelease(train.Owner, outsider, "v9.9.9", false)
	require.NoError(t, err)
	dispatch(t, s, outsider, "releasetrain-build-complete", `{"tag":"v0.0.1","repo":"commons","run_id":1}`)
	before := traintest.Settled(t, s.Sim)
	for _, d := range before {
		require.NotEmpty(t, d.Error, "delivery %d (%s %s) fails while the receiver is down", d.ID, d.Event, d.Action)
	}
	trigger := triggerGUIDs(before, train.Owner, tag)
	require.NotEmpty(t, trigger, "the maintainer's trigger was delivered (and failed)")
	lostDispatch := slices.IndexFunc(before, func(d ghsim.Delivery) bool { return d.Event == "repository_dispatch" })
	require.GreaterOrEqual(t, lostDispatch, 0)

	// The receiver is back; the dispatch succeeds on a later attempt.
	require.NoError(t, s.Receiver.Start())
	require.NoError(t, s.Sim.Redeliver(before[lostDispatch].GUID))
	logged := len(traintest.Settled(t, s.Sim))
	_, err = c.DescribeWorkflow(context.Background(), contract.ReleaseWorkflowID(tag), "")
	require.Error(t, err, "no train before the reconciler runs")

	first := traintest.RunReconcile(t, s)
	t.Logf("first run: %s", contract.FormatReconcileResult(first))
	assert.Equal(t, len(trigger), first.Failed, "failed relevant deliveries")
	assert.Equal(t, len(trigger), first.Redelivered)
	assert.Equal(t, first.Pages+first.RedeliverCalls+first.Lookups, first.Budget)
	assert.Equal(t, hooks, first.Pages, "one page holds a hook's whole log")
	assert.Equal(t, lookups, first.Lookups)
	assert.Equal(t, len(trigger), first.RedeliverCalls)
	if !tokenOnly {
		assert.GreaterOrEqual(t, first.Scanned, logged, "the whole log was read (the outsider's run adds deliveries meanwhile)")
	}

	after := traintest.Settled(t, s.Sim)
	var redelivered []string
	for _, d := range after {
		if d.Redelivery && d.GUID != before[lostDispatch].GUID {
			redelivered = append(redelivered, d.GUID)
			assert.Empty(t, d.Error, "redelivery of %s %s reached the receiver", d.Event, d.Action)
		}
	}
	sort.Strings(redelivered)
	assert.Equal(t, trigger, redelivered, "exactly the trigger's relevant deliveries were redelivered")

	// The train started once, from the redelivery, and completes.
	run := c.GetWorkflow(context.Background(), contract.ReleaseWorkflowID(tag), "")
	st := traintest.WaitTrain(t, run, trainTimeout)
	assert.Equal(t, contract.StateSucceeded, st.State, st.Error)
	assert.Contains(t, st.Trigger, "(redelivered)")
	stats := s.Sim.Stats()
	for _, repo := range train.Repos {
		assert.Equal(t, 1, stats.Dispatches[train.Owner+"/"+repo.Name], "dispatches of %s", repo.Name)
	}
	assert.Equal(t, 1, executions(t, s, tag), "one execution of %s", contract.ReleaseWorkflowID(tag))

	second := traintest.RunReconcile(t, s)
	t.Logf("second run: %s", contract.FormatReconcileResult(second))
	assert.Zero(t, second.Redelivered, "nothing left to redeliver")
	assert.Zero(t, second.Failed)
	assert.Zero(t, second.Lookups, "repository ids are kept in the schedule's memo")
	assert.Equal(t, hooks, second.Pages)
	assert.Equal(t, second.Pages, second.Budget)

	// The receiver's /metrics shows the last run, read from the schedule's memo.
	resp, err := http.Get(strings.TrimSuffix(s.Receiver.URL(), "/webhook") + "/metrics")
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	require.NoError(t, err)
	assert.Contains(t, string(body), fmt.Sprintf("releasetrain_reconcile_last_run_scanned %d\n", second.Scanned))
	assert.Contains(t, string(body), "releasetrain_reconcile_last_run_redelivered 0\n")
	assert.Contains(t, string(body), fmt.Sprintf("releasetrain_reconcile_last_run_budget %d\n", second.Budget))
}

// triggerGUIDs are the GUIDs of the relevant release deliveries of tag
// (created, published, prereleased), sorted.
func triggerGUIDs(ds []ghsim.Delivery, owner, tag string) []string {
	var out []string
	for _, d := range ds {
		if d.Event != "release" || !slices.Contains([]string{"created", "published", "prereleased"}, d.Action) ||
			strings.EqualFold(d.Repository, owner+"/"+outsider) {
			continue
		}
		var p struct {
			Release struct {
				TagName string `json:"tag_name"`
			} `json:"release"`
		}
		if json.Unmarshal(d.Payload, &p) == nil && p.Release.TagName == tag {
			out = append(out, d.GUID)
		}
	}
	sort.Strings(out)
	return out
}

// dispatch sends a repository_dispatch through the REST API.
func dispatch(t *testing.T, s *devstack.Stack, repo, eventType, payload string) {
	t.Helper()
	base := strings.TrimSuffix(s.APIURL, "api/v3/")
	gh, err := github.NewClient(nil).WithAuthToken(ghsim.StaticToken).WithEnterpriseURLs(base, base)
	require.NoError(t, err)
	raw := json.RawMessage(payload)
	_, resp, err := gh.Repositories.Dispatch(context.Background(), s.Train.Owner, repo, github.DispatchRequestOptions{EventType: eventType, ClientPayload: &raw})
	require.NoError(t, err)
	require.Equal(t, http.StatusNoContent, resp.StatusCode)
}

// executions counts the runs of tag's release workflow.
func executions(t *testing.T, s *devstack.Stack, tag string) int {
	t.Helper()
	n := 0
	require.Eventually(t, func() bool {
		resp, err := s.Client.ListWorkflow(context.Background(), &workflowservice.ListWorkflowExecutionsRequest{
			Namespace: "default", Query: "WorkflowId = '" + contract.ReleaseWorkflowID(tag) + "'"})
		if err != nil {
			return false
		}
		n = len(resp.Executions)
		return n > 0
	}, 20*time.Second, 200*time.Millisecond)
	return n
}
