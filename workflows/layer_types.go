package workflows

import (
	"github.com/BTCDecoded/releasetrain/activities"
	"github.com/BTCDecoded/releasetrain/config"
	"github.com/BTCDecoded/releasetrain/contract"
)

// SignalLayerProgress is the internal signal a Layer child sends its parent
// Release with batched per-repo status changes, so the parent's status query
// is always complete. Operators never send it.
const SignalLayerProgress = "layer-progress"

// LayerInput starts one Layer child: the repos of one DAG layer.
type LayerInput struct {
	Tag   string `json:"tag"`
	Owner string `json:"owner"`
	// Index is the layer's position (0-based) and Count the number of layers,
	// for logs and the Web UI summary.
	Index int         `json:"index"`
	Count int         `json:"count"`
	Repos []LayerRepo `json:"repos"`
	// Upstream maps every repo built by an earlier layer to its successful run id.
	Upstream map[string]int64 `json:"upstream,omitempty"`
	// Paused starts the layer paused (no dispatch until resume).
	Paused bool `json:"paused,omitempty"`
	// Eager: the layer starts before its dependencies are built; each build
	// waits until the parent says (SignalUpstreamDone) that every repo it
	// depends on has succeeded or was skipped.
	Eager bool `json:"eager,omitempty"`
	// Dependents maps each repo of an eager layer to the later layers that
	// hold a repo depending on it directly: when the repo succeeds or is
	// skipped, the layer tells those layers itself (SignalUpstreamDone),
	// without waiting for the parent to hear of it.
	Dependents map[string][]int `json:"dependents,omitempty"`
}

// LayerRepo is one repo of a layer with its direct dependencies and its
// resolved settings.
type LayerRepo struct {
	Name      string          `json:"name"`
	DependsOn []string        `json:"depends_on,omitempty"`
	Settings  config.Settings `json:"settings"`
}

// LayerResult is every repo's contribution, in the order of LayerInput.Repos;
// each repo either succeeded or was skipped.
type LayerResult struct {
	Repos []activities.RepoResult `json:"repos"`
}

// LayerProgress is the payload of SignalLayerProgress: the latest status of
// every repo that changed since the previous signal.
type LayerProgress struct {
	Updates []RepoUpdate `json:"updates"`
}

// RepoUpdate is one repo's new status; Blocked marks a build waiting for an
// operator's retry, skip or cancel.
type RepoUpdate struct {
	Repo    string              `json:"repo"`
	Status  contract.RepoStatus `json:"status"`
	Blocked bool                `json:"blocked,omitempty"`
}
