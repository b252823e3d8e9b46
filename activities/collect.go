package activities

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"

	"go.temporal.io/sdk/activity"
	"go.uber.org/zap"

	"github.com/BTCDecoded/releasetrain/ghclient"
)

// collectProgress is CollectArtifacts' heartbeat detail: the files of every
// artifact already stored, so a retried attempt skips them.
type collectProgress struct {
	Done map[int64][]File `json:"done"`
}

// CollectArtifacts downloads the run's artifacts matching the patterns,
// verifies their digests, unzips them safely and puts every file into the
// content-addressed store. It returns names, sizes and digests, never bytes.
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
	progress := collectProgress{Done: map[int64][]File{}}
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
		got, ok := progress.Done[art.ID]
		if ok && a.allStored(ctx, got) {
			for _, f := range got {
				files = append(files, fileFrom{artifact: art.Name, File: f})
			}
			continue
		}
		stop := heartbeatDuring(ctx, progress)
		got, err := a.collectOne(ctx, run, art, tmp)
		stop()
		if err != nil {
			return CollectResult{}, err
		}
		progress.Done[art.ID] = got
		for _, f := range got {
			files = append(files, fileFrom{artifact: art.Name, File: f})
		}
	}
	activity.RecordHeartbeat(ctx, progress)
	out := nameFiles(files)
	a.logger().Info("artifacts collected", zap.String("repo", run.Owner+"/"+run.Repo),
		zap.Int64("run_id", run.ID), zap.Int("artifacts", len(selected)), zap.Int("files", len(out)))
	digests := make([]ArtifactDigest, 0, len(selected))
	for _, art := range selected {
		digests = append(digests, ArtifactDigest{Name: art.Name, Digest: art.Digest})
	}
	return CollectResult{Files: out, Artifacts: digests}, nil
}

// collectOne downloads, verifies and unzips one artifact in one pass, then
// stores its files.
func (a *Activities) collectOne(ctx context.Context, run RunRef, art ghclient.Artifact, tmp string) ([]File, error) {
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
	files := make([]File, 0, len(x.Files))
	for _, u := range x.Files {
		if err := a.putFile(ctx, u.Path, u.SHA256, u.Executable); err != nil {
			return nil, err
		}
		files = append(files, File{Repo: run.Repo, Name: u.Name, Size: u.Size, SHA256: u.SHA256, Executable: u.Executable})
	}
	return files, nil
}

// allStored reports whether every file is still in the store.
func (a *Activities) allStored(ctx context.Context, files []File) bool {
	for _, f := range files {
		ok, err := a.Store.Exists(ctx, StoreKey(f.SHA256))
		if err != nil || !ok {
			return false
		}
	}
	return true
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
	File
}

// nameFiles gives every file its name in the release: its path inside the
// artifact, or "<artifact>-<base>" when two artifacts of the run ship the same
// base name (so every platform's binary gets its own asset). Sorted by name.
func nameFiles(files []fileFrom) []File {
	count := map[string]int{}
	for _, f := range files {
		count[path.Base(f.Name)]++
	}
	out := make([]File, 0, len(files))
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
