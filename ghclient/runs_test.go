package ghclient

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestGetRunETag(t *testing.T) {
	t.Parallel()
	var status atomic.Value
	status.Store("in_progress")
	var seen atomic.Value
	seen.Store("")
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		etag := `W/"` + status.Load().(string) + `"`
		seen.Store(r.Header.Get("If-None-Match"))
		w.Header().Set("ETag", etag)
		if r.Header.Get("If-None-Match") == etag {
			w.Header().Set("X-Ratelimit-Remaining", "4990")
			w.WriteHeader(http.StatusNotModified)
			return
		}
		writeJSON(w, 200, `{"id":7,"run_attempt":2,"status":"`+status.Load().(string)+`","display_title":"build rt","created_at":"2026-01-01T00:00:00Z"}`)
	})
	c, _, _ := newTestClient(t, h)
	ctx := context.Background()
	r, changed, err := c.GetRun(ctx, "o", "r", 7, "")
	require.NoError(t, err, "first GetRun: %+v %v %v", r, changed, err)
	require.True(t, changed, "first GetRun: %+v %v %v", r, changed, err)
	require.Equal(t, int64(7), r.ID, "first GetRun: %+v %v %v", r, changed, err)
	require.Equal(t, 2, r.Attempt, "first GetRun: %+v %v %v", r, changed, err)
	require.Equal(t, "in_progress", r.Status, "first GetRun: %+v %v %v", r, changed, err)
	require.Equal(t, `W/"in_progress"`, r.ETag, "first GetRun: %+v %v %v", r, changed, err)
	spent := c.BudgetSpent()
	for range 5 {
		r2, changed, err := c.GetRun(ctx, "o", "r", 7, r.ETag)
		require.NoError(t, err, "304 GetRun: %+v %v %v", r2, changed, err)
		require.False(t, changed, "304 GetRun: %+v %v %v", r2, changed, err)
		require.Equal(t, r.ETag, r2.ETag, "304 GetRun: %+v %v %v", r2, changed, err)
		require.Zero(t, r2.ID, "304 GetRun: %+v %v %v", r2, changed, err)
	}
	require.Equal(t, r.ETag, seen.Load(), "If-None-Match")
	require.Equal(t, spent, c.BudgetSpent(), "304s spent budget: %d -> %d", spent, c.BudgetSpent())
	require.Equal(t, 4990, c.RateRemaining(), "RateRemaining: the 304's")
	status.Store("completed")
	r3, changed, err := c.GetRun(ctx, "o", "r", 7, r.ETag)
	require.NoError(t, err, "changed GetRun: %+v %v %v", r3, changed, err)
	require.True(t, changed, "changed GetRun: %+v %v %v", r3, changed, err)
	require.Equal(t, "completed", r3.Status, "changed GetRun: %+v %v %v", r3, changed, err)
	require.Equal(t, `W/"completed"`, r3.ETag, "changed GetRun: %+v %v %v", r3, changed, err)
	require.Equal(t, spent+1, c.BudgetSpent(), "budget")
}

func TestClassify(t *testing.T) {
	t.Parallel()
	tests := []struct {
		status, conclusion string
		byUs               bool
		want               Outcome
	}{
		{"queued", "", false, Running},
		{"in_progress", "", false, Running},
		{"waiting", "", false, Running},
		{"requested", "", false, Running},
		{"pending", "", false, Running},
		{"completed", "success", false, Succeeded},
		{"completed", "failure", false, FailedRetryable},
		{"completed", "timed_out", false, FailedRetryable},
		{"completed", "startup_failure", false, FailedRetryable},
		{"completed", "stale", false, FailedRetryable},
		{"completed", "cancelled", false, FailedRetryable},
		{"completed", "cancelled", true, Cancelled},
		{"completed", "action_required", false, NeedsPerson},
		{"completed", "neutral", false, NeedsPerson},
		{"completed", "skipped", false, NeedsPerson},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, Classify(Run{Status: tt.status, Conclusion: tt.conclusion}, tt.byUs), "Classify(%s/%s, %v)", tt.status, tt.conclusion, tt.byUs)
	}
}

func TestCancelAndRerun(t *testing.T) {
	t.Parallel()
	var cancelStatus atomic.Int64
	var reruns atomic.Int64
	mux := http.NewServeMux()
	mux.HandleFunc("POST /repos/o/r/actions/runs/7/cancel", func(w http.ResponseWriter, r *http.Request) {
		s := int(cancelStatus.Load())
		switch s {
		case 202:
			writeJSON(w, 202, `{}`)
		case 409:
			writeJSON(w, 409, `{"message":"Cannot cancel a workflow run that is completed."}`)
		default:
			writeJSON(w, s, `{"message":"Not Found"}`)
		}
	})
	mux.HandleFunc("POST /repos/o/r/actions/runs/7/rerun-failed-jobs", func(w http.ResponseWriter, r *http.Request) {
		reruns.Add(1)
		writeJSON(w, 201, `{}`)
	})
	c, _, _ := newTestClient(t, mux)
	ctx := context.Background()
	for _, s := range []int64{202, 409} {
		cancelStatus.Store(s)
		require.NoError(t, c.CancelRun(ctx, "o", "r", 7), "cancel answered %d", s)
	}
	cancelStatus.Store(404)
	err := c.CancelRun(ctx, "o", "r", 7)
	require.True(t, IsPermanent(err), "cancel 404: %v", err)
	require.NoError(t, c.RerunFailedJobs(ctx, "o", "r", 7))
	require.Equal(t, int64(1), reruns.Load())
	err = c.RerunFailedJobs(ctx, "o", "r", 8)
	require.True(t, IsPermanent(err), "rerun of unknown run: %v", err)
}

func TestFindRunPicksEarliest(t *testing.T) {
	t.Parallel()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `{"total_count":3,"workflow_runs":[
			{"id":9,"display_title":"build rt-x","created_at":"2026-01-01T00:00:09Z"},
			{"id":8,"display_title":"build other","created_at":"2026-01-01T00:00:05Z"},
			{"id":5,"display_title":"build rt-x","created_at":"2026-01-01T00:00:02Z"}]}`)
	})
	c, _, _ := newTestClient(t, h)
	r, ok, err := c.FindRun(context.Background(), "o", "r", "rt-x", time.Time{})
	require.NoError(t, err, "FindRun = %+v %v %v", r, ok, err)
	require.True(t, ok, "FindRun = %+v %v %v", r, ok, err)
	require.Equal(t, int64(5), r.ID, "FindRun = %+v %v %v", r, ok, err)
	_, ok, err = c.FindRun(context.Background(), "o", "r", "rt-none", time.Time{})
	require.NoError(t, err, "FindRun(none) = %v %v", ok, err)
	require.False(t, ok, "FindRun(none) = %v %v", ok, err)
}

// Correlation ids end in a generation number: "…:1" must not take the run
// of generation 12 (or 10, 11, …) for its own.
func TestFindRunMatchesWholeCorrelationID(t *testing.T) {
	t.Parallel()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `{"total_count":2,"workflow_runs":[
			{"id":9,"display_title":"build rt:v1.0:core:1 (retry)","created_at":"2026-01-01T00:00:09Z"},
			{"id":5,"display_title":"build rt:v1.0:core:12","created_at":"2026-01-01T00:00:02Z"}]}`)
	})
	c, _, _ := newTestClient(t, h)
	r, ok, err := c.FindRun(context.Background(), "o", "r", "rt:v1.0:core:1", time.Time{})
	require.NoError(t, err, "FindRun(gen 1) = %+v %v %v, want run 9", r, ok, err)
	require.True(t, ok, "FindRun(gen 1) = %+v %v %v, want run 9", r, ok, err)
	require.Equal(t, int64(9), r.ID, "FindRun(gen 1) = %+v %v %v, want run 9", r, ok, err)
	r, ok, err = c.FindRun(context.Background(), "o", "r", "rt:v1.0:core:12", time.Time{})
	require.NoError(t, err, "FindRun(gen 12) = %+v %v %v, want run 5", r, ok, err)
	require.True(t, ok, "FindRun(gen 12) = %+v %v %v, want run 5", r, ok, err)
	require.Equal(t, int64(5), r.ID, "FindRun(gen 12) = %+v %v %v, want run 5", r, ok, err)
	_, ok, err = c.FindRun(context.Background(), "o", "r", "rt:v1.0:core:2", time.Time{})
	require.NoError(t, err, "FindRun(gen 2) = %v %v, want none", ok, err)
	require.False(t, ok, "FindRun(gen 2) = %v %v, want none", ok, err)
}
