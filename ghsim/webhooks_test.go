package ghsim

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/google/go-github/v62/github"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const testSecret = "It's a Secret to Everybody"

// received is one delivery as a receiver saw it, validated with go-github.
type received struct {
	event, guid, hookID string
	payload             any
}

// receiver collects deliveries; the first failFirst answers are 500.
type receiver struct {
	srv *httptest.Server
	mu  sync.Mutex
	ch  chan received
}

func newReceiver(t *testing.T, failFirst int) *receiver {
	t.Helper()
	rc := &receiver{ch: make(chan received, 100)}
	n := 0
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := github.ValidatePayload(r, []byte(testSecret))
		if err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		ev, err := github.ParseWebHook(github.WebHookType(r), body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		rc.mu.Lock()
		n++
		fail := n <= failFirst
		rc.mu.Unlock()
		if fail {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		got := received{event: github.WebHookType(r), guid: github.DeliveryID(r), hookID: r.Header.Get("X-GitHub-Hook-ID"), payload: ev}
		rc.ch <- got
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

// next waits for the next delivery.
func (rc *receiver) next(t *testing.T) received {
	t.Helper()
	select {
	case got := <-rc.ch:
		return got
	case <-time.After(time.Minute):
		t.Fatal("no webhook delivery within a minute")
		return received{}
	}
}

// nextOf waits for the next delivery of event, skipping others.
func (rc *receiver) nextOf(t *testing.T, event string) received {
	t.Helper()
	for {
		if got := rc.next(t); got.event == event {
			return got
		}
	}
}

func TestSignatureTestVector(t *testing.T) {
	assert.Equal(t, "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17", sign(testSecret, []byte("Hello, World!")))
}

func TestWorkflowRunWebhooks(t *testing.T) {
	rc := newReceiver(t, 0)
	e := setup(t, Options{ManualClock: true, WebhookURL: rc.srv.URL, WebhookSecret: testSecret})
	ping := rc.next(t)
	assert.Equal(t, "ping", ping.event)
	assert.Equal(t, "500000001", ping.hookID)

	id := dispatchWithDetails(t, e, "lib", map[string]any{"release_tag": "v2"})
	wd := rc.next(t)
	require.Equal(t, "workflow_dispatch", wd.event)
	assert.Equal(t, "main", wd.payload.(*github.WorkflowDispatchEvent).GetRef())
	want := []string{"requested", "in_progress", "completed"}
	for i, action := range want {
		if i > 0 {
			e.sim.Advance(6 * time.Second)
		}
		got := rc.next(t)
		require.Equal(t, "workflow_run", got.event)
		ev := got.payload.(*github.WorkflowRunEvent)
		assert.Equal(t, action, ev.GetAction())
		assert.Equal(t, id, ev.GetWorkflowRun().GetID())
		assert.Equal(t, "acme/lib", ev.GetRepo().GetFullName())
		assert.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$`, got.guid)
	}
	// Re-running sends the lifecycle again for the next attempt.
	_, err := e.gh.Actions.RerunWorkflowByID(e.ctx, "acme", "lib", id)
	require.NoError(t, err)
	got := rc.next(t).payload.(*github.WorkflowRunEvent)
	assert.Equal(t, "requested", got.GetAction())
	assert.Equal(t, 2, got.GetWorkflowRun().GetRunAttempt())
}

func TestReleaseWebhooks(t *testing.T) {
	rc := newReceiver(t, 0)
	e := setup(t, Options{ManualClock: true, WebhookURL: rc.srv.URL, WebhookSecret: testSecret})
	rc.next(t) // ping

	_, err := e.sim.PublishRelease("acme", "app", "v1.0.0", false)
	require.NoError(t, err)
	for _, action := range []string{"created", "published", "released"} {
		got := rc.next(t)
		require.Equal(t, "release", got.event)
		ev := got.payload.(*github.ReleaseEvent)
		assert.Equal(t, action, ev.GetAction())
		assert.Equal(t, "v1.0.0", ev.GetRelease().GetTagName())
	}
	_, err = e.sim.PublishRelease("acme", "app", "v1.0.0", false)
	require.ErrorIs(t, err, ErrAlreadyExists)

	// Drafts and publishing them: drafts_test.go.
}

func TestFailedDeliveryIsRecordedAndRedelivered(t *testing.T) {
	rc := newReceiver(t, 1) // the ping fails
	e := setup(t, Options{ManualClock: true, WebhookURL: rc.srv.URL, WebhookSecret: testSecret})
	var failed Delivery
	require.Eventually(t, func() bool {
		d := e.sim.Deliveries()
		failed = d[0]
		return len(d) == 1 && !d[0].Pending
	}, time.Minute, 5*time.Millisecond)
	assert.Equal(t, "ping", failed.Event)
	assert.Equal(t, http.StatusInternalServerError, failed.StatusCode)
	assert.NotEmpty(t, failed.Error)

	// GitHub's API: list deliveries, then redeliver; the GUID is kept.
	list, _, err := e.gh.Repositories.ListHookDeliveries(e.ctx, "acme", "app", HookID, nil)
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.Equal(t, failed.GUID, list[0].GetGUID())
	assert.Equal(t, 500, list[0].GetStatusCode())
	_, resp, err := e.gh.Repositories.RedeliverHookDelivery(e.ctx, "acme", "app", HookID, list[0].GetID())
	var accepted *github.AcceptedError
	require.ErrorAs(t, err, &accepted)
	assert.Equal(t, http.StatusAccepted, resp.StatusCode)
	got := rc.next(t)
	assert.Equal(t, failed.GUID, got.guid)

	// And through the Go API.
	require.NoError(t, e.sim.Redeliver(failed.GUID))
	assert.Equal(t, failed.GUID, rc.next(t).guid)
	ds := e.sim.Deliveries()
	require.Len(t, ds, 3)
	assert.True(t, ds[2].Redelivery)
	require.ErrorIs(t, e.sim.Redeliver("nope"), ErrNotFound)
}

func TestDeliveriesDoNotBlockAnswers(t *testing.T) {
	block := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		select {
		case <-block:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(slow.Close)
	t.Cleanup(func() { close(block) })
	e := setup(t, Options{ManualClock: true, WebhookURL: slow.URL})
	start := time.Now()
	for range 20 {
		dispatchWithDetails(t, e, "lib", nil)
	}
	// Synchronous deliveries would wait out the receiver: 10 s each (the
	// delivery timeout), 200 s in all. Twenty asynchronous ones take
	// milliseconds; the bound is one delivery timeout, safe under load.
	assert.Less(t, time.Since(start), 10*time.Second)
	assert.Equal(t, 1+20*2, len(e.sim.Deliveries()), "ping, then workflow_dispatch + workflow_run requested per dispatch")
}

func TestRepositoryDispatchWebhook(t *testing.T) {
	rc := newReceiver(t, 0)
	e := setup(t, Options{ManualClock: true, WebhookURL: rc.srv.URL, WebhookSecret: testSecret})
	rc.next(t) // ping
	_, _, err := e.gh.Repositories.Dispatch(e.ctx, "acme", "app", github.DispatchRequestOptions{
		EventType: "releasetrain-release", ClientPayload: rawJSON(`{"tag":"v1.2.3"}`),
	})
	require.NoError(t, err)
	got := rc.next(t)
	require.Equal(t, "repository_dispatch", got.event)
	ev := got.payload.(*github.RepositoryDispatchEvent)
	assert.Equal(t, "releasetrain-release", ev.GetAction())
	assert.Equal(t, "main", ev.GetBranch())
	assert.JSONEq(t, `{"tag":"v1.2.3"}`, string(ev.ClientPayload))
	assert.Equal(t, "workflow_run", rc.next(t).event, "and the run it starts")
}
