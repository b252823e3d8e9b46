package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/BTCDecoded/releasetrain/config"
	"github.com/BTCDecoded/releasetrain/contract"
)

func TestDeliveryRejections(t *testing.T) {
	release := fixtureFile(t, "release.published.json")
	tests := []struct {
		name      string
		event     string
		body      []byte
		sig       string
		want      int
		sigFailed float64
	}{
		{name: "missing signature", event: "release", body: release, sig: "-", want: http.StatusUnauthorized, sigFailed: 1},
		{name: "wrong signature", event: "release", body: release, sig: sign("wrong", release), want: http.StatusUnauthorized, sigFailed: 1},
		{name: "sha1 signature", event: "release", body: release, sig: "sha1=0123", want: http.StatusUnauthorized, sigFailed: 1},
		{name: "malformed json", event: "release", body: []byte(`{"action": "published",`), want: http.StatusBadRequest},
		{name: "wrong json type", event: "release", body: []byte(`{"action": 7}`), want: http.StatusBadRequest},
		{name: "missing event header", event: "", body: release, want: http.StatusBadRequest},
		{name: "unknown event", event: "issues", body: []byte(`{"action":"opened"}`), want: http.StatusAccepted},
		{name: "unknown event, bad json", event: "star", body: []byte(`not json`), want: http.StatusAccepted},
		{name: "release without tag", event: "release", body: []byte(`{"action":"published","release":{}}`), want: http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t) // no Temporal expectations: any call fails the test
			rec := f.deliver(t, tt.event, "d-1", tt.body, tt.sig)
			assert.Equal(t, tt.want, rec.Code, rec.Body.String())
			assert.Equal(t, tt.sigFailed, testutil.ToFloat64(f.srv.metrics.signatureFailures))
			assert.Contains(t, decode[map[string]any](t, rec), "message")
		})
	}
}

func TestDeliveryOversized(t *testing.T) {
	f := newFixture(t)
	body := bytes.Repeat([]byte(" "), 25<<20+1)
	rec := f.deliver(t, "release", "d-big", body, "-")
	require.Equal(t, http.StatusRequestEntityTooLarge, rec.Code)

	// Without Content-Length the limit applies while reading.
	req := httptest.NewRequest(http.MethodPost, "/webhook", struct{ *bytes.Reader }{bytes.NewReader(body)})
	req.ContentLength = -1
	req.Header.Set("X-GitHub-Event", "release")
	req.Header.Set("X-Hub-Signature-256", sign(testSecret, body))
	rec = httptest.NewRecorder()
	f.srv.Handler().ServeHTTP(rec, req)
	require.Equal(t, http.StatusRequestEntityTooLarge, rec.Code)
}

func TestReleaseStartsTrain(t *testing.T) {
	tests := []struct {
		file       string
		tag        string
		prerelease bool
	}{
		{file: "release.published.json", tag: "v1.2.3"},
		{file: "release.prereleased.json", tag: "v1.3.0-rc1", prerelease: true},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			f := newFixture(t)
			var got contract.ReleaseInput
			var opts client.StartWorkflowOptions
			f.tc.On("ExecuteWorkflow", anyCtx, mock.Anything, contract.ReleaseWorkflowName, mock.Anything).
				Run(func(args mock.Arguments) {
					opts = args.Get(1).(client.StartWorkflowOptions)
					got = args.Get(3).(contract.ReleaseInput)
				}).
				Return(workflowRun(t, contract.ReleaseWorkflowID(tt.tag)), nil).Once()
			rec := f.deliver(t, "release", "d-"+tt.tag, fixtureFile(t, tt.file), "")
			require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
			rep := decode[reply](t, rec)
			assert.Equal(t, outcomeStarted, rep.Outcome)
			assert.Equal(t, "release-"+tt.tag, rep.WorkflowID)
			assert.Equal(t, contract.StartOptions(tt.tag).ID, opts.ID)
			assert.Equal(t, contract.StartOptions(tt.tag).WorkflowIDConflictPolicy, opts.WorkflowIDConflictPolicy)
			assert.Equal(t, contract.StartOptions(tt.tag).WorkflowIDReusePolicy, opts.WorkflowIDReusePolicy)
			assert.Equal(t, tt.tag, got.Tag)
			assert.Equal(t, tt.prerelease, got.Prerelease)
			assert.Equal(t, "release webhook BTCDecoded/bllvm-node", got.Trigger)
			var train config.Train
			require.NoError(t, json.Unmarshal(got.Train, &train))
			assert.Equal(t, "BTCDecoded", train.Owner)
			assert.Len(t, train.Repos, 7)
			assert.NotEmpty(t, rec.Header().Get("X-Request-Id"))
			assert.Equal(t, 1.0, testutil.ToFloat64(f.srv.metrics.starts.WithLabelValues(sourceRelease, startStarted)))
			assert.Equal(t, 1.0, testutil.ToFloat64(f.srv.metrics.deliveries.WithLabelValues("release", outcomeStarted)))
		})
	}
}

func TestReleaseFiltering(t *testing.T) {
	published := string(fixtureFile(t, "release.published.json"))
	tests := []struct {
		name   string
		body   string
		mutate func(*Options)
	}{
		{name: "action not configured", body: strings.Replace(published, `"action": "published"`, `"action": "edited"`, 1)},
		{name: "prereleased not configured", body: string(fixtureFile(t, "release.prereleased.json")),
			mutate: func(o *Options) { o.Train.Trigger.Actions = []string{"published"} }},
		{name: "repo not a trigger", body: published,
			mutate: func(o *Options) { o.Train.Trigger.Repos = []string{"bllvm-protocol"} }},
		{name: "repo not in train", body: strings.ReplaceAll(published, "bllvm-node", "unrelated")},
		{name: "other owner", body: strings.ReplaceAll(published, "BTCDecoded", "SomeoneElse")},
		{name: "draft", body: strings.Replace(published, `"draft": false`, `"draft": true`, 1)},
		{name: "unified release", body: string(fixtureFile(t, "release.unified.json"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mutate []func(*Options)
			if tt.mutate != nil {
				mutate = append(mutate, tt.mutate)
			}
			f := newFixture(t, mutate...)
			rec := f.deliver(t, "release", "d-f", []byte(tt.body), "")
			require.Equal(t, http.StatusAccepted, rec.Code, rec.Body.String())
			assert.Equal(t, outcomeIgnored, decode[reply](t, rec).Outcome)
		})
	}
}

// In release mode the release repo's releases (the unified release among
// them) never start anything; config refuses it as a trigger repo.
func TestReleaseInReleaseRepo(t *testing.T) {
	body := []byte(strings.ReplaceAll(string(fixtureFile(t, "release.published.json")), "bllvm-node", "bllvm-consensus"))
	f := newFixture(t)
	rec := f.deliver(t, "release", "d-1", body, "")
	require.Equal(t, http.StatusAccepted, rec.Code, rec.Body.String())
	assert.Contains(t, decode[reply](t, rec).Message, "trigger.mode is release")
}

// draftEvent is a maintainer saving draft release tag in repo.
func draftEvent(repo, tag string, prerelease bool) []byte {
	return []byte(fmt.Sprintf(`{"action":"created","release":{"id":77,"tag_name":%q,"draft":true,"prerelease":%t},
		"repository":{"name":%q,"full_name":"BTCDecoded/%s","owner":{"login":"BTCDecoded"}},"sender":{"login":"maintainer"}}`,
		tag, prerelease, repo, repo))
}

// In draft mode (the default) a draft saved in the release repo starts the
// train, which carries the draft's id; a published release anywhere, a
// draft elsewhere, or another action does not.
func TestDraftModeStartsOnTheMaintainersDraft(t *testing.T) {
	draftMode := func(o *Options) { o.Train.Trigger = config.Trigger{} }
	f := newFixture(t, draftMode)
	got := f.expectStart(t, "release-v2.0.0-rc.1")
	rec := f.deliver(t, "release", "d-draft", draftEvent("bllvm-consensus", "v2.0.0-rc.1", true), "")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	assert.Equal(t, outcomeStarted, decode[reply](t, rec).Outcome)
	assert.Equal(t, int64(77), got.DraftID)
	assert.True(t, got.Prerelease)
	assert.Equal(t, "draft release saved in BTCDecoded/bllvm-consensus", got.Trigger)

	published := fixtureFile(t, "release.published.json")
	for name, body := range map[string][]byte{
		"published in a member repo":       published,
		"published in the release repo":    []byte(strings.ReplaceAll(string(published), "bllvm-node", "bllvm-consensus")),
		"a draft outside the release repo": draftEvent("bllvm-node", "v2.0.0", false),
		"an edited draft":                  []byte(strings.Replace(string(draftEvent("bllvm-consensus", "v2.0.0", false)), `"created"`, `"edited"`, 1)),
	} {
		rec := f.deliver(t, "release", "d-"+name, body, "")
		require.Equal(t, http.StatusAccepted, rec.Code, "%s: %s", name, rec.Body.String())
		assert.Contains(t, decode[reply](t, rec).Message, "trigger.mode is draft", name)
	}
}

// A start that finds the tag's train running answers joined, not started,
// and counts it so.
func TestReleaseJoinsRunningTrain(t *testing.T) {
	f := newFixture(t)
	f.mc.joined = true
	f.tc.On("ExecuteWorkflow", anyCtx, mock.Anything, contract.ReleaseWorkflowName, mock.Anything).
		Return(workflowRun(t, "release-v1.2.3"), nil).Once()
	rec := f.deliver(t, "release", "d-join", fixtureFile(t, "release.published.json"), "")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	assert.Equal(t, outcomeJoined, decode[reply](t, rec).Outcome)
	assert.Equal(t, 1.0, testutil.ToFloat64(f.srv.metrics.starts.WithLabelValues(sourceRelease, startJoined)))
	assert.Equal(t, 0.0, testutil.ToFloat64(f.srv.metrics.starts.WithLabelValues(sourceRelease, startStarted)))
	assert.Equal(t, 1.0, testutil.ToFloat64(f.srv.metrics.deliveries.WithLabelValues("release", outcomeJoined)))
}

func TestDeliveryDedupe(t *testing.T) {
	f := newFixture(t)
	f.tc.On("ExecuteWorkflow", anyCtx, mock.Anything, contract.ReleaseWorkflowName, mock.Anything).
		Return(workflowRun(t, "release-v1.2.3"), nil).Once()
	body := fixtureFile(t, "release.published.json")
	first := f.deliver(t, "release", "72d3162e-cc78-11e3-81ab-4c9367dc0958", body, "")
	require.Equal(t, http.StatusOK, first.Code)
	second := f.deliver(t, "release", "72d3162e-cc78-11e3-81ab-4c9367dc0958", body, "")
	require.Equal(t, http.StatusOK, second.Code)
	assert.Equal(t, outcomeDuplicate, decode[reply](t, second).Outcome)
	f.tc.AssertNumberOfCalls(t, "ExecuteWorkflow", 1)
}

// A delivery that failed for Temporal is not remembered: its redelivery runs.
func TestDeliveryUnavailableThenRedelivered(t *testing.T) {
	f := newFixture(t)
	f.tc.On("ExecuteWorkflow", anyCtx, mock.Anything, contract.ReleaseWorkflowName, mock.Anything).
		Return(nil, serviceerror.NewUnavailable("connection refused")).Once()
	f.tc.On("ExecuteWorkflow", anyCtx, mock.Anything, contract.ReleaseWorkflowName, mock.Anything).
		Return(workflowRun(t, "release-v1.2.3"), nil).Once()
	body := fixtureFile(t, "release.published.json")
	rec := f.deliver(t, "release", "d-x", body, "")
	require.Equal(t, http.StatusServiceUnavailable, rec.Code)
	assert.Equal(t, 1.0, testutil.ToFloat64(f.srv.metrics.deliveries.WithLabelValues("release", outcomeUnavailable)))
	rec = f.deliver(t, "release", "d-x", body, "")
	require.Equal(t, http.StatusOK, rec.Code)
	assert.Equal(t, outcomeStarted, decode[reply](t, rec).Outcome)
}

// A Temporal call that hangs is cut at Options.Timeout and answered 503.
func TestDeliveryTemporalTimeout(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.Timeout = 50 * time.Millisecond })
	f.tc.On("ExecuteWorkflow", anyCtx, mock.Anything, contract.ReleaseWorkflowName, mock.Anything).
		Return(func(ctx context.Context, _ client.StartWorkflowOptions, _ any, _ ...any) (client.WorkflowRun, error) {
			<-ctx.Done()
			return nil, ctx.Err()
		}).Once()
	start := time.Now()
	rec := f.deliver(t, "release", "d-slow", fixtureFile(t, "release.published.json"), "")
	require.Equal(t, http.StatusServiceUnavailable, rec.Code)
	// The mock never returns by itself: any answer proves the cut; the bound
	// is a sanity check that cannot fail on a loaded machine.
	require.Less(t, time.Since(start), time.Minute)
}

func TestReleaseAlreadyFinished(t *testing.T) {
	f := newFixture(t)
	f.tc.On("ExecuteWorkflow", anyCtx, mock.Anything, contract.ReleaseWorkflowName, mock.Anything).
		Return(nil, serviceerror.NewWorkflowExecutionAlreadyStarted("already completed", "", "run-0")).Once()
	rec := f.deliver(t, "release", "d-done", fixtureFile(t, "release.published.json"), "")
	require.Equal(t, http.StatusOK, rec.Code)
	assert.Equal(t, outcomeIgnored, decode[reply](t, rec).Outcome)
}

func TestRepositoryDispatchRelease(t *testing.T) {
	f := newFixture(t)
	got := f.expectStart(t, "release-v2.0.0")
	rec := f.deliver(t, "repository_dispatch", "d-rd", fixtureFile(t, "repository_dispatch.release.json"), "")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	assert.Equal(t, "v2.0.0", got.Tag)
	assert.Equal(t, []string{"bllvm-node"}, got.Only)
	assert.True(t, got.WithDependents)
	assert.Equal(t, "repository_dispatch BTCDecoded/bllvm-node", got.Trigger)
	assert.Equal(t, 1.0, testutil.ToFloat64(f.srv.metrics.starts.WithLabelValues(sourceDispatch, startStarted)))
}

func TestRepositoryDispatchStringInputs(t *testing.T) {
	f := newFixture(t)
	got := f.expectStart(t, "release-v2.0.0")
	body := strings.Replace(string(fixtureFile(t, "repository_dispatch.release.json")),
		`"prerelease": false`, `"prerelease": "true"`, 1)
	body = strings.Replace(body, `"only": [
      "bllvm-node"
    ]`, `"only": "bllvm-node, Commons"`, 1)
	rec := f.deliver(t, "repository_dispatch", "d-rd", []byte(body), "")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	assert.True(t, got.Prerelease)
	assert.Equal(t, []string{"bllvm-node", "commons"}, got.Only)
}

func TestRepositoryDispatchRejects(t *testing.T) {
	base := string(fixtureFile(t, "repository_dispatch.release.json"))
	tests := []struct {
		name string
		body string
		want int
	}{
		{name: "unknown only", body: strings.Replace(base, `"bllvm-node"
    ]`, `"nope"
    ]`, 1), want: http.StatusUnprocessableEntity},
		{name: "missing tag", body: strings.Replace(base, `"tag": "v2.0.0"`, `"tag": ""`, 1), want: http.StatusUnprocessableEntity},
		{name: "bad tag", body: strings.Replace(base, `"tag": "v2.0.0"`, `"tag": "v2 0"`, 1), want: http.StatusUnprocessableEntity},
		{name: "bad payload type", body: strings.Replace(base, `"tag": "v2.0.0"`, `"tag": 5`, 1), want: http.StatusBadRequest},
		{name: "no payload", body: `{"action":"releasetrain-release","repository":{"name":"bllvm","full_name":"BTCDecoded/bllvm"}}`, want: http.StatusUnprocessableEntity},
		{name: "other event type", body: strings.Replace(base, "releasetrain-release", "on-demand-test", 1), want: http.StatusAccepted},
		{name: "other owner", body: strings.ReplaceAll(base, "BTCDecoded", "Other"), want: http.StatusAccepted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			rec := f.deliver(t, "repository_dispatch", "d", []byte(tt.body), "")
			require.Equal(t, tt.want, rec.Code, rec.Body.String())
		})
	}
}

func TestBuildEvents(t *testing.T) {
	tests := []struct {
		name  string
		event string
		file  string
		want  contract.BuildEvent
	}{
		{name: "workflow_run", event: "workflow_run", file: "workflow_run.completed.json",
			want: contract.BuildEvent{Repo: "bllvm-node", RunID: 30433642, Status: "completed", Conclusion: "success"}},
		{name: "build-complete dispatch", event: "repository_dispatch", file: "repository_dispatch.build-complete.json",
			want: contract.BuildEvent{Repo: "bllvm-sdk", RunID: 30433642, Status: "completed", Conclusion: "success"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.tc.On("SignalWorkflow", anyCtx, "release-v1.2.3", "", contract.SignalBuildEvent, tt.want).Return(nil).Once()
			rec := f.deliver(t, tt.event, "d-"+tt.name, fixtureFile(t, tt.file), "")
			require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
			assert.Equal(t, outcomeSignalled, decode[reply](t, rec).Outcome)
			assert.Equal(t, 1.0, testutil.ToFloat64(f.srv.metrics.signals.WithLabelValues(contract.SignalBuildEvent, "ok")))
		})
	}
}

func TestWorkflowRunNotOurs(t *testing.T) {
	f := newFixture(t)
	rec := f.deliver(t, "workflow_run", "d-1", fixtureFile(t, "workflow_run.foreign.json"), "")
	require.Equal(t, http.StatusAccepted, rec.Code)

	// A correlation id naming another repo than the run's is not trusted.
	body := strings.ReplaceAll(string(fixtureFile(t, "workflow_run.completed.json")), "rt:v1.2.3:bllvm-node:1", "rt:v1.2.3:bllvm-sdk:1")
	rec = f.deliver(t, "workflow_run", "d-2", []byte(body), "")
	require.Equal(t, http.StatusAccepted, rec.Code)
}

func TestWorkflowRunSignalOutcomes(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want int
	}{
		{name: "train finished or missing", err: serviceerror.NewNotFound("workflow execution already completed"), want: http.StatusAccepted},
		{name: "temporal unavailable", err: serviceerror.NewUnavailable("connection refused"), want: http.StatusServiceUnavailable},
		{name: "temporal deadline", err: serviceerror.NewDeadlineExceeded("deadline"), want: http.StatusServiceUnavailable},
		{name: "unexpected", err: serviceerror.NewInternal("boom"), want: http.StatusInternalServerError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.tc.On("SignalWorkflow", anyCtx, "release-v1.2.3", "", contract.SignalBuildEvent, mock.Anything).Return(tt.err).Once()
			rec := f.deliver(t, "workflow_run", "d", fixtureFile(t, "workflow_run.completed.json"), "")
			require.Equal(t, tt.want, rec.Code, rec.Body.String())
		})
	}
}

func TestPing(t *testing.T) {
	f := newFixture(t)
	rec := f.deliver(t, "ping", "d-ping", fixtureFile(t, "ping.json"), "")
	require.Equal(t, http.StatusOK, rec.Code)
	rep := decode[reply](t, rec)
	assert.Equal(t, outcomePong, rep.Outcome)
	assert.Equal(t, "Design for failure.", rep.Message)
}

// Webhooks configured with content type application/x-www-form-urlencoded
// carry the JSON in the "payload" field; the signature covers the raw body.
func TestFormEncodedDelivery(t *testing.T) {
	f := newFixture(t)
	body := []byte("payload=" + url.QueryEscape(string(fixtureFile(t, "ping.json"))))
	req := httptest.NewRequest(http.MethodPost, "/webhook", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-GitHub-Event", "ping")
	req.Header.Set("X-Hub-Signature-256", sign(testSecret, body))
	rec := httptest.NewRecorder()
	f.srv.Handler().ServeHTTP(rec, req)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
}

// In draft mode the release repo, where a maintainer's draft starts a
// train, may also start one with a releasetrain-release dispatch.
func TestDraftModeDispatchFromReleaseRepo(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.Train.Trigger = config.Trigger{} })
	f.tc.On("ExecuteWorkflow", anyCtx, mock.Anything, contract.ReleaseWorkflowName, mock.Anything).
		Return(workflowRun(t, "release-v2.0.0"), nil).Once()
	body := strings.ReplaceAll(string(fixtureFile(t, "repository_dispatch.release.json")), "bllvm-node", "bllvm-consensus")
	body = strings.Replace(body, `"only": [
      "bllvm-consensus"
    ]`, `"only": []`, 1)
	rec := f.deliver(t, "repository_dispatch", "d-rd-draft", []byte(body), "")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	assert.Equal(t, outcomeStarted, decode[reply](t, rec).Outcome)
}

// TestReceiverInfersPrerelease: a start by webhook infers the prerelease
// flag from the tag as the CLI and the API do: a release event's
// "prerelease": false (GitHub's default) and a dispatch without the key
// leave it to the tag; a dispatch's explicit false wins.
func TestReceiverInfersPrerelease(t *testing.T) {
	rcRelease := strings.ReplaceAll(string(fixtureFile(t, "release.published.json")), "v1.2.3", "v1.4.0-rc.2")
	dispatch := strings.ReplaceAll(string(fixtureFile(t, "repository_dispatch.release.json")), "v2.0.0", "v2.1.0-beta.1")
	tests := []struct {
		name  string
		event string
		body  string
		want  bool
	}{
		{name: "release event, rc tag", event: "release", body: rcRelease, want: true},
		{name: "dispatch without prerelease", event: "repository_dispatch", body: strings.Replace(dispatch, `"prerelease": false,`, "", 1), want: true},
		{name: "dispatch, explicit false", event: "repository_dispatch", body: dispatch, want: false},
	}
	require.NotContains(t, tests[1].body, `"prerelease"`)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			got := f.expectStart(t, "release-x")
			rec := f.deliver(t, tt.event, "d-"+tt.name, []byte(tt.body), "")
			require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
			require.Equal(t, tt.want, got.Prerelease)
		})
	}
}
