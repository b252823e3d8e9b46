package bench

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/converter"
	"go.uber.org/goleak"
	"go.uber.org/zap"

	"github.com/BTCDecoded/releasetrain/config"
	"github.com/BTCDecoded/releasetrain/contract"
	"github.com/BTCDecoded/releasetrain/internal/testenv"
	"github.com/BTCDecoded/releasetrain/webhook"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const loadSecret = "load-test-secret"

// loadMix is issue 9's mix: 1% bad signatures, 5% resent deliveries.
func loadMix(n, tags int) LoadMix {
	var repos []string
	for _, r := range config.Default().Repos {
		repos = append(repos, r.Name)
	}
	return LoadMix{N: n, Tags: tags, BadShare: 0.01, DupShare: 0.05, Repos: repos,
		ReleaseRepo: config.Default().Release.Repo,
		Fixtures:    filepath.Join("..", "..", "webhook", "testdata"), Seed: 9}
}

// serveReceiver serves the real receiver over tc on a loopback listener
// until the test ends and returns its delivery URL.
func serveReceiver(t testing.TB, tc webhook.Temporal) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	recv, err := webhook.New(webhook.Options{Secret: []byte(loadSecret), Train: config.Default(), Temporal: tc, Logger: zap.NewNop()})
	require.NoError(t, err, "receiver")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- recv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		err := <-done
		if !errors.Is(err, http.ErrServerClosed) && !errors.Is(err, context.Canceled) {
			assert.NoError(t, err, "receiver")
		}
	})
	return "http://" + ln.Addr().String() + "/webhook"
}

// runLoad generates and sends the load; it returns the deliveries and answers.
func runLoad(t *testing.T, url string, mix LoadMix) ([]Delivery, []Answer) {
	t.Helper()
	ds, err := GenerateLoad(mix, []byte(loadSecret))
	require.NoError(t, err)
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}, Timeout: 30 * time.Second}
	defer hc.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	start := time.Now()
	answers := SendLoad(ctx, hc, url, ds, 16)
	took := time.Since(start)
	t.Logf("RESULT receiver: %d deliveries in %s (%.0f/s), latency p50 %s p99 %s max %s; load %s",
		len(ds), took.Round(time.Millisecond), float64(len(ds))/took.Seconds(),
		Percentile(answers, 50), Percentile(answers, 99), Percentile(answers, 100), loadavg())
	return ds, answers
}

// accepted is what the receiver answered 2xx started, joined or signalled.
type accepted struct {
	starts  map[string]int           // workflow id → started or joined answers (each one reached Temporal)
	started map[string]int           // workflow id → started answers
	signals map[string]map[int64]int // workflow id → run id → signalled answers
	outcome map[string]int
}

// checkAnswers asserts every bad delivery got 401, no good one failed, and
// returns what was accepted.
func checkAnswers(t *testing.T, ds []Delivery, as []Answer) accepted {
	t.Helper()
	acc := accepted{starts: map[string]int{}, started: map[string]int{}, signals: map[string]map[int64]int{}, outcome: map[string]int{}}
	bad := 0
	for i, d := range ds {
		a := as[i]
		switch {
		case a.Err != nil:
			assert.NoError(t, a.Err, "delivery %s (%s)", d.ID, d.Event)
			continue
		case d.Bad:
			bad++
			assert.Equal(t, http.StatusUnauthorized, a.Code, "bad signature %s (%s): %d %s, want 401", d.ID, d.Event, a.Code, a.Outcome)
			continue
		case a.Code < 200 || a.Code > 299:
			assert.Fail(t, "delivery not accepted", "delivery %s (%s): %d %s, want 2xx", d.ID, d.Event, a.Code, a.Outcome)
			continue
		}
		acc.outcome[a.Outcome]++
		id := contract.ReleaseWorkflowID(d.Tag)
		switch a.Outcome {
		case "started":
			acc.started[id]++
			acc.starts[id]++
		case "joined":
			acc.starts[id]++
		case "signalled":
			if acc.signals[id] == nil {
				acc.signals[id] = map[int64]int{}
			}
			acc.signals[id][d.RunID]++
		}
	}
	t.Logf("outcomes %v, bad signatures %d", acc.outcome, bad)
	assert.NotZero(t, bad)
	assert.NotZero(t, acc.outcome["duplicate"])
	assert.NotZero(t, acc.outcome["signalled"])
	return acc
}

// checkRecorded asserts every accepted start and signal reached the recorder
// and every start joined its tag's one train.
func checkRecorded(t *testing.T, acc accepted, rec *Recorder, tags int) {
	t.Helper()
	rec.mu.Lock()
	defer rec.mu.Unlock()
	assert.Len(t, rec.Starts, tags, "starts for %d workflow ids, want one per tag (%d)", len(rec.Starts), tags)
	for id, n := range acc.starts {
		assert.Equal(t, n, rec.Starts[id], "%s: %d accepted starts, %d reached Temporal", id, n, rec.Starts[id])
	}
	for p, n := range rec.Policies {
		assert.Equal(t, enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING, p, "%d starts with conflict policy %v, want USE_EXISTING (one train per tag)", n, p)
	}
	lost := 0
	for id, runs := range acc.signals {
		for run, n := range runs {
			if rec.Signals[id][run] != n {
				lost++
			}
		}
	}
	assert.LessOrEqual(t, lost, 0, "%d accepted build events did not reach Temporal as accepted", lost)
}

// TestReceiverLoad sends 10,000 signed deliveries (mixed events, 1% bad
// signatures, 5% resent) over loopback to the real receiver, with a
// Temporal client that records calls.
func TestReceiverLoad(t *testing.T) {
	// Earlier tests' Temporal clients may still be reconnecting to their
	// stopped dev servers (gRPC's own goroutines, not the receiver's).
	ignore := []goleak.Option{goleak.IgnoreCurrent(), goleak.IgnoreAnyFunction("google.golang.org/grpc.(*addrConn).connect")}
	t.Cleanup(func() { goleak.VerifyNone(t, ignore...) }) // runs after the receiver's cleanup
	rec := NewRecorder(nil)
	mix := loadMix(10000, 20)
	ds, as := runLoad(t, serveReceiver(t, rec), mix)
	acc := checkAnswers(t, ds, as)
	checkRecorded(t, acc, rec, mix.Tags)
}

// TestReceiverLoadTemporal sends the load to the receiver over the real dev
// server (no worker: the trains wait, signals land in their histories) and
// checks Temporal's own record: one execution per tag, and in each history
// exactly the build-event signals the receiver accepted.
func TestReceiverLoadTemporal(t *testing.T) {
	integration(t)
	srv := testenv.StartTemporal(t, "")
	rec := NewRecorder(srv.Client())
	mix := loadMix(10000, 20)
	if !full() {
		mix.N = 1000
	}
	ds, as := runLoad(t, serveReceiver(t, rec), mix)
	acc := checkAnswers(t, ds, as)
	checkRecorded(t, acc, rec, mix.Tags)
	for i := range mix.Tags {
		id := contract.ReleaseWorkflowID(fmt.Sprintf("v5.0.%d", i))
		assert.Equal(t, 1, acc.started[id], "%s: answered started %d times, want once (the other starts joined)", id, acc.started[id])
	}

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c := srv.Client()
	for i := range mix.Tags {
		id := contract.ReleaseWorkflowID(fmt.Sprintf("v5.0.%d", i))
		list, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: fmt.Sprintf("WorkflowId = %q", id)})
		require.NoError(t, err)
		n := len(list.GetExecutions())
		assert.Equal(t, 1, n, "%s: %d executions, want 1", id, n)
		got := map[int64]int{}
		it := c.GetWorkflowHistory(ctx, id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		for it.HasNext() {
			ev, err := it.Next()
			require.NoError(t, err)
			attrs := ev.GetWorkflowExecutionSignaledEventAttributes()
			if attrs == nil || attrs.GetSignalName() != contract.SignalBuildEvent {
				continue
			}
			var be contract.BuildEvent
			require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(attrs.GetInput(), &be))
			got[be.RunID]++
		}
		for run, n := range acc.signals[id] {
			assert.Equal(t, n, got[run], "%s: run %d accepted %d times, %d signals in the history", id, run, n, got[run])
		}
		assert.Len(t, got, len(acc.signals[id]), "%s: %d run ids signalled in the history, %d accepted", id, len(got), len(acc.signals[id]))
	}
}
