package e2e

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/BTCDecoded/releasetrain/activities"
	"github.com/BTCDecoded/releasetrain/config"
	"github.com/BTCDecoded/releasetrain/contract"
	"github.com/BTCDecoded/releasetrain/ghsim"
	"github.com/BTCDecoded/releasetrain/internal/devstack"
	"github.com/BTCDecoded/releasetrain/internal/traintest"
)

// triggerStack is the whole path of a release: ghsim sends signed webhooks
// to the real receiver, which starts trains on the Temporal dev server,
// whose in-process worker talks to ghsim.
type triggerStack struct {
	*devstack.Stack
	delivery atomic.Int64
}

func startTriggerStack(t *testing.T, train config.Train, sc *ghsim.Scenario) *triggerStack {
	t.Helper()
	return &triggerStack{Stack: devstack.StartTest(t, devstack.Options{Parts: devstack.AllParts, Train: &train, Sim: ghsim.Options{Seed: 1, Scenario: sc}})}
}

// deliverDraft sends, as GitHub would, a signed `release` delivery of a
// draft saved in the release repo, with a fresh delivery id, and returns
// the receiver's answer.
func (s *triggerStack) deliverDraft(t *testing.T, tag string, id int64) map[string]string {
	t.Helper()
	body, err := json.Marshal(map[string]any{
		"action":     "created",
		"release":    map[string]any{"id": id, "tag_name": tag, "draft": true, "prerelease": false},
		"repository": map[string]any{"name": s.Train.Release.Repo, "full_name": s.Train.Owner + "/" + s.Train.Release.Repo, "owner": map[string]any{"login": s.Train.Owner}},
		"sender":     map[string]any{"login": "maintainer", "type": "User"},
	})
	require.NoError(t, err)
	mac := hmac.New(sha256.New, []byte(s.WebhookSecret))
	mac.Write(body)
	req, err := http.NewRequest(http.MethodPost, s.WebhookURL(), bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-GitHub-Event", "release")
	req.Header.Set("X-GitHub-Delivery", fmt.Sprintf("e2e-%d", s.delivery.Add(1)))
	req.Header.Set("X-Hub-Signature-256", "sha256="+hex.EncodeToString(mac.Sum(nil)))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var out map[string]string
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	require.Less(t, resp.StatusCode, 300, "answer %v", out)
	return out
}

// waitRun waits for the tag's train to be started by a webhook and returns it.
func (s *triggerStack) waitRun(t *testing.T, tag string) client.WorkflowRun {
	t.Helper()
	id := contract.ReleaseWorkflowID(tag)
	require.Eventually(t, func() bool {
		_, err := s.Client.DescribeWorkflow(context.Background(), id, "")
		return err == nil
	}, 30*time.Second, 100*time.Millisecond, "no train %s started by the webhook", id)
	return s.Client.GetWorkflow(context.Background(), id, "")
}

// runsOf counts the tag's executions (every run, open or closed).
func (s *triggerStack) runsOf(t *testing.T, tag string) int {
	t.Helper()
	n := 0
	require.Eventually(t, func() bool {
		resp, err := s.Client.ListWorkflow(context.Background(), listRequest(tag))
		if err != nil {
			return false
		}
		n = len(resp.GetExecutions())
		return true
	}, 10*time.Second, 100*time.Millisecond)
	return n
}

// The default (draft) mode end to end, immutable releases on: a maintainer
// saves a draft; its signed webhook starts the train, which passes the
// preflight, builds every repo, fills that draft (keeping the maintainer's
// title and notes) and publishes it immutable. Nothing ever writes to a
// published release, and the train's own `published` event starts nothing.
func TestDraftModeEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: real Temporal dev server")
	}
	sc := ghsim.DefaultScenario()
	sc.ImmutableReleases = true
	s := startTriggerStack(t, traintest.FastTrain(), sc)
	const tag = "v5.0.0"
	draftID, err := s.Sim.SaveDraft(s.Train.Owner, s.Train.Release.Repo, tag,
		ghsim.DraftOptions{Name: "Five: the maintainers' title", Body: "What the maintainers wrote."})
	require.NoError(t, err)
	st := traintest.WaitTrain(t, s.waitRun(t, tag), trainTimeout)
	traintest.VerifyRelease(t, s.Sim, *s.Train, tag, st)

	rel, ok := s.Sim.Release(s.Train.Owner, s.Train.Release.Repo, tag)
	require.True(t, ok)
	assert.Equal(t, draftID, rel.ID, "the maintainer's draft was filled, not another release")
	assert.Equal(t, "Five: the maintainers' title", rel.Name)
	assert.True(t, strings.HasPrefix(rel.Body, "What the maintainers wrote.\n\n"+activities.NotesBegin), rel.Body)
	assert.Contains(t, rel.Body, activities.NotesEnd)
	assert.True(t, st.ReleaseImmutable, "GitHub marked the release immutable")
	require.NotNil(t, st.Preflight)
	assert.Equal(t, contract.PreflightPassed, st.Preflight.State)
	assert.True(t, st.Preflight.DraftFound)
	require.NotNil(t, st.Preflight.ReleaseImmutable)
	assert.True(t, *st.Preflight.ReleaseImmutable)
	assert.Empty(t, s.Sim.Stats().PublishedReleaseWrites, "no request tried to change a published release")
	// The publication's own webhooks (published, released) start nothing.
	time.Sleep(time.Second)
	assert.Equal(t, 1, s.runsOf(t, tag))
}

// Release mode end to end: a published release in a trigger repo starts the
// train, which publishes the unified release into its own draft in the
// release repo; the trigger release is never touched.
func TestReleaseModeEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: real Temporal dev server")
	}
	sc := ghsim.DefaultScenario()
	sc.ImmutableReleases = true
	train := traintest.FastTrain()
	train.Trigger.Mode = config.ModeRelease
	train.Trigger.Repos = []string{"bllvm-node"}
	require.NoError(t, train.Resolve())
	s := startTriggerStack(t, train, sc)
	const tag = "v6.0.0"
	_, err := s.Sim.PublishRelease(train.Owner, "bllvm-node", tag, false)
	require.NoError(t, err)
	st := traintest.WaitTrain(t, s.waitRun(t, tag), trainTimeout)
	traintest.VerifyRelease(t, s.Sim, train, tag, st)
	assert.True(t, st.ReleaseImmutable)
	trigger, ok := s.Sim.Release(train.Owner, "bllvm-node", tag)
	require.True(t, ok)
	assert.Empty(t, trigger.Assets, "the trigger release is not the unified release")
	assert.Empty(t, s.Sim.Stats().PublishedReleaseWrites)
	unified, _ := s.Sim.Release(train.Owner, train.Release.Repo, tag)
	assert.Equal(t, "btcdecoded "+tag, unified.Name, "the train's own draft carries its title")
}

// Manual starts in draft mode: with a maintainer's draft the train fills
// it; without one it creates its own draft and publishes that.
func TestManualStartUsesTheDraft(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: real Temporal dev server")
	}
	s := devstack.StartTest(t, devstack.Options{Sim: ghsim.Options{Seed: 1}}) // no webhooks: only the manual start
	sim, c := s.Sim, s.Client
	train := traintest.FastTrain()
	ctx := context.Background()

	draftID, err := sim.SaveDraft(train.Owner, train.Release.Repo, "v7.0.0", ghsim.DraftOptions{Name: "Seven"})
	require.NoError(t, err)
	var sts []contract.Status
	for _, tag := range []string{"v7.0.0", "v7.0.1"} {
		started, err := contract.StartOrJoin(ctx, c, contract.ReleaseInput{Tag: tag, Train: train.JSON(), Trigger: "cli"})
		require.NoError(t, err)
		assert.False(t, started.Joined)
		sts = append(sts, traintest.WaitTrain(t, c.GetWorkflow(ctx, started.WorkflowID, started.RunID), trainTimeout))
	}
	filled, _ := sim.Release(train.Owner, train.Release.Repo, "v7.0.0")
	assert.Equal(t, draftID, filled.ID)
	assert.Equal(t, "Seven", filled.Name)
	assert.True(t, sts[0].Preflight.DraftFound)
	own, _ := sim.Release(train.Owner, train.Release.Repo, "v7.0.1")
	assert.Equal(t, "btcdecoded v7.0.1", own.Name, "no draft: the train's own, with its title")
	assert.False(t, sts[1].Preflight.DraftFound)
	for i, rel := range []ghsim.ReleaseInfo{filled, own} {
		assert.Equal(t, contract.StateSucceeded, sts[i].State, sts[i].Error)
		assert.False(t, rel.Draft)
		assert.Equal(t, len(filled.Assets), len(rel.Assets))
		sums, err := sim.ReleaseAsset(train.Owner, train.Release.Repo, rel.Tag, "SHA256SUMS")
		require.NoError(t, err)
		assert.NotEmpty(t, sums)
	}
}

// Starting a tag again, through signed webhooks: while its train runs the
// receiver answers joined (one run); after it was cancelled, or terminated,
// a new run starts and fills the same draft; after it succeeded nothing
// starts again.
func TestRestartAfterFailedTrainAndJoin(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: real Temporal dev server")
	}
	s := startTriggerStack(t, traintest.FastTrain(), ghsim.DefaultScenario())
	ctx := context.Background()
	const tag = "v8.0.0"
	draftID, err := s.Sim.SaveDraft(s.Train.Owner, s.Train.Release.Repo, tag, ghsim.DraftOptions{Name: "Eight"})
	require.NoError(t, err)
	first := s.waitRun(t, tag)
	firstRunID := first.GetRunID()

	joined := s.deliverDraft(t, tag, draftID)
	assert.Equal(t, "joined", joined["outcome"], "answer %v", joined)
	assert.Equal(t, firstRunID, joined["run_id"])

	// Cancel once the first builds run (a cancel while a dispatch is in
	// flight waits up to a minute for GitHub to list its run).
	require.Eventually(t, func() bool {
		v, err := s.Client.QueryWorkflow(ctx, first.GetID(), firstRunID, contract.QueryStatus)
		var st contract.Status
		return err == nil && v.Get(&st) == nil && st.Repos["bllvm-consensus"].RunID != 0
	}, 60*time.Second, 100*time.Millisecond)
	require.NoError(t, s.Client.CancelWorkflow(ctx, first.GetID(), firstRunID))
	waitClosed(t, s.Client, first.GetID(), firstRunID)
	again := s.deliverDraft(t, tag, draftID)
	assert.Equal(t, "started", again["outcome"], "after a cancelled train: %v", again)
	assert.NotEqual(t, firstRunID, again["run_id"])

	require.NoError(t, s.Client.TerminateWorkflow(ctx, first.GetID(), again["run_id"], "e2e: terminated"))
	waitClosed(t, s.Client, first.GetID(), again["run_id"])
	third := s.deliverDraft(t, tag, draftID)
	assert.Equal(t, "started", third["outcome"], "after a terminated train: %v", third)

	st := traintest.WaitTrain(t, s.Client.GetWorkflow(ctx, first.GetID(), third["run_id"]), trainTimeout)
	assert.Equal(t, contract.StateSucceeded, st.State, st.Error)
	rel, _ := s.Sim.Release(s.Train.Owner, s.Train.Release.Repo, tag)
	assert.Equal(t, draftID, rel.ID)
	assert.False(t, rel.Draft)

	done := s.deliverDraft(t, tag, draftID)
	assert.Equal(t, "ignored", done["outcome"], "a succeeded train never runs twice: %v", done)
	assert.Equal(t, 3, s.runsOf(t, tag))
}

// A train whose workflow failed (here: its input named a repo the train does
// not have, so planning failed) does not hold the tag: the maintainer's draft
// starts a new run, and a second delivery joins that one.
func TestRestartAfterFailedWorkflow(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: real Temporal dev server")
	}
	s := startTriggerStack(t, traintest.FastTrain(), ghsim.DefaultScenario())
	ctx := context.Background()
	const tag = "v8.1.0"
	failed, err := s.Client.ExecuteWorkflow(ctx, contract.StartOptions(tag), contract.ReleaseWorkflowName,
		contract.ReleaseInput{Tag: tag, Train: s.Train.JSON(), Trigger: "test", Only: []string{"no-such-repo"}})
	require.NoError(t, err)
	require.Error(t, failed.Get(ctx, nil), "a train planned for an unknown repo fails")
	d, err := s.Client.DescribeWorkflow(ctx, failed.GetID(), failed.GetRunID())
	require.NoError(t, err)
	require.Equal(t, enumspb.WORKFLOW_EXECUTION_STATUS_FAILED, d.Status)

	draftID, err := s.Sim.SaveDraft(s.Train.Owner, s.Train.Release.Repo, tag, ghsim.DraftOptions{Name: "Eight one"})
	require.NoError(t, err)
	require.Eventually(t, func() bool { return s.runsOf(t, tag) == 2 }, 30*time.Second, 100*time.Millisecond,
		"the saved draft starts a new run after the failed one")
	again := s.deliverDraft(t, tag, draftID)
	assert.Equal(t, "joined", again["outcome"], "a second delivery joins the new run: %v", again)
	assert.NotEqual(t, failed.GetRunID(), again["run_id"])
	st := traintest.WaitTrain(t, s.Client.GetWorkflow(ctx, failed.GetID(), again["run_id"]), trainTimeout)
	assert.Equal(t, contract.StateSucceeded, st.State, st.Error)
}

// A failed preflight blocks the train with one message per problem and
// dispatches nothing; once the causes are fixed (the workflow enabled, the
// release published by mistake deleted), retry runs it again and the train
// publishes.
func TestPreflightBlocksThenRetry(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: real Temporal dev server")
	}
	sc := ghsim.DefaultScenario()
	sc.Repos[2].DisabledWorkflows = []string{"build.yml"}
	s := devstack.StartTest(t, devstack.Options{Sim: ghsim.Options{Seed: 1, Scenario: sc}})
	sim, c, apiURL := s.Sim, s.Client, s.APIURL
	train := traintest.FastTrain()
	ctx := context.Background()
	const tag = "v9.0.0"
	pubID, err := sim.PublishRelease(train.Owner, train.Release.Repo, tag, false)
	require.NoError(t, err)
	run := traintest.StartTrain(t, c, tag, train)

	var st contract.Status
	require.Eventually(t, func() bool {
		v, err := c.QueryWorkflow(ctx, run.GetID(), "", contract.QueryStatus)
		return err == nil && v.Get(&st) == nil && st.BlockedStep == contract.StepPreflight
	}, 30*time.Second, 100*time.Millisecond)
	repo := train.Owner + "/" + sc.Repos[2].Name
	require.Len(t, st.Preflight.Problems, 2, "%q", st.Preflight.Problems)
	assert.Contains(t, st.Preflight.Problems[0], repo+": GET /repos/"+repo+"/actions/workflows/build.yml: workflow build.yml is disabled_manually")
	assert.Contains(t, st.Preflight.Problems[1], "release "+tag+" is already published")
	assert.Equal(t, contract.StateBlocked, st.State)
	assert.Empty(t, sim.Stats().Dispatches, "nothing dispatched before the preflight passes")
	assert.Empty(t, sim.Stats().PublishedReleaseWrites)

	// A person fixes both causes, then retries.
	sc.Repos[2].DisabledWorkflows = nil
	require.NoError(t, sim.SetScenario(sc))
	del, err := http.NewRequest(http.MethodDelete, fmt.Sprintf("%sreleases/%d", strings.Replace(apiURL, "/api/v3/", "/api/v3/repos/"+train.Owner+"/"+train.Release.Repo+"/", 1), pubID), nil)
	require.NoError(t, err)
	del.Header.Set("Authorization", "token "+ghsim.StaticToken)
	resp, err := http.DefaultClient.Do(del)
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusNoContent, resp.StatusCode)
	_, err = c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: run.GetID(), UpdateName: contract.UpdateRetry,
		Args: []any{contract.RepoSignal{}}, WaitForStage: client.WorkflowUpdateStageCompleted})
	require.NoError(t, err)
	st = traintest.WaitTrain(t, run, trainTimeout)
	traintest.VerifyRelease(t, sim, train, tag, st)
	assert.Equal(t, contract.PreflightPassed, st.Preflight.State)
}

// listRequest lists every execution of the tag's train.
func listRequest(tag string) *workflowservice.ListWorkflowExecutionsRequest {
	return &workflowservice.ListWorkflowExecutionsRequest{Query: "WorkflowId = '" + contract.ReleaseWorkflowID(tag) + "'"}
}

// waitClosed waits until the run is no longer running.
func waitClosed(t *testing.T, c client.Client, id, runID string) {
	t.Helper()
	ok := assert.Eventually(t, func() bool {
		d, err := c.DescribeWorkflow(context.Background(), id, runID)
		return err == nil && d.Status != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING
	}, 3*time.Minute, 100*time.Millisecond)
	if !ok {
		d, err := c.DescribeWorkflow(context.Background(), id, runID)
		if err == nil {
			for _, pa := range d.RawResponse.GetPendingActivities() {
				t.Logf("pending activity %s: %s attempt %d %s", pa.GetActivityType().GetName(), pa.GetState(), pa.GetAttempt(), pa.GetLastFailure().GetMessage())
			}
			for _, pc := range d.RawResponse.GetPendingChildren() {
				t.Logf("pending child %s", pc.GetWorkflowId())
			}
		}
		if v, err := c.QueryWorkflow(context.Background(), id, runID, contract.QueryStatus); err == nil {
			var st contract.Status
			_ = v.Get(&st)
			t.Logf("status: %+v", st)
		}
		t.FailNow()
	}
}
