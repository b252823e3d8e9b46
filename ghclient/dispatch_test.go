package ghclient

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
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
	if err != nil {
		t.Fatal(err)
	}
	if run.ID != 100 || run.HTMLURL != "https://github.test/run/100" {
		t.Fatalf("run = %+v", run)
	}
	d, l := f.counts()
	if d != 1 || l != 1 {
		t.Fatalf("dispatches=%d lists=%d, want 1 look and 1 dispatch", d, l)
	}
	if got := f.dispatches[0]["inputs"].(map[string]any)["correlation_id"]; got != "rt-1" {
		t.Fatalf("correlation_id input = %v", got)
	}
	if f.lists[0] != "created=%3E%3D2025-12-31T23%3A59%3A00Z&event=workflow_dispatch&per_page=100" {
		t.Fatalf("listing query = %q (want created>= NotBefore minus a minute, event filter)", f.lists[0])
	}
	// A retry finds the run instead of dispatching again.
	again, err := c.FindOrDispatch(context.Background(), wfReq("rt-1"))
	if err != nil || again.ID != 100 {
		t.Fatalf("retry: %+v %v", again, err)
	}
	if d, _ := f.counts(); d != 1 {
		t.Fatalf("retry dispatched again: %d dispatches", d)
	}
}

func TestFindOrDispatchFallsBackWithoutRunDetails(t *testing.T) {
	t.Parallel()
	f := &fakeActions{t: t, runDetails: false, hideLists: 1}
	var sl sleepRecorder
	c, _, _ := newTestClient(t, f.handler(), func(cfg *Config) { cfg.Sleep = sl.sleep })
	run, err := c.FindOrDispatch(context.Background(), wfReq("rt-2"))
	if err != nil {
		t.Fatal(err)
	}
	if run.ID != 100 || !strings.Contains(run.DisplayTitle, "rt-2") {
		t.Fatalf("run = %+v", run)
	}
	if _, ok := f.dispatches[0]["return_run_details"]; ok {
		t.Fatal("landed dispatch still carries return_run_details")
	}
	if want := []time.Duration{2 * time.Second, 4 * time.Second}; len(sl.waits) != 2 || sl.waits[0] != want[0] || sl.waits[1] != want[1] {
		t.Fatalf("backoff = %v, want %v", sl.waits, want)
	}
	// The client remembers: the next dispatch goes out plainly at once.
	if _, err := c.FindOrDispatch(context.Background(), wfReq("rt-3")); err != nil {
		t.Fatal(err)
	}
	if d, _ := f.counts(); d != 2 {
		t.Fatalf("dispatches = %d, want 2", d)
	}
}

func TestFindOrDispatchRepositoryDispatch(t *testing.T) {
	t.Parallel()
	f := &fakeActions{t: t, hideLists: 1}
	c, _, _ := newTestClient(t, f.handler())
	req := DispatchRequest{Owner: "o", Repo: "r", Kind: KindRepositoryDispatch, CorrelationID: "rt-rd",
		Inputs: map[string]string{"release_tag": "v1", "upstream": `{"a":1}`}}
	run, err := c.FindOrDispatch(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if run.ID != 100 {
		t.Fatalf("run = %+v", run)
	}
	body := f.dispatches[0]
	if body["event_type"] != DefaultEventType {
		t.Fatalf("event_type = %v", body["event_type"])
	}
	cp := body["client_payload"].(map[string]any)
	if cp["correlation_id"] != "rt-rd" || cp["release_tag"] != "v1" || cp["upstream"] != `{"a":1}` {
		t.Fatalf("client_payload = %v", cp)
	}
	if !strings.Contains(f.lists[len(f.lists)-1], "event=repository_dispatch") {
		t.Fatalf("listing %q lacks the event filter", f.lists[len(f.lists)-1])
	}
}

func TestFindOrDispatch5xxAfterWriteDispatchesOnce(t *testing.T) {
	t.Parallel()
	f := &fakeActions{t: t, failAfterWrite: true, hideLists: 1}
	c, _, _ := newTestClient(t, f.handler())
	req := DispatchRequest{Owner: "o", Repo: "r", Kind: KindRepositoryDispatch, CorrelationID: "rt-5xx"}
	run, err := c.FindOrDispatch(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := f.counts(); d != 1 || run.ID != 100 {
		t.Fatalf("dispatches = %d run = %+v, want exactly one dispatch and its run", d, run)
	}
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
	if !errors.Is(err, ErrRunNotListed) || !IsPermanent(err) {
		t.Fatalf("err = %v, want permanent ErrRunNotListed", err)
	}
	if !strings.Contains(err.Error(), "o/r") || !strings.Contains(err.Error(), "rt-lost") {
		t.Fatalf("error %q must name repo and correlation id", err)
	}
	var total time.Duration
	for _, w := range sl.waits {
		total += w
		if w > 4*time.Second {
			t.Fatalf("wait %v over the cap", w)
		}
	}
	if total != 20*time.Second {
		t.Fatalf("waited %v (%v), want the 20s listing timeout", total, sl.waits)
	}
	if d, _ := f.counts(); d != 1 {
		t.Fatalf("dispatches = %d", d)
	}
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
	if err != nil || run.ID != 42 {
		t.Fatalf("run=%+v err=%v", run, err)
	}
	if d, _ := f.counts(); d != 0 {
		t.Fatalf("dispatched %d times although the run existed", d)
	}
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
		if !errors.Is(err, ErrPayloadTooLarge) || !IsPermanent(err) {
			t.Fatalf("%s: err = %v", tt.name, err)
		}
	}
	bad := []DispatchRequest{
		{Owner: "o", Repo: "r", Kind: "push", CorrelationID: "c"},
		{Owner: "o", Repo: "r", Kind: KindWorkflowDispatch, CorrelationID: "c"},
		{Owner: "o", Repo: "r", Kind: KindRepositoryDispatch},
		{Owner: "o", Repo: "r", Kind: KindRepositoryDispatch, CorrelationID: "c", EventType: strings.Repeat("e", 101)},
	}
	for _, req := range bad {
		if _, err := c.FindOrDispatch(context.Background(), req); !IsPermanent(err) {
			t.Fatalf("%+v: err = %v, want permanent", req, err)
		}
	}
	if d, l := f.counts(); d != 0 || l != 0 {
		t.Fatalf("invalid requests reached GitHub: %d dispatches, %d lists", d, l)
	}
}
