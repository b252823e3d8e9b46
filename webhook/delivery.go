package webhook

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"time"

	"github.com/BTCDecoded/releasetrain/operator"
	gojson "github.com/goccy/go-json"
	"github.com/google/go-github/v62/github"
	"github.com/labstack/echo/v4"
	"go.uber.org/zap"
)

// Handled event names (X-GitHub-Event).
const (
	eventRelease            = "release"
	eventRepositoryDispatch = "repository_dispatch"
	eventWorkflowRun        = "workflow_run"
	eventPing               = "ping"
)

// reply is a delivery's answer: status code, outcome label and JSON body.
type reply struct {
	code       int
	Outcome    string `json:"outcome"`
	Message    string `json:"message"`
	WorkflowID string `json:"workflow_id,omitempty"`
	RunID      string `json:"run_id,omitempty"`
}

func ignored(format string, args ...any) reply {
	return reply{code: http.StatusAccepted, Outcome: outcomeIgnored, Message: fmt.Sprintf(format, args...)}
}

func rejected(code int, format string, args ...any) reply {
	return reply{code: code, Outcome: outcomeRejected, Message: fmt.Sprintf(format, args...)}
}

// handleDelivery is POST /webhook.
func (s *Server) handleDelivery(c echo.Context) error {
	start := time.Now()
	r := c.Request()
	event := github.WebHookType(r)
	label := eventLabel(event)
	id := github.DeliveryID(r)

	rep := s.receive(c, event, id)
	c.Set(ctxOutcome, rep.Outcome)
	s.metrics.deliveries.WithLabelValues(label, rep.Outcome).Inc()
	s.metrics.latency.WithLabelValues(label).Observe(time.Since(start).Seconds())
	if rep.code >= http.StatusOK && rep.code < http.StatusMultipleChoices && (rep.Outcome == outcomeStarted || rep.Outcome == outcomeJoined || rep.Outcome == outcomeSignalled) && id != "" {
		s.seen.add(id)
	}
	if rep.code >= http.StatusBadRequest {
		return c.JSON(rep.code, errorMessage{Message: rep.Message})
	}
	return c.JSON(rep.code, rep)
}

// receive verifies, parses and routes one delivery.
func (s *Server) receive(c echo.Context, event, id string) reply {
	r := c.Request()
	body, release, refusal := s.readDelivery(c)
	defer release()
	if refusal != nil {
		return *refusal
	}
	if err := verifySignature(r.Header.Get(github.SHA256SignatureHeader), body, s.secret); err != nil {
		s.metrics.signatureFailures.Inc()
		return rejected(http.StatusUnauthorized, "%v", err)
	}
	if event == "" {
		return rejected(http.StatusBadRequest, "missing %s header", github.EventTypeHeader)
	}
	if eventLabel(event) == "other" {
		s.log.Debug("event ignored", zap.String("delivery", id), zap.String("event", event))
		return ignored("event %q is not handled", event)
	}
	if id != "" && s.seen.contains(id) {
		return reply{code: http.StatusOK, Outcome: outcomeDuplicate, Message: "delivery " + id + " was already handled"}
	}
	payload, err := jsonPayload(r.Header.Get(echo.HeaderContentType), body)
	if err != nil {
		return rejected(http.StatusBadRequest, "%v", err)
	}
	var parsed any
	if event == eventWorkflowRun {
		ev := new(workflowRunPayload)
		err = gojson.Unmarshal(payload, ev)
		parsed = ev
	} else {
		parsed, err = github.ParseWebHook(event, payload)
	}
	if err != nil {
		return rejected(http.StatusBadRequest, "malformed %s payload", event)
	}

	ctx, cancel := context.WithTimeout(withDeliveryID(r.Context(), id), s.timeout)
	defer cancel()
	var rep reply
	switch ev := parsed.(type) {
	case *github.PingEvent:
		rep = onPing(ev)
	case *github.ReleaseEvent:
		rep, err = s.onRelease(ctx, ev)
	case *github.RepositoryDispatchEvent:
		rep, err = s.onRepositoryDispatch(ctx, ev)
	case *workflowRunPayload:
		rep, err = s.onWorkflowRun(ctx, ev)
	default:
		rep = ignored("event %q is not handled", event)
	}
	if err != nil {
		return s.temporalFailure(id, event, err)
	}
	return rep
}

// temporalFailure turns a Temporal error into 503 (unreachable: GitHub can
// redeliver) or 500, logging the delivery id either way.
func (s *Server) temporalFailure(id, event string, err error) reply {
	if errors.Is(err, operator.ErrUnavailable) {
		s.log.Warn("temporal unavailable; delivery can be redelivered", zap.String("delivery", id), zap.String("event", event), zap.Error(err))
		return reply{code: http.StatusServiceUnavailable, Outcome: outcomeUnavailable, Message: "temporal unavailable; redeliver " + id}
	}
	s.log.Error("delivery failed", zap.String("delivery", id), zap.String("event", event), zap.Error(err))
	return reply{code: http.StatusInternalServerError, Outcome: outcomeError, Message: "delivery " + id + " failed"}
}

// eventLabel bounds the event metric label to the handled events.
func eventLabel(event string) string {
	switch event {
	case eventRelease, eventRepositoryDispatch, eventWorkflowRun, eventPing:
		return event
	}
	return "other"
}

// jsonPayload returns the JSON of a delivery body: the body itself, or the
// "payload" field of a form-encoded delivery.
func jsonPayload(contentType string, body []byte) ([]byte, error) {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil && contentType != "" {
		return nil, fmt.Errorf("content type %q: %w", contentType, err)
	}
	switch mt {
	case "", "application/json":
		return body, nil
	case "application/x-www-form-urlencoded":
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, fmt.Errorf("form body: %w", err)
		}
		return []byte(form.Get("payload")), nil
	}
	return nil, fmt.Errorf("unsupported content type %q", mt)
}
