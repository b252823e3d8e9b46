package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/mocks"

	"github.com/BTCDecoded/releasetrain/config"
	"github.com/BTCDecoded/releasetrain/contract"
)

const testSecret = "It's a Secret to Everybody"

// testTrain is the BTCDecoded train as config.Load would resolve it.
func testTrain() *config.Train {
	return &config.Train{
		Owner:   "BTCDecoded",
		Trigger: config.Trigger{Mode: config.ModeRelease, Actions: []string{"published", "prereleased"}},
		Release: config.ReleaseTarget{Repo: "bllvm-consensus", Name: "btcdecoded"},
		Repos: []config.Repo{
			{Name: "bllvm-consensus"},
			{Name: "bllvm-protocol", DependsOn: []string{"bllvm-consensus"}},
			{Name: "bllvm-node", DependsOn: []string{"bllvm-protocol", "bllvm-consensus"}},
			{Name: "bllvm-sdk", DependsOn: []string{"bllvm-node"}},
			{Name: "bllvm", DependsOn: []string{"bllvm-node"}},
			{Name: "governance-app", DependsOn: []string{"bllvm-sdk"}},
			{Name: "commons"},
		},
	}
}

// fixture is a test server over a mocked Temporal client.
type fixture struct {
	srv *Server
	tc  *mocks.Client
	mc  *memoClient
	reg *prometheus.Registry
}

// memoClient is the mocked Temporal client, except that it answers the
// describe contract.StartOrJoin makes of the run a start returned: with
// the start's own memo (Temporal started it), or with joined another's.
type memoClient struct {
	*mocks.Client
	mu     sync.Mutex
	memo   string
	joined bool
	// status of the described run; zero means running.
	status enumspb.WorkflowExecutionStatus
}

func (m *memoClient) ExecuteWorkflow(ctx context.Context, opts client.StartWorkflowOptions, wf any, args ...any) (client.WorkflowRun, error) {
	m.mu.Lock()
	m.memo = fmt.Sprint(opts.Memo[contract.StartMemo])
	m.mu.Unlock()
	return m.Client.ExecuteWorkflow(ctx, opts, wf, args...)
}

func (m *memoClient) DescribeWorkflowExecution(ctx context.Context, id, runID string) (*workflowservice.DescribeWorkflowExecutionResponse, error) {
	if runID == "" {
		return m.Client.DescribeWorkflowExecution(ctx, id, runID)
	}
	m.mu.Lock()
	memo, status := m.memo, m.status
	if m.joined {
		memo = "another start request"
	}
	if status == enumspb.WORKFLOW_EXECUTION_STATUS_UNSPECIFIED {
		status = enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING
	}
	m.mu.Unlock()
	p, err := converter.GetDefaultDataConverter().ToPayload(memo)
	if err != nil {
		return nil, err
	}
	return &workflowservice.DescribeWorkflowExecutionResponse{WorkflowExecutionInfo: &workflowpb.WorkflowExecutionInfo{
		Status: status,
		Memo:   &commonpb.Memo{Fields: map[string]*commonpb.Payload{contract.StartMemo: p}},
	}}, nil
}

func newFixture(t testing.TB, mutate ...func(*Options)) *fixture {
	t.Helper()
	tc := mocks.NewClient(t)
	mc := &memoClient{Client: tc}
	reg := prometheus.NewRegistry()
	opts := Options{Secret: []byte(testSecret), APIToken: "tok-123", Train: testTrain(), Temporal: mc, Registerer: reg}
	for _, m := range mutate {
		m(&opts)
	}
	srv, err := New(opts)
	require.NoError(t, err)
	return &fixture{srv: srv, tc: tc, mc: mc, reg: reg}
}

func sign(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

func fixtureFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := readTestdata(name)
	require.NoError(t, err)
	return b
}

func readTestdata(name string) ([]byte, error) { return os.ReadFile(filepath.Join("testdata", name)) }

// deliver sends a signed delivery (sig "" signs with testSecret; "-" sends no signature).
func (f *fixture) deliver(t testing.TB, event, id string, body []byte, sig string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/webhook", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if event != "" {
		req.Header.Set("X-GitHub-Event", event)
	}
	if id != "" {
		req.Header.Set("X-GitHub-Delivery", id)
	}
	switch sig {
	case "":
		req.Header.Set("X-Hub-Signature-256", sign(testSecret, body))
	case "-":
	default:
		req.Header.Set("X-Hub-Signature-256", sig)
	}
	rec := httptest.NewRecorder()
	f.srv.Handler().ServeHTTP(rec, req)
	return rec
}

// api sends an operator API request with the bearer token ("-" for none).
func (f *fixture) api(t testing.TB, method, path, token string, body any) *httptest.ResponseRecorder {
	t.Helper()
	var rd *bytes.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(t, err)
		rd = bytes.NewReader(b)
	} else {
		rd = bytes.NewReader(nil)
	}
	req := httptest.NewRequest(method, path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "-" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	f.srv.Handler().ServeHTTP(rec, req)
	return rec
}

// decode decodes a JSON answer.
func decode[T any](t testing.TB, rec *httptest.ResponseRecorder) T {
	t.Helper()
	var v T
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &v), rec.Body.String())
	return v
}

// workflowRun is a started run as ExecuteWorkflow returns it.
func workflowRun(t testing.TB, id string) *mocks.WorkflowRun {
	run := mocks.NewWorkflowRun(t)
	run.On("GetID").Return(id).Maybe()
	run.On("GetRunID").Return("run-1").Maybe()
	return run
}

// encoded is a converter.EncodedValue over a Go value.
type encoded struct{ v any }

func (e encoded) HasValue() bool { return e.v != nil }
func (e encoded) Get(ptr any) error {
	b, err := json.Marshal(e.v)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, ptr)
}

var anyCtx = mock.MatchedBy(func(context.Context) bool { return true })

// expectStart makes the fixture's Temporal client accept one start of the
// Release workflow, answering a run of workflow id; the returned input is
// filled when the start comes.
func (f *fixture) expectStart(t *testing.T, id string) *contract.ReleaseInput {
	got := new(contract.ReleaseInput)
	f.tc.On("ExecuteWorkflow", anyCtx, mock.Anything, contract.ReleaseWorkflowName, mock.Anything).
		Run(func(args mock.Arguments) { *got = args.Get(3).(contract.ReleaseInput) }).
		Return(workflowRun(t, id), nil).Once()
	return got
}
