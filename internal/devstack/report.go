package devstack

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/BTCDecoded/releasetrain/bundle"
	"github.com/BTCDecoded/releasetrain/config"
	"github.com/BTCDecoded/releasetrain/contract"
	"github.com/BTCDecoded/releasetrain/ghsim"
	"github.com/BTCDecoded/releasetrain/provenance"
)

// Report is what `releasetrain dev --report FILE` writes. Durations are in
// simulated seconds (real seconds × the simulator's time scale).
type Report struct {
	Tag                 string                `json:"tag"`
	ReleaseURL          string                `json:"release_url"`
	Assets              []ReportAsset         `json:"assets"`
	AssetsDir           string                `json:"assets_dir"`
	Repos               map[string]RepoReport `json:"repos"`
	GitHub              GitHubReport          `json:"github"`
	MakespanSeconds     float64               `json:"makespan_seconds"`
	LayeredBoundSeconds float64               `json:"layered_bound_seconds"`
	// CriticalPathSeconds is the longest dependency chain of builds: the
	// eager schedule's lower bound.
	CriticalPathSeconds float64 `json:"critical_path_seconds"`
	// Schedule is the train's schedule (eager or layered).
	Schedule   string  `json:"schedule"`
	TimeScale  float64 `json:"time_scale"`
	TemporalUI string  `json:"temporal_ui"`
	// ReleaseAPI is the release in the simulator's REST API (ReleaseURL is
	// GitHub's address, as the simulator reports it).
	ReleaseAPI string `json:"release_api"`
	// PublicKey verifies SHA256SUMS.asc (the demo's signing key).
	PublicKey string `json:"public_key"`
	// ReleaseImmutable is GitHub's immutable mark on the published release,
	// as the simulator stores it and the train read it back.
	ReleaseImmutable bool `json:"release_immutable"`
	// ProvenanceKey verifies the provenance's DSSE signature (PEM public key).
	ProvenanceKey string `json:"provenance_key"`
	// Provenance is what the release's provenance says about each member
	// run, as releasetrain verify read it: repo -> run id, attempt, commit.
	Provenance map[string]ProvenanceRun `json:"provenance"`
}

// ProvenanceRun is one member run as the provenance records it.
type ProvenanceRun struct {
	RunID   int64  `json:"run_id"`
	Attempt int    `json:"attempt"`
	Commit  string `json:"commit"`
}

// ReportAsset is one published asset as downloaded.
type ReportAsset struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// RepoReport is one repo's build: dispatches as counted by the simulator.
type RepoReport struct {
	Dispatches   int     `json:"dispatches"`
	Attempts     int     `json:"attempts"`
	RunIDs       []int64 `json:"run_ids"`
	BuildSeconds float64 `json:"build_seconds"`
	WaitSeconds  float64 `json:"wait_seconds"`
	State        string  `json:"state"`
	// Files and Bytes count the collected files; Manifest is the store key
	// of their list.
	Files    int    `json:"files"`
	Bytes    int64  `json:"bytes"`
	Manifest string `json:"manifest,omitempty"`
}

// GitHubReport is the simulator's accounting of the API use.
type GitHubReport struct {
	Requests    int `json:"requests"`
	BudgetSpent int `json:"budget_spent"`
	NotModified int `json:"not_modified"`
	// PublishedReleaseWrites counts the requests that tried to change a
	// published release (assets, tag, title or notes): releasetrain makes none.
	PublishedReleaseWrites int `json:"published_release_writes"`
}

// report downloads and verifies the release and gathers the numbers.
func (s *Stack) report(ctx context.Context, tag string, st contract.Status) (*Report, error) {
	dir := filepath.Join(s.opts.DataDir, "releases", tag)
	assets, err := s.download(tag, dir)
	if err != nil {
		return nil, err
	}
	if _, err := VerifySums(dir); err != nil {
		return nil, fmt.Errorf("verify the downloaded release: %w", err)
	}
	keys, err := os.Open(s.PublicKey)
	if err != nil {
		return nil, err
	}
	defer keys.Close()
	if _, err := bundle.VerifyDir(dir, keys, 1); err != nil {
		return nil, fmt.Errorf("verify the release signatures with %s: %w", s.PublicKey, err)
	}
	prov, err := s.verifyProvenance(ctx, dir)
	if err != nil {
		return nil, err
	}
	start, end, err := s.describe(ctx, tag)
	if err != nil {
		return nil, err
	}
	scale := s.TimeScale
	stats := s.Sim.Stats()
	r := &Report{
		Tag:                 tag,
		ReleaseURL:          st.ReleaseURL,
		Assets:              assets,
		AssetsDir:           dir,
		Repos:               map[string]RepoReport{},
		MakespanSeconds:     end.Sub(start).Seconds() * scale,
		LayeredBoundSeconds: LayeredBound(st.Layers, s.Scenario).Seconds(),
		CriticalPathSeconds: CriticalPathBound(s.Train, st.Layers, s.Scenario).Seconds(),
		Schedule:            st.Schedule,
		TimeScale:           scale,
		TemporalUI:          s.ReleaseUIURL(tag),
		ReleaseAPI:          fmt.Sprintf("%s/api/v3/repos/%s/%s/releases/tags/%s", s.SimURL, s.Train.Owner, s.Train.Release.Repo, tag),
		PublicKey:           s.PublicKey,
		ProvenanceKey:       s.ProvenancePublicKey,
		Provenance:          prov,
		GitHub:              GitHubReport{BudgetSpent: stats.BudgetSpent, NotModified: stats.NotModified},
	}
	for _, n := range stats.PublishedReleaseWrites {
		r.GitHub.PublishedReleaseWrites += n
	}
	rel, _ := s.Sim.Release(s.Train.Owner, s.Train.Release.Repo, tag)
	if rel.Immutable != st.ReleaseImmutable {
		return nil, fmt.Errorf("release %s: the simulator says immutable %t, the train read back %t", tag, rel.Immutable, st.ReleaseImmutable)
	}
	r.ReleaseImmutable = rel.Immutable
	for _, byStatus := range stats.Requests {
		for _, n := range byStatus {
			r.GitHub.Requests += n
		}
	}
	for _, layer := range st.Layers {
		for _, name := range layer {
			rs := st.Repos[name]
			rr := RepoReport{Dispatches: stats.Dispatches[s.Train.Owner+"/"+name], Attempts: rs.Attempt, State: string(rs.State),
				Files: rs.Files, Bytes: rs.Bytes, Manifest: rs.Manifest}
			if rs.RunID != 0 {
				rr.RunIDs = []int64{rs.RunID}
			}
			if rs.StartedAt != nil {
				rr.WaitSeconds = rs.StartedAt.Sub(start).Seconds() * scale
				if rs.FinishedAt != nil {
					rr.BuildSeconds = rs.FinishedAt.Sub(*rs.StartedAt).Seconds() * scale
				}
			}
			r.Repos[name] = rr
		}
	}
	return r, nil
}

// verifyProvenance checks the downloaded provenance with the demo's key
// and against SHA256SUMS and the files, and returns its member runs.
func (s *Stack) verifyProvenance(ctx context.Context, dir string) (map[string]ProvenanceRun, error) {
	path, err := provenance.FindFile(dir)
	if err != nil {
		return nil, err
	}
	key, err := provenance.LoadVerifierFile(s.ProvenancePublicKey)
	if err != nil {
		return nil, err
	}
	o, _, err := provenance.OpenRelease(ctx, dir, path, []*provenance.Verifier{key})
	if err != nil {
		return nil, fmt.Errorf("verify the release provenance with %s: %w", s.ProvenancePublicKey, err)
	}
	if _, err := provenance.CheckFiles(dir, o.Summary); err != nil {
		return nil, err
	}
	out := map[string]ProvenanceRun{}
	for _, m := range o.Members {
		if !m.Skipped {
			out[m.Repo] = ProvenanceRun{RunID: m.RunID, Attempt: m.Attempt, Commit: m.Commit}
		}
	}
	return out, nil
}

// WriteJSON writes the report to path.
func (r *Report) WriteJSON(path string) error {
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(data, '\n'), 0o644)
}

// LayeredBound is the DAG's lower bound on the makespan: the sum over layers of
// the longest build (queue delay + duration, once per attempt the scenario's
// outcomes need to reach success), in simulated time.
func LayeredBound(layers [][]string, sc *ghsim.Scenario) time.Duration {
	var total time.Duration
	for _, layer := range layers {
		var longest time.Duration
		for _, name := range layer {
			longest = max(longest, buildTime(sc, name))
		}
		total += longest
	}
	return total
}

// CriticalPathBound is the eager schedule's lower bound on the makespan:
// the longest chain of dependent builds (queue delay + duration per
// attempt, as in LayeredBound) among the repos of layers, in simulated time.
func CriticalPathBound(train *config.Train, layers [][]string, sc *ghsim.Scenario) time.Duration {
	var names []string
	for _, l := range layers {
		names = append(names, l...)
	}
	g, err := train.Graph()
	if err != nil || len(names) == 0 {
		return 0
	}
	if g, err = g.Subgraph(names, false); err != nil {
		return 0
	}
	d := make(map[string]time.Duration, len(names))
	for _, n := range names {
		d[n] = buildTime(sc, n)
	}
	_, total := g.CriticalPath(d)
	return total
}

// buildTime is how long a repo's build takes in the scenario, reruns included.
func buildTime(sc *ghsim.Scenario, repo string) time.Duration {
	for _, r := range sc.Repos {
		if r.Name != repo {
			continue
		}
		attempts := 1
		for i, o := range r.Outcomes {
			if string(o) == "success" {
				attempts = i + 1
				break
			}
		}
		return time.Duration(attempts) * (time.Duration(r.QueueDelay) + time.Duration(r.Duration))
	}
	return 0
}
