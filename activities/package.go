package activities

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"go.temporal.io/sdk/activity"
	"go.uber.org/zap"

	"github.com/BTCDecoded/releasetrain/assetname"
	"github.com/BTCDecoded/releasetrain/bundle"
	"github.com/BTCDecoded/releasetrain/contract"
)

// PackageRelease lays out the collected files (each repo's manifest, then
// the files, read straight from the store), writes the deterministic bundle, SHA256SUMS, signatures (when signers
// are configured) and the release notes, stores every output by sha256 and
// returns the references to publish.
func (a *Activities) PackageRelease(ctx context.Context, in PackageInput) (PackageResult, error) {
	call := fmt.Sprintf("package %s %s", in.Name, in.Tag)
	dir, err := os.MkdirTemp(a.WorkDir, "package-")
	if err != nil {
		return PackageResult{}, fmt.Errorf("%s: work dir: %w", call, err)
	}
	defer os.RemoveAll(dir)

	stop := heartbeatDuring(ctx, in.Tag)
	defer stop()
	// The bundle reads every file straight from the store (no local copy)
	// and verifies its size and sha256 while packing. A store failure keeps
	// its own classification (retryable, or non-retryable when missing)
	// instead of becoming the bundle's bad-input error.
	var readErr storeReads
	var inputs []bundle.Input
	for _, r := range in.Repos {
		if r.Skipped {
			continue
		}
		files, err := a.RepoFiles(ctx, r)
		if err != nil {
			return PackageResult{}, err
		}
		for _, f := range files {
			inputs = append(inputs, bundle.Input{Repo: r.Repo, Name: f.Name,
				Open: a.storeOpener(ctx, f.SHA256, f.Size, &readErr),
				Size: f.Size, SHA256: f.SHA256, Executable: f.Executable})
		}
	}
	entries, assets, err := a.packageFiles(ctx, in, dir, inputs)
	if err != nil {
		if serr := readErr.get(); serr != nil {
			return PackageResult{}, serr
		}
		return PackageResult{}, err
	}

	generated := ""
	if in.GenerateNotes {
		generated, err = a.GitHub.GenerateNotes(ctx, in.Owner, in.ReleaseRepo, in.Tag, "")
		if err != nil {
			return PackageResult{}, githubError(fmt.Sprintf("generate notes %s/%s %s", in.Owner, in.ReleaseRepo, in.Tag), err)
		}
	}
	notes := bundle.Notes(notesInput(in, entries, assets, generated, len(a.Signers) > 0))
	notesSHA, err := a.putBytes(ctx, []byte(notes))
	if err != nil {
		return PackageResult{}, err
	}
	a.logger().Info("release packaged", zap.String("tag", in.Tag), zap.Int("assets", len(assets)),
		zap.Int("files", len(entries)))
	return PackageResult{Assets: assets, NotesSHA256: notesSHA}, nil
}

// packageFiles lays the files out, writes the bundle and SHA256SUMS (and its
// signatures), stores them and returns the entries and assets. A train whose
// every repo was skipped on purpose publishes only its notes.
func (a *Activities) packageFiles(ctx context.Context, in PackageInput, dir string, inputs []bundle.Input) ([]bundle.Entry, []Asset, error) {
	call := fmt.Sprintf("package %s %s", in.Name, in.Tag)
	if len(inputs) == 0 && allSkipped(in.Repos) {
		return nil, nil, nil
	}
	entries, err := bundle.Layout(inputs)
	if err != nil {
		return nil, nil, badInput(call, err)
	}
	if n := len(entries) + 3 + min(len(a.Signers), 1); n > MaxReleaseAssets {
		return nil, nil, badInput(call, fmt.Errorf("%d files, the bundle, its provenance and SHA256SUMS (and its signature) make %d assets: a GitHub release holds at most %d",
			len(entries), n, MaxReleaseAssets))
	}
	out := filepath.Join(dir, "out")
	if err := os.Mkdir(out, 0o755); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", call, err)
	}
	// The bundle's mtime is the release time in the input (never this
	// worker's clock, so a retry builds the same bytes), unless the worker
	// sets SOURCE_DATE_EPOCH, as the README promises.
	mtime := in.Time.UTC().Truncate(time.Second)
	if !a.SourceDateEpoch.IsZero() {
		mtime = a.SourceDateEpoch
	}
	packed, err := bundle.Package(out, entries, bundle.TarballOptions{Name: in.Name, Tag: in.Tag, Time: mtime})
	if err != nil {
		return nil, nil, badInput(call, err)
	}
	tarball := packed.Tarball
	activity.RecordHeartbeat(ctx, tarball.Name)
	if err := a.putFile(ctx, tarball.Path, tarball.SHA256, false); err != nil {
		return nil, nil, err
	}
	digests := packed.Digests()

	assets := make([]Asset, 0, len(digests)+3)
	for _, d := range digests {
		assets = append(assets, Asset{Name: d.Name, Size: d.Size, SHA256: d.SHA256})
	}
	// The provenance attests the bundle and the member files; SHA256SUMS
	// lists it, so the signatures over SHA256SUMS cover it too.
	prov, err := a.provenanceAsset(ctx, in, entries, packed, mtime)
	if err != nil {
		return nil, nil, err
	}
	assets = append(assets, prov)
	digests = append(digests, bundle.Digest{Name: prov.Name, Size: prov.Size, SHA256: prov.SHA256})
	sums := bundle.SHA256SUMS(digests)
	sumsSHA, err := a.putBytes(ctx, sums)
	if err != nil {
		return nil, nil, err
	}
	assets = append(assets, Asset{Name: assetname.Sums, Size: int64(len(sums)), SHA256: sumsSHA})
	if len(a.Signers) > 0 {
		sigs, err := bundle.Sign(sums, a.Signers)
		if err != nil {
			return nil, nil, badInput(call+": sign "+assetname.Sums, err)
		}
		sigSHA, err := a.putBytes(ctx, sigs)
		if err != nil {
			return nil, nil, err
		}
		assets = append(assets, Asset{Name: assetname.SumsSignature, Size: int64(len(sigs)), SHA256: sigSHA})
	}

	return entries, assets, nil
}

// allSkipped reports whether there were repos and every one was skipped.
func allSkipped(repos []RepoResult) bool {
	for _, r := range repos {
		if !r.Skipped {
			return false
		}
	}
	return len(repos) > 0
}

// storeReads keeps the first store error met while the bundle reads objects.
type storeReads struct {
	mu  sync.Mutex
	err error
}

func (s *storeReads) set(err error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err == nil {
		s.err = err
	}
	return err
}

func (s *storeReads) get() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// storeOpener opens the object stored under sha for the bundle, checking its
// stored size; reading errors are recorded in errs with the store's
// classification.
func (a *Activities) storeOpener(ctx context.Context, sha string, size int64, errs *storeReads) func() (io.ReadCloser, error) {
	return func() (io.ReadCloser, error) {
		key := contract.StoreKey(sha)
		r, err := a.Store.NewReader(ctx, key, nil)
		if err != nil {
			return nil, errs.set(storeReadError(key, err))
		}
		if r.Size() != size {
			_ = r.Close()
			return nil, errs.set(badInput("store get "+key, fmt.Errorf("object is %d bytes, want %d", r.Size(), size)))
		}
		return &storeReader{r: r, key: key, errs: errs}, nil
	}
}

// storeReader records read failures (not EOF) as store errors.
type storeReader struct {
	r    io.ReadCloser
	key  string
	errs *storeReads
}

func (s *storeReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err != nil && err != io.EOF {
		s.errs.set(storeError("store get "+s.key, err))
	}
	return n, err
}

func (s *storeReader) Close() error { return s.r.Close() }
