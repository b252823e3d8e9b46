package operator

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/converter"

	"github.com/BTCDecoded/releasetrain/contract"
	"github.com/BTCDecoded/releasetrain/releasetag"
)

// Status is the train's whole state (the workflow's status query); a
// finished train answers its final state.
func (c *Client) Status(ctx context.Context, tag string) (contract.Status, error) {
	var st contract.Status
	if err := lookup(tag); err != nil {
		return st, err
	}
	ctx, cancel := c.bound(ctx)
	defer cancel()
	val, err := c.temporal.QueryWorkflow(ctx, contract.ReleaseWorkflowID(tag), "", contract.QueryStatus)
	if err != nil {
		if kind, ok := classify(err); ok && kind == ErrNotFound {
			return st, notFoundError(tag, err)
		}
		return st, c.temporalError(ctx, tag, contract.QueryStatus, err)
	}
	if err := val.Get(&st); err != nil {
		return st, fmt.Errorf("decode status of %s: %w", contract.ReleaseWorkflowID(tag), err)
	}
	return st, nil
}

// ListRequest filters List; zero values list every train.
type ListRequest struct {
	Tag string
	// State is a release state (contract.StateRunning, …) as the
	// ReleaseState search attribute holds it.
	State     string
	PageSize  int32
	PageToken []byte
}

// Summary is one train in a List.
type Summary struct {
	Tag        string `json:"tag"`
	State      string `json:"state,omitempty"`
	WorkflowID string `json:"workflow_id"`
	RunID      string `json:"run_id"`
	// Status is Temporal's execution status, e.g. "Running", "Completed".
	Status    string     `json:"status"`
	StartTime *time.Time `json:"start_time,omitempty"`
	CloseTime *time.Time `json:"close_time,omitempty"`
}

// List is one page of trains, newest first.
type List struct {
	Releases      []Summary
	NextPageToken []byte
}

// defaultPageSize is List's page size when the request gives none.
const defaultPageSize = 100

// List lists trains by their search attributes; a bad tag or state is
// ErrInvalid.
func (c *Client) List(ctx context.Context, req ListRequest) (List, error) {
	query := "WorkflowType = '" + contract.ReleaseWorkflowName + "'"
	if req.Tag != "" {
		if err := releasetag.Check(req.Tag); err != nil {
			return List{}, fail(ErrInvalid, "tag: "+err.Error(), err)
		}
		query += " AND ReleaseTag = '" + req.Tag + "'"
	}
	if req.State != "" {
		if !slices.Contains(contract.States, contract.State(req.State)) {
			return List{}, fail(ErrInvalid, fmt.Sprintf("state %q is not one of %s", req.State, StateNames()), nil)
		}
		query += " AND ReleaseState = '" + req.State + "'"
	}
	if req.PageSize <= 0 {
		req.PageSize = defaultPageSize
	}
	ctx, cancel := c.bound(ctx)
	defer cancel()
	resp, err := c.temporal.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
		Query: query, PageSize: req.PageSize, NextPageToken: req.PageToken,
	})
	if err != nil {
		if kind, ok := classify(err); ok {
			return List{}, fail(kind, "list releases: "+message(err), err)
		}
		return List{}, fmt.Errorf("list releases: %w", err)
	}
	out := List{Releases: []Summary{}, NextPageToken: resp.GetNextPageToken()}
	for _, ex := range resp.GetExecutions() {
		sum := Summary{
			WorkflowID: ex.GetExecution().GetWorkflowId(),
			RunID:      ex.GetExecution().GetRunId(),
			Status:     ex.GetStatus().String(),
			Tag:        keyword(ex.GetSearchAttributes(), contract.ReleaseTagKey.GetName()),
			State:      keyword(ex.GetSearchAttributes(), contract.ReleaseStateKey.GetName()),
		}
		if sum.Tag == "" {
			sum.Tag = strings.TrimPrefix(sum.WorkflowID, contract.ReleaseWorkflowID(""))
		}
		if t := ex.GetStartTime(); t != nil {
			at := t.AsTime()
			sum.StartTime = &at
		}
		if t := ex.GetCloseTime(); t != nil {
			at := t.AsTime()
			sum.CloseTime = &at
		}
		out.Releases = append(out.Releases, sum)
	}
	return out, nil
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

// StateNames lists the release states List filters by, for messages and help.
func StateNames() string {
	names := make([]string, len(contract.States))
	for i, st := range contract.States {
		names[i] = string(st)
	}
	return strings.Join(names, ", ")
}
