package ghclient

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/stretchr/testify/assert"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeActions is a small in-test GitHub Actions for edge cases ghsim does
// not model (old servers rejecting run details, exact listing queries).
type fakeActions struct {
	mu sync.Mutex
	t  *testing.T
	// runDetails: the server understands return_run_details.
	runDetails bool
	// hideLists: how many listings a new run stays invisible for.
	hideLists int
	// failAfterWrite: the next dispatch lands but answers 502.
	failAfterWrite bool
	// runName: false gives display titles without the correlation id.
	noRunName bool

	dispatches []map[string]any
	lists      []string // raw queries
	runs       []fakeRun
}

type fakeRun struct {
	id     int64
	title  string
	event  string
	hidden int
}

func (f *fakeActions) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /repos/{o}/{r}/actions/workflows/{wf}/dispatches", func(w http.ResponseWriter, r *http.Request) {
		f.dispatch(w, r, "workflow_dispatch")
	})
	mux.HandleFunc("POST /repos/{o}/{r}/dispatches", func(w http.ResponseWriter, r *http.Request) {
		f.dispatch(w, r, "repository_dispatch")
	})
	mux.HandleFunc("GET /repos/{o}/{r}/actions/runs", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.lists = append(f.lists, r.URL.RawQuery)
		var out []string
		for i := range f.runs {
			run := &f.runs[i]
			if run.hidden > 0 {
				run.hidden--
				continue
			}
			if ev := r.URL.Query().Get("event"); ev != "" && ev != run.event {
				continue
			}
			out = append(out, fmt.Sprintf(`{"id":%d,"display_title":%q,"event":%q,"status":"queued","created_at":"2026-01-01T00:00:0%dZ"}`, run.id, run.title, run.event, run.id%10))
		}
		writeJSON(w, 200, fmt.Sprintf(`{"total_count":%d,"workflow_runs":[%s]}`, len(out), strings.Join(out, ",")))
	})
	return mux
}

func (f *fakeActions) dispatch(w http.ResponseWriter, r *http.Request, event string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	b, _ := io.ReadAll(r.Body)
	var body map[string]any
	assert.NoError(f.t, json.Unmarshal(b, &body), "dispatch body")
	if _, ok := body["return_run_details"]; ok && !f.runDetails {
		writeJSON(w, 422, `{"message":"Invalid request.\n\n\"return_run_details\" is not a permitted key."}`)
		return
	}
	f.dispatches = append(f.dispatches, body)
	id := int64(100 + len(f.runs))
	payload, _ := body["inputs"].(map[string]any)
	if payload == nil {
		payload, _ = body["client_payload"].(map[string]any)
	}
	title := "build"
	if !f.noRunName {
		title = fmt.Sprintf("build v1 %v", payload["correlation_id"])
	}
	f.runs = append(f.runs, fakeRun{id: id, title: title, event: event, hidden: f.hideLists})
	switch {
	case f.failAfterWrite:
		f.failAfterWrite = false
		writeJSON(w, 502, `{"message":"Bad Gateway"}`)
	case body["return_run_details"] == true:
		writeJSON(w, 200, fmt.Sprintf(`{"workflow_run_id":%d,"run_url":"x","html_url":"https://github.test/run/%d"}`, id, id))
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}

func (f *fakeActions) counts() (dispatches, lists int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.dispatches), len(f.lists)
}

// sleepRecorder is a Config.Sleep that records the waits.
type sleepRecorder struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (s *sleepRecorder) sleep(_ context.Context, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.waits = append(s.waits, d)
	return nil
}
