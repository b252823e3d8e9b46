package ghsim

import (
	"fmt"
	"net/http"
	"slices"
	"sort"
)

// Workflow states (GitHub also has disabled_inactivity and disabled_fork).
const (
	workflowActive   = "active"
	workflowDisabled = "disabled_manually"
)

// msgDispatchDisabled is GitHub's 422 for dispatching a disabled workflow.
const msgDispatchDisabled = "Cannot trigger a 'workflow_dispatch' on a disabled workflow"

// workflowState is a workflow file's state: disabled_manually when the
// scenario lists it in disabled_workflows, else active.
func (r *repoState) workflowState(file string) string {
	if slices.Contains(r.cfg.DisabledWorkflows, file) {
		return workflowDisabled
	}
	return workflowActive
}

// workflowJSON is GitHub's workflow object.
type workflowJSON struct {
	ID        int64  `json:"id"`
	NodeID    string `json:"node_id"`
	Name      string `json:"name"`
	Path      string `json:"path"`
	State     string `json:"state"`
	CreatedAt string `json:"created_at"`
	UpdatedAt string `json:"updated_at"`
	URL       string `json:"url"`
	HTMLURL   string `json:"html_url"`
	BadgeURL  string `json:"badge_url"`
}

func (s *Sim) workflowJSONLocked(r *repoState, file string) workflowJSON {
	id := r.workflowID(file)
	path := ".github/workflows/" + file
	created := ts(s.clock.start)
	return workflowJSON{
		ID: id, NodeID: fmt.Sprintf("W_sim%d", id), Name: workflowName(file), Path: path, State: r.workflowState(file),
		CreatedAt: created, UpdatedAt: created,
		URL:      fmt.Sprintf("%s/api/v3/repos/%s/actions/workflows/%d", s.baseURL, r.fullName(), id),
		HTMLURL:  fmt.Sprintf("https://github.com/%s/blob/main/%s", r.fullName(), path),
		BadgeURL: fmt.Sprintf("https://github.com/%s/workflows/%s/badge.svg", r.fullName(), workflowName(file)),
	}
}

// handleListWorkflows serves GET /repos/{o}/{r}/actions/workflows.
func (s *Sim) handleListWorkflows(w http.ResponseWriter, req *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	repo := s.pathRepoLocked(w, req)
	if repo == nil {
		return
	}
	files := slices.Clone(repo.cfg.Workflows)
	sort.Strings(files)
	out := []workflowJSON{}
	for _, f := range files {
		out = append(out, s.workflowJSONLocked(repo, f))
	}
	writeJSON(w, http.StatusOK, map[string]any{"total_count": len(out), "workflows": out})
}

// handleGetWorkflow serves GET /repos/{o}/{r}/actions/workflows/{workflow_id}
// (a numeric id or a file name).
func (s *Sim) handleGetWorkflow(w http.ResponseWriter, req *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	repo, wf, ok := s.pathWorkflowLocked(w, req)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, s.workflowJSONLocked(repo, wf))
}
