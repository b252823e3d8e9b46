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
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/mocks"
	"go.temporal.io/sdk/temporal"
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
	for q, want := range map[string]int{
		"?state=exploded":        http.StatusUnprocessableEntity,
		"?tag=v1'%20OR%20'1'='1": http.StatusUnprocessableEntity,
		"?page_token=***":        http.StatusBadRequest,
	} {
		rec := f.api(t, http.MethodGet, "/api/releases"+q, token, nil)
		require.Equal(t, want, rec.Code, q)
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
	got := f.expectStart(t, "release-v1.2.3")
	rec := f.api(t, http.MethodPost, "/api/releases", token, StartRequest{Tag: "v1.2.3", Prerelease: ptr(true), Only: []string{"BLLVM-node"}, WithDependents: true})
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	assert.Equal(t, "release-v1.2.3", decode[Accepted](t, rec).WorkflowID)
	assert.Equal(t, outcomeStarted, decode[Accepted](t, rec).Outcome)
	train, err := testTrain().Resolved()
	require.NoError(t, err)
	assert.Equal(t, contract.ReleaseInput{Tag: "v1.2.3", Prerelease: true, Only: []string{"bllvm-node"}, WithDependents: true,
		Train: train.JSON(), Trigger: "api"}, *got)
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

// TestAPIStartInfersPrerelease: without "prerelease" the tag decides, as
// on every surface; an explicit false wins.
func TestAPIStartInfersPrerelease(t *testing.T) {
	tests := []struct {
		name string
		body any
		want bool
	}{
		{name: "rc tag", body: map[string]any{"tag": "v1.3.0-rc.1"}, want: true},
		{name: "final tag", body: map[string]any{"tag": "v1.3.0"}, want: false},
		{name: "explicit false", body: map[string]any{"tag": "v1.3.0-rc.1", "prerelease": false}, want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			got := f.expectStart(t, "release-x")
			rec := f.api(t, http.MethodPost, "/api/releases", token, tt.body)
			require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
			require.Equal(t, tt.want, got.Prerelease)
		})
	}
}

// updateHandle is an update's handle whose Get answers st or err.
func updateHandle(t *testing.T, st contract.Status, err error) *mocks.WorkflowUpdateHandle {
	h := mocks.NewWorkflowUpdateHandle(t)
	h.On("Get", mock.Anything, mock.Anything).Run(func(args mock.Arguments) {
		*args.Get(1).(*contract.Status) = st
	}).Return(err).Maybe()
	return h
}

// TestAPIReleaseActions: each route sends its Update with its argument
// and answers the update's outcome through the one error table; the
// checks themselves are the workflow's validators.
func TestAPIReleaseActions(t *testing.T) {
	rejected := func(typ string) error { return temporal.NewApplicationError("refused", typ) }
	tests := []struct {
		name      string
		path      string
		body      any
		update    string // the Update the route must send; "" sends none
		arg       []any
		updateErr error // UpdateWorkflow's error
		getErr    error // the outcome's error
		describe  *workflowservice.DescribeWorkflowExecutionResponse
		descErr   error
		want      int
	}{
		{name: "pause", path: "/api/releases/v1.2.3/pause", update: contract.UpdatePause, want: http.StatusAccepted},
		{name: "resume", path: "/api/releases/v1.2.3/resume", update: contract.UpdateResume, want: http.StatusAccepted},
		{name: "cancel with reason", path: "/api/releases/v1.2.3/cancel", body: CancelRequest{Reason: "bad tag"},
			update: contract.UpdateCancel, arg: []any{contract.CancelSignal{Reason: "bad tag"}}, want: http.StatusAccepted},
		{name: "cancel without body", path: "/api/releases/v1.2.3/cancel",
			update: contract.UpdateCancel, arg: []any{contract.CancelSignal{}}, want: http.StatusAccepted},
		{name: "retry step", path: "/api/releases/v1.2.3/retry", update: contract.UpdateRetry, arg: []any{contract.RepoSignal{}}, want: http.StatusAccepted},
		{name: "retry build", path: "/api/releases/v1.2.3/builds/bllvm-node/retry", update: contract.UpdateRetry,
			arg: []any{contract.RepoSignal{Repo: "bllvm-node"}}, want: http.StatusAccepted},
		{name: "skip build", path: "/api/releases/v1.2.3/builds/BLLVM-node/skip", update: contract.UpdateSkip,
			arg: []any{contract.RepoSignal{Repo: "BLLVM-node"}}, want: http.StatusAccepted},
		{name: "validator conflict", path: "/api/releases/v1.2.3/pause", update: contract.UpdatePause,
			getErr: rejected(contract.ConflictErrorType), want: http.StatusConflict},
		{name: "validator invalid", path: "/api/releases/v1.2.3/builds/nope/skip", update: contract.UpdateSkip,
			arg: []any{contract.RepoSignal{Repo: "nope"}}, getErr: rejected(contract.InvalidErrorType), want: http.StatusUnprocessableEntity},
		{name: "finished", path: "/api/releases/v1.2.3/resume", update: contract.UpdateResume,
			updateErr: serviceerror.NewNotFound("workflow execution already completed"), describe: describe(enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED), want: http.StatusConflict},
		{name: "unknown release", path: "/api/releases/v1.2.3/pause", update: contract.UpdatePause,
			updateErr: serviceerror.NewNotFound("none"), descErr: serviceerror.NewNotFound("none"), want: http.StatusNotFound},
		{name: "temporal down", path: "/api/releases/v1.2.3/pause", update: contract.UpdatePause,
			updateErr: serviceerror.NewUnavailable("down"), want: http.StatusServiceUnavailable},
		{name: "tag no train can have", path: "/api/releases/v1..2/pause", want: http.StatusNotFound},
		{name: "unknown action", path: "/api/releases/v1.2.3/explode", want: http.StatusNotFound},
		{name: "bad build action", path: "/api/releases/v1.2.3/builds/bllvm-node/rebuild", want: http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			if tt.update != "" {
				var h client.WorkflowUpdateHandle
				if tt.updateErr == nil {
					h = updateHandle(t, contract.Status{Tag: "v1.2.3", State: contract.StateRunning}, tt.getErr)
				}
				want := tt.arg
				if want == nil {
					want = []any{}
				}
				f.tc.On("UpdateWorkflow", anyCtx, mock.MatchedBy(func(o client.UpdateWorkflowOptions) bool {
					return o.WorkflowID == "release-v1.2.3" && o.UpdateName == tt.update && assert.ObjectsAreEqual(want, append([]any{}, o.Args...)) &&
						o.WaitForStage == client.WorkflowUpdateStageCompleted
				})).Return(h, tt.updateErr).Once()
			}
			if tt.describe != nil || tt.descErr != nil {
				f.tc.On("DescribeWorkflowExecution", anyCtx, "release-v1.2.3", "").Return(tt.describe, tt.descErr).Once()
			}
			rec := f.api(t, http.MethodPost, tt.path, token, tt.body)
			require.Equal(t, tt.want, rec.Code, rec.Body.String())
			require.NotEmpty(t, decode[map[string]any](t, rec)["message"])
		})
	}
}

func ptr[T any](v T) *T { return &v }
