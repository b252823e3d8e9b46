package activities

import (
	"slices"
	"strings"
	"time"

	"github.com/BTCDecoded/releasetrain/contract"
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
	Filter ReconcileFilter         `json:"filter"`
	State  contract.ReconcileState `json:"state"`
}

// ScanResult is what ScanDeliveries found.
type ScanResult struct {
	// Candidates are the failed relevant deliveries to redeliver, oldest first.
	Candidates []ReconcileCandidate `json:"candidates,omitempty"`
	// Checkpoint is the newest delivered_at read (the old one if the log was empty).
	Checkpoint time.Time `json:"checkpoint,omitzero"`
	// RepoIDs are the filter's repository ids (looked up when missing).
	RepoIDs []contract.RepoID `json:"repo_ids,omitempty"`
	// RepoHooks are the repository hooks read (token-only setups).
	RepoHooks []contract.RepoHook `json:"repo_hooks,omitempty"`
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
	Redelivered []contract.Redelivered `json:"redelivered,omitempty"`
	// Expired counts deliveries GitHub refused as older than 3 days: lost.
	Expired int `json:"expired,omitempty"`
	// Calls counts the redelivery requests.
	Calls int `json:"calls"`
}

// SaveStateInput is the input of SaveReconcileState.
type SaveStateInput struct {
	ScheduleID string                  `json:"schedule_id"`
	State      contract.ReconcileState `json:"state"`
}
