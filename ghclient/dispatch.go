package ghclient

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"go.uber.org/zap"
)

// Dispatch kinds (DispatchRequest.Kind).
const (
	KindWorkflowDispatch   = "workflow_dispatch"
	KindRepositoryDispatch = "repository_dispatch"
	// DefaultEventType is the repository_dispatch event type when none is given.
	DefaultEventType = "releasetrain-build"
)

// GitHub's dispatch limits, checked before sending.
const (
	maxPayloadKeys  = 10
	maxPayloadBytes = 64 << 10
	maxInputs       = 25
	maxEventType    = 100
)

// FindOrDispatch starts at most one build per correlation id. It looks for a
// run carrying req.CorrelationID (for up to req.ListingWait), dispatches only
// if there is none, then finds the new run: directly from the run details a
// workflow_dispatch returns, else by listing with backoff for up to the
// listing timeout ([ErrRunNotListed] after that). A dispatch that fails with a
// transient error is followed by the same search, because a 5xx can hide a
// dispatch that landed.
//
// After a dispatch with run details only ID, HTMLURL and Status are known;
// GetRun fills in the rest (and returns the ETag for later polls).
func (c *Client) FindOrDispatch(ctx context.Context, req DispatchRequest) (Run, error) {
	body, path, call, err := dispatchBody(req)
	if err != nil {
		return Run{}, err
	}
	event := req.Kind
	if r, ok, err := c.discover(ctx, req, event, req.ListingWait, false); err != nil || ok {
		return r, err
	}
	r, ok, derr := c.dispatch(ctx, req, path, call, body)
	switch {
	case derr == nil && ok:
		return r, nil
	case derr == nil:
		r, ok, err := c.discover(ctx, req, event, c.listingTimeout, true)
		if err != nil {
			return Run{}, err
		}
		if !ok {
			return Run{}, c.notListed(req)
		}
		return r, nil
	case ErrorKind(derr) == KindTransient:
		// 5xx after write: the build may have started; never dispatch twice.
		r, ok, err := c.discover(ctx, req, event, c.listingTimeout, true)
		if err == nil && ok {
			c.log.Info("dispatch answered an error but its run was found",
				zap.String("repo", fullName(req.Owner, req.Repo)), zap.String("correlation_id", req.CorrelationID), zap.Int64("run_id", r.ID))
			return r, nil
		}
		return Run{}, derr
	default:
		return Run{}, derr
	}
}

// notListed is the permanent error after discovery timed out: retrying would
// dispatch a second build if the run-name lacks the correlation id.
func (c *Client) notListed(req DispatchRequest) error {
	return &Error{
		Kind: KindPermanent, Call: "find dispatched run", Repo: fullName(req.Owner, req.Repo),
		Message: fmt.Sprintf("no run with %q in its run-name listed within %s (does the workflow's run-name include the correlation id?)",
			req.CorrelationID, c.listingTimeout),
		Err: ErrRunNotListed,
	}
}

// discover looks for the run once, then with backoff (1 s, 2 s, 4 s, … capped)
// until wait has been spent. afterDispatch skips the first, immediate look:
// GitHub never lists a run in the instant after its dispatch, so that look
// would only spend budget.
func (c *Client) discover(ctx context.Context, req DispatchRequest, event string, wait time.Duration, afterDispatch bool) (Run, bool, error) {
	delay := time.Second
	var waited time.Duration
	if afterDispatch {
		first := min(2*time.Second, wait)
		if err := c.sleep(ctx, first); err != nil {
			return Run{}, false, c.classify("find run", fullName(req.Owner, req.Repo), err)
		}
		waited, delay = first, min(2*first, c.maxBackoff)
	}
	for {
		r, ok, err := c.findRun(ctx, req.Owner, req.Repo, event, req.CorrelationID, req.NotBefore)
		if err != nil || ok {
			return r, ok, err
		}
		if waited >= wait {
			return Run{}, false, nil
		}
		d := min(delay, wait-waited)
		if err := c.sleep(ctx, d); err != nil {
			return Run{}, false, c.classify("find run", fullName(req.Owner, req.Repo), err)
		}
		waited += d
		delay = min(delay*2, c.maxBackoff)
	}
}

// runDetails is the 200 answer of a workflow dispatch with run details.
type runDetails struct {
	WorkflowRunID int64  `json:"workflow_run_id"`
	RunURL        string `json:"run_url"`
	HTMLURL       string `json:"html_url"`
}

// dispatch sends the dispatch. ok reports whether the answer named the run.
func (c *Client) dispatch(ctx context.Context, req DispatchRequest, path, call string, body map[string]any) (Run, bool, error) {
	ctx = withKind(ctx, kindDispatch)
	repo := fullName(req.Owner, req.Repo)
	details := req.Kind == KindWorkflowDispatch && !c.noRunDetails.Load()
	if details {
		body["return_run_details"] = true
	}
	for {
		hreq, err := c.gh.NewRequest(http.MethodPost, path, body)
		if err != nil {
			return Run{}, false, c.classify(call, repo, err)
		}
		var rd runDetails
		resp, err := c.gh.Do(ctx, hreq, &rd)
		if details && isRunDetailsRejected(err) {
			// An older server: dispatch plainly and correlate by listing.
			c.noRunDetails.Store(true)
			delete(body, "return_run_details")
			details = false
			continue
		}
		if err != nil {
			return Run{}, false, c.classify(call, repo, err)
		}
		if resp.StatusCode == http.StatusOK && rd.WorkflowRunID != 0 {
			return Run{ID: rd.WorkflowRunID, HTMLURL: rd.HTMLURL, Status: "queued"}, true, nil
		}
		return Run{}, false, nil
	}
}

// isRunDetailsRejected recognises a 400/422 about return_run_details
// ("not a permitted key").
func isRunDetailsRejected(err error) bool {
	s := statusCode(err)
	if s != http.StatusBadRequest && s != http.StatusUnprocessableEntity {
		return false
	}
	msg := strings.ToLower(err.Error())
	return strings.Contains(msg, "return_run_details") || strings.Contains(msg, "not a permitted key")
}

// dispatchBody validates req and builds the request body, API path and call name.
func dispatchBody(req DispatchRequest) (map[string]any, string, string, error) {
	repo := fullName(req.Owner, req.Repo)
	bad := func(call, format string, args ...any) error {
		return &Error{Kind: KindPermanent, Call: call, Repo: repo, Message: fmt.Sprintf(format, args...)}
	}
	if req.Owner == "" || req.Repo == "" {
		return nil, "", "", bad("dispatch", "owner and repo are required")
	}
	if req.CorrelationID == "" {
		return nil, "", "", bad("dispatch", "correlation id is required")
	}
	payload := make(map[string]string, len(req.Inputs)+1)
	for k, v := range req.Inputs {
		payload[k] = v
	}
	if _, ok := payload["correlation_id"]; !ok {
		payload["correlation_id"] = req.CorrelationID
	}
	switch req.Kind {
	case KindWorkflowDispatch:
		call := "dispatch workflow " + req.Workflow
		if req.Workflow == "" || req.Ref == "" {
			return nil, "", "", bad(call, "workflow and ref are required")
		}
		if len(payload) > maxInputs {
			return nil, "", "", &Error{Kind: KindPermanent, Call: call, Repo: repo, Err: ErrPayloadTooLarge,
				Message: fmt.Sprintf("%d inputs, at most %d allowed", len(payload), maxInputs)}
		}
		path := fmt.Sprintf("repos/%s/%s/actions/workflows/%s/dispatches", req.Owner, req.Repo, req.Workflow)
		return map[string]any{"ref": req.Ref, "inputs": payload}, path, call, nil
	case KindRepositoryDispatch:
		et := req.EventType
		if et == "" {
			et = DefaultEventType
		}
		call := "repository dispatch " + et
		if len(et) > maxEventType {
			return nil, "", "", bad(call, "event_type longer than %d characters", maxEventType)
		}
		if len(payload) > maxPayloadKeys {
			return nil, "", "", &Error{Kind: KindPermanent, Call: call, Repo: repo, Err: ErrPayloadTooLarge,
				Message: fmt.Sprintf("client_payload has %d keys, at most %d allowed", len(payload), maxPayloadKeys)}
		}
		b, err := json.Marshal(payload)
		if err != nil {
			return nil, "", "", bad(call, "client_payload: %v", err)
		}
		if len(b) >= maxPayloadBytes {
			return nil, "", "", &Error{Kind: KindPermanent, Call: call, Repo: repo, Err: ErrPayloadTooLarge,
				Message: fmt.Sprintf("client_payload is %d bytes, must be under %d", len(b), maxPayloadBytes)}
		}
		return map[string]any{"event_type": et, "client_payload": payload}, fmt.Sprintf("repos/%s/%s/dispatches", req.Owner, req.Repo), call, nil
	default:
		return nil, "", "", bad("dispatch", "unknown dispatch kind %q (want %s or %s)", req.Kind, KindWorkflowDispatch, KindRepositoryDispatch)
	}
}
