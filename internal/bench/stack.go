package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/testsuite"
	"go.uber.org/zap"

	"github.com/BTCDecoded/releasetrain/config"
	"github.com/BTCDecoded/releasetrain/contract"
	"github.com/BTCDecoded/releasetrain/ghclient"
	"github.com/BTCDecoded/releasetrain/ghsim"
	"github.com/BTCDecoded/releasetrain/internal/devstack"
	"github.com/BTCDecoded/releasetrain/internal/testenv"
	"github.com/BTCDecoded/releasetrain/webhook"
	"github.com/BTCDecoded/releasetrain/worker"
)

// SimToken is the simulator's static token.
const SimToken = "ghsim-token"

// StackOptions configure StartStack.
type StackOptions struct {
	// Train is the release train (resolved). Required.
	Train *config.Train
	// Scenario drives the simulated builds. Required.
	Scenario *ghsim.Scenario
	// TimeScale is simulated seconds per real second. Default 60.
	TimeScale float64
	// Webhooks wires the receiver: the simulator's workflow_run deliveries
	// reach the release as build-event signals. False: polling only.
	Webhooks bool
	// Temporal reuses a running dev server (several stacks in one test).
	// Default: a new in-memory dev server for the test.
	Temporal *testsuite.DevServer
	// ListingWait is the worker's listing wait for retried dispatches. Default 1s.
	ListingWait time.Duration
}

// Stack is the whole releasetrain in one process against the simulator.
type Stack struct {
	Client   client.Client
	Sim      *ghsim.Sim
	SimURL   string
	Train    *config.Train
	Scenario *ghsim.Scenario
	Scale    float64
	// Temporal is the dev server the stack uses.
	Temporal *testsuite.DevServer
	// StoreDir is the worker's content-addressed artifact store.
	StoreDir string
}

// StartStack starts the stack for one test; everything stops when it ends.
func StartStack(t testing.TB, opts StackOptions) *Stack {
	t.Helper()
	if opts.TimeScale == 0 {
		opts.TimeScale = 60
	}
	if opts.ListingWait == 0 {
		opts.ListingWait = time.Second
	}
	srv := opts.Temporal
	if srv == nil {
		srv = testenv.StartTemporal(t, "")
	}
	s := &Stack{Client: srv.Client(), Train: opts.Train, Scenario: opts.Scenario, Scale: opts.TimeScale,
		Temporal: srv, StoreDir: t.TempDir()}

	secret := randomHex(t)
	var recvLn net.Listener
	var hookURL string
	if opts.Webhooks {
		var err error
		if recvLn, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			t.Fatalf("receiver listener: %v", err)
		}
		hookURL = "http://" + recvLn.Addr().String() + "/webhook"
	}
	s.Sim, s.SimURL = StartSim(t, ghsim.Options{Scenario: opts.Scenario, TimeScale: opts.TimeScale, Seed: 1,
		WebhookURL: hookURL, WebhookSecret: secret})

	w, err := worker.New(s.Client, worker.Options{
		GitHub:      ghclient.Config{BaseURL: s.SimURL + "/api/v3/", Token: SimToken},
		StoreURL:    "file://" + s.StoreDir + "?no_tmp_dir=1",
		WorkDir:     t.TempDir(),
		ListingWait: opts.ListingWait,
	})
	if err != nil {
		t.Fatalf("worker: %v", err)
	}
	if err := w.Start(); err != nil {
		t.Fatalf("worker start: %v", err)
	}
	t.Cleanup(w.Stop)

	if opts.Webhooks {
		startReceiver(t, recvLn, secret, opts.Train, s.Client)
	}
	return s
}

// StartSim serves a simulator on a free loopback port until the test ends;
// url is its base (the API is url+"/api/v3/").
func StartSim(t testing.TB, opts ghsim.Options) (sim *ghsim.Sim, url string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("simulator listener: %v", err)
	}
	url = "http://" + ln.Addr().String()
	opts.BaseURL = url
	if sim, err = ghsim.New(opts); err != nil {
		t.Fatalf("simulator: %v", err)
	}
	srv := &http.Server{Handler: sim.Handler(), ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ln)
	}()
	t.Cleanup(func() {
		_ = srv.Close()
		<-done
		sim.Close()
	})
	return sim, url
}

// startReceiver serves the real webhook receiver on ln until the test ends.
func startReceiver(t testing.TB, ln net.Listener, secret string, train *config.Train, tc webhook.Temporal) {
	t.Helper()
	recv, err := webhook.New(webhook.Options{Secret: []byte(secret), Train: train, Temporal: tc, Logger: zap.NewNop()})
	if err != nil {
		t.Fatalf("receiver: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- recv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) && !errors.Is(err, context.Canceled) {
			t.Errorf("receiver: %v", err)
		}
	})
}

// Release runs one train for tag to its end and measures it.
func (s *Stack) Release(ctx context.Context, tag string) (*Result, error) {
	start := time.Now()
	run, err := s.Client.ExecuteWorkflow(ctx, contract.StartOptions(tag), contract.ReleaseWorkflowName,
		contract.ReleaseInput{Tag: tag, Train: s.Train.JSON(), Trigger: "bench"})
	if err != nil {
		return nil, fmt.Errorf("start release %s: %w", tag, err)
	}
	var st contract.Status
	if err := run.Get(ctx, &st); err != nil {
		return nil, fmt.Errorf("release %s: %w (%s)", tag, err, s.problems(tag))
	}
	wall := time.Since(start)
	if st.State != contract.StateSucceeded {
		return nil, fmt.Errorf("release %s ended %s: %s", tag, st.State, st.Error)
	}
	tl, err := ReadTimeline(ctx, s.Client, tag)
	if err != nil {
		return nil, err
	}
	return &Result{Tag: tag, Wall: wall, Status: st, Timeline: tl, Scale: s.Scale,
		Bound: LayeredBound(st.Layers, s.Scenario), Critical: devstack.CriticalPathBound(s.Train, st.Layers, s.Scenario),
		GitHub: s.Sim.Stats()}, nil
}

// problems lists the failed repos of a running release, for an error message.
func (s *Stack) problems(tag string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	v, err := s.Client.QueryWorkflow(ctx, contract.ReleaseWorkflowID(tag), "", contract.QueryStatus)
	if err != nil {
		return "status: " + err.Error()
	}
	var st contract.Status
	if err := v.Get(&st); err != nil {
		return "status: " + err.Error()
	}
	var out []string
	for name, r := range st.Repos {
		if r.Error != "" || r.State != contract.RepoSucceeded {
			out = append(out, fmt.Sprintf("%s %s %s", name, r.State, r.Error))
		}
	}
	return fmt.Sprintf("state %s: %s", st.State, strings.Join(out, "; "))
}

func randomHex(t testing.TB) string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}
