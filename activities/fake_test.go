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
	publishedName string
	notesCall     int
	nextAsset     int64
	verifies      int
	immutable     bool

	// preflight answers
	missingRepos  map[string]bool
	repoErr       error
	push          *bool
	workflowState map[string]string // repo -> state; "missing" answers 404
	rate          ghclient.RateBudget
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

func (f *fakeGitHub) FindRelease(_ context.Context, _, _, tag string) (ghclient.Release, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.release.ID == 0 || f.release.Tag != tag {
		return ghclient.Release{}, false, nil
	}
	return f.release, true, nil
}

func (f *fakeGitHub) EnsureDraftRelease(_ context.Context, spec ghclient.ReleaseSpec) (ghclient.Release, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.release.ID == 0 {
		f.release = ghclient.Release{ID: 7, Tag: spec.Tag, Name: spec.Name, Body: spec.Body, Draft: true, Prerelease: spec.Prerelease}
	}
	if !f.release.Draft {
		return ghclient.Release{}, &ghclient.Error{Kind: ghclient.KindPermanent, Call: "draft release", Err: ghclient.ErrPublishedRelease,
			Message: "release " + spec.Tag + " is already published; releasetrain writes only to drafts"}
	}
	return f.release, nil
}

func (f *fakeGitHub) UploadAsset(_ context.Context, _, _ string, rel ghclient.Release, up ghclient.AssetUpload) (ghclient.Asset, error) {
	if !rel.Draft {
		return ghclient.Asset{}, &ghclient.Error{Kind: ghclient.KindPermanent, Err: ghclient.ErrPublishedRelease, Message: "published"}
	}
	rc, err := up.Open()
	if err != nil {
		return ghclient.Asset{}, err
	}
	data, err := io.ReadAll(rc)
	_ = rc.Close()
	if err != nil {
		return ghclient.Asset{}, err
	}
	sum := sha256.Sum256(data)
	if hex.EncodeToString(sum[:]) != up.SHA256 || int64(len(data)) != up.Size {
		return ghclient.Asset{}, &ghclient.Error{Kind: ghclient.KindPermanent, Err: ghclient.ErrDigestMismatch, Message: "source mismatch"}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.uploads == nil {
		f.uploads = map[string][]byte{}
		f.labels = map[string]string{}
	}
	f.uploads[up.Name] = data
	f.labels[up.Name] = up.Label
	f.uploadN++
	f.nextAsset++
	a := ghclient.Asset{ID: 100 + f.nextAsset, Name: up.Name, Size: int64(len(data)), Label: ghclient.AssetLabel(up.Name, up.Label), State: "uploaded", Digest: "sha256:" + hex.EncodeToString(sum[:])}
	f.release.Assets = slices.DeleteFunc(f.release.Assets, func(x ghclient.Asset) bool { return x.Name == up.Name })
	f.release.Assets = append(f.release.Assets, a)
	return a, nil
}

func (f *fakeGitHub) VerifyDraftAssets(_ context.Context, _, _ string, _ int64, want []ghclient.AssetWant, label string) (ghclient.AssetCheck, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.verifies++
	if !f.release.Draft {
		return ghclient.AssetCheck{}, &ghclient.Error{Kind: ghclient.KindPermanent, Err: ghclient.ErrPublishedRelease, Message: "published"}
	}
	var out ghclient.AssetCheck
	found := map[string]bool{}
	var keep []ghclient.Asset
	for _, a := range f.release.Assets {
		wanted := slices.ContainsFunc(want, func(w ghclient.AssetWant) bool { return w.Name == a.Name })
		switch {
		case wanted:
			found[a.Name] = true
			keep = append(keep, a)
		case ghclient.OwnAsset(a, label):
			out.Deleted = append(out.Deleted, a.Name)
		default:
			out.Foreign = append(out.Foreign, a)
			keep = append(keep, a)
		}
	}
	f.release.Assets = keep
	for _, w := range want {
		if !found[w.Name] {
			return ghclient.AssetCheck{}, &ghclient.Error{Kind: ghclient.KindTransient, Message: "missing " + w.Name}
		}
	}
	return out, nil
}

func (f *fakeGitHub) PublishRelease(_ context.Context, spec ghclient.ReleaseSpec, id int64) (ghclient.Release, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.release.Draft {
		return ghclient.Release{}, &ghclient.Error{Kind: ghclient.KindPermanent, Err: ghclient.ErrPublishedRelease, Message: "published"}
	}
	f.published = true
	f.publishedBody = spec.Body
	f.publishedName = spec.Name
	f.release.Draft = false
	f.release.Immutable = f.immutable
	f.release.Prerelease = spec.Prerelease
	f.release.HTMLURL = fmt.Sprintf("https://github.com/%s/%s/releases/tag/%s", spec.Owner, spec.Repo, f.release.Tag)
	return f.release, nil
}

func (f *fakeGitHub) GetRepo(_ context.Context, owner, repo string) (ghclient.RepoAccess, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.missingRepos[repo] {
		return ghclient.RepoAccess{}, &ghclient.Error{Kind: ghclient.KindPermanent, Call: "get repository", Repo: owner + "/" + repo, Status: 404, Message: "Not Found"}
	}
	if f.repoErr != nil {
		return ghclient.RepoAccess{}, f.repoErr
	}
	return ghclient.RepoAccess{FullName: owner + "/" + repo, Push: f.push}, nil
}

func (f *fakeGitHub) GetWorkflow(_ context.Context, owner, repo, file string) (ghclient.Workflow, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	st, ok := f.workflowState[repo]
	switch {
	case !ok:
		st = "active"
	case st == "missing":
		return ghclient.Workflow{}, &ghclient.Error{Kind: ghclient.KindPermanent, Call: "get workflow " + file, Repo: owner + "/" + repo, Status: 404, Message: "Not Found"}
	}
	return ghclient.Workflow{ID: 1, Name: file, Path: ".github/workflows/" + file, State: st}, nil
}

func (f *fakeGitHub) GetImmutableReleases(context.Context, string, string) (ghclient.ImmutableReleases, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return ghclient.ImmutableReleases{Enabled: f.immutable}, true, nil
}

func (f *fakeGitHub) GetRateBudget(context.Context) (ghclient.RateBudget, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.rate.Limit == 0 {
		return ghclient.RateBudget{Limit: 5000, Remaining: 5000, Reset: time.Unix(1_900_000_000, 0)}, nil
	}
	return f.rate, nil
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
