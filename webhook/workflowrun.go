package webhook

import (
	"context"
	"strings"

	"github.com/google/go-github/v62/github"

	"github.com/BTCDecoded/releasetrain/workflows"
)

// onWorkflowRun forwards a run of one of the train's builds as the
// build-event signal; the train is named by the correlation id in the run's
// display_title (the build's run-name).
func (s *Server) onWorkflowRun(ctx context.Context, ev *github.WorkflowRunEvent) (reply, error) {
	run := ev.GetWorkflowRun()
	tag, repo, _, ok := workflows.ParseCorrelationID(run.GetDisplayTitle())
	if !ok {
		return ignored("workflow run %d is not a releasetrain build", run.GetID()), nil
	}
	owner, name := repoOwnerName(ev.GetRepo())
	if !s.ownedByTrain(owner) {
		return ignored("%s/%s is not owned by %s", owner, name, s.train.Owner), nil
	}
	if name != "" && !strings.EqualFold(name, repo) {
		return ignored("run %d in %s carries a correlation id for %s", run.GetID(), name, repo), nil
	}
	return s.forwardBuildEvent(ctx, tag, workflows.BuildEvent{
		Repo:       s.canonicalRepo(repo),
		RunID:      run.GetID(),
		Status:     run.GetStatus(),
		Conclusion: run.GetConclusion(),
	})
}
