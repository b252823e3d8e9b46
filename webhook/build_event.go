package webhook

import (
	"context"
	"fmt"
	"net/http"

	"github.com/BTCDecoded/releasetrain/contract"
)

// forwardBuildEvent sends the build-event signal of a member repo's run to
// its train: what a workflow_run delivery (event_workflow_run.go) and a
// releasetrain-build-complete dispatch (event_repository_dispatch.go) both
// end in. No running train is 202 ignored.
func (s *Server) forwardBuildEvent(ctx context.Context, tag string, ev contract.BuildEvent) (reply, error) {
	found, err := s.signalTrain(ctx, tag, contract.SignalBuildEvent, ev)
	if err != nil {
		return reply{}, err
	}
	id := contract.ReleaseWorkflowID(tag)
	if !found {
		return ignored("no running train %s", id), nil
	}
	return reply{code: http.StatusOK, Outcome: outcomeSignalled, Message: fmt.Sprintf("build event for %s sent", ev.Repo), WorkflowID: id}, nil
}
