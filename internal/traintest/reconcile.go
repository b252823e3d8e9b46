package traintest

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"net"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/BTCDecoded/releasetrain/config"
	"github.com/BTCDecoded/releasetrain/contract"
	"github.com/BTCDecoded/releasetrain/ghclient"
	"github.com/BTCDecoded/releasetrain/ghsim"
	"github.com/BTCDecoded/releasetrain/webhook"
	"github.com/BTCDecoded/releasetrain/worker"
)

// ReconcileSecret is the webhook secret of a ReconcileStack.
const ReconcileSecret = "reconcile-secret"

// App ids of a ReconcileStack's simulated GitHub App.
const (
	appID          = 4711
	installationID = 4712
)

// Receiver is the real webhook receiver on a fixed local address that a
// test can stop (GitHub's deliveries then fail: connection refused) and
// start again.
type Receiver struct {
	addr string
	srv  *webhook.Server

	mu sync.Mutex
	hs *http.Server
}

// URL is where GitHub delivers.
func (r *Receiver) URL() string { return "http://" + r.addr + "/webhook" }

// Start serves on the receiver's address.
func (r *Receiver) Start(t testing.TB) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.hs != nil {
		return
	}
	var ln net.Listener
	var err error
	deadline := time.Now().Add(10 * time.Second)
	for {
		if ln, err = net.Listen("tcp", r.addr); err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("receiver: listen %s: %v", r.addr, err)
	}
	r.hs = &http.Server{Handler: r.srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func(hs *http.Server) { _ = hs.Serve(ln) }(r.hs)
}

// Stop closes the receiver's listener and connections.
func (r *Receiver) Stop() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.hs != nil {
		_ = r.hs.Close()
		r.hs = nil
	}
}

// ReconcileStack is a whole train with the delivery-log reconciler: ghsim
// with a GitHub App whose webhook goes to a Receiver (stopped at first), an
// in-process worker authenticated as that App, and the
// releasetrain-reconcile schedule the worker creates at start.
type ReconcileStack struct {
	Sim      *ghsim.Sim
	Client   client.Client
	Train    config.Train
	Receiver *Receiver
	// APIURL is the simulator's REST root (GITHUB_API_URL).
	APIURL string
}

// StartReconcileStack starts the stack on the Temporal client c with the
// receiver stopped; sc nil is ghsim's default scenario. tokenOnly gives the
// worker a token instead of the App, and the train reconcile.webhook_url =
// the receiver's URL, so the reconciler reads the repository hooks' logs.
func StartReconcileStack(t testing.TB, c client.Client, train config.Train, sc *ghsim.Scenario, tokenOnly bool) *ReconcileStack {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	rc := &Receiver{addr: ln.Addr().String()}
	_ = ln.Close()
	gh := ghclient.Config{AppID: appID, InstallationID: installationID, PrivateKey: pemKey}
	if tokenOnly {
		gh = ghclient.Config{Token: SimToken}
		train.Reconcile.WebhookURL = rc.URL()
	}
	srv, err := webhook.New(webhook.Options{Secret: []byte(ReconcileSecret), Train: &train, Temporal: c, Schedules: c.ScheduleClient()})
	if err != nil {
		t.Fatal(err)
	}
	rc.srv = srv
	t.Cleanup(rc.Stop)
	sim, apiURL := StartSim(t, ghsim.Options{
		Scenario: sc, WebhookURL: rc.URL(), WebhookSecret: ReconcileSecret, WebhookTimeout: 2 * time.Second,
		App: &ghsim.App{ID: appID, InstallationID: installationID, PublicKey: &key.PublicKey},
	}, nil)
	gh.BaseURL = apiURL
	w, err := worker.New(c, worker.Options{
		GitHub:      gh,
		StoreURL:    "file://" + t.TempDir() + "?no_tmp_dir=1",
		WorkDir:     t.TempDir(),
		ListingWait: time.Second,
	})
	if err != nil {
		t.Fatalf("worker: %v", err)
	}
	if err := w.Start(); err != nil {
		t.Fatalf("start worker: %v", err)
	}
	t.Cleanup(w.Stop)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := worker.EnsureReconcileSchedule(ctx, c, train); err != nil {
		t.Fatalf("reconcile schedule: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = c.ScheduleClient().GetHandle(ctx, contract.ReconcileScheduleID).Delete(ctx)
	})
	return &ReconcileStack{Sim: sim, Client: c, Train: train, Receiver: rc, APIURL: apiURL}
}

// RunReconcile triggers one run of the reconcile schedule and returns its
// result once it finished.
func (s *ReconcileStack) RunReconcile(t testing.TB) contract.ReconcileResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	h := s.Client.ScheduleClient().GetHandle(ctx, contract.ReconcileScheduleID)
	before, err := h.Describe(ctx)
	if err != nil {
		t.Fatalf("describe schedule: %v", err)
	}
	if err := h.Trigger(ctx, client.ScheduleTriggerOptions{}); err != nil {
		t.Fatalf("trigger schedule: %v", err)
	}
	var run *client.ScheduleWorkflowExecution
	for run == nil {
		d, err := h.Describe(ctx)
		if err != nil {
			t.Fatalf("describe schedule: %v", err)
		}
		if d.Info.NumActions > before.Info.NumActions && len(d.Info.RecentActions) > 0 {
			run = d.Info.RecentActions[len(d.Info.RecentActions)-1].StartWorkflowResult
			break
		}
		select {
		case <-ctx.Done():
			t.Fatal("the triggered reconcile run did not start")
		case <-time.After(100 * time.Millisecond):
		}
	}
	var res contract.ReconcileResult
	if err := s.Client.GetWorkflow(ctx, run.WorkflowID, run.FirstExecutionRunID).Get(ctx, &res); err != nil {
		t.Fatalf("reconcile run %s: %v", run.WorkflowID, err)
	}
	return res
}

// Settled waits until every delivery is attempted and returns them.
func (s *ReconcileStack) Settled(t testing.TB) []ghsim.Delivery {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		ds := s.Sim.Deliveries()
		if !slices.ContainsFunc(ds, func(d ghsim.Delivery) bool { return d.Pending }) {
			return ds
		}
		if time.Now().After(deadline) {
			t.Fatal("webhook deliveries still pending after a minute")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// MaintainerTrigger does what a maintainer does to start a train of tag in
// the train's trigger mode: in draft mode, save a draft release in the
// release repo (GitHub sends release created with draft true); in release
// mode, publish a release in the first trigger repo that is not the release
// repo.
func (s *ReconcileStack) MaintainerTrigger(t testing.TB, tag string) {
	t.Helper()
	sim, train := s.Sim, s.Train
	if DraftMode(train) {
		if _, err := sim.SaveDraft(train.Owner, train.Release.Repo, tag, ghsim.DraftOptions{Name: tag}); err != nil {
			t.Fatalf("save draft %s: %v", tag, err)
		}
		return
	}
	for _, repo := range train.Trigger.Repos {
		if strings.EqualFold(repo, train.Release.Repo) {
			continue
		}
		if _, err := sim.PublishRelease(train.Owner, repo, tag, false); err != nil {
			t.Fatalf("publish %s in %s: %v", tag, repo, err)
		}
		return
	}
	t.Fatal(errors.New("no trigger repo besides the release repo"))
}

// DraftMode reports whether the train starts from a saved draft. The
// trigger.mode key (config.Trigger.Mode) is being added by the trigger-mode
// work; it is read by name so these tests follow the default mode as soon
// as it lands. Without it, "created" among the trigger actions means draft.
func DraftMode(train config.Train) bool {
	if mode := reflect.ValueOf(train.Trigger).FieldByName("Mode"); mode.IsValid() && mode.Kind() == reflect.String {
		return mode.String() == "draft"
	}
	return slices.Contains(train.Trigger.Actions, "created")
}
