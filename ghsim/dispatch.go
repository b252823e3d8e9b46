package ghsim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
)

const (
	maxPayloadKeys  = 10
	maxPayloadBytes = 64 * 1024
	maxInputs       = 25
	maxEventType    = 100
	maxBodyBytes    = 25 << 20
	apiVersionNew   = "2026-03-10"
)

// readJSON decodes a JSON object body; a malformed body gets GitHub's 400.
func readJSON(w http.ResponseWriter, req *http.Request, v any) bool {
	data, err := io.ReadAll(io.LimitReader(req.Body, maxBodyBytes))
	if err == nil {
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		err = dec.Decode(v)
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, "Problems parsing JSON")
		return false
	}
	return true
}

// stringInputs flattens JSON values to strings, as Actions exposes inputs.
func stringInputs(m map[string]json.RawMessage) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		var s string
		if json.Unmarshal(v, &s) == nil {
			out[k] = s
		} else {
			out[k] = string(v)
		}
	}
	return out
}

// handleRepositoryDispatch serves POST /repos/{o}/{r}/dispatches: 204, no body.
func (s *Sim) handleRepositoryDispatch(w http.ResponseWriter, req *http.Request) {
	if s.repoOr404(w, req) == nil {
		return
	}
	var body struct {
		EventType     *string         `json:"event_type"`
		ClientPayload json.RawMessage `json:"client_payload"`
	}
	if !readJSON(w, req, &body) {
		return
	}
	var payload map[string]json.RawMessage
	switch {
	case body.EventType == nil || *body.EventType == "":
		writeError(w, http.StatusUnprocessableEntity, "Invalid request.\n\n\"event_type\" wasn't supplied.")
		return
	case len(*body.EventType) > maxEventType:
		writeError(w, http.StatusUnprocessableEntity, "Invalid request.\n\nevent_type is too long (maximum is 100 characters).")
		return
	case len(body.ClientPayload) > 0 && string(body.ClientPayload) != "null" && json.Unmarshal(body.ClientPayload, &payload) != nil:
		writeError(w, http.StatusUnprocessableEntity, "Invalid request.\n\nFor 'properties/client_payload', it is not an object.")
		return
	case len(payload) > maxPayloadKeys:
		writeError(w, http.StatusUnprocessableEntity, fmt.Sprintf("No more than %d properties are allowed; %d were supplied.", maxPayloadKeys, len(payload)))
		return
	case len(body.ClientPayload) > maxPayloadBytes:
		writeError(w, http.StatusUnprocessableEntity, "client_payload is too large")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	repo := s.pathRepoLocked(w, req)
	if repo == nil {
		return
	}
	m := s.hookBaseLocked(repo, botUser)
	m["action"] = *body.EventType
	m["branch"] = "main"
	m["client_payload"] = payload
	s.queueLocked("repository_dispatch", *body.EventType, repo.fullName(), m)
	if wf := repo.cfg.Workflows[0]; repo.workflowState(wf) == workflowActive {
		s.createRunLocked(repo, wf, "repository_dispatch", "main", stringInputs(payload))
	}
	w.WriteHeader(http.StatusNoContent)
}

// dispatchDetails is the 200 answer of a workflow dispatch with run details.
type dispatchDetails struct {
	WorkflowRunID int64  `json:"workflow_run_id"`
	RunURL        string `json:"run_url"`
	HTMLURL       string `json:"html_url"`
}

// handleWorkflowDispatch serves POST …/actions/workflows/{id}/dispatches:
// 204, or 200 with run details for API version 2026-03-10 or return_run_details.
func (s *Sim) handleWorkflowDispatch(w http.ResponseWriter, req *http.Request) {
	if s.repoOr404(w, req) == nil {
		return
	}
	s.mu.Lock()
	legacy := s.scenario.LegacyDispatch
	s.mu.Unlock()
	version := req.Header.Get("X-GitHub-Api-Version")
	if version != "" && version != "2022-11-28" && (version != apiVersionNew || legacy) {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("API version %s is not supported.", version))
		return
	}
	var body struct {
		Ref              *string                    `json:"ref"`
		Inputs           map[string]json.RawMessage `json:"inputs"`
		ReturnRunDetails *bool                      `json:"return_run_details"`
	}
	if !readJSON(w, req, &body) {
		return
	}
	switch {
	case legacy && body.ReturnRunDetails != nil:
		writeError(w, http.StatusUnprocessableEntity, "Invalid request.\n\n\"return_run_details\" is not a permitted key.")
		return
	case body.Ref == nil || *body.Ref == "":
		writeError(w, http.StatusUnprocessableEntity, "Invalid request.\n\n\"ref\" wasn't supplied.")
		return
	case len(body.Inputs) > maxInputs:
		writeError(w, http.StatusUnprocessableEntity, fmt.Sprintf("you may only define up to %d `inputs` for a workflow_dispatch event", maxInputs))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	repo, wf, ok := s.pathWorkflowLocked(w, req)
	if !ok {
		return
	}
	if repo.workflowState(wf) != workflowActive {
		writeError(w, http.StatusUnprocessableEntity, msgDispatchDisabled)
		return
	}
	inputs := stringInputs(body.Inputs)
	m := s.hookBaseLocked(repo, botUser)
	m["inputs"] = inputs
	m["ref"] = *body.Ref
	m["workflow"] = ".github/workflows/" + wf
	s.queueLocked("workflow_dispatch", "", repo.fullName(), m)
	r := s.createRunLocked(repo, wf, "workflow_dispatch", *body.Ref, inputs)
	if version != apiVersionNew && (body.ReturnRunDetails == nil || !*body.ReturnRunDetails) {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	rj := s.runJSONLocked(r, r.phaseAt(s.clock.Now()))
	writeJSON(w, http.StatusOK, dispatchDetails{WorkflowRunID: r.id, RunURL: rj.URL, HTMLURL: rj.HTMLURL})
}

// handleGetRepo serves GET /repos/{o}/{r}.
func (s *Sim) handleGetRepo(w http.ResponseWriter, req *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	repo := s.pathRepoLocked(w, req)
	if repo == nil {
		return
	}
	writeJSON(w, http.StatusOK, s.repoJSONLocked(repo))
}
