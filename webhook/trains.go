package webhook

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/BTCDecoded/releasetrain/contract"
)

// Start sources, the "source" label of workflow_starts_total.
const (
	sourceRelease  = "release"
	sourceDispatch = "repository_dispatch"
	sourceAPI      = "api"
)

// Start results, the "result" label of workflow_starts_total.
const (
	startStarted  = "started"
	startJoined   = "joined"
	startFinished = "finished"
	startError    = "error"
)

// startTrain starts the tag's Release workflow, or joins the one running
// (outcome joined), answering truthfully which (contract.StartOrJoin). A
// train that already succeeded answers finished=true; one that failed, was
// cancelled or terminated starts a new run.
func (s *Server) startTrain(ctx context.Context, source string, in contract.ReleaseInput) (rep reply, finished bool, err error) {
	in.Trigger = s.markRedelivered(ctx, in.Trigger)
	st, err := contract.StartOrJoin(ctx, s.temporal, in)
	switch {
	case isAlreadyStarted(err) || errors.Is(err, contract.ErrTrainFinished):
		s.metrics.starts.WithLabelValues(source, startFinished).Inc()
		return reply{code: http.StatusOK, Outcome: outcomeIgnored, Message: "release " + in.Tag + " already finished",
			WorkflowID: contract.ReleaseWorkflowID(in.Tag), RunID: st.RunID}, true, nil
	case err != nil:
		s.metrics.starts.WithLabelValues(source, startError).Inc()
		return reply{}, false, err
	case st.Joined:
		s.metrics.starts.WithLabelValues(source, startJoined).Inc()
		return reply{code: http.StatusOK, Outcome: outcomeJoined, Message: "release train " + in.Tag + " is already running: joined",
			WorkflowID: st.WorkflowID, RunID: st.RunID}, false, nil
	}
	s.metrics.starts.WithLabelValues(source, startStarted).Inc()
	return reply{code: http.StatusOK, Outcome: outcomeStarted, Message: "release train " + in.Tag + " started",
		WorkflowID: st.WorkflowID, RunID: st.RunID}, false, nil
}

// signalTrain sends a signal to the tag's Release workflow; a missing or
// finished workflow answers found=false.
func (s *Server) signalTrain(ctx context.Context, tag, signal string, arg any) (found bool, err error) {
	err = s.temporal.SignalWorkflow(ctx, contract.ReleaseWorkflowID(tag), "", signal, arg)
	switch {
	case isNotFound(err):
		s.metrics.signals.WithLabelValues(signal, "not_found").Inc()
		return false, nil
	case err != nil:
		s.metrics.signals.WithLabelValues(signal, "error").Inc()
		return false, err
	}
	s.metrics.signals.WithLabelValues(signal, "ok").Inc()
	return true, nil
}

// ownedByTrain reports whether owner is the train's owner.
func (s *Server) ownedByTrain(owner string) bool {
	return s.train.Owner == "" || strings.EqualFold(owner, s.train.Owner)
}

// unknownRepos returns the names in only that are not train members.
func (s *Server) unknownRepos(only []string) []string {
	var bad []string
	for _, name := range only {
		if !s.trainRepos[strings.ToLower(name)] {
			bad = append(bad, name)
		}
	}
	return bad
}

// canonicalRepo returns the train's spelling of a repo name.
func (s *Server) canonicalRepo(name string) string {
	for _, r := range s.train.Repos {
		if strings.EqualFold(r.Name, name) {
			return r.Name
		}
	}
	return name
}
