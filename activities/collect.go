package activities

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"

	"go.temporal.io/sdk/activity"
	"go.uber.org/zap"

	"github.com/BTCDecoded/releasetrain/bundle"
	"github.com/BTCDecoded/releasetrain/contract"
	"github.com/BTCDecoded/releasetrain/ghclient"
)

// collectProgress is CollectArtifacts' heartbeat detail: the manifest of
// every artifact already stored, by artifact id, so a retried attempt skips
// them. Its size grows with the artifacts, not with their files.
type collectProgress struct {
	Done map[int64]contract.ManifestRef `json:"artifacts"`
}

// Every collected file becomes a release asset, beside the bundle, its
// provenance, SHA256SUMS and its signature; GitHub keeps at most
// MaxReleaseAssets assets per release.
const (
	MaxReleaseAssets = 1000
	MaxRepoFiles     = MaxReleaseAssets - 4
)

// CollectArtifacts downloads the run's artifacts matching the patterns,
// verifies their digests, unzips them safely and puts every file into the
// content-addressed store, then stores the run's file manifest. It returns
// the manifest's reference, never the list: its size does not grow with
// the files. Files the release could not publish (more than MaxRepoFiles,
// names the bundle refuses or cannot tell apart) are refused here, before
// later layers build.
func (a *Activities) CollectArtifacts(ctx context.Context, in CollectInput) (CollectResult, error) {
	run := in.Run
	arts, err := a.GitHub.ListArtifacts(ctx, run.Owner, run.Repo, run.ID)
	if err != nil {
		return CollectResult{}, githubError(fmt.Sprintf("list artifacts %s/%s#%d", run.Owner, run.Repo, run.ID), err)
	}
	selected, err := selectArtifacts(arts, in.Patterns)
	if err != nil {
		return CollectResult{}, badInput(fmt.Sprintf("collect %s/%s#%d", run.Owner, run.Repo, run.ID), err)
	}
	progress := collectProgress{Done: map[int64]contract.ManifestRef{}}
	if activity.HasHeartbeatDetails(ctx) {
		var prev collectProgress
		if err := activity.GetHeartbeatDetails(ctx, &prev); err == nil && prev.Done != nil {
			progress = prev
		}
	}
	tmp, err := os.MkdirTemp(a.WorkDir, "collect-")
	if err != nil {
		return CollectResult{}, fmt.Errorf("collect %s/%s#%d: work dir: %w", run.Owner, run.Repo, run.ID, err)
	}
	defer os.RemoveAll(tmp)

	var files []fileFrom
	for _, art := range selected {
		activity.RecordHeartbeat(ctx, progress)
		if ref, ok := progress.Done[art.ID]; ok {
			if got, ok := a.storedFiles(ctx, ref); ok {
				for _, f := range got {
					files = append(files, fileFrom{artifact: art.Name, File: f})
				}
				continue
			}
		}
		stop := heartbeatDuring(ctx, progress)
		got, err := a.collectOne(ctx, run, art, tmp)
		stop()
		if err != nil {
			return CollectResult{}, err
		}
		if err := sameBase(art.Name, got); err != nil {
			return CollectResult{}, badInput(fmt.Sprintf("collect %s/%s#%d", run.Owner, run.Repo, run.ID), err)
		}
		if len(files)+len(got) > MaxRepoFiles {
			return CollectResult{}, badInput(fmt.Sprintf("collect %s/%s#%d", run.Owner, run.Repo, run.ID),
				fmt.Errorf("more than %d files (artifact %q brings the count to %d): a GitHub release holds at most %d assets, the bundle and SHA256SUMS included",
					MaxRepoFiles, art.Name, len(files)+len(got), MaxReleaseAssets))
		}
		ref, err := a.putManifest(ctx, got)
		if err != nil {
			return CollectResult{}, err
		}
		progress.Done[art.ID] = contract.ManifestRef{SHA256: ref.SHA256, Files: ref.Files, Bytes: ref.Bytes}
		for _, f := range got {
			files = append(files, fileFrom{artifact: art.Name, File: f})
		}
	}
	activity.RecordHeartbeat(ctx, progress)
	out := nameFiles(files)
	if err := a.checkLayout(ctx, run.Repo, out); err != nil {
		return CollectResult{}, badInput(fmt.Sprintf("collect %s/%s#%d", run.Owner, run.Repo, run.ID), err)
	}
	ref, err := a.putManifest(ctx, out)
	if err != nil {
		return CollectResult{}, err
	}
	a.logger().Info("artifacts collected", zap.String("repo", run.Owner+"/"+run.Repo),
		zap.Int64("run_id", run.ID), zap.Int("artifacts", len(selected)), zap.Int("files", len(out)),
		zap.String("manifest", contract.StoreKey(ref.SHA256)))
	artsSHA, err := a.putArtifactDigests(ctx, selected)
	if err != nil {
		return CollectResult{}, err
	}
	return CollectResult{Manifest: ref, ArtifactsSHA256: artsSHA}, nil
}

// putArtifactDigests stores the names and GitHub digests of the collected
// artifacts (JSON, for the provenance) and returns the object's sha256.
func (a *Activities) putArtifactDigests(ctx context.Context, arts []ghclient.Artifact) (string, error) {
	digests := make([]ArtifactDigest, 0, len(arts))
	for _, art := range arts {
		digests = append(digests, ArtifactDigest{Name: art.Name, Digest: art.Digest})
	}
	data, err := json.Marshal(digests)
	if err != nil {
		return "", fmt.Errorf("artifact digests: %w", err)
	}
	return a.putBytes(ctx, data)
}

// artifactDigests reads what putArtifactDigests stored ("" reads none).
func (a *Activities) artifactDigests(ctx context.Context, sha string) ([]ArtifactDigest, error) {
	if sha == "" {
		return nil, nil
	}
	data, err := a.getBytes(ctx, sha)
	if err != nil {
		return nil, err
	}
	var out []ArtifactDigest
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, badInput("artifact digests "+contract.StoreKey(sha), err)
	}
	return out, nil
}

// sameBase refuses an artifact shipping two files with one base name: each
// file is published as an asset named by its base name (or
// "<artifact>-<base>"), so the two could not be told apart.
func sameBase(artifact string, files []contract.File) error {
	seen := make(map[string]string, len(files))
	for _, f := range files {
		base := path.Base(f.Name)
		if prev, ok := seen[base]; ok {
			return fmt.Errorf("artifact %q ships two files named %q (%q and %q): their release assets could not be told apart", artifact, base, prev, f.Name)
		}
		seen[base] = f.Name
	}
	return nil
}

// checkLayout refuses at collection what packaging would refuse in one
// repo's files: names the bundle cannot take, a name twice, two files with
// one base name (their assets could not be told apart), reserved names.
func (a *Activities) checkLayout(ctx context.Context, repo string, files []contract.File) error {
	if len(files) == 0 {
		return nil
	}
	var errs storeReads
	inputs := make([]bundle.Input, 0, len(files))
	for _, f := range files {
		inputs = append(inputs, bundle.Input{Repo: repo, Name: f.Name, Size: f.Size, SHA256: f.SHA256,
			Executable: f.Executable, Open: a.storeOpener(ctx, f.SHA256, f.Size, &errs)})
	}
	_, err := bundle.Layout(inputs)
	return err
}

// collectOne downloads, verifies and unzips one artifact in one pass, then
// stores its files.
func (a *Activities) collectOne(ctx context.Context, run contract.RunRef, art ghclient.Artifact, tmp string) ([]contract.File, error) {
	call := fmt.Sprintf("download artifact %s/%s#%d %q", run.Owner, run.Repo, run.ID, art.Name)
	dir, err := os.MkdirTemp(tmp, "artifact-")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", call, err)
	}
	defer os.RemoveAll(dir)
	x, err := a.GitHub.ExtractArtifact(ctx, run.Owner, run.Repo, art, filepath.Join(dir, "files"), a.unzipLimits())
	var ge *ghclient.Error
	switch {
	case errors.As(err, &ge):
		return nil, githubError(call, err)
	case err != nil:
		// ghclient's error already names the artifact and the entry.
		return nil, badInput(fmt.Sprintf("%s/%s#%d", run.Owner, run.Repo, run.ID), err)
	}
	files := make([]contract.File, 0, len(x.Files))
	for _, u := range x.Files {
		if err := a.putFile(ctx, u.Path, u.SHA256, u.Executable); err != nil {
			return nil, err
		}
		files = append(files, contract.File{Repo: run.Repo, Name: u.Name, Size: u.Size, SHA256: u.SHA256, Executable: u.Executable})
	}
	return files, nil
}

// storedFiles reads an artifact's manifest from an earlier attempt and
// reports whether it and every file it lists are still in the store.
func (a *Activities) storedFiles(ctx context.Context, ref contract.ManifestRef) ([]contract.File, bool) {
	files, err := a.LoadManifest(ctx, ref)
	if err != nil {
		return nil, false
	}
	for _, f := range files {
		ok, err := a.Store.Exists(ctx, contract.StoreKey(f.SHA256))
		if err != nil || !ok {
			return nil, false
		}
	}
	return files, true
}

// selectArtifacts keeps the artifacts whose names match any pattern (all
// when there are none), sorted by name.
func selectArtifacts(arts []ghclient.Artifact, patterns []string) ([]ghclient.Artifact, error) {
	var out []ghclient.Artifact
	for _, art := range arts {
		keep := len(patterns) == 0
		for _, p := range patterns {
			ok, err := path.Match(p, art.Name)
			if err != nil {
				return nil, fmt.Errorf("artifact pattern %q: %w", p, err)
			}
			if ok {
				keep = true
				break
			}
		}
		if keep {
			out = append(out, art)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

// fileFrom is a collected file with the artifact it came from.
type fileFrom struct {
	artifact string
	contract.File
}

// nameFiles gives every file its name in the release: its path inside the
// artifact, or "<artifact>-<base>" when two artifacts of the run ship the same
// base name (so every platform's binary gets its own asset). Sorted by name.
func nameFiles(files []fileFrom) []contract.File {
	count := map[string]int{}
	for _, f := range files {
		count[path.Base(f.Name)]++
	}
	out := make([]contract.File, 0, len(files))
	for _, f := range files {
		file := f.File
		if count[path.Base(f.Name)] > 1 {
			file.Name = f.artifact + "-" + path.Base(f.Name)
		}
		out = append(out, file)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// unzipLimits are the configured limits, or ghclient's defaults when unset.
func (a *Activities) unzipLimits() ghclient.UnzipLimits {
	if a.Unzip == (ghclient.UnzipLimits{}) {
		return ghclient.DefaultUnzipLimits()
	}
	return a.Unzip
}
