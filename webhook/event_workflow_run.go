package webhook

import (
	"context"
	"strings"

	"github.com/BTCDecoded/releasetrain/contract"
)

// workflowRunPayload is the part of a workflow_run delivery the receiver
// reads. workflow_run is by far the most frequent delivery (every run of
// every repo the hook covers, three times each), so it is decoded into this
// narrow struct with goccy/go-json (a drop-in, validating decoder ~10x
// faster than encoding/json here) instead of go-github's full
// WorkflowRunEvent, whose nested repositories and commit dominated the
// receiver's CPU time.
type workflowRunPayload struct {
	Action      string `json:"action"`
	WorkflowRun struct {
		ID           int64  `json:"id"`
		Name         string `json:"name"`
		DisplayTitle string `json:"display_title"`
		Status       string `json:"status"`
		Conclusion   string `json:"conclusion"`
	} `json:"workflow_run"`
	Repository struct {
		Name     string `json:"name"`
		FullName string `json:"full_name"`
		Owner    struct {
			Login string `json:"login"`
		} `json:"owner"`
	} `json:"repository"`
}

// onWorkflowRun forwards a run of one of the train's builds as the
// build-event signal; the train is named by the correlation id in the run's
// display_title (the build's run-name).
func (s *Server) onWorkflowRun(ctx context.Context, ev *workflowRunPayload) (reply, error) {
	run := ev.WorkflowRun
	tag, repo, _, ok := contract.ParseCorrelationID(run.DisplayTitle)
	if !ok {
		return ignored("workflow run %d is not a releasetrain build", run.ID), nil
	}
	owner, name := ev.Repository.Owner.Login, ev.Repository.Name
	if o, n, found := strings.Cut(ev.Repository.FullName, "/"); found {
		if owner == "" {
			owner = o
		}
		if name == "" {
			name = n
		}
	}
	if !s.ownedByTrain(owner) {
		return ignored("%s/%s is not owned by %s", owner, name, s.train.Owner), nil
	}
	if name != "" && !strings.EqualFold(name, repo) {
		return ignored("run %d in %s carries a correlation id for %s", run.ID, name, repo), nil
	}
	// Only a completion wakes a build (requested and in_progress change
	// nothing the workflow acts on); forwarding them would put two thirds of
	// a train's signals, and their forwards to the layer, in its history.
	if run.Status != "completed" {
		return ignored("run %d is %s; only completions are forwarded", run.ID, run.Status), nil
	}
	return s.forwardBuildEvent(ctx, tag, contract.BuildEvent{
		Repo:       s.canonicalRepo(repo),
		RunID:      run.ID,
		Status:     run.Status,
		Conclusion: run.Conclusion,
	})
}
