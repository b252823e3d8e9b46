package activities

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.uber.org/zap"

	"github.com/BTCDecoded/releasetrain/contract"
	"github.com/BTCDecoded/releasetrain/ghclient"
)

// DeliveryLog is the part of ghclient the reconciler uses; *ghclient.Client
// satisfies it.
type DeliveryLog interface {
	HasApp() bool
	ListHookDeliveries(ctx context.Context, hook ghclient.Hook, cursor string, perPage int) ([]ghclient.HookDelivery, string, error)
	RedeliverHookDelivery(ctx context.Context, hook ghclient.Hook, id int64) error
	RepositoryID(ctx context.Context, owner, repo string) (int64, error)
	FindRepoHook(ctx context.Context, owner, repo, url string) (ghclient.Hook, bool, error)
}

var _ DeliveryLog = (*ghclient.Client)(nil)

// Delivery-log paging.
const (
	// reconcilePageSize is GitHub's largest page: the fewest requests.
	reconcilePageSize = 100
	// MaxReconcilePages bounds one run (10,000 deliveries).
	MaxReconcilePages = 100
)

// Reconciler holds the webhook delivery-log reconciler's dependencies; its
// methods are activities (the worker registers one *Reconciler).
type Reconciler struct {
	// GitHub reads the delivery log and redelivers (required).
	GitHub DeliveryLog
	// Schedules keeps the reconciler's state in its schedule's workflow memo.
	Schedules client.ScheduleClient
	// Logger logs what was redelivered. Default: no logging.
	Logger *zap.Logger
}

func (r *Reconciler) logger() *zap.Logger {
	if r.Logger == nil {
		return zap.NewNop()
	}
	return r.Logger
}

// errNoHook is the permanent error of a setup whose log cannot be read.
func errNoHook() error {
	return temporal.NewNonRetryableApplicationError(
		"reconcile: no delivery log to read: configure the GitHub App (GITHUB_APP_ID, GITHUB_INSTALLATION_ID and its private key), or with a token set reconcile.webhook_url to the receiver's URL on the repositories' webhooks",
		GitHubPermanentErrorType, ghclient.ErrNoAppHook)
}

// logItem is a delivery-log item and the hook whose log listed it.
type logItem struct {
	ghclient.HookDelivery
	hook ghclient.Hook
}

// ScanDeliveries pages the delivery log back to the checkpoint (minus
// ReconcileOverlap; on the first run, back 3 days) and picks the failed
// deliveries the train cares about, by event, action and repository_id
// only, whose GUID has no successful attempt in what it read. The log is
// the GitHub App's hook's, or without the App each repository hook that
// delivers to the filter's RepoHookURL. It spends one request per page,
// plus one per repository whose id (or hook) is not known yet.
func (r *Reconciler) ScanDeliveries(ctx context.Context, in ScanInput) (ScanResult, error) {
	if !r.GitHub.HasApp() && in.Filter.RepoHookURL == "" {
		return ScanResult{}, errNoHook()
	}
	out := ScanResult{Checkpoint: in.State.Checkpoint, RepoIDs: slices.Clone(in.State.RepoIDs), RepoHooks: slices.Clone(in.State.RepoHooks)}
	for _, name := range in.Filter.Repos() {
		if slices.ContainsFunc(out.RepoIDs, func(id contract.RepoID) bool { return id.Name == name }) {
			continue
		}
		id, err := r.GitHub.RepositoryID(ctx, in.Filter.Owner, name)
		out.Lookups++
		if err != nil {
			return ScanResult{}, githubError("reconcile", err)
		}
		out.RepoIDs = append(out.RepoIDs, contract.RepoID{Name: name, ID: id})
	}
	hooks := []ghclient.Hook{{}} // the App's
	if !r.GitHub.HasApp() {
		var err error
		if hooks, err = r.repoHooks(ctx, in.Filter, &out); err != nil {
			return ScanResult{}, err
		}
	}
	var items []logItem
	for _, hook := range hooks {
		got, err := r.scanHook(ctx, hook, in.State.Checkpoint, &out)
		if err != nil {
			return ScanResult{}, err
		}
		items = append(items, got...)
	}
	out.Scanned = len(items)
	for _, d := range items {
		if d.DeliveredAt.After(out.Checkpoint) {
			out.Checkpoint = d.DeliveredAt
		}
	}
	candidates, pending := selectRedeliveries(items, in.Filter, out.RepoIDs, in.State.Redelivered)
	out.Candidates, out.Pending = candidates, pending
	out.Failed = len(candidates) + pending
	return out, nil
}

// repoHooks finds (once; then from the state) each repository's hook that
// delivers to the filter's RepoHookURL. A repository without one is
// skipped and logged, and looked for again next run.
func (r *Reconciler) repoHooks(ctx context.Context, f ReconcileFilter, out *ScanResult) ([]ghclient.Hook, error) {
	var hooks []ghclient.Hook
	for _, name := range f.Repos() {
		i := slices.IndexFunc(out.RepoHooks, func(h contract.RepoHook) bool { return h.Name == name })
		if i >= 0 {
			hooks = append(hooks, ghclient.Hook{Owner: f.Owner, Repo: name, ID: out.RepoHooks[i].ID})
			continue
		}
		h, found, err := r.GitHub.FindRepoHook(ctx, f.Owner, name, f.RepoHookURL)
		out.Lookups++
		if err != nil {
			return nil, githubError("reconcile", err)
		}
		if !found {
			r.logger().Warn("reconcile: repository has no webhook to the receiver; its deliveries are not reconciled",
				zap.String("repo", f.Owner+"/"+name), zap.String("url", f.RepoHookURL))
			continue
		}
		out.RepoHooks = append(out.RepoHooks, contract.RepoHook{Name: name, ID: h.ID})
		hooks = append(hooks, ghclient.Hook{Owner: f.Owner, Repo: name, ID: h.ID})
	}
	return hooks, nil
}

// scanHook reads one hook's log, newest first, back to checkpoint minus
// ReconcileOverlap (no checkpoint: back 3 days from its newest item), at
// most MaxReconcilePages pages.
func (r *Reconciler) scanHook(ctx context.Context, hook ghclient.Hook, checkpoint time.Time, out *ScanResult) ([]logItem, error) {
	var items []logItem
	stopBefore := checkpoint.Add(-contract.ReconcileOverlap)
	cursor := ""
	for pages := 1; ; pages++ {
		page, next, err := r.GitHub.ListHookDeliveries(ctx, hook, cursor, reconcilePageSize)
		if err != nil {
			return nil, githubError("reconcile", err)
		}
		out.Pages++
		activity.RecordHeartbeat(ctx, out.Pages)
		done := false
		for _, d := range page {
			if len(items) == 0 && checkpoint.IsZero() {
				stopBefore = d.DeliveredAt.Add(-contract.RedeliveryWindow) // the first run reads what can still be redelivered
			}
			if d.DeliveredAt.Before(stopBefore) {
				done = true
				break
			}
			items = append(items, logItem{HookDelivery: d, hook: hook})
		}
		if done || next == "" {
			return items, nil
		}
		if pages >= MaxReconcilePages {
			out.Truncated = true
			r.logger().Warn("reconcile: stopped before the checkpoint", zap.Stringer("hook", hook), zap.Int("pages", pages), zap.Time("checkpoint", checkpoint))
			return items, nil
		}
		cursor = next
	}
}

// selectRedeliveries picks, from log items newest first, the relevant GUIDs
// whose newest attempt failed and none succeeded, oldest first. A GUID an
// earlier run redelivered whose newest attempt is still the one it
// redelivered is pending, not picked again.
func selectRedeliveries(items []logItem, f ReconcileFilter, ids []contract.RepoID, done []contract.Redelivered) (picked []ReconcileCandidate, pending int) {
	relevant := relevance(f, ids)
	newest := map[string]logItem{}
	succeeded := map[string]bool{}
	var order []string // GUIDs, newest first
	for _, d := range items {
		if !relevant(d.HookDelivery) {
			continue
		}
		if d.OK() {
			succeeded[d.GUID] = true
		}
		if _, seen := newest[d.GUID]; !seen {
			newest[d.GUID] = d
			order = append(order, d.GUID)
		}
	}
	for i := len(order) - 1; i >= 0; i-- {
		guid := order[i]
		d := newest[guid]
		if succeeded[guid] || d.OK() {
			continue
		}
		if slices.ContainsFunc(done, func(r contract.Redelivered) bool { return r.GUID == guid && r.From >= d.ID }) {
			pending++
			continue
		}
		picked = append(picked, ReconcileCandidate{ID: d.ID, GUID: guid, Event: d.Event, Action: d.Action, DeliveredAt: d.DeliveredAt,
			Repo: d.hook.Repo, HookID: d.hook.ID})
	}
	// Several hooks' logs (token-only setups) interleave: oldest first overall.
	slices.SortStableFunc(picked, func(a, b ReconcileCandidate) int { return a.DeliveredAt.Compare(b.DeliveredAt) })
	return picked, pending
}

// relevance returns the filter as a predicate over log items.
func relevance(f ReconcileFilter, ids []contract.RepoID) func(ghclient.HookDelivery) bool {
	idOf := func(names []string) map[int64]bool {
		m := map[int64]bool{}
		for _, n := range names {
			for _, id := range ids {
				if id.Name == strings.ToLower(n) {
					m[id.ID] = true
				}
			}
		}
		return m
	}
	releaseRepos, runRepos := idOf(f.ReleaseRepos), idOf(f.RunRepos)
	return func(d ghclient.HookDelivery) bool {
		switch d.Event {
		case "release":
			return releaseRepos[d.RepositoryID] && slices.Contains(f.ReleaseActions, d.Action)
		case "workflow_run":
			return runRepos[d.RepositoryID] && d.Action == "completed"
		case "repository_dispatch":
			return slices.Contains(f.DispatchTypes, d.Action)
		}
		return false
	}
}

// RedeliverDeliveries asks GitHub to redeliver each candidate (one request
// each); they come back through the signed receiver path like any
// delivery. A delivery GitHub refuses as older than 3 days is counted as
// expired (lost) and logged. A retried attempt resumes after the last
// accepted redelivery (heartbeat details).
func (r *Reconciler) RedeliverDeliveries(ctx context.Context, in RedeliverInput) (RedeliverResult, error) {
	var out RedeliverResult
	if activity.HasHeartbeatDetails(ctx) {
		_ = activity.GetHeartbeatDetails(ctx, &out)
	}
	for i := len(out.Redelivered) + out.Expired; i < len(in.Candidates); i++ {
		c := in.Candidates[i]
		hook := ghclient.Hook{} // the App's
		if c.HookID != 0 {
			hook = ghclient.Hook{Owner: in.Owner, Repo: c.Repo, ID: c.HookID}
		} else if !r.GitHub.HasApp() {
			return RedeliverResult{}, errNoHook()
		}
		err := r.GitHub.RedeliverHookDelivery(ctx, hook, c.ID)
		out.Calls++
		switch {
		case ghclient.IsTooOld(err):
			out.Expired++
			r.logger().Error("reconcile: delivery lost, too old to redeliver", zap.Int64("delivery", c.ID),
				zap.String("guid", c.GUID), zap.String("event", c.Event), zap.String("action", c.Action), zap.Error(err))
		case err != nil:
			activity.RecordHeartbeat(ctx, out)
			return RedeliverResult{}, githubError(fmt.Sprintf("reconcile: redeliver %d", c.ID), err)
		default:
			out.Redelivered = append(out.Redelivered, contract.Redelivered{GUID: c.GUID, From: c.ID, At: c.DeliveredAt})
			r.logger().Info("reconcile: redelivered", zap.Int64("delivery", c.ID), zap.String("guid", c.GUID),
				zap.String("event", c.Event), zap.String("action", c.Action))
		}
		activity.RecordHeartbeat(ctx, out)
	}
	return out, nil
}

// SaveReconcileState writes the state into the schedule's workflow memo,
// so the schedule's next run starts from it (and the receiver and
// `releasetrain reconcile status` read it). No schedule id: nothing to do.
func (r *Reconciler) SaveReconcileState(ctx context.Context, in SaveStateInput) error {
	if in.ScheduleID == "" || r.Schedules == nil {
		return nil
	}
	err := r.Schedules.GetHandle(ctx, in.ScheduleID).Update(ctx, client.ScheduleUpdateOptions{
		DoUpdate: func(u client.ScheduleUpdateInput) (*client.ScheduleUpdate, error) {
			action, ok := u.Description.Schedule.Action.(*client.ScheduleWorkflowAction)
			if !ok {
				return nil, fmt.Errorf("schedule %s: action is %T, not a workflow", in.ScheduleID, u.Description.Schedule.Action)
			}
			if action.Memo == nil {
				action.Memo = map[string]any{}
			}
			action.Memo[contract.ReconcileMemoKey] = in.State
			return &client.ScheduleUpdate{Schedule: &u.Description.Schedule}, nil
		},
	})
	if err != nil {
		return temporal.NewApplicationErrorWithOptions(fmt.Sprintf("reconcile: save state in schedule %s: %v", in.ScheduleID, err),
			ScheduleErrorType, temporal.ApplicationErrorOptions{Cause: err})
	}
	return nil
}
