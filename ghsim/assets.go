package ghsim

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"
)

// assetBlobTTL is how long a release-asset download URL stays valid.
const assetBlobTTL = 5 * time.Minute

// asset is a release asset with its stored bytes.
type asset struct {
	id          int64
	release     *release
	name        string
	label       string
	contentType string
	data        []byte
	digest      string
	created     time.Time
	// noDigest: uploaded under omit_asset_digest, so the API shows digest null.
	noDigest bool
}

// AssetInfo is a stored release asset.
type AssetInfo struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	Label       string `json:"label,omitempty"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	Digest      string `json:"digest"`
	// Uploads counts uploads of this name that landed (including deleted ones).
	Uploads int `json:"uploads"`
}

// assetJSON is GitHub's release asset object.
type assetJSON struct {
	ID                 int64    `json:"id"`
	NodeID             string   `json:"node_id"`
	URL                string   `json:"url"`
	BrowserDownloadURL string   `json:"browser_download_url"`
	Name               string   `json:"name"`
	Label              string   `json:"label"`
	State              string   `json:"state"`
	ContentType        string   `json:"content_type"`
	Size               int      `json:"size"`
	Digest             *string  `json:"digest"`
	DownloadCount      int      `json:"download_count"`
	CreatedAt          string   `json:"created_at"`
	UpdatedAt          string   `json:"updated_at"`
	Uploader           userJSON `json:"uploader"`
}

func (s *Sim) assetJSONLocked(a *asset) assetJSON {
	rl := a.release
	var digest *string
	if !a.noDigest {
		digest = &a.digest
	}
	return assetJSON{
		ID: a.id, NodeID: fmt.Sprintf("RA_sim%d", a.id),
		URL:                fmt.Sprintf("%s/api/v3/repos/%s/releases/assets/%d", s.baseURL, rl.repo.fullName(), a.id),
		BrowserDownloadURL: fmt.Sprintf("https://github.com/%s/releases/download/%s/%s", rl.repo.fullName(), rl.tag, a.name),
		Name:               a.name, Label: a.label, State: "uploaded", ContentType: a.contentType,
		Size: len(a.data), Digest: digest, CreatedAt: ts(a.created), UpdatedAt: ts(a.created), Uploader: botUser,
	}
}

// handleListAssets serves GET …/releases/{release_id}/assets (the route is
// …/{release_id}/{sub}; any other sub is 404).
func (s *Sim) handleListAssets(w http.ResponseWriter, req *http.Request) {
	if req.PathValue("sub") != "assets" {
		notFound(w)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rl := s.pathReleaseLocked(w, req)
	if rl == nil {
		return
	}
	out := []assetJSON{}
	for _, a := range rl.assets {
		out = append(out, s.assetJSONLocked(a))
	}
	lo, hi := paginate(w, req, s.baseURL, len(out))
	writeJSON(w, http.StatusOK, out[lo:hi])
}

// handleUploadAsset serves POST {uploads}/repos/{o}/{r}/releases/{id}/assets?name=&label=:
// 201 with the name GitHub gives the asset (normalizeAssetName), 422
// already_exists for a taken name, 422 on an immutable published release.
func (s *Sim) handleUploadAsset(w http.ResponseWriter, req *http.Request) {
	name := normalizeAssetName(req.URL.Query().Get("name"))
	s.mu.Lock()
	rl := s.pathReleaseLocked(w, req)
	if rl != nil && !rl.draft {
		s.countPublishedWriteLocked(rl)
	}
	s.mu.Unlock()
	switch {
	case rl == nil:
		return
	case name == "":
		validationFailed(w, "ReleaseAsset", "missing_field", "name")
		return
	case req.Header.Get("Content-Type") == "":
		writeError(w, http.StatusUnprocessableEntity, "Bad Content-Type header value")
		return
	case req.ContentLength < 0:
		writeError(w, http.StatusLengthRequired, "Length Required")
		return
	}
	data, err := io.ReadAll(io.LimitReader(req.Body, req.ContentLength+1))
	if err != nil || int64(len(data)) != req.ContentLength {
		writeError(w, http.StatusBadRequest, "Request body does not match Content-Length")
		return
	}
	sum := sha256.Sum256(data)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.releases[rl.id] != rl {
		notFound(w)
		return
	}
	if rl.immutable {
		writeError(w, http.StatusUnprocessableEntity, msgImmutableUpload)
		return
	}
	for _, a := range rl.assets {
		if a.name == name {
			validationFailed(w, "ReleaseAsset", "already_exists", "name")
			return
		}
	}
	if len(rl.assets) >= MaxReleaseAssets {
		writeError(w, http.StatusUnprocessableEntity, msgTooManyAssets)
		return
	}
	a := &asset{
		id: s.newID("asset"), release: rl, name: name, label: req.URL.Query().Get("label"),
		contentType: req.Header.Get("Content-Type"), data: data,
		digest: "sha256:" + hex.EncodeToString(sum[:]), created: s.clock.Now(), noDigest: s.scenario.OmitAssetDigest,
	}
	rl.assets = append(rl.assets, a)
	s.assets[a.id] = a
	key := rl.repo.fullName() + "@" + rl.tag
	if s.stats.uploads[key] == nil {
		s.stats.uploads[key] = map[string]int{}
	}
	s.stats.uploads[key][name]++
	writeJSON(w, http.StatusCreated, s.assetJSONLocked(a))
}

// pathAssetLocked is the asset named by {asset_id} in the request path's
// repo, or nil after answering GitHub's 404. The caller holds s.mu.
func (s *Sim) pathAssetLocked(w http.ResponseWriter, req *http.Request) *asset {
	return pathOwnedLocked(s, w, req, "asset_id", s.assets, func(a *asset) *repoState { return a.release.repo })
}

// handleGetAsset serves GET …/releases/assets/{id}: JSON, or with
// Accept: application/octet-stream a 302 to the bytes.
func (s *Sim) handleGetAsset(w http.ResponseWriter, req *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.pathAssetLocked(w, req)
	if a == nil {
		return
	}
	if strings.Contains(req.Header.Get("Accept"), "application/octet-stream") {
		w.Header().Set("Location", s.newBlobLocked(blobRef{asset: a, expires: s.clock.Now().Add(assetBlobTTL)}))
		w.WriteHeader(http.StatusFound)
		return
	}
	writeJSON(w, http.StatusOK, s.assetJSONLocked(a))
}

// handleDeleteAsset serves DELETE …/releases/assets/{id}: 204.
func (s *Sim) handleDeleteAsset(w http.ResponseWriter, req *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.pathAssetLocked(w, req)
	if a == nil {
		return
	}
	if !a.release.draft {
		s.countPublishedWriteLocked(a.release)
	}
	if a.release.immutable {
		writeError(w, http.StatusUnprocessableEntity, msgImmutableDelete)
		return
	}
	a.release.assets = slices.DeleteFunc(a.release.assets, func(x *asset) bool { return x == a })
	delete(s.assets, a.id)
	w.WriteHeader(http.StatusNoContent)
}

// ReleaseAsset returns the stored bytes of a release asset.
func (s *Sim) ReleaseAsset(owner, repoName, tag, name string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	repo := s.repo(owner, repoName)
	if repo == nil {
		return nil, fmt.Errorf("asset %s/%s@%s/%s: repo %w", owner, repoName, tag, name, ErrNotFound)
	}
	rl := repo.releaseByTag(tag)
	if rl == nil {
		return nil, fmt.Errorf("asset %s@%s/%s: release %w", repo.fullName(), tag, name, ErrNotFound)
	}
	for _, a := range rl.assets {
		if a.name == name {
			return slices.Clone(a.data), nil
		}
	}
	return nil, fmt.Errorf("asset %s@%s/%s: %w", repo.fullName(), tag, name, ErrNotFound)
}
