package provenance

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	slsa "github.com/in-toto/attestation/go/predicates/provenance/v1"
	intoto "github.com/in-toto/attestation/go/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// Identifiers written into every statement.
const (
	// PredicateType is SLSA Provenance v1.
	PredicateType = "https://slsa.dev/provenance/v1"
	// PayloadType is the DSSE payload type of an in-toto statement.
	PayloadType = "application/vnd.in-toto+json"
	// BuildType names what a releasetrain train build means: the
	// parameters below, and a bundle made as BundleFormat says.
	BuildType = "https://github.com/BTCDecoded/releasetrain/buildtypes/train/v1"
	// DefaultBuilderID identifies releasetrain as the builder.
	DefaultBuilderID = "https://github.com/BTCDecoded/releasetrain"
	// BundleFormat is the bundle recipe [Rebuild] knows: bundle.Package's
	// deterministic PAX tar in parallel gzip.
	BundleFormat = "releasetrain-tar-gz/v1"
)

// Input is everything a statement records. Times are UTC instants.
type Input struct {
	// BuilderID defaults to DefaultBuilderID.
	BuilderID string
	// Owner, ReleaseRepo and Name are the train's owner, release repo and
	// bundle name; ConfigSHA256 is the hex sha256 of its resolved config.
	Owner, ReleaseRepo, Name, ConfigSHA256 string
	Tag                                    string
	Prerelease                             bool
	// Trigger says what started the train; Only and WithDependents are the
	// operator's narrowing of the train, empty for the whole train.
	Trigger        string
	Only           []string
	WithDependents bool
	// WorkflowID and RunID are the Release workflow's; together they are
	// the invocation id.
	WorkflowID, RunID     string
	StartedOn, FinishedOn time.Time
	Bundle                Bundle
	// Files are the member files published as assets (and packed in the bundle).
	Files []File
	// Members are every repo of the train's run, built or skipped.
	Members []Member
}

// Bundle is the published tarball and the settings that made it.
type Bundle struct {
	Asset  string
	SHA256 string
	// Name and Tag name the tarball and its top directory; MTime is every
	// entry's mtime; GzipLevel and GzipBlockSize are the compressor's.
	Name, Tag     string
	MTime         time.Time
	GzipLevel     int
	GzipBlockSize int
}

// File is one member file: its asset name and digest, where it sits in the
// bundle (<repo>/<path>) and its mode.
type File struct {
	Asset      string `json:"-"`
	SHA256     string `json:"-"`
	Repo       string `json:"repo"`
	Path       string `json:"path"`
	Executable bool   `json:"executable,omitempty"`
}

// Member is one repo's part in the train.
type Member struct {
	Repo string
	// RepoURL is the repo's web address (https://github.com/OWNER/REPO).
	RepoURL string
	// Workflow is the build workflow's path, e.g. .github/workflows/build.yml.
	Workflow string
	// Commit is the run's head_sha.
	Commit     string
	RunID      int64
	Attempt    int
	RunURL     string
	Conclusion string
	// Reruns counts the re-runs and fresh dispatches beyond the first attempt.
	Reruns    int
	Artifacts []Artifact
	// Skipped repos contribute no files; SkipReason says why.
	Skipped    bool
	SkipReason string
}

// Artifact is one GitHub Actions artifact a run uploaded.
type Artifact struct {
	Name string `json:"name"`
	// SHA256 is GitHub's digest of the artifact's zip, empty when GitHub
	// gave none (uploads older than upload-artifact v4).
	SHA256 string `json:"sha256,omitempty"`
}

// externalParameters are what the train was asked to do.
type externalParameters struct {
	Train          trainParams `json:"train"`
	Tag            string      `json:"tag"`
	Prerelease     bool        `json:"prerelease"`
	Trigger        string      `json:"trigger,omitempty"`
	Only           []string    `json:"only,omitempty"`
	WithDependents bool        `json:"with_dependents,omitempty"`
	Skip           []skipParam `json:"skip,omitempty"`
}

type trainParams struct {
	Owner       string            `json:"owner"`
	ReleaseRepo string            `json:"release_repo"`
	Name        string            `json:"name"`
	Config      map[string]string `json:"config,omitempty"`
}

type skipParam struct {
	Repo   string `json:"repo"`
	Reason string `json:"reason,omitempty"`
}

// internalParameters are how releasetrain built the bundle.
type internalParameters struct {
	Bundle bundleParams `json:"bundle"`
}

type bundleParams struct {
	Format          string `json:"format"`
	Name            string `json:"name"`
	Tag             string `json:"tag"`
	SourceDateEpoch int64  `json:"source_date_epoch"`
	GzipLevel       int    `json:"gzip_level"`
	GzipBlockSize   int    `json:"gzip_block_size"`
}

// runAnnotations describe one member run (a byproduct).
type runAnnotations struct {
	Repo       string     `json:"repo"`
	RunID      int64      `json:"run_id,omitempty"`
	Attempt    int        `json:"attempt,omitempty"`
	Conclusion string     `json:"conclusion,omitempty"`
	Reruns     int        `json:"reruns"`
	Artifacts  []Artifact `json:"artifacts,omitempty"`
	Skipped    bool       `json:"skipped,omitempty"`
	Reason     string     `json:"reason,omitempty"`
}

// Byproduct names: run/<repo> for a member run, skipped/<repo> for a skipped repo.
const (
	runPrefix     = "run/"
	skippedPrefix = "skipped/"
)

// Build makes the in-toto statement for in and validates it with the
// in-toto bindings.
func Build(in Input) (*intoto.Statement, error) {
	if err := checkInput(in); err != nil {
		return nil, err
	}
	subjects, err := subjects(in)
	if err != nil {
		return nil, err
	}
	ext := externalParameters{
		Train: trainParams{Owner: in.Owner, ReleaseRepo: in.ReleaseRepo, Name: in.Name},
		Tag:   in.Tag, Prerelease: in.Prerelease, Trigger: in.Trigger,
		Only: sortedCopy(in.Only), WithDependents: in.WithDependents,
	}
	if in.ConfigSHA256 != "" {
		ext.Train.Config = map[string]string{"sha256": in.ConfigSHA256}
	}
	members := append([]Member(nil), in.Members...)
	sort.Slice(members, func(i, j int) bool { return members[i].Repo < members[j].Repo })
	var deps, byproducts []*intoto.ResourceDescriptor
	for _, m := range members {
		if m.Skipped {
			ext.Skip = append(ext.Skip, skipParam{Repo: m.Repo, Reason: m.SkipReason})
			ann, err := toStruct(runAnnotations{Repo: m.Repo, RunID: m.RunID, Attempt: m.Attempt,
				Conclusion: m.Conclusion, Reruns: m.Reruns, Skipped: true, Reason: m.SkipReason})
			if err != nil {
				return nil, err
			}
			byproducts = append(byproducts, &intoto.ResourceDescriptor{Name: skippedPrefix + m.Repo, Uri: m.RunURL, Annotations: ann})
			continue
		}
		dep := &intoto.ResourceDescriptor{Name: m.Repo, Uri: gitURI(m.RepoURL)}
		if m.Commit != "" {
			dep.Digest = map[string]string{"gitCommit": strings.ToLower(m.Commit)}
		}
		if m.Workflow != "" {
			if dep.Annotations, err = structpb.NewStruct(map[string]any{"workflow": m.Workflow}); err != nil {
				return nil, fmt.Errorf("provenance %s: %w", m.Repo, err)
			}
		}
		deps = append(deps, dep)
		arts := append([]Artifact(nil), m.Artifacts...)
		sort.Slice(arts, func(i, j int) bool { return arts[i].Name < arts[j].Name })
		ann, err := toStruct(runAnnotations{Repo: m.Repo, RunID: m.RunID, Attempt: m.Attempt,
			Conclusion: m.Conclusion, Reruns: m.Reruns, Artifacts: arts})
		if err != nil {
			return nil, err
		}
		byproducts = append(byproducts, &intoto.ResourceDescriptor{Name: runPrefix + m.Repo, Uri: m.RunURL, Annotations: ann})
	}
	extStruct, err := toStruct(ext)
	if err != nil {
		return nil, err
	}
	intStruct, err := toStruct(internalParameters{Bundle: bundleParams{
		Format: BundleFormat, Name: in.Bundle.Name, Tag: in.Bundle.Tag,
		SourceDateEpoch: in.Bundle.MTime.Unix(),
		GzipLevel:       in.Bundle.GzipLevel, GzipBlockSize: in.Bundle.GzipBlockSize,
	}})
	if err != nil {
		return nil, err
	}
	builder := in.BuilderID
	if builder == "" {
		builder = DefaultBuilderID
	}
	pred := &slsa.Provenance{
		BuildDefinition: &slsa.BuildDefinition{
			BuildType:            BuildType,
			ExternalParameters:   extStruct,
			InternalParameters:   intStruct,
			ResolvedDependencies: deps,
		},
		RunDetails: &slsa.RunDetails{
			Builder: &slsa.Builder{Id: builder},
			Metadata: &slsa.BuildMetadata{
				InvocationId: InvocationID(in.WorkflowID, in.RunID),
				StartedOn:    timestamppb.New(in.StartedOn.UTC()),
				FinishedOn:   timestamppb.New(in.FinishedOn.UTC()),
			},
			Byproducts: byproducts,
		},
	}
	if err := pred.Validate(); err != nil {
		return nil, fmt.Errorf("provenance predicate: %w", err)
	}
	predStruct, err := protoToStruct(pred)
	if err != nil {
		return nil, err
	}
	st := &intoto.Statement{
		Type:          intoto.StatementTypeUri,
		Subject:       subjects,
		PredicateType: PredicateType,
		Predicate:     predStruct,
	}
	if err := st.Validate(); err != nil {
		return nil, fmt.Errorf("provenance statement: %w", err)
	}
	return st, nil
}

// InvocationID is the Release workflow's execution: <workflow id>/<run id>.
func InvocationID(workflowID, runID string) string { return workflowID + "/" + runID }

func checkInput(in Input) error {
	var missing []string
	for _, f := range []struct{ name, v string }{
		{"name", in.Name}, {"tag", in.Tag}, {"workflow id", in.WorkflowID}, {"run id", in.RunID},
		{"bundle asset", in.Bundle.Asset}, {"bundle sha256", in.Bundle.SHA256},
		{"bundle name", in.Bundle.Name}, {"bundle tag", in.Bundle.Tag},
	} {
		if f.v == "" {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("provenance: missing %s", strings.Join(missing, ", "))
	}
	if in.Bundle.MTime.IsZero() || in.StartedOn.IsZero() || in.FinishedOn.IsZero() {
		return errors.New("provenance: bundle mtime, start and finish times are required")
	}
	return nil
}

// subjects are the bundle and the member files, sorted by name; a name
// used twice is refused.
func subjects(in Input) ([]*intoto.ResourceDescriptor, error) {
	out := []*intoto.ResourceDescriptor{{
		Name: in.Bundle.Asset, Digest: map[string]string{"sha256": strings.ToLower(in.Bundle.SHA256)},
	}}
	for _, f := range in.Files {
		ann, err := toStruct(f)
		if err != nil {
			return nil, err
		}
		out = append(out, &intoto.ResourceDescriptor{
			Name: f.Asset, Digest: map[string]string{"sha256": strings.ToLower(f.SHA256)}, Annotations: ann,
		})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	for i := 1; i < len(out); i++ {
		if out[i].Name == out[i-1].Name {
			return nil, fmt.Errorf("provenance: subject %q listed twice", out[i].Name)
		}
	}
	return out, nil
}

// gitURI is the SLSA form of a repo's address: git+https://HOST/OWNER/REPO.
func gitURI(repoURL string) string {
	if repoURL == "" {
		return ""
	}
	return "git+" + repoURL
}

func sortedCopy(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}

// toStruct converts a Go value to a protobuf Struct through its JSON form.
func toStruct(v any) (*structpb.Struct, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("provenance: %w", err)
	}
	s := &structpb.Struct{}
	if err := protojson.Unmarshal(data, s); err != nil {
		return nil, fmt.Errorf("provenance: %w", err)
	}
	return s, nil
}

// fromStruct is toStruct's inverse.
func fromStruct(s *structpb.Struct, v any) error {
	if s == nil {
		return errors.New("missing")
	}
	data, err := protojson.Marshal(s)
	if err != nil {
		return err
	}
	return json.Unmarshal(data, v)
}

// protoToStruct renders a message as a Struct (the statement's predicate).
func protoToStruct(m proto.Message) (*structpb.Struct, error) {
	data, err := protojson.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("provenance predicate: %w", err)
	}
	s := &structpb.Struct{}
	if err := protojson.Unmarshal(data, s); err != nil {
		return nil, fmt.Errorf("provenance predicate: %w", err)
	}
	return s, nil
}
