package provenance

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/BTCDecoded/releasetrain/bundle"
)

// ErrNotReproduced: the rebuilt bundle differs from the published one.
var ErrNotReproduced = errors.New("bundle not reproduced")

// Rebuilt is the outcome of [Rebuild].
type Rebuilt struct {
	// Bundle is the rebuilt tarball (its Path is in the work folder).
	Bundle bundle.Digest
	// Files is how many member files went in.
	Files int
}

// Rebuild packs the member files found in dir (by their asset names) with
// the recorded settings into work and checks that the result is the bundle
// the provenance names, byte for byte (same sha256), and the same as
// dir's copy of the bundle when dir has one. Every member file must be in
// dir and match its subject.
func Rebuild(dir, work string, s Summary) (Rebuilt, error) {
	if s.Bundle.GzipLevel != bundle.GzipLevel || s.Bundle.GzipBlockSize != bundle.GzipBlockSize {
		return Rebuilt{}, fmt.Errorf("recorded gzip level %d and block size %d; this releasetrain packs with level %d and block size %d",
			s.Bundle.GzipLevel, s.Bundle.GzipBlockSize, bundle.GzipLevel, bundle.GzipBlockSize)
	}
	inputs := make([]bundle.Input, 0, len(s.Files))
	want := map[string]string{} // repo/path -> recorded asset
	for _, f := range s.Files {
		p := filepath.Join(dir, f.Asset)
		if _, err := os.Stat(p); err != nil {
			return Rebuilt{}, fmt.Errorf("member file %s (%s/%s): %w", f.Asset, f.Repo, f.Path, err)
		}
		inputs = append(inputs, bundle.Input{Repo: f.Repo, Name: f.Path, Path: p, SHA256: f.SHA256, Executable: f.Executable})
		want[f.Repo+"/"+f.Path] = f.Asset
	}
	entries, err := bundle.Layout(inputs)
	if err != nil {
		return Rebuilt{}, fmt.Errorf("lay out the member files: %w", err)
	}
	for _, e := range entries {
		if rec := want[e.Repo+"/"+e.Name]; rec != e.Asset {
			return Rebuilt{}, fmt.Errorf("%s/%s: recorded as asset %s, laid out as %s", e.Repo, e.Name, rec, e.Asset)
		}
	}
	packed, err := bundle.Package(work, entries, bundle.TarballOptions{Name: s.Bundle.Name, Tag: s.Bundle.Tag, Time: s.Bundle.MTime})
	if err != nil {
		return Rebuilt{}, fmt.Errorf("rebuild %s: %w", s.Bundle.Asset, err)
	}
	out := Rebuilt{Bundle: packed.Tarball, Files: len(entries)}
	if packed.Tarball.SHA256 != s.Bundle.SHA256 {
		return out, fmt.Errorf("%w: rebuilt %s has sha256 %s, the provenance says %s",
			ErrNotReproduced, s.Bundle.Asset, packed.Tarball.SHA256, s.Bundle.SHA256)
	}
	published := filepath.Join(dir, s.Bundle.Asset)
	if _, err := os.Stat(published); err == nil {
		got, _, err := bundle.HashFile(published)
		if err != nil {
			return out, err
		}
		if got != packed.Tarball.SHA256 {
			return out, fmt.Errorf("%w: %s in %s has sha256 %s, rebuilt %s", ErrNotReproduced, s.Bundle.Asset, dir, got, packed.Tarball.SHA256)
		}
	}
	return out, nil
}
