package ghsim

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Scenario describes the simulated organisation: its repos and how their builds behave.
type Scenario struct {
	// Owner is the organisation login. Default "BTCDecoded".
	Owner string `yaml:"owner" json:"owner"`
	// TimeScale is simulated seconds per real second (Options.TimeScale wins).
	TimeScale float64 `yaml:"time_scale" json:"time_scale,omitempty"`
	// ListingDelay is how long a new run stays out of listings. Default 2s.
	ListingDelay Duration `yaml:"listing_delay" json:"listing_delay"`
	// RateLimit is the primary budget per hour (Options.RateLimit wins). Default 5000.
	RateLimit int `yaml:"rate_limit" json:"rate_limit,omitempty"`
	// ImmutableReleases is the organisation's immutable-releases policy for
	// all repositories (GitHub's "All repositories", enforced by the owner):
	// releases published while it is on refuse asset uploads and deletes and
	// tag changes. A repo's own immutable_releases overrides it.
	ImmutableReleases bool `yaml:"immutable_releases" json:"immutable_releases,omitempty"`
	// OmitAssetDigest uploads assets without a digest (JSON null), as GitHub
	// served assets uploaded before 2025-06. It applies to uploads made while set.
	OmitAssetDigest bool `yaml:"omit_asset_digest" json:"omit_asset_digest,omitempty"`
	// ContentWritesPerMinute triggers a secondary limit (403) beyond that many
	// writes per simulated minute, as GitHub does near 80. Default 0: off.
	ContentWritesPerMinute int `yaml:"content_writes_per_minute" json:"content_writes_per_minute,omitempty"`
	// LegacyDispatch behaves like an older GitHub Enterprise Server: workflow
	// dispatch rejects return_run_details (422) and API version 2026-03-10 (400).
	LegacyDispatch bool `yaml:"legacy_dispatch" json:"legacy_dispatch,omitempty"`
	// ArtifactRetention is how long artifacts live. Default 90 days.
	ArtifactRetention Duration `yaml:"artifact_retention" json:"artifact_retention"`
	// Repos are the organisation's repositories.
	Repos []RepoScenario `yaml:"repos" json:"repos"`
}

// RepoScenario is one repository and its build behaviour.
type RepoScenario struct {
	Name string `yaml:"name" json:"name"`
	// QueueDelay is the time a run stays queued. Default 5s.
	QueueDelay Duration `yaml:"queue_delay" json:"queue_delay"`
	// Duration is the time a run stays in progress. Default 1m.
	Duration Duration `yaml:"duration" json:"duration"`
	// Outcomes are conclusions per attempt; the last repeats. Default [success].
	Outcomes []Conclusion `yaml:"outcomes" json:"outcomes"`
	// Artifacts are produced by every successful attempt.
	Artifacts []ArtifactSpec `yaml:"artifacts" json:"artifacts"`
	// HonourRunName: the run's display title follows RunName. Default true;
	// false gives the workflow's name, as a workflow without run-name does.
	HonourRunName *bool `yaml:"honour_run_name" json:"honour_run_name,omitempty"`
	// RunName is the workflow's run-name; ${{ inputs.X }} and
	// ${{ github.event.client_payload.X }} are substituted.
	// Default "build ${{ inputs.release_tag }} ${{ inputs.correlation_id }}".
	RunName string `yaml:"run_name" json:"run_name,omitempty"`
	// Workflows are the workflow file names. Default [build.yml].
	Workflows []string `yaml:"workflows" json:"workflows"`
	// DisabledWorkflows are workflow files in state disabled_manually:
	// dispatching them is 422 and repository_dispatch starts no run of them.
	DisabledWorkflows []string `yaml:"disabled_workflows" json:"disabled_workflows,omitempty"`
	// ImmutableReleases is the repository's own immutable-releases setting
	// (nil: the scenario's organisation policy applies).
	ImmutableReleases *bool `yaml:"immutable_releases" json:"immutable_releases,omitempty"`

	line int
}

// ArtifactSpec is one artifact a build uploads: a zip of Files.
type ArtifactSpec struct {
	Name  string     `yaml:"name" json:"name"`
	Files []FileSpec `yaml:"files" json:"files"`
	// Hostile makes the zip hostile (see hostile.go); nil: a normal zip.
	Hostile *HostileSpec `yaml:"hostile" json:"hostile,omitempty"`
	// Compression is how Files are written: "deflate" (default, "" too) or
	// "store" (no compression, as upload-artifact's compression-level: 0;
	// entries are written as archive/zip writes them, with data descriptors,
	// flag bit 3). A hostile zip's own entry keeps its kind's method.
	Compression string `yaml:"compression" json:"compression,omitempty"`
}

// Artifact compressions (ArtifactSpec.Compression).
const (
	CompressionDeflate = "deflate"
	CompressionStore   = "store"
)

// compression is Compression with its default applied.
func (a *ArtifactSpec) compression() string {
	if a.Compression == "" {
		return CompressionDeflate
	}
	return a.Compression
}

// zipMethod is the zip method of the artifact's files.
func (a *ArtifactSpec) zipMethod() uint16 {
	if a.compression() == CompressionStore {
		return zip.Store
	}
	return zip.Deflate
}

// FileSpec is one file inside an artifact zip.
type FileSpec struct {
	Name       string   `yaml:"name" json:"name"`
	Size       ByteSize `yaml:"size" json:"size"`
	Executable bool     `yaml:"executable" json:"executable,omitempty"`
}

// Duration is a time.Duration written as "2s", "1m30s" in YAML.
type Duration time.Duration

// UnmarshalYAML parses a Go duration string.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := time.ParseDuration(n.Value)
	if err != nil || v < 0 {
		return fmt.Errorf("line %d: invalid duration %q", n.Line, n.Value)
	}
	*d = Duration(v)
	return nil
}

// MarshalJSON writes the duration as a string.
func (d Duration) MarshalJSON() ([]byte, error) {
	return []byte(strconv.Quote(time.Duration(d).String())), nil
}

// ByteSize is a size in bytes; YAML accepts 1024, "10KiB", "5MiB", "1GiB".
type ByteSize int64

// UnmarshalYAML parses a plain or suffixed size.
func (b *ByteSize) UnmarshalYAML(n *yaml.Node) error {
	v, err := parseSize(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	*b = ByteSize(v)
	return nil
}

func parseSize(s string) (int64, error) {
	units := []struct {
		suffix string
		mul    int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"GB", 1e9}, {"MB", 1e6}, {"KB", 1e3}, {"B", 1}}
	mul := int64(1)
	for _, u := range units {
		if strings.HasSuffix(s, u.suffix) {
			s, mul = strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), u.mul
			break
		}
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v < 0 {
		return 0, fmt.Errorf("invalid size %q", s)
	}
	return v * mul, nil
}

// Conclusion is a run conclusion named in a scenario.
type Conclusion string

var knownConclusions = map[string]bool{
	"success": true, "failure": true, "neutral": true, "cancelled": true, "skipped": true,
	"timed_out": true, "action_required": true, "stale": true, "startup_failure": true,
}

// UnmarshalYAML accepts GitHub's conclusion values only.
func (c *Conclusion) UnmarshalYAML(n *yaml.Node) error {
	if !knownConclusions[n.Value] {
		return fmt.Errorf("line %d: unknown outcome %q", n.Line, n.Value)
	}
	*c = Conclusion(n.Value)
	return nil
}

// repoLines finds the line of each repos entry in the document.
func repoLines(data []byte) []int {
	var doc yaml.Node
	if yaml.Unmarshal(data, &doc) != nil || len(doc.Content) == 0 {
		return nil
	}
	root := doc.Content[0]
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == "repos" {
			var lines []int
			for _, item := range root.Content[i+1].Content {
				lines = append(lines, item.Line)
			}
			return lines
		}
	}
	return nil
}

const defaultRunName = "build ${{ inputs.release_tag }} ${{ inputs.correlation_id }}"

// DefaultScenario is the BTCDecoded organisation with the seven repos of the built-in train.
func DefaultScenario() *Scenario {
	names := []string{"bllvm-consensus", "bllvm-protocol", "bllvm-node", "bllvm-sdk", "bllvm", "governance-app", "commons"}
	sc := &Scenario{Owner: "BTCDecoded"}
	for _, n := range names {
		sc.Repos = append(sc.Repos, RepoScenario{
			Name: n,
			Artifacts: []ArtifactSpec{{
				Name: n + "-linux-x86_64",
				Files: []FileSpec{
					{Name: n, Size: 256 << 10, Executable: true},
					{Name: "README.md", Size: 2 << 10},
				},
			}},
		})
	}
	sc.applyDefaults()
	return sc
}

// ParseScenario parses a scenario YAML document strictly (unknown keys are errors).
func ParseScenario(data []byte) (*Scenario, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var sc Scenario
	if err := dec.Decode(&sc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("scenario: empty document")
		}
		return nil, fmt.Errorf("scenario: %w", err)
	}
	for i, line := range repoLines(data) {
		if i < len(sc.Repos) {
			sc.Repos[i].line = line
		}
	}
	if err := sc.validate(); err != nil {
		return nil, fmt.Errorf("scenario: %w", err)
	}
	sc.applyDefaults()
	return &sc, nil
}

// LoadScenario reads and parses a scenario file.
func LoadScenario(path string) (*Scenario, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read scenario %s: %w", path, err)
	}
	sc, err := ParseScenario(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return sc, nil
}

// clone copies the scenario so defaults applied to it never touch the caller's.
func (sc *Scenario) clone() *Scenario {
	c := *sc
	c.Repos = slices.Clone(sc.Repos)
	return &c
}

func (sc *Scenario) validate() error {
	if sc.TimeScale < 0 {
		return errors.New("time_scale must not be negative")
	}
	if sc.RateLimit < 0 {
		return errors.New("rate_limit must not be negative")
	}
	seen := map[string]int{}
	for _, r := range sc.Repos {
		if r.Name == "" {
			return fmt.Errorf("line %d: repo without name", r.line)
		}
		key := strings.ToLower(r.Name)
		if prev, dup := seen[key]; dup {
			return fmt.Errorf("line %d: repo %q already defined at line %d", r.line, r.Name, prev)
		}
		seen[key] = r.line
		arts := map[string]bool{}
		for _, a := range r.Artifacts {
			if a.Name == "" || arts[a.Name] {
				return fmt.Errorf("line %d: repo %q: artifact names must be unique and non-empty", r.line, r.Name)
			}
			arts[a.Name] = true
			if c := a.compression(); c != CompressionDeflate && c != CompressionStore {
				return fmt.Errorf("line %d: repo %q: artifact %q: unknown compression %q (want %q or %q)",
					r.line, r.Name, a.Name, a.Compression, CompressionDeflate, CompressionStore)
			}
			if a.Hostile != nil {
				if err := a.Hostile.validate(); err != nil {
					return fmt.Errorf("line %d: repo %q: artifact %q: %w", r.line, r.Name, a.Name, err)
				}
			}
			for _, f := range a.Files {
				if f.Name == "" {
					return fmt.Errorf("line %d: repo %q: artifact %q has a file without name", r.line, r.Name, a.Name)
				}
			}
		}
		workflows := r.Workflows
		if len(workflows) == 0 {
			workflows = []string{"build.yml"}
		}
		for _, d := range r.DisabledWorkflows {
			if !slices.Contains(workflows, d) {
				return fmt.Errorf("line %d: repo %q: disabled_workflows: %q is not one of its workflows %v", r.line, r.Name, d, workflows)
			}
		}
	}
	return nil
}

func (sc *Scenario) applyDefaults() {
	if sc.Owner == "" {
		sc.Owner = "BTCDecoded"
	}
	if sc.ListingDelay == 0 {
		sc.ListingDelay = Duration(2 * time.Second)
	}
	if sc.ArtifactRetention == 0 {
		sc.ArtifactRetention = Duration(90 * 24 * time.Hour)
	}
	for i := range sc.Repos {
		r := &sc.Repos[i]
		if r.QueueDelay == 0 {
			r.QueueDelay = Duration(5 * time.Second)
		}
		if r.Duration == 0 {
			r.Duration = Duration(time.Minute)
		}
		if len(r.Outcomes) == 0 {
			r.Outcomes = []Conclusion{"success"}
		}
		if r.HonourRunName == nil {
			t := true
			r.HonourRunName = &t
		}
		if r.RunName == "" {
			r.RunName = defaultRunName
		}
		if len(r.Workflows) == 0 {
			r.Workflows = []string{"build.yml"}
		}
	}
}

// outcome is the conclusion of the given attempt (1-based); the last repeats.
func (r *RepoScenario) outcome(attempt int) string {
	i := attempt - 1
	if i >= len(r.Outcomes) {
		i = len(r.Outcomes) - 1
	}
	return string(r.Outcomes[i])
}
