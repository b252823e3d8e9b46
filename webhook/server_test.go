package webhook

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.uber.org/goleak"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/BTCDecoded/releasetrain/contract"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestNewRequires(t *testing.T) {
	tc := &struct{ Temporal }{}
	_, err := New(Options{Train: testTrain(), Temporal: tc})
	require.ErrorContains(t, err, "secret")
	_, err = New(Options{Secret: []byte("s"), Temporal: tc})
	require.ErrorContains(t, err, "train")
	_, err = New(Options{Secret: []byte("s"), Train: testTrain()})
	require.ErrorContains(t, err, "temporal")
}

func TestHealthAndReadiness(t *testing.T) {
	f := newFixture(t)
	rec := f.api(t, http.MethodGet, "/healthz", "-", nil)
	require.Equal(t, http.StatusOK, rec.Code)

	f.tc.On("CheckHealth", anyCtx, mock.Anything).Return(&client.CheckHealthResponse{}, nil).Once()
	rec = f.api(t, http.MethodGet, "/readyz", "-", nil)
	require.Equal(t, http.StatusOK, rec.Code)

	f.tc.On("CheckHealth", anyCtx, mock.Anything).Return(nil, serviceerror.NewUnavailable("down")).Once()
	rec = f.api(t, http.MethodGet, "/readyz", "-", nil)
	require.Equal(t, http.StatusServiceUnavailable, rec.Code)
	assert.Equal(t, "temporal not reachable", decode[errorMessage](t, rec).Message)
}

func TestMetricsEndpoint(t *testing.T) {
	f := newFixture(t)
	f.deliver(t, "release", "d", []byte("{}"), "-")
	f.deliver(t, "ping", "d", fixtureFile(t, "ping.json"), "")
	rec := f.api(t, http.MethodGet, "/metrics", "-", nil)
	require.Equal(t, http.StatusOK, rec.Code)
	body := rec.Body.String()
	for _, want := range []string{
		"releasetrain_webhook_signature_failures_total 1",
		`releasetrain_webhook_deliveries_total{event="ping",outcome="pong"} 1`,
		`releasetrain_webhook_deliveries_total{event="release",outcome="rejected"} 1`,
		`releasetrain_webhook_delivery_duration_seconds_count{event="ping"} 1`,
	} {
		assert.Contains(t, body, want)
	}
}

// Logs carry the delivery id, event and outcome, never the body or secret.
func TestRequestLogNeverHasBodyOrSecret(t *testing.T) {
	core, logs := observer.New(zap.DebugLevel)
	f := newFixture(t, func(o *Options) { o.Logger = zap.New(core) })
	body := fixtureFile(t, "release.published.json")
	f.deliver(t, "release", "delivery-42", body, sign("wrong", body))
	f.api(t, http.MethodGet, "/api/releases", "wrong-token", nil)

	entries := logs.FilterMessage("request").All()
	require.Len(t, entries, 2)
	fields := entries[0].ContextMap()
	assert.Equal(t, "delivery-42", fields["delivery"])
	assert.Equal(t, "release", fields["event"])
	assert.Equal(t, outcomeRejected, fields["outcome"])
	assert.EqualValues(t, http.StatusUnauthorized, fields["status"])
	assert.NotEmpty(t, fields["request_id"])
	for _, e := range logs.All() {
		line := e.Message
		for k, v := range e.ContextMap() {
			line += " " + k + "=" + strings.TrimSpace(strings.ReplaceAll(toString(v), "\n", " "))
		}
		assert.NotContains(t, line, testSecret)
		assert.NotContains(t, line, "tok-123")
		assert.NotContains(t, line, "wrong-token")
		assert.NotContains(t, line, "satoshi-dev")
	}
}

func toString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case error:
		return x.Error()
	}
	return ""
}

// A panic in a handler becomes a 500 and a log line, not a dead process.
func TestPanicRecovered(t *testing.T) {
	core, logs := observer.New(zap.ErrorLevel)
	f := newFixture(t, func(o *Options) { o.Logger = zap.New(core) })
	f.tc.On("ExecuteWorkflow", anyCtx, mock.Anything, contract.ReleaseWorkflowName, mock.Anything).
		Run(func(mock.Arguments) { panic("boom") }).Once()
	rec := f.deliver(t, "release", "d-panic", fixtureFile(t, "release.published.json"), "")
	require.Equal(t, http.StatusInternalServerError, rec.Code)
	require.Equal(t, 1, logs.FilterMessage("panic in handler").Len())
}

// Run stops on ctx done, but lets an in-flight delivery finish first.
func TestRunGracefulShutdown(t *testing.T) {
	f := newFixture(t)
	entered := make(chan struct{})
	release := make(chan struct{})
	f.tc.On("ExecuteWorkflow", anyCtx, mock.Anything, contract.ReleaseWorkflowName, mock.Anything).
		Run(func(mock.Arguments) {
			close(entered)
			<-release
		}).
		Return(workflowRun(t, "release-v1.2.3"), nil).Once()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	served := make(chan error, 1)
	go func() { served <- f.srv.Serve(ctx, ln) }()

	body := fixtureFile(t, "release.published.json")
	req, err := http.NewRequest(http.MethodPost, "http://"+ln.Addr().String()+"/webhook", bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-GitHub-Event", "release")
	req.Header.Set("X-GitHub-Delivery", "d-inflight")
	req.Header.Set("X-Hub-Signature-256", sign(testSecret, body))
	hc := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	answered := make(chan *http.Response, 1)
	go func() {
		resp, err := hc.Do(req)
		if err != nil {
			answered <- nil
			return
		}
		answered <- resp
	}()
	<-entered
	cancel() // SIGTERM while the delivery is in flight
	select {
	case err := <-served:
		t.Fatalf("Serve returned before the in-flight delivery finished: %v", err)
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	resp := <-answered
	require.NotNil(t, resp)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, string(b))
	require.NoError(t, <-served)

	_, err = hc.Get("http://" + ln.Addr().String() + "/healthz")
	require.Error(t, err, "listener closed after shutdown")
}

func TestRunListenError(t *testing.T) {
	f := newFixture(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	err = f.srv.Run(context.Background(), ln.Addr().String())
	require.Error(t, err)
	var opErr *net.OpError
	require.True(t, errors.As(err, &opErr), err)
}
