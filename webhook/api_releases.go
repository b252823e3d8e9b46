package webhook

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"
	"go.uber.org/zap"

	"github.com/BTCDecoded/releasetrain/contract"
	"github.com/BTCDecoded/releasetrain/operator"
)

// ReleaseSummary is one train in GET /api/releases.
type ReleaseSummary = operator.Summary

// ReleaseList is the answer of GET /api/releases.
type ReleaseList struct {
	Releases      []ReleaseSummary `json:"releases"`
	NextPageToken string           `json:"next_page_token,omitempty"`
}

// StartRequest is the body of POST /api/releases.
type StartRequest struct {
	Tag string `json:"tag"`
	// Prerelease: absent infers it from the tag (v1.2.0-rc.1 is one).
	Prerelease     *bool    `json:"prerelease"`
	Only           []string `json:"only,omitempty"`
	WithDependents bool     `json:"with_dependents,omitempty"`
}

// Accepted answers a start or an action: the train's workflow id and a message.
type Accepted struct {
	// Outcome of a start: "started" (201) or "joined" (200, the train was
	// already running).
	Outcome    string `json:"outcome,omitempty"`
	Message    string `json:"message"`
	WorkflowID string `json:"workflow_id"`
	RunID      string `json:"run_id,omitempty"`
	// Status is the train's status after an action (the update's answer).
	Status *contract.Status `json:"status,omitempty"`
}

// CancelRequest is the optional body of POST /api/releases/:tag/cancel.
type CancelRequest struct {
	Reason string `json:"reason"`
}

// listReleases is GET /api/releases[?tag=&state=&page_token=].
func (s *Server) listReleases(c echo.Context) error {
	token, err := base64.RawURLEncoding.DecodeString(c.QueryParam("page_token"))
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "page_token is not valid")
	}
	list, err := s.ops.List(c.Request().Context(), operator.ListRequest{
		Tag: c.QueryParam("tag"), State: c.QueryParam("state"), PageToken: token,
	})
	if err != nil {
		return apiError(err)
	}
	return c.JSON(http.StatusOK, ReleaseList{
		Releases:      list.Releases,
		NextPageToken: base64.RawURLEncoding.EncodeToString(list.NextPageToken),
	})
}

// getRelease is GET /api/releases/:tag: the workflow's status query.
func (s *Server) getRelease(c echo.Context) error {
	st, err := s.ops.Status(c.Request().Context(), c.Param("tag"))
	if err != nil {
		return apiError(err)
	}
	return c.JSON(http.StatusOK, st)
}

// startRelease is POST /api/releases.
func (s *Server) startRelease(c echo.Context) error {
	var req StartRequest
	if err := decodeStrict(c, &req); err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "body: want JSON {tag, prerelease, only, with_dependents}: "+err.Error())
	}
	rep, err := s.startTrain(c.Request().Context(), sourceAPI, operator.StartRequest{
		Tag:            req.Tag,
		Prerelease:     req.Prerelease,
		Only:           req.Only,
		WithDependents: req.WithDependents,
		Trigger:        "api",
	})
	if err != nil {
		return apiError(err)
	}
	code := http.StatusCreated
	if rep.Outcome == outcomeJoined {
		code = http.StatusOK
	}
	return c.JSON(code, Accepted{Outcome: rep.Outcome, Message: rep.Message, WorkflowID: rep.WorkflowID, RunID: rep.RunID})
}

// releaseAction is POST /api/releases/:tag/{pause,resume,cancel,retry};
// retry retries the blocked package or publish step.
func (s *Server) releaseAction(c echo.Context) error {
	tag, action := c.Param("tag"), c.Param("action")
	ctx := c.Request().Context()
	var st contract.Status
	var err error
	switch action {
	case contract.UpdatePause:
		st, err = s.ops.Pause(ctx, tag)
	case contract.UpdateResume:
		st, err = s.ops.Resume(ctx, tag)
	case contract.UpdateCancel:
		var req CancelRequest
		if c.Request().ContentLength != 0 {
			if err := decodeStrict(c, &req); err != nil {
				return echo.NewHTTPError(http.StatusBadRequest, "body: want JSON {reason}: "+err.Error())
			}
		}
		st, err = s.ops.Cancel(ctx, tag, req.Reason)
	case contract.UpdateRetry:
		st, err = s.ops.Retry(ctx, tag, "")
	default:
		return echo.NewHTTPError(http.StatusNotFound, "unknown action "+action+" (pause, resume, cancel, retry)")
	}
	return s.answerAction(c, tag, action, "", st, err)
}

// buildAction is POST /api/releases/:tag/builds/:repo/{retry,skip}.
func (s *Server) buildAction(c echo.Context) error {
	tag, repo, action := c.Param("tag"), c.Param("repo"), c.Param("action")
	ctx := c.Request().Context()
	var st contract.Status
	var err error
	switch action {
	case contract.UpdateRetry:
		st, err = s.ops.Retry(ctx, tag, repo)
	case contract.UpdateSkip:
		st, err = s.ops.Skip(ctx, tag, repo)
	default:
		return echo.NewHTTPError(http.StatusNotFound, "unknown action "+action+" (retry, skip)")
	}
	return s.answerAction(c, tag, action, repo, st, err)
}

// answerAction answers an operator action: 202 with the train's status,
// or the error's status (apiError).
func (s *Server) answerAction(c echo.Context, tag, action, repo string, st contract.Status, err error) error {
	if err != nil {
		s.metrics.signals.WithLabelValues(action, metricResult(err)).Inc()
		return apiError(err)
	}
	s.metrics.signals.WithLabelValues(action, "ok").Inc()
	s.log.Info("operator action", zap.String("release", tag), zap.String("action", action), zap.String("repo", repo))
	msg := action + " accepted by " + contract.ReleaseWorkflowID(tag)
	if repo != "" {
		msg = action + " " + repo + " accepted by " + contract.ReleaseWorkflowID(tag)
	}
	return c.JSON(http.StatusAccepted, Accepted{Message: msg, WorkflowID: contract.ReleaseWorkflowID(tag), Status: &st})
}

// decodeStrict decodes a JSON request body, refusing unknown fields (an
// operator's typo such as "prerelase" must not silently start a final release).
func decodeStrict(c echo.Context, v any) error {
	dec := json.NewDecoder(c.Request().Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("trailing data after the JSON object")
	}
	return nil
}

// queryStatus is the train's status, for the live page's cache.
func (s *Server) queryStatus(ctx context.Context, tag string) (*contract.Status, error) {
	st, err := s.ops.Status(ctx, tag)
	if err != nil {
		return nil, err
	}
	return &st, nil
}
