package ghsim

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-github/v62/github"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// raw sends a request with the static token and returns status and body.
func raw(t *testing.T, e *env, method, path, body string, header ...string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Authorization", "token "+StaticToken)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := e.srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(data)
}

func payload(keys, valueSize int) string {
	m := map[string]string{}
	for i := range keys {
		m[fmt.Sprintf("k%d", i)] = strings.Repeat("x", valueSize)
	}
	b, _ := json.Marshal(map[string]any{"event_type": "releasetrain-build", "client_payload": m})
	return string(b)
}

func TestBadInputGetsGitHubAnswers(t *testing.T) {
	e := setup(t, Options{ManualClock: true})
	const dispatches = "/api/v3/repos/acme/app/dispatches"
	tests := []struct {
		name       string
		method     string
		path, body string
		want       int
		wantBody   string
	}{
		{"unknown repo", "GET", "/api/v3/repos/acme/nope", "", 404, `{"message":"Not Found","documentation_url":"https://docs.github.com/rest"}`},
		{"unknown route", "GET", "/api/v3/nothing/here", "", 404, `"Not Found"`},
		{"malformed json", "POST", dispatches, `{"event_type":`, 400, `"Problems parsing JSON"`},
		{"missing event_type", "POST", dispatches, `{"client_payload":{}}`, 422, `event_type`},
		{"11 payload keys", "POST", dispatches, payload(11, 1), 422, `No more than 10 properties are allowed; 11 were supplied.`},
		{"payload over 64 KB", "POST", dispatches, payload(2, 33*1024), 422, `client_payload is too large`},
		{"10 keys fit", "POST", dispatches, payload(10, 100), 204, ``},
		{"missing ref", "POST", "/api/v3/repos/acme/app/actions/workflows/build.yml/dispatches", `{}`, 422, `ref`},
		{"unknown workflow", "POST", "/api/v3/repos/acme/app/actions/workflows/nope.yml/dispatches", `{"ref":"main"}`, 404, `Not Found`},
		{"release without tag", "POST", "/api/v3/repos/acme/app/releases", `{"name":"x"}`, 422, `"code":"missing_field"`},
		{"unknown run", "GET", "/api/v3/repos/acme/app/actions/runs/1", "", 404, `Not Found`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := raw(t, e, tt.method, tt.path, tt.body)
			assert.Equal(t, tt.want, code, body)
			if tt.name == "unknown repo" {
				assert.JSONEq(t, tt.wantBody, body)
				return
			}
			assert.Contains(t, body, tt.wantBody)
		})
	}
	assert.Equal(t, 1, e.sim.Stats().Dispatches["acme/app"], "only the valid dispatch landed")
}

func TestWorkflowDispatchAnswerByVersion(t *testing.T) {
	e := setup(t, Options{ManualClock: true})
	const path = "/api/v3/repos/acme/app/actions/workflows/build.yml/dispatches"
	code, body := raw(t, e, "POST", path, `{"ref":"main"}`, "X-GitHub-Api-Version", "2022-11-28")
	assert.Equal(t, http.StatusNoContent, code)
	assert.Empty(t, body)
	code, body = raw(t, e, "POST", path, `{"ref":"main"}`, "X-GitHub-Api-Version", "2026-03-10")
	assert.Equal(t, http.StatusOK, code)
	var details dispatchDetails
	require.NoError(t, json.Unmarshal([]byte(body), &details))
	assert.NotZero(t, details.WorkflowRunID)
	code, _ = raw(t, e, "POST", path, `{"ref":"main"}`, "X-GitHub-Api-Version", "1999-01-01")
	assert.Equal(t, http.StatusBadRequest, code)

	// go-github's own call gets the 204.
	resp, err := e.gh.Actions.CreateWorkflowDispatchEventByFileName(e.ctx, "acme", "app", "build.yml", github.CreateWorkflowDispatchEventRequest{Ref: "main"})
	require.NoError(t, err)
	assert.Equal(t, http.StatusNoContent, resp.StatusCode)
	// And a repository dispatch creates a repository_dispatch run with the payload as inputs.
	_, resp, err = e.gh.Repositories.Dispatch(e.ctx, "acme", "app", github.DispatchRequestOptions{
		EventType: "releasetrain-build", ClientPayload: rawJSON(`{"release_tag":"v9","correlation_id":"rt:v9:app:1"}`),
	})
	require.NoError(t, err)
	assert.Equal(t, http.StatusNoContent, resp.StatusCode)
	runs := e.sim.Stats().Runs["acme/app"]
	require.Len(t, runs, 4)
	assert.Equal(t, "repository_dispatch", runs[3].Event)
	assert.Equal(t, "build v9 rt:v9:app:1", runs[3].DisplayTitle)
}

func rawJSON(s string) *json.RawMessage {
	m := json.RawMessage(s)
	return &m
}

func TestLegacyDispatchRejectsRunDetails(t *testing.T) {
	sc := testScenario(t)
	sc.LegacyDispatch = true
	e := setup(t, Options{ManualClock: true, Scenario: sc})
	const path = "/api/v3/repos/acme/app/actions/workflows/build.yml/dispatches"
	code, body := raw(t, e, "POST", path, `{"ref":"main","return_run_details":true}`)
	assert.Equal(t, http.StatusUnprocessableEntity, code)
	assert.Contains(t, body, "not a permitted key")
	code, _ = raw(t, e, "POST", path, `{"ref":"main"}`, "X-GitHub-Api-Version", "2026-03-10")
	assert.Equal(t, http.StatusBadRequest, code)
	code, _ = raw(t, e, "POST", path, `{"ref":"main"}`)
	assert.Equal(t, http.StatusNoContent, code)
	assert.Equal(t, 1, e.sim.Stats().Dispatches["acme/app"])
}
