package activities

import (
	"context"
	"fmt"
	"path"
	"strings"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/BTCDecoded/releasetrain/assetname"
	"github.com/BTCDecoded/releasetrain/bundle"
	"github.com/BTCDecoded/releasetrain/provenance"
)

// provenanceAsset builds the train's provenance for the packed bundle,
// signs it when a provenance key is configured, stores it and returns its
// asset (<name>-<tag>.intoto.jsonl), which SHA256SUMS then lists.
func (a *Activities) provenanceAsset(ctx context.Context, in PackageInput, entries []bundle.Entry, packed bundle.Packed, mtime time.Time) (Asset, error) {
	call := fmt.Sprintf("package %s %s: provenance", in.Name, in.Tag)
	name := assetname.Provenance(in.Name, in.Tag)
	for _, e := range entries {
		if e.Asset == name {
			return Asset{}, badInput(call, fmt.Errorf("repo %q file %q: asset name %q is the provenance's", e.Repo, e.Name, name))
		}
	}
	p := in.Provenance
	// The activity knows its workflow; inputs recorded before the
	// provenance existed carry no times: the release time stands in.
	if p.WorkflowID == "" || p.RunID == "" {
		info := activity.GetInfo(ctx)
		p.WorkflowID, p.RunID = info.WorkflowExecution.ID, info.WorkflowExecution.RunID
	}
	if p.StartedAt.IsZero() {
		p.StartedAt = in.Time
	}
	if p.FinishedAt.IsZero() {
		p.FinishedAt = p.StartedAt
	}
	pin := provenance.Input{
		Owner: in.Owner, ReleaseRepo: in.ReleaseRepo, Name: in.Name, ConfigSHA256: p.ConfigSHA256,
		Tag: in.Tag, Prerelease: in.Prerelease, Trigger: p.Trigger, Only: p.Only, WithDependents: p.WithDependents,
		WorkflowID: p.WorkflowID, RunID: p.RunID, StartedOn: p.StartedAt, FinishedOn: p.FinishedAt,
		Bundle: provenance.Bundle{
			Asset: packed.Tarball.Name, SHA256: packed.Tarball.SHA256, Name: in.Name, Tag: in.Tag,
			MTime: mtime, GzipLevel: bundle.GzipLevel, GzipBlockSize: bundle.GzipBlockSize,
		},
	}
	for i, e := range entries {
		pin.Files = append(pin.Files, provenance.File{Asset: e.Asset, SHA256: packed.Assets[i].SHA256,
			Repo: e.Repo, Path: e.Name, Executable: e.Executable})
	}
	for _, r := range in.Repos {
		arts, err := a.artifactDigests(ctx, r.ArtifactsSHA256)
		if err != nil {
			return Asset{}, err
		}
		pin.Members = append(pin.Members, member(r, arts))
	}
	st, err := provenance.Build(pin)
	if err != nil {
		return Asset{}, badInput(call, err)
	}
	data, err := provenance.Seal(ctx, st, a.ProvenanceSigner)
	if err != nil {
		return Asset{}, badInput(call, err)
	}
	sha, err := a.putBytes(ctx, data)
	if err != nil {
		return Asset{}, err
	}
	return Asset{Name: name, Size: int64(len(data)), SHA256: sha}, nil
}

// member is one repo's result as the provenance records it.
func member(r RepoResult, arts []ArtifactDigest) provenance.Member {
	m := provenance.Member{
		Repo: r.Repo, RepoURL: repoURL(r.Run.URL), Workflow: workflowPath(r.Workflow),
		Commit: r.Run.HeadSHA, RunID: r.Run.ID, Attempt: r.Run.Attempt, RunURL: r.Run.URL,
		Conclusion: r.Conclusion, Reruns: r.Reruns, Skipped: r.Skipped, SkipReason: r.SkipReason,
	}
	for _, art := range arts {
		m.Artifacts = append(m.Artifacts, provenance.Artifact{Name: art.Name, SHA256: strings.TrimPrefix(art.Digest, "sha256:")})
	}
	return m
}

// repoURL is a run's repository address: its html_url up to /actions/runs/.
func repoURL(runURL string) string {
	if i := strings.Index(runURL, "/actions/runs/"); i > 0 {
		return runURL[:i]
	}
	return ""
}

// workflowPath is a member workflow's path in its repo: the configured
// file name under .github/workflows/.
func workflowPath(file string) string {
	if file == "" || strings.Contains(file, "/") {
		return file
	}
	return path.Join(".github/workflows", file)
}
