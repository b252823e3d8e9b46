package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/mocks"
	"go.temporal.io/sdk/temporal"

	"github.com/BTCDecoded/releasetrain/config"
	"github.com/BTCDecoded/releasetrain/contract"
	"github.com/BTCDecoded/releasetrain/operator"
)

// newReleaseCLI returns a CLI over a mock Temporal client.
func newReleaseCLI(t *testing.T) (*releaseCLI, *mocks.Client, *bytes.Buffer) {
	t.Helper()
	c := mocks.NewClient(t)
	c.On("Close").Return().Maybe()
	var out bytes.Buffer
	return &releaseCLI{
		dial:   func(context.Context) (client.Client, error) { return c, nil },
		stdout: &out,
	}, c, &out
}

// expectStart mocks a start of tag's train: the run it returns holds the
// start's own memo (started) or another one (joined, or finished when the
// run is not running). It returns where the input lands.
func expectStart(t *testing.T, c *mocks.Client, tag, runID string, joined bool, status enumspb.WorkflowExecutionStatus) *contract.ReleaseInput {
	t.Helper()
	run := mocks.NewWorkflowRun(t)
	run.On("GetID").Return(contract.ReleaseWorkflowID(tag))
	run.On("GetRunID").Return(runID)
	got := &contract.ReleaseInput{}
	var memo string
	want := contract.StartOptions(tag)
	c.On("ExecuteWorkflow", mock.Anything, mock.MatchedBy(func(o client.StartWorkflowOptions) bool {
		return o.ID == want.ID && o.TaskQueue == want.TaskQueue && o.WorkflowIDConflictPolicy == want.WorkflowIDConflictPolicy &&
			o.WorkflowIDReusePolicy == want.WorkflowIDReusePolicy
	}), contract.ReleaseWorkflowName, mock.Anything).
		Run(func(args mock.Arguments) {
			*got = args.Get(3).(contract.ReleaseInput)
			memo = args.Get(1).(client.StartWorkflowOptions).Memo[contract.StartMemo].(string)
		}).Return(run, nil)
	c.On("DescribeWorkflowExecution", mock.Anything, contract.ReleaseWorkflowID(tag), runID).Return(
		func(context.Context, string, string) (*workflowservice.DescribeWorkflowExecutionResponse, error) {
			m := memo
			if joined {
				m = "someone else's start"
			}
			p, err := converter.GetDefaultDataConverter().ToPayload(m)
			require.NoError(t, err)
			return &workflowservice.DescribeWorkflowExecutionResponse{WorkflowExecutionInfo: &workflowpb.WorkflowExecutionInfo{
				Status: status, Memo: &commonpb.Memo{Fields: map[string]*commonpb.Payload{contract.StartMemo: p}}}}, nil
		})
	return got
}

func TestReleaseStart(t *testing.T) {
	cli, c, out := newReleaseCLI(t)
	got := expectStart(t, c, "v1.2.0-rc.1", "run-1", false, enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING)

	err := cli.run(context.Background(), []string{"start", "v1.2.0-rc.1", "--only", "bllvm-node, bllvm-sdk", "--with-dependents"})
	require.NoError(t, err)
	assert.Equal(t, "release v1.2.0-rc.1: started, workflow release-v1.2.0-rc.1, run run-1 (follow it with: releasetrain release status v1.2.0-rc.1)\n", out.String())
	assert.Equal(t, "v1.2.0-rc.1", got.Tag)
	assert.True(t, got.Prerelease, "an rc tag is a prerelease")
	assert.Equal(t, []string{"bllvm-node", "bllvm-sdk"}, got.Only)
	assert.True(t, got.WithDependents)
	var train config.Train
	require.NoError(t, json.Unmarshal(got.Train, &train))
	assert.Equal(t, "BTCDecoded", train.Owner, "no --config: the built-in train")
	assert.Len(t, train.Repos, 7)
	assert.Equal(t, "cli", got.Trigger)
}

func TestReleaseStartExplicitPrerelease(t *testing.T) {
	cli, c, _ := newReleaseCLI(t)
	got := expectStart(t, c, "v2.0.0", "r", false, enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING)
	require.NoError(t, cli.run(context.Background(), []string{"start", "--prerelease", "v2.0.0"}))
	assert.True(t, got.Prerelease)
}

// A running train is joined and says so; a succeeded one is never started again.
func TestReleaseStartJoinedOrFinished(t *testing.T) {
	cli, c, out := newReleaseCLI(t)
	expectStart(t, c, "v3.0.0", "r1", true, enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING)
	require.NoError(t, cli.run(context.Background(), []string{"start", "v3.0.0"}))
	assert.Contains(t, out.String(), "release v3.0.0: already running: joined, workflow release-v3.0.0, run r1")

	cli, c, _ = newReleaseCLI(t)
	expectStart(t, c, "v3.0.1", "r0", true, enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED)
	err := cli.run(context.Background(), []string{"start", "v3.0.1"})
	require.ErrorIs(t, err, contract.ErrTrainFinished)
	require.ErrorIs(t, err, operator.ErrConflict)
	assert.Contains(t, err.Error(), "already succeeded")
}

func TestReleaseStartRejectsBadInput(t *testing.T) {
	tests := []struct {
		give []string
		want string
	}{
		{[]string{"start"}, "want TAG"},
		{[]string{"start", "release/1.0"}, `tag "release/1.0": '/' at byte 7`},
		{[]string{"start", "v1.lock"}, `tag "v1.lock": ends with ".lock"`},
		{[]string{"start", "v1", "--only", "nope"}, `release v1: only: not in the train: "nope"`},
		{[]string{"start", "v1", "--with-dependents"}, "--with-dependents needs --only"},
		{[]string{"start", "v1", "--config", "/does/not/exist.yaml"}, "release v1: "},
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"retry"}, "want TAG REPO"},
		{[]string{"retry", "v1", "a", "b"}, "want TAG REPO"},
		{[]string{"skip", "v1"}, "want TAG REPO"},
	}
	for _, tt := range tests {
		cli, _, _ := newReleaseCLI(t)
		err := cli.run(context.Background(), tt.give)
		require.Error(t, err, tt.give)
		assert.Contains(t, err.Error(), tt.want, tt.give)
		assert.Equal(t, 2, exitCode(err), tt.give)
	}
}

func TestReleaseHelp(t *testing.T) {
	cli, _, out := newReleaseCLI(t)
	require.NoError(t, cli.run(context.Background(), []string{"start", "--help"}))
	assert.Contains(t, out.String(), "releasetrain release start TAG [--prerelease]")
}

// expectUpdate mocks the Update name with args on tag's train, whose
// outcome is st or getErr.
func expectUpdate(t *testing.T, c *mocks.Client, tag, name string, args []any, st contract.Status, getErr error) {
	t.Helper()
	h := mocks.NewWorkflowUpdateHandle(t)
	h.On("Get", mock.Anything, mock.Anything).Run(func(a mock.Arguments) { *a.Get(1).(*contract.Status) = st }).Return(getErr).Once()
	c.On("UpdateWorkflow", mock.Anything, mock.MatchedBy(func(o client.UpdateWorkflowOptions) bool {
		return o.WorkflowID == contract.ReleaseWorkflowID(tag) && o.UpdateName == name && assert.ObjectsAreEqual(args, o.Args) &&
			o.WaitForStage == client.WorkflowUpdateStageCompleted
	})).Return(h, nil).Once()
}

func TestReleaseActions(t *testing.T) {
	tests := []struct {
		give []string
		name string
		args []any
		want string
	}{
		{[]string{"pause", "v1"}, contract.UpdatePause, nil, "release v1: pause accepted (state paused)\n"},
		{[]string{"resume", "v1"}, contract.UpdateResume, nil, "release v1: resume accepted (state paused)\n"},
		{[]string{"cancel", "v1", "--reason", "bad tag"}, contract.UpdateCancel, []any{contract.CancelSignal{Reason: "bad tag"}},
			"release v1: cancel accepted (state paused)\n"},
		{[]string{"retry", "v1", "bllvm-node"}, contract.UpdateRetry, []any{contract.RepoSignal{Repo: "bllvm-node"}},
			"release v1: retry bllvm-node accepted (state paused)\n"},
		{[]string{"retry", "v1"}, contract.UpdateRetry, []any{contract.RepoSignal{}}, "release v1: retry accepted (state paused)\n"},
		{[]string{"skip", "v1", "Commons"}, contract.UpdateSkip, []any{contract.RepoSignal{Repo: "Commons"}},
			"release v1: skip Commons accepted (state paused)\n"},
	}
	for _, tt := range tests {
		cli, c, out := newReleaseCLI(t)
		expectUpdate(t, c, "v1", tt.name, tt.args, contract.Status{Tag: "v1", State: contract.StatePaused}, nil)
		require.NoError(t, cli.run(context.Background(), tt.give), tt.give)
		require.Equal(t, tt.want, out.String())
	}
}

// TestReleaseActionErrors: an action's error carries its kind to the
// exit status (exitCodes).
func TestReleaseActionErrors(t *testing.T) {
	cli, c, _ := newReleaseCLI(t)
	c.On("UpdateWorkflow", mock.Anything, mock.Anything).Return(nil, serviceerror.NewNotFound("workflow not found for ID: release-v1.2.3")).Once()
	c.On("DescribeWorkflowExecution", mock.Anything, "release-v1.2.3", "").Return(nil, serviceerror.NewNotFound("none")).Once()
	err := cli.run(context.Background(), []string{"pause", "v1.2.3"})
	require.EqualError(t, err, "release v1.2.3: not found")
	require.Equal(t, 3, exitCode(err))

	cli, c, _ = newReleaseCLI(t)
	expectUpdate(t, c, "v1", contract.UpdateRetry, []any{contract.RepoSignal{}}, contract.Status{},
		temporal.NewApplicationError("release v1 has no blocked release step to retry (state running)", contract.ConflictErrorType))
	err = cli.run(context.Background(), []string{"retry", "v1"})
	require.EqualError(t, err, "retry: release v1 has no blocked release step to retry (state running)")
	require.Equal(t, 4, exitCode(err))

	cli, c, _ = newReleaseCLI(t)
	c.On("QueryWorkflow", mock.Anything, "release-v9", "", contract.QueryStatus).
		Return(nil, errors.New("connection refused"))
	err = cli.run(context.Background(), []string{"status", "v9"})
	require.EqualError(t, err, "status release v9: connection refused")
	require.Equal(t, 1, exitCode(err))

	cli = &releaseCLI{stdout: io.Discard,
		dial: func(context.Context) (client.Client, error) {
			return nil, errors.New("dial temporal 127.0.0.1:1: refused")
		}}
	err = cli.run(context.Background(), []string{"status", "v9"})
	require.ErrorIs(t, err, operator.ErrUnavailable)
	require.Equal(t, 5, exitCode(err))
}

func statusValue(t *testing.T, st contract.Status) converter.EncodedValue {
	t.Helper()
	p, err := converter.GetDefaultDataConverter().ToPayloads(st)
	require.NoError(t, err)
	return encodedPayloads{p: p}
}

func TestReleaseStatus(t *testing.T) {
	start := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	end := start.Add(95 * time.Second)
	st := contract.Status{
		Tag: "v1", State: contract.StateBlocked, Layer: 1,
		Layers:  [][]string{{"bllvm-consensus", "commons"}, {"bllvm-protocol"}},
		Blocked: []string{"bllvm-protocol"},
		Trigger: "release webhook BTCDecoded/bllvm-node (redelivered)",
		Repos: map[string]contract.RepoStatus{
			"bllvm-consensus": {State: contract.RepoSucceeded, RunID: 11, Attempt: 1, StartedAt: &start, FinishedAt: &end,
				Files: 20000, Bytes: 3 << 20, Manifest: "sha256/abc", Artifacts: []contract.File{{Name: "a.html"}}},
			"commons":        {State: contract.RepoSkipped},
			"bllvm-protocol": {State: contract.RepoFailed, RunID: 12, RunURL: "https://x/runs/12", Attempt: 3, Error: "failure"},
		},
	}
	cli, c, out := newReleaseCLI(t)
	c.On("QueryWorkflow", mock.Anything, "release-v1", "", contract.QueryStatus).Return(statusValue(t, st), nil)
	require.NoError(t, cli.run(context.Background(), []string{"status", "v1"}))
	text := out.String()
	assert.True(t, strings.HasPrefix(text, "release v1: blocked, layer 2/2\nblocked on: bllvm-protocol"), text)
	assert.Regexp(t, `0\s+bllvm-consensus\s+succeeded\s+1\s+20000 \(3MiB\)\s+11\s+1m35s`, text)
	assert.Contains(t, text, "\nTrigger: release webhook BTCDecoded/bllvm-node (redelivered)\n")
	assert.Regexp(t, `1\s+bllvm-protocol\s+failed\s+3\s+https://x/runs/12\s+failure`, text)

	cli, c, out = newReleaseCLI(t)
	c.On("QueryWorkflow", mock.Anything, "release-v1", "", contract.QueryStatus).Return(statusValue(t, st), nil)
	require.NoError(t, cli.run(context.Background(), []string{"status", "--json", "v1"}))
	assert.Contains(t, out.String(), `"state": "blocked"`)
	assert.Contains(t, out.String(), `"run_url": "https://x/runs/12"`)
	assert.Contains(t, out.String(), `"manifest": "sha256/abc"`)
	assert.Contains(t, out.String(), `"files": 20000`)
}

func TestReleaseStatusBlockedStep(t *testing.T) {
	st := contract.Status{Tag: "v1", State: contract.StateBlocked, BlockedStep: contract.StepPackage,
		Error: "package release: two repos ship bin/x", Layers: [][]string{{"a"}},
		Repos: map[string]contract.RepoStatus{"a": {State: contract.RepoSucceeded, Attempt: 1}}}
	cli, c, out := newReleaseCLI(t)
	c.On("QueryWorkflow", mock.Anything, "release-v1", "", contract.QueryStatus).Return(statusValue(t, st), nil)
	require.NoError(t, cli.run(context.Background(), []string{"status", "v1"}))
	assert.Contains(t, out.String(), "blocked on: the package step (send retry with no repo, or cancel)\nerror: package release: two repos ship bin/x\n")
}

// The preflight is its own row in the table, and each of its problems its own line.
func TestReleaseStatusPreflight(t *testing.T) {
	immutable := true
	st := contract.Status{Tag: "v1", State: contract.StateBlocked, BlockedStep: contract.StepPreflight,
		Error: "preflight: 2 problem(s): …", Layers: [][]string{{"a"}},
		Repos: map[string]contract.RepoStatus{"a": {State: contract.RepoPending}},
		Preflight: &contract.PreflightStatus{State: contract.PreflightBlocked, ReleaseImmutable: &immutable, Problems: []string{
			"o/a: GET /repos/o/a/actions/workflows/build.yml: workflow build.yml is disabled_manually: enable it",
			"o/a: GET /repos/o/a/releases: release v1 is already published",
		}}}
	cli, c, out := newReleaseCLI(t)
	c.On("QueryWorkflow", mock.Anything, "release-v1", "", contract.QueryStatus).Return(statusValue(t, st), nil)
	require.NoError(t, cli.run(context.Background(), []string{"status", "v1"}))
	assert.Contains(t, out.String(), "blocked on: the preflight step (send retry with no repo, or cancel)\n")
	assert.Contains(t, out.String(), "preflight problem: o/a: GET /repos/o/a/actions/workflows/build.yml: workflow build.yml is disabled_manually: enable it\n")
	assert.Contains(t, out.String(), "preflight problem: o/a: GET /repos/o/a/releases: release v1 is already published\n")
	assert.Regexp(t, `-\s+\(preflight\)\s+blocked\s+2 problem\(s\), see above; immutable releases: true`, out.String())
}
