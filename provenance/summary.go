package provenance

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/BTCDecoded/releasetrain/assetname"
	slsa "github.com/in-toto/attestation/go/predicates/provenance/v1"
	intoto "github.com/in-toto/attestation/go/v1"
	"google.golang.org/protobuf/encoding/protojson"
)

// Summary is what a statement says, in Go types.
type Summary struct {
	// Subjects are every subject, sorted by name.
	Subjects []Subject
	// Bundle is the tarball subject and the settings that made it.
	Bundle Bundle
	// Files are the member file subjects (every subject but the bundle).
	Files []File
	// Members are the member runs and skipped repos, sorted by repo.
	Members []Member

	Owner, ReleaseRepo, Name, ConfigSHA256 string
	Tag, Trigger                           string
	Prerelease, WithDependents             bool
	Only                                   []string
	BuilderID, InvocationID                string
	StartedOn, FinishedOn                  time.Time
}

// Subject is one subject: an asset name and its sha256.
type Subject struct {
	Name   string
	SHA256 string
}

// Summarize reads a statement made by [Build]: in-toto Statement v1, SLSA
// Provenance v1, releasetrain's build type and bundle format.
func Summarize(st *intoto.Statement) (Summary, error) {
	var s Summary
	if err := st.Validate(); err != nil {
		return s, fmt.Errorf("provenance statement: %w", err)
	}
	if st.GetType() != intoto.StatementTypeUri {
		return s, fmt.Errorf("provenance statement type %q, want %q", st.GetType(), intoto.StatementTypeUri)
	}
	if st.GetPredicateType() != PredicateType {
		return s, fmt.Errorf("provenance predicate type %q, want %q", st.GetPredicateType(), PredicateType)
	}
	data, err := protojson.Marshal(st.GetPredicate())
	if err != nil {
		return s, fmt.Errorf("provenance predicate: %w", err)
	}
	pred := &slsa.Provenance{}
	if err := protojson.Unmarshal(data, pred); err != nil {
		return s, fmt.Errorf("provenance predicate: %w", err)
	}
	if err := pred.Validate(); err != nil {
		return s, fmt.Errorf("provenance predicate: %w", err)
	}
	bd, rd := pred.GetBuildDefinition(), pred.GetRunDetails()
	if bd.GetBuildType() != BuildType {
		return s, fmt.Errorf("provenance build type %q, want %q", bd.GetBuildType(), BuildType)
	}
	var ext externalParameters
	if err := fromStruct(bd.GetExternalParameters(), &ext); err != nil {
		return s, fmt.Errorf("provenance external parameters: %w", err)
	}
	var internal internalParameters
	if err := fromStruct(bd.GetInternalParameters(), &internal); err != nil {
		return s, fmt.Errorf("provenance internal parameters: %w", err)
	}
	bp := internal.Bundle
	if bp.Format != BundleFormat {
		return s, fmt.Errorf("provenance bundle format %q, want %q", bp.Format, BundleFormat)
	}
	s.Owner, s.ReleaseRepo, s.Name = ext.Train.Owner, ext.Train.ReleaseRepo, ext.Train.Name
	s.ConfigSHA256 = ext.Train.Config["sha256"]
	s.Tag, s.Trigger, s.Prerelease = ext.Tag, ext.Trigger, ext.Prerelease
	s.Only, s.WithDependents = ext.Only, ext.WithDependents
	s.BuilderID = rd.GetBuilder().GetId()
	md := rd.GetMetadata()
	s.InvocationID = md.GetInvocationId()
	s.StartedOn, s.FinishedOn = md.GetStartedOn().AsTime(), md.GetFinishedOn().AsTime()
	s.Bundle = Bundle{
		Asset: assetname.Bundle(bp.Name, bp.Tag), Name: bp.Name, Tag: bp.Tag,
		MTime: time.Unix(bp.SourceDateEpoch, 0).UTC(), GzipLevel: bp.GzipLevel, GzipBlockSize: bp.GzipBlockSize,
	}
	if err := s.readSubjects(st); err != nil {
		return s, err
	}
	if err := s.readMembers(bd, rd); err != nil {
		return s, err
	}
	return s, nil
}

// readSubjects splits the subjects into the bundle and the member files.
func (s *Summary) readSubjects(st *intoto.Statement) error {
	foundBundle := false
	for _, sub := range st.GetSubject() {
		sha := strings.ToLower(sub.GetDigest()["sha256"])
		if len(sha) != 64 {
			return fmt.Errorf("provenance subject %q: no sha256 digest", sub.GetName())
		}
		s.Subjects = append(s.Subjects, Subject{Name: sub.GetName(), SHA256: sha})
		if sub.GetName() == s.Bundle.Asset {
			foundBundle = true
			s.Bundle.SHA256 = sha
			continue
		}
		var f File
		if err := fromStruct(sub.GetAnnotations(), &f); err != nil {
			return fmt.Errorf("provenance subject %q annotations: %w", sub.GetName(), err)
		}
		if f.Repo == "" || f.Path == "" {
			return fmt.Errorf("provenance subject %q: no repo and path", sub.GetName())
		}
		f.Asset, f.SHA256 = sub.GetName(), sha
		s.Files = append(s.Files, f)
	}
	if !foundBundle {
		return fmt.Errorf("provenance: no subject for the bundle %s", s.Bundle.Asset)
	}
	sort.Slice(s.Subjects, func(i, j int) bool { return s.Subjects[i].Name < s.Subjects[j].Name })
	return nil
}

// readMembers joins the resolved dependencies (commit, workflow) with the
// run byproducts (run, attempt, conclusion, artifacts) by repo.
func (s *Summary) readMembers(bd *slsa.BuildDefinition, rd *slsa.RunDetails) error {
	byRepo := map[string]*Member{}
	var order []string
	get := func(repo string) *Member {
		if m, ok := byRepo[repo]; ok {
			return m
		}
		byRepo[repo] = &Member{Repo: repo}
		order = append(order, repo)
		return byRepo[repo]
	}
	for _, d := range bd.GetResolvedDependencies() {
		m := get(d.GetName())
		m.RepoURL = strings.TrimPrefix(d.GetUri(), "git+")
		m.Commit = d.GetDigest()["gitCommit"]
		if ann := d.GetAnnotations(); ann != nil {
			m.Workflow = ann.GetFields()["workflow"].GetStringValue()
		}
	}
	for _, b := range rd.GetByproducts() {
		name := b.GetName()
		if !strings.HasPrefix(name, runPrefix) && !strings.HasPrefix(name, skippedPrefix) {
			continue
		}
		var ann runAnnotations
		if err := fromStruct(b.GetAnnotations(), &ann); err != nil {
			return fmt.Errorf("provenance byproduct %q: %w", name, err)
		}
		m := get(ann.Repo)
		m.RunID, m.Attempt, m.RunURL = ann.RunID, ann.Attempt, b.GetUri()
		m.Conclusion, m.Reruns, m.Artifacts = ann.Conclusion, ann.Reruns, ann.Artifacts
		m.Skipped, m.SkipReason = ann.Skipped, ann.Reason
	}
	sort.Strings(order)
	for _, repo := range order {
		s.Members = append(s.Members, *byRepo[repo])
	}
	return nil
}
