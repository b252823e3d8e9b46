package webhook

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/mocks"
)

// fuzzServer builds a server whose Temporal client answers every call at
// once: successfully, or (unavailable) with serviceerror.Unavailable.
func fuzzServer(f *testing.F, unavailable bool) *Server {
	f.Helper()
	tc := &mocks.Client{}
	run := &mocks.WorkflowRun{}
	run.On("GetID").Return("release-x").Maybe()
	run.On("GetRunID").Return("run-x").Maybe()
	if unavailable {
		down := serviceerror.NewUnavailable("down")
		tc.On("ExecuteWorkflow", mock.Anything, mock.Anything, mock.Anything, mock.Anything).Return(nil, down).Maybe()
		tc.On("SignalWorkflow", mock.Anything, mock.Anything, mock.Anything, mock.Anything, mock.Anything).Return(down).Maybe()
		tc.On("DescribeWorkflowExecution", mock.Anything, mock.Anything, mock.Anything).Return(nil, down).Maybe()
	} else {
		tc.On("ExecuteWorkflow", mock.Anything, mock.Anything, mock.Anything, mock.Anything).Return(run, nil).Maybe()
		tc.On("SignalWorkflow", mock.Anything, mock.Anything, mock.Anything, mock.Anything, mock.Anything).Return(nil).Maybe()
		tc.On("DescribeWorkflowExecution", mock.Anything, mock.Anything, mock.Anything).Return(&workflowservice.DescribeWorkflowExecutionResponse{
			WorkflowExecutionInfo: &workflowpb.WorkflowExecutionInfo{Status: enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING}}, nil).Maybe()
	}
	srv, err := New(Options{Secret: []byte(testSecret), Train: testTrain(), Temporal: tc})
	require.NoError(f, err)
	return srv
}

// FuzzDelivery: any delivery, signed or not, answers 2xx or 4xx; never a
// panic (which would be a recovered 500) and never 5xx, except 503 when
// Temporal is down.
func FuzzDelivery(f *testing.F) {
	seeds, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	require.NoError(f, err)
	for _, path := range seeds {
		body, err := os.ReadFile(path)
		require.NoError(f, err)
		event, _, _ := strings.Cut(filepath.Base(path), ".")
		f.Add(event, body, true, false, byte(0))
		f.Add(event, body, false, false, byte(0))
		f.Add(event, body, true, true, byte(1))
	}
	f.Add("release", []byte(`{"action":"published","release":{"tag_name":"v1"},"repository":{"full_name":"BTCDecoded/bllvm"}}`), true, false, byte(0))
	f.Add("repository_dispatch", []byte(`{"action":"releasetrain-build-complete","client_payload":{"tag":"v1","run_id":"12"}}`), true, false, byte(2))
	f.Add("workflow_run", []byte(`{"workflow_run":{"display_title":"rt:v1:bllvm:1"}}`), true, true, byte(0))
	f.Add("ping", []byte(`null`), true, false, byte(0))

	ok, down := fuzzServer(f, false), fuzzServer(f, true)
	contentTypes := []string{"application/json", "application/x-www-form-urlencoded", "", "text/plain", "application/json; charset=utf-8"}

	f.Fuzz(func(t *testing.T, event string, body []byte, signed, unavailable bool, ct byte) {
		srv := ok
		if unavailable {
			srv = down
		}
		req := httptest.NewRequest(http.MethodPost, "/webhook", bytes.NewReader(body))
		if c := contentTypes[int(ct)%len(contentTypes)]; c != "" {
			req.Header.Set("Content-Type", c)
		}
		req.Header.Set("X-GitHub-Event", event)
		// Not set as delivery id: dedupe would hide the Temporal path on repeats.
		if signed {
			req.Header.Set("X-Hub-Signature-256", sign(testSecret, body))
		}
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, req)
		switch {
		case rec.Code == http.StatusServiceUnavailable && unavailable && signed:
		case rec.Code < 200 || rec.Code >= 500:
			t.Fatalf("event %q signed=%v unavailable=%v: status %d: %s", event, signed, unavailable, rec.Code, rec.Body.String())
		}
		if !signed {
			require.Equal(t, http.StatusUnauthorized, rec.Code, "unsigned delivery")
		}
	})
}
