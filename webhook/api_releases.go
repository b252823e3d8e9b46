package webhook

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/converter"
	"go.uber.org/zap"

	"github.com/BTCDecoded/releasetrain/contract"
)

// ReleaseSummary is one train in GET /api/releases.
type ReleaseSummary struct {
	Tag        string `json:"tag"`
	State      string `json:"state,omitempty"`
	WorkflowID string `json:"workflow_id"`
	RunID      string `json:"run_id"`
	// Status is Temporal's execution status, e.g. "Running", "Completed".
	Status    string     `json:"status"`
	StartTime *time.Time `json:"start_time,omitempty"`
	CloseTime *time.Time `json:"close_time,omitempty"`
}

// ReleaseList is the answer of GET /api/releases.
type ReleaseList struct {
	Releases      []ReleaseSummary `json:"releases"`
	NextPageToken string           `json:"next_page_token,omitempty"`
}

// StartRequest is the body of POST /api/releases.
type StartRequest struct {
	Tag            string   `json:"tag"`
	Prerelease     bool     `json:"prerelease"`
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
}

// CancelRequest is the optional body of POST /api/releases/:tag/cancel.
type CancelRequest struct {
	Reason string `json:"reason"`
}

// listReleases is GET /api/releases[?tag=&state=&page_token=].
func (s *Server) listReleases(c echo.Context) error {
	query := "WorkflowType = '" + contract.ReleaseWorkflowName + "'"
	if tag := c.QueryParam("tag"); tag != "" {
		if err := validTag(tag); err != nil {
			return echo.NewHTTPError(http.StatusBadRequest, "tag: "+err.Error())
		}
		query += " AND ReleaseTag = '" + tag + "'"
	}
	if state := c.QueryParam("state"); state != "" {
		if !slices.Contains(contract.States, contract.State(state)) {
			return echo.NewHTTPError(http.StatusBadRequest, fmt.Sprintf("state %q is not one of %s", state, fmt.Sprint(contract.States)))
		}
		query += " AND ReleaseState = '" + state + "'"
	}
	token, err := base64.RawURLEncoding.DecodeString(c.QueryParam("page_token"))
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "page_token is not valid")
	}
	ctx, cancel := context.WithTimeout(c.Request().Context(), s.timeout)
	defer cancel()
	resp, err := s.temporal.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
		Query: query, PageSize: 100, NextPageToken: token,
	})
	if err != nil {
		return s.apiTemporalError(err, "list releases")
	}
	out := ReleaseList{Releases: []ReleaseSummary{}, NextPageToken: base64.RawURLEncoding.EncodeToString(resp.GetNextPageToken())}
	for _, ex := range resp.GetExecutions() {
		sum := ReleaseSummary{
			WorkflowID: ex.GetExecution().GetWorkflowId(),
			RunID:      ex.GetExecution().GetRunId(),
			Status:     ex.GetStatus().String(),
			Tag:        keyword(ex.GetSearchAttributes(), contract.ReleaseTagKey.GetName()),
			State:      keyword(ex.GetSearchAttributes(), contract.ReleaseStateKey.GetName()),
		}
		if sum.Tag == "" {
			sum.Tag = strings.TrimPrefix(sum.WorkflowID, contract.ReleaseWorkflowID(""))
		}
		if ex.GetStartTime() != nil {
			t := ex.GetStartTime().AsTime()
			sum.StartTime = &t
		}
		if ex.GetCloseTime() != nil {
			t := ex.GetCloseTime().AsTime()
			sum.CloseTime = &t
		}
		out.Releases = append(out.Releases, sum)
	}
	return c.JSON(http.StatusOK, out)
}

// keyword decodes a Keyword search attribute ("" when absent or not a string).
func keyword(sa *commonpb.SearchAttributes, name string) string {
	p, ok := sa.GetIndexedFields()[name]
	if !ok {
		return ""
	}
	var v string
	if err := converter.GetDefaultDataConverter().FromPayload(p, &v); err != nil {
		return ""
	}
	return v
}

// getRelease is GET /api/releases/:tag: the workflow's status query.
func (s *Server) getRelease(c echo.Context) error {
	tag := c.Param("tag")
	if err := validTag(tag); err != nil {
		return echo.NewHTTPError(http.StatusNotFound, "unknown release "+tag)
	}
	ctx, cancel := context.WithTimeout(c.Request().Context(), s.timeout)
	defer cancel()
	st, err := s.queryStatus(ctx, tag)
	if err != nil {
		return s.apiTemporalError(err, "release "+tag)
	}
	return c.JSON(http.StatusOK, st)
}

// startRelease is POST /api/releases.
func (s *Server) startRelease(c echo.Context) error {
	var req StartRequest
	if err := decodeStrict(c, &req); err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "body: want JSON {tag, prerelease, only, with_dependents}: "+err.Error())
	}
	if err := s.checkTag(sourceAPI, req.Tag); err != nil {
		return echo.NewHTTPError(http.StatusUnprocessableEntity, err.Error())
	}
	if bad := s.unknownRepos(req.Only); len(bad) > 0 {
		return echo.NewHTTPError(http.StatusUnprocessableEntity, "only: not in the train: "+strings.Join(bad, ", "))
	}
	ctx, cancel := context.WithTimeout(c.Request().Context(), s.timeout)
	defer cancel()
	id := contract.ReleaseWorkflowID(req.Tag)
	rep, finished, err := s.startTrain(ctx, sourceAPI, contract.ReleaseInput{
		Tag:            req.Tag,
		Prerelease:     req.Prerelease,
		Only:           s.canonicalRepos(req.Only),
		WithDependents: req.WithDependents,
		Train:          s.train.JSON(),
		Trigger:        "api",
	})
	if err != nil {
		return s.apiTemporalError(err, "start "+id)
	}
	if finished {
		return echo.NewHTTPError(http.StatusConflict, "release "+req.Tag+" already succeeded and is never released twice")
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
	switch action {
	case contract.SignalPause, contract.SignalResume, contract.SignalCancel, contract.SignalRetry:
	default:
		return echo.NewHTTPError(http.StatusNotFound, "unknown action "+action+" (pause, resume, cancel, retry)")
	}
	var arg any
	if action == contract.SignalCancel {
		var req CancelRequest
		if c.Request().ContentLength != 0 {
			if err := decodeStrict(c, &req); err != nil {
				return echo.NewHTTPError(http.StatusBadRequest, "body: want JSON {reason}: "+err.Error())
			}
		}
		if req.Reason == "" {
			req.Reason = "cancelled through the operator API"
		}
		arg = contract.CancelSignal{Reason: req.Reason}
	}
	ctx, cancel := context.WithTimeout(c.Request().Context(), s.timeout)
	defer cancel()
	st, err := s.runningStatus(ctx, tag)
	if err != nil {
		return err
	}
	paused := st.Paused || st.State == contract.StatePaused
	switch {
	case action == contract.SignalPause && paused:
		return echo.NewHTTPError(http.StatusConflict, "release "+tag+" is already paused")
	case action == contract.SignalResume && !paused:
		return echo.NewHTTPError(http.StatusConflict, "release "+tag+" is not paused (state "+string(st.State)+")")
	case action == contract.SignalRetry && st.BlockedStep == "":
		return echo.NewHTTPError(http.StatusConflict, "release "+tag+" has no blocked release step (state "+string(st.State)+
			"); retry a blocked build with POST /api/releases/"+tag+"/builds/{repo}/retry")
	case action == contract.SignalRetry:
		return s.sendAction(c, ctx, tag, action, contract.RepoSignal{},
			"retry "+st.BlockedStep+" sent to "+contract.ReleaseWorkflowID(tag))
	}
	return s.sendAction(c, ctx, tag, action, arg, action+" sent to "+contract.ReleaseWorkflowID(tag))
}

// buildAction is POST /api/releases/:tag/builds/:repo/{retry,skip}.
func (s *Server) buildAction(c echo.Context) error {
	tag, repo, action := c.Param("tag"), c.Param("repo"), c.Param("action")
	if action != contract.SignalRetry && action != contract.SignalSkip {
		return echo.NewHTTPError(http.StatusNotFound, "unknown action "+action+" (retry, skip)")
	}
	ctx, cancel := context.WithTimeout(c.Request().Context(), s.timeout)
	defer cancel()
	st, err := s.runningStatus(ctx, tag)
	if err != nil {
		return err
	}
	name, rs, ok := findRepo(st, repo)
	if !ok {
		if len(st.Repos) > 0 || !s.trainRepos[strings.ToLower(repo)] {
			return echo.NewHTTPError(http.StatusNotFound, fmt.Sprintf("repo %q is not in release %s", repo, tag))
		}
		name = s.canonicalRepo(repo)
	}
	blocked := slices.ContainsFunc(st.Blocked, func(b string) bool { return strings.EqualFold(b, name) }) || rs.State == contract.RepoFailed
	if !blocked {
		return echo.NewHTTPError(http.StatusConflict, fmt.Sprintf("repo %s of release %s is not blocked (state %s)", name, tag, orUnknown(string(rs.State))))
	}
	return s.sendAction(c, ctx, tag, action, contract.RepoSignal{Repo: name}, action+" "+name+" sent to "+contract.ReleaseWorkflowID(tag))
}

// sendAction signals the train and answers 202.
func (s *Server) sendAction(c echo.Context, ctx context.Context, tag, signal string, arg any, msg string) error {
	found, err := s.signalTrain(ctx, tag, signal, arg)
	if err != nil {
		return s.apiTemporalError(err, signal+" "+tag)
	}
	if !found {
		return echo.NewHTTPError(http.StatusConflict, "release "+tag+" finished meanwhile")
	}
	s.log.Info("operator action", zap.String("release", tag), zap.String("signal", signal))
	return c.JSON(http.StatusAccepted, Accepted{Message: msg, WorkflowID: contract.ReleaseWorkflowID(tag)})
}

// runningStatus returns the status of a train that is still running:
// 404 for an unknown release, 409 for a finished one.
func (s *Server) runningStatus(ctx context.Context, tag string) (*contract.Status, error) {
	if validTag(tag) != nil {
		return nil, echo.NewHTTPError(http.StatusNotFound, "unknown release "+tag)
	}
	id := contract.ReleaseWorkflowID(tag)
	desc, err := s.temporal.DescribeWorkflowExecution(ctx, id, "")
	if err != nil {
		return nil, s.apiTemporalError(err, "release "+tag)
	}
	if st := desc.GetWorkflowExecutionInfo().GetStatus(); st != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
		return nil, echo.NewHTTPError(http.StatusConflict, fmt.Sprintf("release %s is finished (%s)", tag, st))
	}
	st, err := s.queryStatus(ctx, tag)
	if err != nil {
		return nil, s.apiTemporalError(err, "release "+tag)
	}
	switch st.State {
	case contract.StateSucceeded, contract.StateFailed, contract.StateCancelled:
		return nil, echo.NewHTTPError(http.StatusConflict, "release "+tag+" is "+string(st.State))
	}
	return st, nil
}

// queryStatus runs the status query.
func (s *Server) queryStatus(ctx context.Context, tag string) (*contract.Status, error) {
	val, err := s.temporal.QueryWorkflow(ctx, contract.ReleaseWorkflowID(tag), "", contract.QueryStatus)
	if err != nil {
		return nil, err
	}
	var st contract.Status
	if err := val.Get(&st); err != nil {
		return nil, fmt.Errorf("decode status of %s: %w", contract.ReleaseWorkflowID(tag), err)
	}
	return &st, nil
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

// findRepo finds a repo in a status by name, case-insensitively.
func findRepo(st *contract.Status, repo string) (string, contract.RepoStatus, bool) {
	if rs, ok := st.Repos[repo]; ok {
		return repo, rs, true
	}
	for name, rs := range st.Repos {
		if strings.EqualFold(name, repo) {
			return name, rs, true
		}
	}
	return "", contract.RepoStatus{}, false
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

// apiTemporalError maps a Temporal error to the API's answer: 404 unknown,
// 503 unreachable, otherwise 500 (logged, text not shown).
func (s *Server) apiTemporalError(err error, what string) error {
	var he *echo.HTTPError
	switch {
	case errors.As(err, &he):
		return he
	case isNotFound(err):
		return echo.NewHTTPError(http.StatusNotFound, "unknown "+what)
	case isUnavailable(err):
		return echo.NewHTTPError(http.StatusServiceUnavailable, "temporal unavailable")
	}
	return fmt.Errorf("%s: %w", what, err)
}
