package activities

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"

	"github.com/BTCDecoded/releasetrain/contract"
)

// Manifest is a list of collected files, sorted by name with no name twice.
// It lives in the artifact store as JSON (one canonical encoding: this
// struct through encoding/json, files sorted), addressed by its sha256, so
// payloads carry a ManifestRef whose size does not grow with the files.
type Manifest struct {
	Files []contract.File `json:"files"`
}

// encodeManifest sorts files by name and returns the manifest's canonical
// JSON; a name listed twice is an error naming it.
func encodeManifest(files []contract.File) ([]byte, []contract.File, error) {
	sorted := append([]contract.File(nil), files...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	for i := 1; i < len(sorted); i++ {
		if sorted[i].Name == sorted[i-1].Name {
			return nil, nil, fmt.Errorf("file %q listed twice", sorted[i].Name)
		}
	}
	if sorted == nil {
		sorted = []contract.File{}
	}
	data, err := json.Marshal(Manifest{Files: sorted})
	return data, sorted, err
}

// putManifest stores the files' manifest and returns its reference.
func (a *Activities) putManifest(ctx context.Context, files []contract.File) (contract.ManifestRef, error) {
	data, sorted, err := encodeManifest(files)
	if err != nil {
		return contract.ManifestRef{}, badInput("store manifest", err)
	}
	sha, err := a.putBytes(ctx, data)
	if err != nil {
		return contract.ManifestRef{}, err
	}
	ref := contract.ManifestRef{SHA256: sha, Files: len(sorted)}
	for _, f := range sorted {
		ref.Bytes += f.Size
	}
	if len(sorted) > 0 {
		ref.First = sorted[:min(len(sorted), contract.ManifestPreview)]
	}
	return ref, nil
}

// LoadManifest reads the manifest ref points at and checks it: its digest,
// its encoding (sorted, no name twice) and its counts against ref. Errors
// name the store key and are non-retryable, except store failures.
func (a *Activities) LoadManifest(ctx context.Context, ref contract.ManifestRef) ([]contract.File, error) {
	return a.loadManifest(ctx, "manifest "+contract.StoreKey(ref.SHA256), ref)
}

// loadManifest is LoadManifest with label starting every error.
func (a *Activities) loadManifest(ctx context.Context, label string, ref contract.ManifestRef) ([]contract.File, error) {
	data, err := a.getBytes(ctx, ref.SHA256)
	if err != nil {
		return nil, err
	}
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, badInput(label, err)
	}
	canon, _, err := encodeManifest(m.Files)
	switch {
	case err != nil:
		return nil, badInput(label, err)
	case string(canon) != string(data):
		return nil, badInput(label, errors.New("not in canonical form (sorted JSON)"))
	}
	var bytes int64
	for _, f := range m.Files {
		bytes += f.Size
	}
	if len(m.Files) != ref.Files || bytes != ref.Bytes {
		return nil, badInput(label, fmt.Errorf("%d files of %d bytes, the reference says %d files of %d bytes",
			len(m.Files), bytes, ref.Files, ref.Bytes))
	}
	return m.Files, nil
}

// RepoFiles is every file a repo contributed: read from its manifest, or
// the list itself in results recorded before manifests existed. A skipped
// repo has none.
func (a *Activities) RepoFiles(ctx context.Context, r RepoResult) ([]contract.File, error) {
	if r.Manifest == nil {
		return r.Files, nil
	}
	return a.loadManifest(ctx, fmt.Sprintf("repo %s manifest %s", r.Repo, contract.StoreKey(r.Manifest.SHA256)), *r.Manifest)
}
