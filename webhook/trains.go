package webhook

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/BTCDecoded/releasetrain/contract"
	"github.com/BTCDecoded/releasetrain/operator"
	"github.com/BTCDecoded/releasetrain/releasetag"
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

// startTrain starts the tag's Release workflow through the operator
// client, or joins the one running (outcome joined), answering truthfully
// which. A train that already succeeded answers 200 ignored for a webhook
// and the ErrConflict error for the API (the caller decides: rep is set
// either way); a bad tag or --only repo is ErrInvalid.
func (s *Server) startTrain(ctx context.Context, source string, req operator.StartRequest) (reply, error) {
	req.Train = s.train.JSON()
	req.Trigger = s.markRedelivered(ctx, req.Trigger)
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	st, err := s.ops.Start(ctx, req)
	switch {
	case errors.Is(err, operator.ErrConflict):
		s.metrics.starts.WithLabelValues(source, startFinished).Inc()
		if source == sourceAPI {
			return reply{}, err
		}
		return reply{code: http.StatusOK, Outcome: outcomeIgnored, Message: "release " + req.Tag + " already finished",
			WorkflowID: contract.ReleaseWorkflowID(req.Tag), RunID: st.RunID}, nil
	case errors.Is(err, operator.ErrInvalid):
		if rule := releasetag.RuleOf(err); rule != "" {
			s.metrics.tagsRefused.WithLabelValues(source, string(rule)).Inc()
		}
		if source == sourceAPI {
			return reply{}, err
		}
		return rejected(http.StatusUnprocessableEntity, "%v; this train cannot release it", err), nil
	case err != nil:
		s.metrics.starts.WithLabelValues(source, startError).Inc()
		return reply{}, err
	case st.Joined:
		s.metrics.starts.WithLabelValues(source, startJoined).Inc()
		return reply{code: http.StatusOK, Outcome: outcomeJoined, Message: "release train " + req.Tag + " is already running: joined",
			WorkflowID: st.WorkflowID, RunID: st.RunID}, nil
	}
	s.metrics.starts.WithLabelValues(source, startStarted).Inc()
	return reply{code: http.StatusOK, Outcome: outcomeStarted, Message: "release train " + req.Tag + " started",
		WorkflowID: st.WorkflowID, RunID: st.RunID}, nil
}

// signalTrain forwards a build event to the tag's Release workflow
// through the operator client (signal names the metric's label); a
// missing or finished workflow answers found=false.
func (s *Server) signalTrain(ctx context.Context, tag, signal string, ev contract.BuildEvent) (found bool, err error) {
	err = s.ops.BuildEvent(ctx, tag, ev)
	switch {
	case errors.Is(err, operator.ErrNotFound):
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

// canonicalRepo returns the train's spelling of a repo name
// (contract.CanonicalRepo over the train's repos).
func (s *Server) canonicalRepo(name string) string {
	return contract.CanonicalRepo(s.repoNames, name)
}
