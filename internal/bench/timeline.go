package bench

import (
	"context"
	"fmt"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/BTCDecoded/releasetrain/contract"
	"github.com/BTCDecoded/releasetrain/ghsim"
	"github.com/BTCDecoded/releasetrain/internal/devstack"
)

// Timeline is when a release's phases happened, read from its history.
type Timeline struct {
	// Start and End are the release workflow's start and close.
	Start, End time.Time
	// LayersDone is when the last layer child completed (the builds' end;
	// packaging and publishing follow).
	LayersDone time.Time
	// Events and Bytes are the release workflow's history length and size.
	Events, Bytes int64
}

// ReadTimeline reads the finished release workflow of tag.
func ReadTimeline(ctx context.Context, c client.Client, tag string) (Timeline, error) {
	id := contract.ReleaseWorkflowID(tag)
	var tl Timeline
	d, err := c.DescribeWorkflow(ctx, id, "")
	if err != nil {
		return tl, fmt.Errorf("describe %s: %w", id, err)
	}
	info := d.RawResponse.GetWorkflowExecutionInfo()
	tl.Start = info.GetStartTime().AsTime()
	tl.End = info.GetCloseTime().AsTime()
	tl.Events = info.GetHistoryLength()
	tl.Bytes = info.GetHistorySizeBytes()
	it := c.GetWorkflowHistory(ctx, id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			return tl, fmt.Errorf("history %s: %w", id, err)
		}
		if ev.GetEventType() == enumspb.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED {
			tl.LayersDone = ev.GetEventTime().AsTime()
		}
	}
	return tl, nil
}

// HistorySize is one workflow's history length and size.
type HistorySize struct {
	ID     string
	Events int64
	Bytes  int64
}

// History describes a workflow execution's history size.
func History(ctx context.Context, c client.Client, id string) (HistorySize, error) {
	d, err := c.DescribeWorkflow(ctx, id, "")
	if err != nil {
		return HistorySize{}, fmt.Errorf("describe %s: %w", id, err)
	}
	info := d.RawResponse.GetWorkflowExecutionInfo()
	return HistorySize{ID: id, Events: info.GetHistoryLength(), Bytes: info.GetHistorySizeBytes()}, nil
}

// Result is one measured release.
type Result struct {
	Tag      string
	Wall     time.Duration
	Status   contract.Status
	Timeline Timeline
	// Scale is simulated seconds per real second.
	Scale float64
	// Bound is the DAG's layered lower bound in simulated time.
	Bound time.Duration
	// Critical is the DAG's critical path (the eager lower bound) in
	// simulated time.
	Critical time.Duration
	// GitHub is the simulator's accounting after the release.
	GitHub ghsim.Stats
}

// Makespan is start to close in simulated time (packaging and publishing included).
func (r *Result) Makespan() time.Duration {
	return r.simulated(r.Timeline.End.Sub(r.Timeline.Start))
}

// BuildSpan is start to the last layer's end in simulated time (packaging
// and publishing excluded).
func (r *Result) BuildSpan() time.Duration {
	return r.simulated(r.Timeline.LayersDone.Sub(r.Timeline.Start))
}

// CriticalRatio is Makespan over Critical.
func (r *Result) CriticalRatio() float64 { return r.Makespan().Seconds() / r.Critical.Seconds() }

// Ratio is Makespan over Bound.
func (r *Result) Ratio() float64 { return r.Makespan().Seconds() / r.Bound.Seconds() }

// BuildRatio is BuildSpan over Bound.
func (r *Result) BuildRatio() float64 { return r.BuildSpan().Seconds() / r.Bound.Seconds() }

func (r *Result) simulated(real time.Duration) time.Duration {
	return time.Duration(float64(real) * r.Scale)
}

// LayeredBound is the sum over layers of the longest build (queue delay plus
// duration) in simulated time; see devstack.LayeredBound.
func LayeredBound(layers [][]string, sc *ghsim.Scenario) time.Duration {
	return devstack.LayeredBound(layers, sc)
}

// EventTypes counts a workflow's history events by type.
func EventTypes(ctx context.Context, c client.Client, id string) (map[string]int, error) {
	out := map[string]int{}
	it := c.GetWorkflowHistory(ctx, id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			return nil, fmt.Errorf("history %s: %w", id, err)
		}
		name := strings.TrimPrefix(ev.GetEventType().String(), "EVENT_TYPE_")
		if a := ev.GetWorkflowExecutionSignaledEventAttributes(); a != nil {
			name += " " + a.GetSignalName()
		}
		out[name]++
	}
	return out, nil
}
