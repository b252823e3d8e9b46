package activities

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"

	"github.com/BTCDecoded/releasetrain/contract"
	"github.com/BTCDecoded/releasetrain/ghclient"
)

var t0 = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

// fakeLog is a delivery log of items newest first, paged like GitHub.
type fakeLog struct {
	items       []ghclient.HookDelivery
	pages       int
	redelivered []int64
	tooOld      map[int64]bool
	app         bool
}

func (f *fakeLog) HasApp() bool { return f.app }

func (f *fakeLog) ListHookDeliveries(_ context.Context, _ ghclient.Hook, cursor string, perPage int) ([]ghclient.HookDelivery, string, error) {
	f.pages++
	start := 0
	if cursor != "" {
		_, _ = fmt.Sscan(cursor, &start)
	}
	end := min(start+perPage, len(f.items))
	next := ""
	if end < len(f.items) {
		next = fmt.Sprint(end)
	}
	return f.items[start:end], next, nil
}

func (f *fakeLog) RedeliverHookDelivery(_ context.Context, _ ghclient.Hook, id int64) error {
	if f.tooOld[id] {
		return &ghclient.Error{Kind: ghclient.KindPermanent, Status: http.StatusUnprocessableEntity, Message: "too old"}
	}
	f.redelivered = append(f.redelivered, id)
	return nil
}

func (f *fakeLog) FindRepoHook(_ context.Context, owner, repo, url string) (ghclient.Hook, bool, error) {
	if url != "http://rt.example/webhook" || repo == "app" {
		return ghclient.Hook{}, false, nil
	}
	return ghclient.Hook{Owner: owner, Repo: repo, ID: 77}, true, nil
}

func (f *fakeLog) RepositoryID(_ context.Context, _, repo string) (int64, error) {
	return map[string]int64{"core": 1, "app": 2}[repo], nil
}

var filter = ReconcileFilter{Owner: "acme", ReleaseRepos: []string{"core"}, ReleaseActions: []string{"created", "published", "prereleased"},
	RunRepos: []string{"app", "core"}, DispatchTypes: []string{"releasetrain-release"}}

func item(id int64, guid, event, action string, repo int64, status int, at time.Duration) ghclient.HookDelivery {
	return ghclient.HookDelivery{ID: id, GUID: guid, Event: event, Action: action, RepositoryID: repo, StatusCode: status, DeliveredAt: t0.Add(at)}
}

func TestSelectRedeliveries(t *testing.T) {
	ids := []contract.RepoID{{Name: "core", ID: 1}, {Name: "app", ID: 2}}
	items := []ghclient.HookDelivery{ // newest first
		item(10, "g-later-ok", "release", "published", 1, 200, 10*time.Minute),
		item(9, "g-run", "workflow_run", "completed", 2, 0, 9*time.Minute),
		item(8, "g-run-requested", "workflow_run", "requested", 2, 0, 8*time.Minute),
		item(7, "g-other-repo", "release", "published", 99, 500, 7*time.Minute),
		item(6, "g-edited", "release", "edited", 1, 500, 6*time.Minute),
		item(5, "g-dispatch", "repository_dispatch", "releasetrain-release", 42, 503, 5*time.Minute),
		item(4, "g-dispatch-other", "repository_dispatch", "deploy", 1, 503, 4*time.Minute),
		item(3, "g-later-ok", "release", "published", 1, 0, 3*time.Minute),
		item(2, "g-pending", "release", "created", 1, 0, 2*time.Minute),
		item(1, "g-ping", "ping", "", 0, 0, time.Minute),
	}
	picked, pending := selectRedeliveries(wrap(items), filter, ids, []contract.Redelivered{{GUID: "g-pending", From: 2}})
	var guids []string
	for _, c := range picked {
		guids = append(guids, c.GUID)
	}
	assert.Equal(t, []string{"g-dispatch", "g-run"}, guids, "oldest first; irrelevant, succeeded-later and pending ones left out")
	assert.Equal(t, 1, pending)

	// A redelivery that failed again (a newer attempt) is picked again.
	items = append([]ghclient.HookDelivery{item(11, "g-pending", "release", "created", 1, 0, 11*time.Minute)}, items...)
	picked, pending = selectRedeliveries(wrap(items), filter, ids, []contract.Redelivered{{GUID: "g-pending", From: 2}})
	assert.Zero(t, pending)
	require.Len(t, picked, 3)
	assert.Equal(t, int64(11), picked[2].ID, "the newest failed attempt is redelivered")
}

func TestScanPagesBackToCheckpoint(t *testing.T) {
	var items []ghclient.HookDelivery
	for i := 250; i >= 1; i-- { // one a minute, newest first
		items = append(items, item(int64(i), fmt.Sprint("g", i), "workflow_run", "completed", 2, 0, time.Duration(i)*time.Minute))
	}
	log := &fakeLog{items: items, app: true}
	env := reconcileEnv()
	rec := &Reconciler{GitHub: log}
	env.RegisterActivity(rec)

	// First run: no checkpoint, everything from the last 3 days (all 250), 3 pages, 2 lookups.
	v, err := env.ExecuteActivity(rec.ScanDeliveries, ScanInput{Filter: filter})
	require.NoError(t, err)
	var first ScanResult
	require.NoError(t, v.Get(&first))
	assert.Equal(t, 250, first.Scanned)
	assert.Equal(t, 3, first.Pages)
	assert.Equal(t, 2, first.Lookups)
	assert.Equal(t, t0.Add(250*time.Minute), first.Checkpoint)
	assert.Len(t, first.Candidates, 250)

	// Next run from that checkpoint: 15 minutes of overlap plus 20 new ones, one page, no lookups.
	for i := 270; i > 250; i-- {
		log.items = append([]ghclient.HookDelivery{item(int64(i), fmt.Sprint("g", i), "workflow_run", "completed", 2, 200, time.Duration(i)*time.Minute)}, log.items...)
	}
	log.items[0], log.items[1] = log.items[1], log.items[0]
	log.pages = 0
	v, err = env.ExecuteActivity(rec.ScanDeliveries, ScanInput{Filter: filter, State: contract.ReconcileState{Checkpoint: first.Checkpoint, RepoIDs: first.RepoIDs}})
	require.NoError(t, err)
	var next ScanResult
	require.NoError(t, v.Get(&next))
	assert.Equal(t, 1, log.pages)
	assert.Equal(t, 20+16, next.Scanned, "new ones and the overlap (235..250)")
	assert.Zero(t, next.Lookups)
	assert.Len(t, next.Candidates, 16, "the failed ones in the overlap; the new ones succeeded")

	// Without App credentials and without reconcile.webhook_url the log cannot be read: a permanent error.
	_, err = (&Reconciler{GitHub: &fakeLog{}}).ScanDeliveries(context.Background(), ScanInput{Filter: filter})
	require.ErrorIs(t, err, ghclient.ErrNoAppHook)

	// With a token: each repository's hook to the receiver; "app" has none (skipped, looked for again next run).
	tok := &fakeLog{items: []ghclient.HookDelivery{
		item(2, "c2", "workflow_run", "completed", 1, 200, 2*time.Minute),
		item(1, "c1", "release", "published", 1, 0, time.Minute),
	}}
	tf := filter
	tf.RepoHookURL = "http://rt.example/webhook"
	tokRec := &Reconciler{GitHub: tok}
	env = reconcileEnv()
	env.RegisterActivity(tokRec)
	v, err = env.ExecuteActivity(tokRec.ScanDeliveries, ScanInput{Filter: tf})
	require.NoError(t, err)
	var res ScanResult
	require.NoError(t, v.Get(&res))
	assert.Equal(t, []contract.RepoHook{{Name: "core", ID: 77}}, res.RepoHooks)
	assert.Equal(t, 2+2, res.Lookups, "two repository ids, two hook searches")
	assert.Equal(t, 1, res.Pages, "one hook's log")
	require.Len(t, res.Candidates, 1)
	assert.Equal(t, "core", res.Candidates[0].Repo)
	assert.Equal(t, int64(77), res.Candidates[0].HookID)
}

func TestRedeliverCountsExpired(t *testing.T) {
	log := &fakeLog{app: true, tooOld: map[int64]bool{2: true}}
	env := reconcileEnv()
	rec := &Reconciler{GitHub: log}
	env.RegisterActivity(rec)
	v, err := env.ExecuteActivity(rec.RedeliverDeliveries, RedeliverInput{Candidates: []ReconcileCandidate{
		{ID: 1, GUID: "a"}, {ID: 2, GUID: "b"}, {ID: 3, GUID: "c"},
	}})
	require.NoError(t, err)
	var res RedeliverResult
	require.NoError(t, v.Get(&res))
	assert.Equal(t, 3, res.Calls)
	assert.Equal(t, 1, res.Expired)
	assert.Equal(t, []int64{1, 3}, log.redelivered)
	assert.Equal(t, []contract.Redelivered{{GUID: "a", From: 1}, {GUID: "c", From: 3}}, res.Redelivered)
	assert.False(t, errors.Is(err, ghclient.ErrNoAppHook))
}

func TestWithRedeliveredBounds(t *testing.T) {
	var add []contract.Redelivered
	for i := range contract.MaxRedeliveredKept + 10 {
		add = append(add, contract.Redelivered{GUID: fmt.Sprint(i), At: t0})
	}
	old := []contract.Redelivered{{GUID: "old", At: t0.Add(-contract.RedeliveryWindow - time.Hour)}}
	got := contract.WithRedelivered(old, add, t0)
	assert.Len(t, got, contract.MaxRedeliveredKept)
	assert.Equal(t, fmt.Sprint(contract.MaxRedeliveredKept+9), got[len(got)-1].GUID, "newest kept")
	assert.False(t, contract.ReconcileState{Redelivered: got}.WasRedelivered("old"), "older than 3 days: dropped")
}

func reconcileEnv() *testsuite.TestActivityEnvironment {
	var s testsuite.WorkflowTestSuite
	s.SetLogger(log.NewStructuredLogger(slog.New(slog.DiscardHandler)))
	return s.NewTestActivityEnvironment()
}

func wrap(items []ghclient.HookDelivery) []logItem {
	out := make([]logItem, len(items))
	for i, d := range items {
		out[i] = logItem{HookDelivery: d}
	}
	return out
}
