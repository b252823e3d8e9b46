package webhook

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/BTCDecoded/releasetrain/contract"
)

const token = "tok-123"

func describe(status enumspb.WorkflowExecutionStatus) *workflowservice.DescribeWorkflowExecutionResponse {
	return &workflowservice.DescribeWorkflowExecutionResponse{WorkflowExecutionInfo: &workflowpb.WorkflowExecutionInfo{
		Status:    status,
		Execution: &commonpb.WorkflowExecution{WorkflowId: "release-v1.2.3", RunId: "run-1"},
	}}
}

func running() *workflowservice.DescribeWorkflowExecutionResponse {
	return describe(enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING)
}

func statusOf(state contract.State, paused bool, blocked ...string) encoded {
	st := contract.Status{Tag: "v1.2.3", State: state, Paused: paused, Blocked: blocked, Repos: map[string]contract.RepoStatus{
		"bllvm-consensus": {State: contract.RepoSucceeded, Attempt: 1, Files: 20000, Bytes: 1 << 20, Manifest: "sha256/abc",
			Artifacts: []contract.File{{Repo: "bllvm-consensus", Name: "a.html", Size: 52}}},
		"bllvm-node": {State: contract.RepoBuilding, Attempt: 1},
	}}
	for _, b := range blocked {
		st.Repos[b] = contract.RepoStatus{State: contract.RepoFailed, Attempt: 3}
	}
	return encoded{st}
}

// stepBlocked is the status of a release blocked on its package or publish step.
func stepBlocked(step string) encoded {
	e := statusOf(contract.StateBlocked, false)
	st := e.v.(contract.Status)
	st.BlockedStep, st.Error = step, step+" release: Resource not accessible by integration"
	return encoded{st}
}

func TestAPIDisabledWithoutToken(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.APIToken = "" })
	for _, tt := range []struct{ method, path string }{
		{http.MethodGet, "/api/releases"},
		{http.MethodPost, "/api/releases"},
		{http.MethodPost, "/api/releases/v1.2.3/pause"},
		{http.MethodGet, "/api"},
	} {
		rec := f.api(t, tt.method, tt.path, "", nil)
		require.Equal(t, http.StatusNotFound, rec.Code, tt.path)
		assert.Equal(t, "API disabled", decode[errorMessage](t, rec).Message)
	}
}

func TestAPIAuth(t *testing.T) {
	f := newFixture(t)
	for _, tok := range []string{"-", "", "tok-12", "tok-1234", "TOK-123"} {
		rec := f.api(t, http.MethodGet, "/api/releases", tok, nil)
		require.Equal(t, http.StatusUnauthorized, rec.Code, "token %q", tok)
		assert.Contains(t, rec.Header().Get("WWW-Authenticate"), "Bearer")
		assert.NotEmpty(t, decode[errorMessage](t, rec).Message)
	}
}

func TestAPIList(t *testing.T) {
	f := newFixture(t)
	tagPayload, err := converter.GetDefaultDataConverter().ToPayload("v1.2.3")
	require.NoError(t, err)
	statePayload, err := converter.GetDefaultDataConverter().ToPayload("blocked")
	require.NoError(t, err)
	var req *workflowservice.ListWorkflowExecutionsRequest
	f.tc.On("ListWorkflow", anyCtx, mock.Anything).Run(func(args mock.Arguments) {
		req = args.Get(1).(*workflowservice.ListWorkflowExecutionsRequest)
	}).Return(&workflowservice.ListWorkflowExecutionsResponse{
		Executions: []*workflowpb.WorkflowExecutionInfo{{
			Execution: &commonpb.WorkflowExecution{WorkflowId: "release-v1.2.3", RunId: "run-1"},
			Status:    enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING,
			StartTime: timestamppb.Now(),
			SearchAttributes: &commonpb.SearchAttributes{IndexedFields: map[string]*commonpb.Payload{
				"ReleaseTag": tagPayload, "ReleaseState": statePayload,
			}},
		}, {
			Execution: &commonpb.WorkflowExecution{WorkflowId: "release-v1.0.0", RunId: "run-0"},
			Status:    enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED,
		}},
		NextPageToken: []byte{1, 2},
	}, nil).Once()
	rec := f.api(t, http.MethodGet, "/api/releases?tag=v1.2.3&state=blocked", token, nil)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	assert.Equal(t, "WorkflowType = 'Release' AND ReleaseTag = 'v1.2.3' AND ReleaseState = 'blocked'", req.GetQuery())
	list := decode[ReleaseList](t, rec)
	require.Len(t, list.Releases, 2)
	assert.Equal(t, "v1.2.3", list.Releases[0].Tag)
	assert.Equal(t, "blocked", list.Releases[0].State)
	assert.Equal(t, "Running", list.Releases[0].Status)
	assert.NotNil(t, list.Releases[0].StartTime)
	assert.Equal(t, "v1.0.0", list.Releases[1].Tag)
	assert.Equal(t, "AQI", list.NextPageToken)
}

func TestAPIListRejects(t *testing.T) {
	f := newFixture(t)
	for _, q := range []string{"?state=exploded", "?tag=v1'%20OR%20'1'='1", "?page_token=***"} {
		rec := f.api(t, http.MethodGet, "/api/releases"+q, token, nil)
		require.Equal(t, http.StatusBadRequest, rec.Code, q)
	}
}

func TestAPIGet(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want int
	}{
		{name: "found", want: http.StatusOK},
		{name: "unknown", err: serviceerror.NewNotFound("workflow not found"), want: http.StatusNotFound},
		{name: "unavailable", err: serviceerror.NewUnavailable("down"), want: http.StatusServiceUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			var val any = statusOf(contract.StateRunning, false)
			if tt.err != nil {
				val = nil
			}
			f.tc.On("QueryWorkflow", anyCtx, "release-v1.2.3", "", contract.QueryStatus).Return(val, tt.err).Once()
			rec := f.api(t, http.MethodGet, "/api/releases/v1.2.3", token, nil)
			require.Equal(t, tt.want, rec.Code, rec.Body.String())
			if tt.want == http.StatusOK {
				st := decode[contract.Status](t, rec)
				assert.Equal(t, "v1.2.3", st.Tag)
				assert.Equal(t, contract.RepoBuilding, st.Repos["bllvm-node"].State)
				// Per-repo counts and the manifest's key; the list stays in the store.
				assert.Contains(t, rec.Body.String(), `"files":20000`)
				assert.Contains(t, rec.Body.String(), `"manifest":"sha256/abc"`)
				assert.Len(t, st.Repos["bllvm-consensus"].Artifacts, 1)
			}
		})
	}
}

func TestAPIStart(t *testing.T) {
	f := newFixture(t)
	var got contract.ReleaseInput
	f.tc.On("ExecuteWorkflow", anyCtx, mock.Anything, contract.ReleaseWorkflowName, mock.Anything).
		Run(func(args mock.Arguments) { got = args.Get(3).(contract.ReleaseInput) }).
		Return(workflowRun(t, "release-v1.2.3"), nil).Once()
	rec := f.api(t, http.MethodPost, "/api/releases", token, StartRequest{Tag: "v1.2.3", Prerelease: true, Only: []string{"BLLVM-node"}, WithDependents: true})
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	assert.Equal(t, "release-v1.2.3", decode[Accepted](t, rec).WorkflowID)
	assert.Equal(t, outcomeStarted, decode[Accepted](t, rec).Outcome)
	train, err := testTrain().Resolved()
	require.NoError(t, err)
	assert.Equal(t, contract.ReleaseInput{Tag: "v1.2.3", Prerelease: true, Only: []string{"bllvm-node"}, WithDependents: true,
		Train: train.JSON(), Trigger: "api"}, got)
}

func TestAPIStartExistingAndRejects(t *testing.T) {
	f := newFixture(t)
	f.mc.joined = true
	f.tc.On("ExecuteWorkflow", anyCtx, mock.Anything, contract.ReleaseWorkflowName, mock.Anything).
		Return(workflowRun(t, "release-v1.2.3"), nil).Once()
	rec := f.api(t, http.MethodPost, "/api/releases", token, StartRequest{Tag: "v1.2.3"})
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	assert.Equal(t, outcomeJoined, decode[Accepted](t, rec).Outcome)

	// A succeeded train: ExecuteWorkflow hands back its closed run.
	f.mc.status = enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED
	f.tc.On("ExecuteWorkflow", anyCtx, mock.Anything, contract.ReleaseWorkflowName, mock.Anything).
		Return(workflowRun(t, "release-v1.0.0"), nil).Once()
	rec = f.api(t, http.MethodPost, "/api/releases", token, StartRequest{Tag: "v1.0.0"})
	require.Equal(t, http.StatusConflict, rec.Code, rec.Body.String())

	for _, tt := range []struct {
		body any
		want int
	}{
		{body: StartRequest{Tag: ""}, want: http.StatusUnprocessableEntity},
		{body: StartRequest{Tag: "a/b"}, want: http.StatusUnprocessableEntity},
		{body: StartRequest{Tag: "v1", Only: []string{"nope"}}, want: http.StatusUnprocessableEntity},
		{body: "not an object", want: http.StatusBadRequest},
		{body: map[string]any{"tag": "v1", "prerelase": true}, want: http.StatusBadRequest},
	} {
		rec := f.api(t, http.MethodPost, "/api/releases", token, tt.body)
		require.Equal(t, tt.want, rec.Code, "%v: %s", tt.body, rec.Body.String())
	}
}

func TestAPIReleaseActions(t *testing.T) {
	tests := []struct {
		name     string
		path     string
		body     any
		describe *workflowservice.DescribeWorkflowExecutionResponse
		descErr  error
		status   *encoded
		signal   string
		arg      any
		want     int
	}{
		{name: "pause", path: "/api/releases/v1.2.3/pause", describe: running(), status: ptr(statusOf(contract.StateRunning, false)),
			signal: contract.SignalPause, arg: nil, want: http.StatusAccepted},
		{name: "pause paused", path: "/api/releases/v1.2.3/pause", describe: running(), status: ptr(statusOf(contract.StatePaused, true)), want: http.StatusConflict},
		{name: "resume paused", path: "/api/releases/v1.2.3/resume", describe: running(), status: ptr(statusOf(contract.StatePaused, true)),
			signal: contract.SignalResume, arg: nil, want: http.StatusAccepted},
		{name: "resume running", path: "/api/releases/v1.2.3/resume", describe: running(), status: ptr(statusOf(contract.StateRunning, false)), want: http.StatusConflict},
		{name: "cancel with reason", path: "/api/releases/v1.2.3/cancel", body: CancelRequest{Reason: "bad tag"}, describe: running(),
			status: ptr(statusOf(contract.StateBlocked, false, "bllvm-node")), signal: contract.SignalCancel, arg: contract.CancelSignal{Reason: "bad tag"}, want: http.StatusAccepted},
		{name: "cancel finished", path: "/api/releases/v1.2.3/cancel", describe: describe(enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED), want: http.StatusConflict},
		{name: "cancel publishing done", path: "/api/releases/v1.2.3/cancel", describe: running(), status: ptr(statusOf(contract.StateSucceeded, false)), want: http.StatusConflict},
		{name: "unknown release", path: "/api/releases/v9/pause", descErr: serviceerror.NewNotFound("none"), want: http.StatusNotFound},
		{name: "unknown action", path: "/api/releases/v1.2.3/explode", want: http.StatusNotFound},
		{name: "retry blocked", path: "/api/releases/v1.2.3/builds/bllvm-node/retry", describe: running(),
			status: ptr(statusOf(contract.StateBlocked, false, "bllvm-node")), signal: contract.SignalRetry, arg: contract.RepoSignal{Repo: "bllvm-node"}, want: http.StatusAccepted},
		{name: "skip blocked", path: "/api/releases/v1.2.3/builds/bllvm-node/skip", describe: running(),
			status: ptr(statusOf(contract.StateBlocked, false, "bllvm-node")), signal: contract.SignalSkip, arg: contract.RepoSignal{Repo: "bllvm-node"}, want: http.StatusAccepted},
		{name: "retry building", path: "/api/releases/v1.2.3/builds/bllvm-node/retry", describe: running(),
			status: ptr(statusOf(contract.StateRunning, false)), want: http.StatusConflict},
		{name: "retry unknown repo", path: "/api/releases/v1.2.3/builds/nope/retry", describe: running(),
			status: ptr(statusOf(contract.StateBlocked, false, "bllvm-node")), want: http.StatusNotFound},
		{name: "retry unknown release", path: "/api/releases/v9/builds/bllvm-node/retry", descErr: serviceerror.NewNotFound("none"), want: http.StatusNotFound},
		{name: "retry finished", path: "/api/releases/v1.2.3/builds/bllvm-node/retry", describe: describe(enumspb.WORKFLOW_EXECUTION_STATUS_FAILED), want: http.StatusConflict},
		{name: "bad build action", path: "/api/releases/v1.2.3/builds/bllvm-node/rebuild", want: http.StatusNotFound},
		{name: "retry blocked publish", path: "/api/releases/v1.2.3/retry", describe: running(), status: ptr(stepBlocked(contract.StepPublish)),
			signal: contract.SignalRetry, arg: contract.RepoSignal{}, want: http.StatusAccepted},
		{name: "retry blocked package", path: "/api/releases/v1.2.3/retry", describe: running(), status: ptr(stepBlocked(contract.StepPackage)),
			signal: contract.SignalRetry, arg: contract.RepoSignal{}, want: http.StatusAccepted},
		{name: "retry release, only a build blocked", path: "/api/releases/v1.2.3/retry", describe: running(),
			status: ptr(statusOf(contract.StateBlocked, false, "bllvm-node")), want: http.StatusConflict},
		{name: "retry release publishing", path: "/api/releases/v1.2.3/retry", describe: running(),
			status: ptr(statusOf(contract.StatePublishing, false)), want: http.StatusConflict},
		{name: "retry release finished", path: "/api/releases/v1.2.3/retry", describe: describe(enumspb.WORKFLOW_EXECUTION_STATUS_FAILED), want: http.StatusConflict},
		{name: "temporal down", path: "/api/releases/v1.2.3/pause", descErr: serviceerror.NewUnavailable("down"), want: http.StatusServiceUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			if tt.describe != nil || tt.descErr != nil {
				var resp any = tt.describe
				if tt.descErr != nil {
					resp = nil
				}
				f.tc.On("DescribeWorkflowExecution", anyCtx, mock.Anything, "").Return(resp, tt.descErr).Once()
			}
			if tt.status != nil {
				f.tc.On("QueryWorkflow", anyCtx, "release-v1.2.3", "", contract.QueryStatus).Return(*tt.status, nil).Once()
			}
			if tt.signal != "" {
				f.tc.On("SignalWorkflow", anyCtx, "release-v1.2.3", "", tt.signal, tt.arg).Return(nil).Once()
			}
			rec := f.api(t, http.MethodPost, tt.path, token, tt.body)
			require.Equal(t, tt.want, rec.Code, rec.Body.String())
			assert.NotEmpty(t, decode[map[string]any](t, rec)["message"])
		})
	}
}

func ptr[T any](v T) *T { return &v }
