package ghclient

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func wfReq(corr string) DispatchRequest {
	return DispatchRequest{
		Owner: "o", Repo: "r", Kind: KindWorkflowDispatch, Workflow: "build.yml", Ref: "main",
		CorrelationID: corr, Inputs: map[string]string{"release_tag": "v1"},
		NotBefore: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
	}
}

func TestFindOrDispatchRunDetails(t *testing.T) {
	t.Parallel()
	f := &fakeActions{t: t, runDetails: true}
	c, _, _ := newTestClient(t, f.handler())
	run, err := c.FindOrDispatch(context.Background(), wfReq("rt-1"))
	require.NoError(t, err)
	require.Equal(t, int64(100), run.ID, "run = %+v", run)
	require.Equal(t, "https://github.test/run/100", run.HTMLURL, "run = %+v", run)
	d, l := f.counts()
	require.Equal(t, 1, d)
	require.Equal(t, 1, l)
	require.Equal(t, "rt-1", f.dispatches[0]["inputs"].(map[string]any)["correlation_id"], "correlation_id input")
	require.Equal(t, "created=%3E%3D2025-12-31T23%3A59%3A00Z&event=workflow_dispatch&per_page=100", f.lists[0], "listing query: created>= NotBefore minus a minute, event filter")
	// A retry finds the run instead of dispatching again.
	again, err := c.FindOrDispatch(context.Background(), wfReq("rt-1"))
	require.NoError(t, err, "retry: %+v %v", again, err)
	require.Equal(t, int64(100), again.ID, "retry: %+v %v", again, err)
	d, _ = f.counts()
	require.Equal(t, 1, d, "retry dispatched again: %d dispatches", d)
}

func TestFindOrDispatchFallsBackWithoutRunDetails(t *testing.T) {
	t.Parallel()
	f := &fakeActions{t: t, runDetails: false, hideLists: 1}
	var sl sleepRecorder
	c, _, _ := newTestClient(t, f.handler(), func(cfg *Config) { cfg.Sleep = sl.sleep })
	run, err := c.FindOrDispatch(context.Background(), wfReq("rt-2"))
	require.NoError(t, err)
	require.Equal(t, int64(100), run.ID, "run = %+v", run)
	require.Contains(t, run.DisplayTitle, "rt-2", "run = %+v", run)
	_, ok := f.dispatches[0]["return_run_details"]
	require.False(t, ok, "landed dispatch still carries return_run_details")
	want := []time.Duration{2 * time.Second, 4 * time.Second}
	require.Equal(t, want, sl.waits, "backoff")
	// The client remembers: the next dispatch goes out plainly at once.
	_, err = c.FindOrDispatch(context.Background(), wfReq("rt-3"))
	require.NoError(t, err)
	d, _ := f.counts()
	require.Equal(t, 2, d, "dispatches")
}

func TestFindOrDispatchRepositoryDispatch(t *testing.T) {
	t.Parallel()
	f := &fakeActions{t: t, hideLists: 1}
	c, _, _ := newTestClient(t, f.handler())
	req := DispatchRequest{Owner: "o", Repo: "r", Kind: KindRepositoryDispatch, CorrelationID: "rt-rd",
		Inputs: map[string]string{"release_tag": "v1", "upstream": `{"a":1}`}}
	run, err := c.FindOrDispatch(context.Background(), req)
	require.NoError(t, err)
	require.Equal(t, int64(100), run.ID, "run = %+v", run)
	body := f.dispatches[0]
	require.Equal(t, DefaultEventType, body["event_type"], "event_type")
	cp := body["client_payload"].(map[string]any)
	require.Equal(t, "rt-rd", cp["correlation_id"], "client_payload = %v", cp)
	require.Equal(t, "v1", cp["release_tag"], "client_payload = %v", cp)
	require.Equal(t, `{"a":1}`, cp["upstream"], "client_payload = %v", cp)
	require.Contains(t, f.lists[len(f.lists)-1], "event=repository_dispatch", "listing %q lacks the event filter", f.lists[len(f.lists)-1])
}

func TestFindOrDispatch5xxAfterWriteDispatchesOnce(t *testing.T) {
	t.Parallel()
	f := &fakeActions{t: t, failAfterWrite: true, hideLists: 1}
	c, _, _ := newTestClient(t, f.handler())
	req := DispatchRequest{Owner: "o", Repo: "r", Kind: KindRepositoryDispatch, CorrelationID: "rt-5xx"}
	run, err := c.FindOrDispatch(context.Background(), req)
	require.NoError(t, err)
	d, _ := f.counts()
	require.Equal(t, 1, d, "dispatches = %d run = %+v, want exactly one dispatch and its run", d, run)
	require.Equal(t, int64(100), run.ID, "dispatches = %d run = %+v, want exactly one dispatch and its run", d, run)
}

func TestFindOrDispatchNotListed(t *testing.T) {
	t.Parallel()
	f := &fakeActions{t: t, noRunName: true}
	var sl sleepRecorder
	c, _, _ := newTestClient(t, f.handler(), func(cfg *Config) {
		cfg.Sleep = sl.sleep
		cfg.ListingTimeout = 20 * time.Second
		cfg.MaxListingBackoff = 4 * time.Second
	})
	_, err := c.FindOrDispatch(context.Background(), DispatchRequest{Owner: "o", Repo: "r", Kind: KindRepositoryDispatch, CorrelationID: "rt-lost"})
	require.ErrorIs(t, err, ErrRunNotListed, "err = %v, want permanent ErrRunNotListed", err)
	require.True(t, IsPermanent(err), "err = %v, want permanent ErrRunNotListed", err)
	require.Contains(t, err.Error(), "o/r", "error %q must name repo and correlation id", err)
	require.Contains(t, err.Error(), "rt-lost", "error %q must name repo and correlation id", err)
	var total time.Duration
	for _, w := range sl.waits {
		total += w
		require.LessOrEqual(t, w, 4*time.Second, "wait %v over the cap", w)
	}
	require.Equal(t, 20*time.Second, total, "waited %v (%v), want the 20s listing timeout", total, sl.waits)
	d, _ := f.counts()
	require.Equal(t, 1, d, "dispatches")
}

func TestFindOrDispatchListingWaitBeforeDispatch(t *testing.T) {
	t.Parallel()
	f := &fakeActions{t: t}
	var sl sleepRecorder
	c, _, _ := newTestClient(t, f.handler(), func(cfg *Config) { cfg.Sleep = sl.sleep })
	// An earlier attempt dispatched and crashed; its run is not listed yet.
	f.runs = append(f.runs, fakeRun{id: 42, title: "build v1 rt-crash", event: "workflow_dispatch", hidden: 2})
	req := wfReq("rt-crash")
	req.ListingWait = 10 * time.Second
	run, err := c.FindOrDispatch(context.Background(), req)
	require.NoError(t, err, "run=%+v err=%v", run, err)
	require.Equal(t, int64(42), run.ID, "run=%+v err=%v", run, err)
	d, _ := f.counts()
	require.Zero(t, d, "dispatched %d times although the run existed", d)
}

func TestDispatchPayloadLimits(t *testing.T) {
	t.Parallel()
	f := &fakeActions{t: t}
	c, _, _ := newTestClient(t, f.handler())
	many := map[string]string{}
	for i := range 10 {
		many[string(rune('a'+i))] = "x"
	}
	big := map[string]string{"blob": strings.Repeat("x", 64<<10)}
	inputs26 := map[string]string{}
	for i := range 26 {
		inputs26[string(rune('a'+i))] = "x"
	}
	tests := []struct {
		name string
		req  DispatchRequest
	}{
		{"11 keys", DispatchRequest{Owner: "o", Repo: "r", Kind: KindRepositoryDispatch, CorrelationID: "c", Inputs: many}},
		{"64 KB", DispatchRequest{Owner: "o", Repo: "r", Kind: KindRepositoryDispatch, CorrelationID: "c", Inputs: big}},
		{"26 inputs", DispatchRequest{Owner: "o", Repo: "r", Kind: KindWorkflowDispatch, Workflow: "b.yml", Ref: "main", CorrelationID: "c", Inputs: inputs26}},
	}
	for _, tt := range tests {
		_, err := c.FindOrDispatch(context.Background(), tt.req)
		require.ErrorIs(t, err, ErrPayloadTooLarge, "%s: err = %v", tt.name, err)
		require.True(t, IsPermanent(err), "%s: err = %v", tt.name, err)
	}
	bad := []DispatchRequest{
		{Owner: "o", Repo: "r", Kind: "push", CorrelationID: "c"},
		{Owner: "o", Repo: "r", Kind: KindWorkflowDispatch, CorrelationID: "c"},
		{Owner: "o", Repo: "r", Kind: KindRepositoryDispatch},
		{Owner: "o", Repo: "r", Kind: KindRepositoryDispatch, CorrelationID: "c", EventType: strings.Repeat("e", 101)},
	}
	for _, req := range bad {
		_, err := c.FindOrDispatch(context.Background(), req)
		require.True(t, IsPermanent(err), "%+v: err = %v, want permanent", req, err)
	}
	d, l := f.counts()
	require.Zero(t, d)
	require.Zero(t, l)
}
