package activities

import (
	"slices"
	"strings"
	"time"
)

// ReconcileFilter says which webhook deliveries the train cares about; the
// reconciler decides from the delivery log's event, action and
// repository_id alone, before reading any payload.
type ReconcileFilter struct {
	// Owner owns every repo named here.
	Owner string `json:"owner"`
	// ReleaseRepos are the trigger repos and the release repo: their
	// `release` deliveries with one of ReleaseActions start trains.
	ReleaseRepos   []string `json:"release_repos"`
	ReleaseActions []string `json:"release_actions"`
	// RunRepos are the train's members: their `workflow_run` `completed`
	// deliveries wake builds.
	RunRepos []string `json:"run_repos"`
	// DispatchTypes are the repository_dispatch event types the receiver
	// answers (from any repo of the owner; a token-only setup sees only
	// those of the repos above).
	DispatchTypes []string `json:"dispatch_types"`
	// RepoHookURL is the receiver's URL on the repositories' webhooks
	// (reconcile.webhook_url): without a GitHub App, the reconciler reads
	// the delivery logs of those repository hooks instead of the App's.
	RepoHookURL string `json:"repo_hook_url,omitempty"`
}

// Repos are every repo the filter names, sorted, without duplicates.
func (f ReconcileFilter) Repos() []string {
	var out []string
	for _, r := range append(slices.Clone(f.ReleaseRepos), f.RunRepos...) {
		out = append(out, strings.ToLower(r))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// RepoID is a repository's numeric id, as the delivery log's repository_id.
type RepoID struct {
	Name string `json:"name"` // lower case
	ID   int64  `json:"id"`
}

// RepoHook is a repository's webhook that delivers to the receiver.
type RepoHook struct {
	Name string `json:"name"` // lower case
	ID   int64  `json:"id"`
}

// Redelivered records a delivery the reconciler asked GitHub to send again.
type Redelivered struct {
	GUID string `json:"guid"`
	// From is the id of the failed attempt it redelivered: while that is
	// still the GUID's newest attempt in the log, the redelivery is pending.
	From int64 `json:"from"`
	// At is From's delivered_at (GitHub's clock); entries older than
	// GitHub's 3-day redelivery window are dropped.
	At time.Time `json:"at"`
}

// ReconcileState is what the reconciler keeps between runs, in the
// releasetrain-reconcile schedule's workflow memo (never in a file). It is
// small and bounded: a checkpoint, a few repo ids, and at most
// MaxRedeliveredKept recent redeliveries.
type ReconcileState struct {
	// Checkpoint is the newest delivered_at seen; the next run pages back
	// to it (minus ReconcileOverlap).
	Checkpoint time.Time `json:"checkpoint,omitzero"`
	// RepoIDs are the filter's repositories' ids, looked up once.
	RepoIDs []RepoID `json:"repo_ids,omitempty"`
	// RepoHooks are the repository hooks delivering to the filter's
	// RepoHookURL (token-only setups), looked up once.
	RepoHooks []RepoHook `json:"repo_hooks,omitempty"`
	// Redelivered are recent redeliveries, newest last. The receiver reads
	// them to mark a train started by a redelivery "(redelivered)".
	Redelivered []Redelivered `json:"redelivered,omitempty"`
	// Last is the last run's result.
	Last *ReconcileResult `json:"last,omitempty"`
}

// MaxRedeliveredKept bounds ReconcileState.Redelivered.
const MaxRedeliveredKept = 400

// WasRedelivered reports whether the reconciler redelivered guid.
func (s ReconcileState) WasRedelivered(guid string) bool {
	return slices.ContainsFunc(s.Redelivered, func(r Redelivered) bool { return r.GUID == guid })
}

// WithRedelivered returns the redeliveries plus add, without those older
// than the redelivery window before now (GitHub's clock), at most
// MaxRedeliveredKept, newest last.
func WithRedelivered(kept, add []Redelivered, now time.Time) []Redelivered {
	var out []Redelivered
	for _, r := range append(slices.Clone(kept), add...) {
		if now.IsZero() || now.Sub(r.At) <= RedeliveryWindow {
			out = append(out, r)
		}
	}
	if len(out) > MaxRedeliveredKept {
		out = out[len(out)-MaxRedeliveredKept:]
	}
	return out
}

// RedeliveryWindow is how long GitHub keeps a delivery redeliverable.
const RedeliveryWindow = 3 * 24 * time.Hour

// ReconcileOverlap is how far before the checkpoint a run still reads: a
// delivery that was in flight during the last run (up to GitHub's 10 s
// timeout, with room for clock skew) may carry an earlier delivered_at.
const ReconcileOverlap = 15 * time.Minute

// ReconcileCandidate is a failed delivery to redeliver.
type ReconcileCandidate struct {
	ID          int64     `json:"id"`
	GUID        string    `json:"guid"`
	Event       string    `json:"event"`
	Action      string    `json:"action,omitempty"`
	DeliveredAt time.Time `json:"delivered_at"`
	// Repo and HookID name the repository hook it came from; empty: the App's.
	Repo   string `json:"repo,omitempty"`
	HookID int64  `json:"hook_id,omitempty"`
}

// ScanInput is the input of ScanDeliveries.
type ScanInput struct {
	Filter ReconcileFilter `json:"filter"`
	State  ReconcileState  `json:"state"`
}

// ScanResult is what ScanDeliveries found.
type ScanResult struct {
	// Candidates are the failed relevant deliveries to redeliver, oldest first.
	Candidates []ReconcileCandidate `json:"candidates,omitempty"`
	// Checkpoint is the newest delivered_at read (the old one if the log was empty).
	Checkpoint time.Time `json:"checkpoint,omitzero"`
	// RepoIDs are the filter's repository ids (looked up when missing).
	RepoIDs []RepoID `json:"repo_ids,omitempty"`
	// RepoHooks are the repository hooks read (token-only setups).
	RepoHooks []RepoHook `json:"repo_hooks,omitempty"`
	// Scanned counts the log items read, Pages the list requests, Lookups
	// the repository id requests.
	Scanned int `json:"scanned"`
	Pages   int `json:"pages"`
	Lookups int `json:"lookups,omitempty"`
	// Failed counts relevant deliveries whose newest attempt failed
	// (Candidates plus Pending).
	Failed int `json:"failed"`
	// Pending counts failed deliveries an earlier run already redelivered
	// whose new attempt is not in the log yet.
	Pending int `json:"pending,omitempty"`
	// Truncated is set when the run stopped at MaxReconcilePages before
	// reaching its checkpoint.
	Truncated bool `json:"truncated,omitempty"`
}

// RedeliverInput is the input of RedeliverDeliveries.
type RedeliverInput struct {
	Candidates []ReconcileCandidate `json:"candidates"`
	// Owner owns the repository hooks of the candidates (token-only setups).
	Owner string `json:"owner,omitempty"`
}

// RedeliverResult is what RedeliverDeliveries did.
type RedeliverResult struct {
	// Redelivered are the deliveries GitHub accepted (202).
	Redelivered []Redelivered `json:"redelivered,omitempty"`
	// Expired counts deliveries GitHub refused as older than 3 days: lost.
	Expired int `json:"expired,omitempty"`
	// Calls counts the redelivery requests.
	Calls int `json:"calls"`
}

// ReconcileResult is one reconciler run's account, the workflow's result
// and the schedule memo's "last run".
type ReconcileResult struct {
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at"`
	// Scanned delivery-log items; Failed relevant deliveries whose newest
	// attempt failed; Redelivered accepted redeliveries; Pending failed
	// deliveries already redelivered by an earlier run; Expired refused as
	// older than 3 days (lost).
	Scanned     int `json:"scanned"`
	Failed      int `json:"failed"`
	Redelivered int `json:"redelivered"`
	Pending     int `json:"pending,omitempty"`
	Expired     int `json:"expired,omitempty"`
	// Budget is the requests that spent rate limit: Pages list pages,
	// RedeliverCalls redeliveries and Lookups repository ids (first run).
	Budget         int  `json:"budget"`
	Pages          int  `json:"pages"`
	RedeliverCalls int  `json:"redeliver_calls"`
	Lookups        int  `json:"lookups,omitempty"`
	Truncated      bool `json:"truncated,omitempty"`
}

// SaveStateInput is the input of SaveReconcileState.
type SaveStateInput struct {
	ScheduleID string         `json:"schedule_id"`
	State      ReconcileState `json:"state"`
}
