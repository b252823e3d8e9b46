package ghsim

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// run is one workflow run; its status derives from the simulated clock.
type run struct {
	id           int64
	repo         *repoState
	workflow     string // file name
	workflowID   int64
	title        string
	event        string
	branch       string
	sha          string
	number       int
	attempt      int
	created      time.Time
	attemptStart time.Time
	cancelledAt  time.Time
	notified     int // webhook phase sent for this attempt: -1 none, 0 requested, 1 in_progress, 2 completed
	artifacts    []*artifact
}

// phase is a run's state at an instant.
type phase struct {
	status     string
	conclusion string
	updated    time.Time
	index      int // 0 queued, 1 in_progress, 2 completed
}

// phaseAt derives the run's state at now from its attempt's start and the scenario.
func (r *run) phaseAt(now time.Time) phase {
	if !r.cancelledAt.IsZero() {
		return phase{"completed", "cancelled", r.cancelledAt, 2}
	}
	started := r.attemptStart.Add(time.Duration(r.repo.cfg.QueueDelay))
	done := started.Add(time.Duration(r.repo.cfg.Duration))
	if r.repo.cfg.outcome(r.attempt) == "startup_failure" {
		done = started // the workflow never starts: no in_progress
	}
	switch {
	case now.Before(started):
		return phase{"queued", "", r.attemptStart, 0}
	case now.Before(done):
		return phase{"in_progress", "", started, 1}
	default:
		return phase{"completed", r.repo.cfg.outcome(r.attempt), done, 2}
	}
}

// phaseByIndex is the state the run had when it entered phase i (0 or 1) of this attempt.
func (r *run) phaseByIndex(i int) phase {
	started := r.attemptStart.Add(time.Duration(r.repo.cfg.QueueDelay))
	if i == 1 {
		return phase{"in_progress", "", started, 1}
	}
	return phase{"queued", "", r.attemptStart, 0}
}

// progressLocked fires the webhooks of every transition that is due and
// materialises the artifacts of runs that completed successfully.
func (s *Sim) progressLocked() {
	if len(s.pending) == 0 {
		return
	}
	now := s.clock.Now()
	ids := make([]int64, 0, len(s.pending))
	for id := range s.pending {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		r := s.pending[id]
		cur := r.phaseAt(now)
		for r.notified < cur.index {
			r.notified++
			if r.notified == 1 && (cur.index == 2 && !cur.updated.After(r.phaseByIndex(1).updated)) {
				continue // cancelled before it started, or startup_failure: no in_progress
			}
			p := r.phaseByIndex(r.notified)
			if r.notified == 2 {
				p = cur
				if p.conclusion == "success" {
					s.materialiseLocked(r, p.updated)
				}
			}
			s.queueRunEventLocked(r, p)
		}
		if r.notified >= 2 {
			delete(s.pending, id)
		}
	}
}

var runNameVar = regexp.MustCompile(`\$\{\{\s*(?:inputs|github\.event\.inputs|github\.event\.client_payload)\.([A-Za-z0-9_-]+)\s*\}\}`)

// displayTitle evaluates the workflow's run-name like GitHub would.
func displayTitle(cfg RepoScenario, workflow string, inputs map[string]string) string {
	if cfg.HonourRunName != nil && !*cfg.HonourRunName {
		return workflowName(workflow)
	}
	t := runNameVar.ReplaceAllStringFunc(cfg.RunName, func(m string) string {
		return inputs[runNameVar.FindStringSubmatch(m)[1]]
	})
	return strings.Join(strings.Fields(t), " ")
}

// workflowName is the name GitHub shows for a workflow file without `name:`.
func workflowName(file string) string {
	return strings.TrimSuffix(strings.TrimSuffix(file, ".yml"), ".yaml")
}

// createRunLocked starts a run (attempt 1) and counts the dispatch.
func (s *Sim) createRunLocked(repo *repoState, workflow, event, ref string, inputs map[string]string) *run {
	now := s.clock.Now()
	repo.runCount++
	branch := strings.TrimPrefix(strings.TrimPrefix(ref, "refs/heads/"), "refs/tags/")
	sum := sha1.Sum([]byte(repo.fullName() + "@" + ref))
	r := &run{
		id:           s.newID("run"),
		repo:         repo,
		workflow:     workflow,
		workflowID:   repo.workflowID(workflow),
		title:        displayTitle(repo.cfg, workflow, inputs),
		event:        event,
		branch:       branch,
		sha:          hex.EncodeToString(sum[:]),
		number:       repo.runCount,
		attempt:      1,
		created:      now,
		attemptStart: now,
		notified:     -1,
	}
	s.runs[r.id] = r
	s.pending[r.id] = r
	repo.runs = append(repo.runs, r)
	s.stats.dispatches[repo.fullName()]++
	s.progressLocked()
	return r
}

// workflowID is a stable id for a workflow file of the repo.
func (r *repoState) workflowID(file string) int64 {
	for i, w := range r.cfg.Workflows {
		if w == file {
			return r.id*100 + int64(i) + 1
		}
	}
	return 0
}

// findWorkflow resolves a workflow by file name or numeric id.
func (r *repoState) findWorkflow(idOrFile string) (string, bool) {
	for _, w := range r.cfg.Workflows {
		if w == idOrFile || strconv.FormatInt(r.workflowID(w), 10) == idOrFile {
			return w, true
		}
	}
	return "", false
}

// userJSON is a GitHub user or organisation.
type userJSON struct {
	Login string `json:"login"`
	ID    int64  `json:"id"`
	Type  string `json:"type"`
}

// repoJSON is a GitHub repository (the parts clients read).
type repoJSON struct {
	ID            int64    `json:"id"`
	NodeID        string   `json:"node_id"`
	Name          string   `json:"name"`
	FullName      string   `json:"full_name"`
	Private       bool     `json:"private"`
	Owner         userJSON `json:"owner"`
	HTMLURL       string   `json:"html_url"`
	URL           string   `json:"url"`
	DefaultBranch string   `json:"default_branch"`
}

func (s *Sim) repoJSONLocked(r *repoState) repoJSON {
	return repoJSON{
		ID: r.id, NodeID: fmt.Sprintf("R_sim%d", r.id), Name: r.name, FullName: r.fullName(),
		Owner:   userJSON{Login: r.owner, ID: 1, Type: "Organization"},
		HTMLURL: "https://github.com/" + r.fullName(), URL: s.baseURL + "/api/v3/repos/" + r.fullName(),
		DefaultBranch: "main",
	}
}

var botUser = userJSON{Login: "releasetrain[bot]", ID: 2, Type: "Bot"}

// runJSON is GitHub's workflow run object.
type runJSON struct {
	ID                 int64    `json:"id"`
	Name               string   `json:"name"`
	NodeID             string   `json:"node_id"`
	HeadBranch         string   `json:"head_branch"`
	HeadSHA            string   `json:"head_sha"`
	Path               string   `json:"path"`
	DisplayTitle       string   `json:"display_title"`
	RunNumber          int      `json:"run_number"`
	Event              string   `json:"event"`
	Status             string   `json:"status"`
	Conclusion         *string  `json:"conclusion"`
	WorkflowID         int64    `json:"workflow_id"`
	URL                string   `json:"url"`
	HTMLURL            string   `json:"html_url"`
	PullRequests       []any    `json:"pull_requests"`
	CreatedAt          string   `json:"created_at"`
	UpdatedAt          string   `json:"updated_at"`
	Actor              userJSON `json:"actor"`
	TriggeringActor    userJSON `json:"triggering_actor"`
	RunAttempt         int      `json:"run_attempt"`
	RunStartedAt       string   `json:"run_started_at"`
	JobsURL            string   `json:"jobs_url"`
	LogsURL            string   `json:"logs_url"`
	ArtifactsURL       string   `json:"artifacts_url"`
	CancelURL          string   `json:"cancel_url"`
	RerunURL           string   `json:"rerun_url"`
	PreviousAttemptURL *string  `json:"previous_attempt_url"`
	WorkflowURL        string   `json:"workflow_url"`
	Repository         repoJSON `json:"repository"`
	HeadRepository     repoJSON `json:"head_repository"`
}

func (s *Sim) runJSONLocked(r *run, p phase) runJSON {
	api := fmt.Sprintf("%s/api/v3/repos/%s/actions/runs/%d", s.baseURL, r.repo.fullName(), r.id)
	var concl *string
	if p.conclusion != "" {
		c := p.conclusion
		concl = &c
	}
	var prev *string
	if r.attempt > 1 {
		u := fmt.Sprintf("%s/attempts/%d", api, r.attempt-1)
		prev = &u
	}
	rj := s.repoJSONLocked(r.repo)
	return runJSON{
		ID: r.id, Name: r.title, NodeID: fmt.Sprintf("WFR_sim%d", r.id), HeadBranch: r.branch, HeadSHA: r.sha,
		Path: ".github/workflows/" + r.workflow, DisplayTitle: r.title, RunNumber: r.number, Event: r.event,
		Status: p.status, Conclusion: concl, WorkflowID: r.workflowID, URL: api,
		HTMLURL:      fmt.Sprintf("https://github.com/%s/actions/runs/%d", r.repo.fullName(), r.id),
		PullRequests: []any{}, CreatedAt: ts(r.created), UpdatedAt: ts(p.updated),
		Actor: botUser, TriggeringActor: botUser, RunAttempt: r.attempt, RunStartedAt: ts(r.attemptStart),
		JobsURL: api + "/jobs", LogsURL: api + "/logs", ArtifactsURL: api + "/artifacts",
		CancelURL: api + "/cancel", RerunURL: api + "/rerun", PreviousAttemptURL: prev,
		WorkflowURL: fmt.Sprintf("%s/api/v3/repos/%s/actions/workflows/%d", s.baseURL, r.repo.fullName(), r.workflowID),
		Repository:  rj, HeadRepository: rj,
	}
}

// runFromPathLocked finds the run named by the path, in the path's repo.
func (s *Sim) runFromPathLocked(req *http.Request) *run {
	repo := s.repo(req.PathValue("owner"), req.PathValue("repo"))
	if repo == nil {
		return nil
	}
	id, err := strconv.ParseInt(req.PathValue("run_id"), 10, 64)
	if err != nil {
		return nil
	}
	r := s.runs[id]
	if r == nil || r.repo != repo {
		return nil
	}
	return r
}

func (s *Sim) handleGetRun(w http.ResponseWriter, req *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.runFromPathLocked(req)
	if r == nil {
		notFound(w)
		return
	}
	writeJSON(w, http.StatusOK, s.runJSONLocked(r, r.phaseAt(s.clock.Now())))
}

// handleRerun serves rerun (all jobs) and rerun-failed-jobs: same run, next attempt.
func (s *Sim) handleRerun(failedOnly bool) http.HandlerFunc {
	return func(w http.ResponseWriter, req *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		r := s.runFromPathLocked(req)
		if r == nil {
			notFound(w)
			return
		}
		p := r.phaseAt(s.clock.Now())
		if p.status != "completed" {
			writeError(w, http.StatusForbidden, "This workflow is already running")
			return
		}
		if failedOnly && p.conclusion == "success" {
			writeError(w, http.StatusForbidden, "This workflow run has no failed jobs to re-run")
			return
		}
		r.attempt++
		r.attemptStart = s.clock.Now()
		r.cancelledAt = time.Time{}
		r.notified = -1
		s.pending[r.id] = r
		s.progressLocked()
		writeJSON(w, http.StatusCreated, struct{}{})
	}
}

func (s *Sim) handleCancel(w http.ResponseWriter, req *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.runFromPathLocked(req)
	if r == nil {
		notFound(w)
		return
	}
	now := s.clock.Now()
	if r.phaseAt(now).status == "completed" {
		writeError(w, http.StatusConflict, "Cannot cancel a workflow run that is completed.")
		return
	}
	r.cancelledAt = now
	s.pending[r.id] = r
	s.progressLocked()
	writeJSON(w, http.StatusAccepted, struct{}{})
}
