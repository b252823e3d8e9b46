package activities

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/BTCDecoded/releasetrain/ghclient"
)

// fakeGitHub is an in-memory GitHub for activity tests.
type fakeGitHub struct {
	mu sync.Mutex

	dispatches  []ghclient.DispatchRequest
	dispatchRun ghclient.Run
	dispatchErr error

	// states are the run states GetRun walks through, one per changed answer.
	states  []ghclient.Run
	gets    int
	notMod  int
	etagsIn []string
	getErr  error
	reruns  int
	cancels int
	// cancelled lists the ids CancelRun was asked to cancel.
	cancelled []int64

	// listed are FindRun's answers in turn (the last one repeats); a zero
	// ID is "not listed yet".
	listed    []ghclient.Run
	finds     int
	findQuery []string // correlation ids asked for

	// artifacts: name -> files (name -> content); exec lists executable names.
	artifacts map[string]map[string]string
	exec      map[string]bool
	downloads int

	release       ghclient.Release
	uploads       map[string][]byte
	uploadN       int
	labels        map[string]string
	published     bool
	publishedBody string
	notesCall     int
}

var _ GitHub = (*fakeGitHub)(nil)

func (f *fakeGitHub) FindOrDispatch(_ context.Context, req ghclient.DispatchRequest) (ghclient.Run, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.dispatches = append(f.dispatches, req)
	return f.dispatchRun, f.dispatchErr
}

func (f *fakeGitHub) GetRun(_ context.Context, _, _ string, _ int64, etag string) (ghclient.Run, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.getErr != nil {
		return ghclient.Run{}, false, f.getErr
	}
	f.etagsIn = append(f.etagsIn, etag)
	i := min(f.gets, len(f.states)-1)
	f.gets++
	cur := f.states[i]
	cur.ETag = fmt.Sprintf(`"%s-%s-%d"`, cur.Status, cur.Conclusion, cur.Attempt)
	if etag == cur.ETag {
		f.notMod++
		return ghclient.Run{}, false, nil
	}
	return cur, true, nil
}

func (f *fakeGitHub) RerunFailedJobs(context.Context, string, string, int64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reruns++
	return nil
}

func (f *fakeGitHub) CancelRun(_ context.Context, _, _ string, id int64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cancels++
	f.cancelled = append(f.cancelled, id)
	return nil
}

func (f *fakeGitHub) FindRun(_ context.Context, _, _, correlationID string, _ time.Time) (ghclient.Run, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.findQuery = append(f.findQuery, correlationID)
	if len(f.listed) == 0 {
		f.finds++
		return ghclient.Run{}, false, nil
	}
	run := f.listed[min(f.finds, len(f.listed)-1)]
	f.finds++
	return run, run.ID != 0, nil
}

func (f *fakeGitHub) ListArtifacts(context.Context, string, string, int64) ([]ghclient.Artifact, error) {
	var out []ghclient.Artifact
	id := int64(100)
	for _, name := range sortedKeys(f.artifacts) {
		id++
		out = append(out, ghclient.Artifact{ID: id, Name: name})
	}
	return out, nil
}

// ExtractArtifact zips the artifact's files beside dest and unzips them with ghclient.Unzip.
func (f *fakeGitHub) ExtractArtifact(_ context.Context, _, _ string, a ghclient.Artifact, dest string, lim ghclient.UnzipLimits) (ghclient.Extracted, error) {
	zp := filepath.Join(filepath.Dir(dest), a.Name+".zip")
	zf, err := os.Create(zp)
	if err != nil {
		return ghclient.Extracted{}, err
	}
	d, err := f.writeZip(a, zf)
	if cerr := zf.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return ghclient.Extracted{}, err
	}
	files, err := ghclient.Unzip(zp, dest, a.Name, lim)
	return ghclient.Extracted{Download: d, Files: files}, err
}

// writeZip writes the artifact's zip to w.
func (f *fakeGitHub) writeZip(a ghclient.Artifact, w io.Writer) (ghclient.Download, error) {
	f.mu.Lock()
	f.downloads++
	f.mu.Unlock()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	files := f.artifacts[a.Name]
	for _, name := range sortedKeys(files) {
		h := &zip.FileHeader{Name: name, Method: zip.Deflate}
		mode := os.FileMode(0o644)
		if f.exec[name] {
			mode = 0o755
		}
		h.SetMode(mode)
		fw, err := zw.CreateHeader(h)
		if err != nil {
			return ghclient.Download{}, err
		}
		if _, err := io.WriteString(fw, files[name]); err != nil {
			return ghclient.Download{}, err
		}
	}
	if err := zw.Close(); err != nil {
		return ghclient.Download{}, err
	}
	sum := sha256.Sum256(buf.Bytes())
	n, err := w.Write(buf.Bytes())
	return ghclient.Download{SHA256: hex.EncodeToString(sum[:]), Size: int64(n)}, err
}

func (f *fakeGitHub) EnsureDraftRelease(_ context.Context, spec ghclient.ReleaseSpec) (ghclient.Release, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.release.ID == 0 {
		f.release = ghclient.Release{ID: 7, Tag: spec.Tag, Draft: true, Prerelease: spec.Prerelease}
	}
	return f.release, nil
}

func (f *fakeGitHub) UploadAsset(_ context.Context, _, _ string, rel ghclient.Release, name, label, path string) (ghclient.Asset, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return ghclient.Asset{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.uploads == nil {
		f.uploads = map[string][]byte{}
		f.labels = map[string]string{}
	}
	f.uploads[name] = data
	f.labels[name] = label
	f.uploadN++
	sum := sha256.Sum256(data)
	a := ghclient.Asset{ID: int64(len(f.uploads)), Name: name, Size: int64(len(data)), Label: label, Digest: "sha256:" + hex.EncodeToString(sum[:])}
	f.release.Assets = append(f.release.Assets, a)
	return a, nil
}

func (f *fakeGitHub) PublishRelease(_ context.Context, spec ghclient.ReleaseSpec, id int64) (ghclient.Release, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.published = true
	f.publishedBody = spec.Body
	f.release.Draft = false
	f.release.Prerelease = spec.Prerelease
	f.release.HTMLURL = fmt.Sprintf("https://github.com/%s/%s/releases/tag/%s", spec.Owner, spec.Repo, f.release.Tag)
	return f.release, nil
}

func (f *fakeGitHub) GenerateNotes(context.Context, string, string, string, string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.notesCall++
	return "## What's Changed\n* generated by the fake", nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
