package ghsim

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// blobTTL is how long a download URL stays valid (simulated time).
const blobTTL = time.Minute

// artifact is one uploaded artifact of a run attempt.
type artifact struct {
	id      int64
	run     *run
	attempt int
	spec    ArtifactSpec
	seed    int64
	created time.Time
	expires time.Time
	store   *blobStore
}

// materialiseLocked creates the artifacts of a successful attempt.
func (s *Sim) materialiseLocked(r *run, at time.Time) {
	r.artifacts = nil
	for _, spec := range r.repo.cfg.Artifacts {
		a := &artifact{
			id: s.newID("artifact"), run: r, attempt: r.attempt, spec: spec, seed: s.opts.Seed,
			created: at, expires: at.Add(time.Duration(s.scenario.ArtifactRetention)), store: s.store,
		}
		s.artifacts[a.id] = a
		r.artifacts = append(r.artifacts, a)
	}
}

// write streams the artifact's zip.
func (a *artifact) write(w io.Writer) error {
	if a.spec.Hostile != nil {
		return writeHostileZip(w, a.seed, a.run.repo.fullName(), a.spec)
	}
	return writeArtifactZip(w, a.seed, a.run.repo.fullName(), a.spec)
}

// file is the artifact's zip in the blob store, written (and hashed) the
// first time it is needed.
func (a *artifact) file() (blobFile, error) {
	f, err := a.store.materialise(contentKey(a.seed, a.run.repo.fullName(), a.spec), a.write)
	if err != nil {
		return blobFile{}, fmt.Errorf("artifact %s: %w", a.spec.Name, err)
	}
	return f, nil
}

// checksum is the zip's digest and size.
func (a *artifact) checksum() (string, int64, error) {
	f, err := a.file()
	return f.digest, f.size, err
}

// artifactJSON is GitHub's artifact object.
type artifactJSON struct {
	ID                 int64           `json:"id"`
	NodeID             string          `json:"node_id"`
	Name               string          `json:"name"`
	SizeInBytes        int64           `json:"size_in_bytes"`
	URL                string          `json:"url"`
	ArchiveDownloadURL string          `json:"archive_download_url"`
	Expired            bool            `json:"expired"`
	Digest             *string         `json:"digest"`
	CreatedAt          string          `json:"created_at"`
	UpdatedAt          string          `json:"updated_at"`
	ExpiresAt          string          `json:"expires_at"`
	WorkflowRun        artifactRunJSON `json:"workflow_run"`
}

type artifactRunJSON struct {
	ID               int64  `json:"id"`
	RepositoryID     int64  `json:"repository_id"`
	HeadRepositoryID int64  `json:"head_repository_id"`
	HeadBranch       string `json:"head_branch"`
	HeadSHA          string `json:"head_sha"`
}

// artifactJSON renders an artifact; digest and size must be known.
func (s *Sim) artifactJSON(base string, a *artifact, digest string, size int64, now time.Time) artifactJSON {
	api := fmt.Sprintf("%s/api/v3/repos/%s/actions/artifacts/%d", base, a.run.repo.fullName(), a.id)
	reported := a.spec.Hostile.reportedDigest(digest)
	return artifactJSON{
		ID: a.id, NodeID: fmt.Sprintf("MDg6QXJ0aWZhY3Q%d", a.id), Name: a.spec.Name, SizeInBytes: size,
		URL: api, ArchiveDownloadURL: api + "/zip", Expired: !now.Before(a.expires), Digest: &reported,
		CreatedAt: ts(a.created), UpdatedAt: ts(a.created), ExpiresAt: ts(a.expires),
		WorkflowRun: artifactRunJSON{ID: a.run.id, RepositoryID: a.run.repo.id, HeadRepositoryID: a.run.repo.id, HeadBranch: a.run.branch, HeadSHA: a.run.sha},
	}
}

// handleListArtifacts serves GET …/actions/runs/{run_id}/artifacts.
func (s *Sim) handleListArtifacts(w http.ResponseWriter, req *http.Request) {
	s.mu.Lock()
	r := s.runFromPathLocked(req)
	if r == nil {
		s.mu.Unlock()
		notFound(w)
		return
	}
	name := req.URL.Query().Get("name")
	var arts []*artifact
	for _, a := range r.artifacts {
		if name == "" || a.spec.Name == name {
			arts = append(arts, a)
		}
	}
	base, now := s.baseURL, s.clock.Now()
	s.mu.Unlock()
	out := []artifactJSON{}
	for _, a := range arts {
		digest, size, err := a.checksum()
		if err != nil {
			writeError(w, http.StatusInternalServerError, err.Error())
			return
		}
		out = append(out, s.artifactJSON(base, a, digest, size, now))
	}
	total := len(out)
	lo, hi := paginate(w, req, base, total)
	writeJSON(w, http.StatusOK, map[string]any{"total_count": total, "artifacts": out[lo:hi]})
}

// artifactFromPath finds the artifact named by the path, in the path's repo.
func (s *Sim) artifactFromPath(req *http.Request) (*artifact, time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	repo := s.repo(req.PathValue("owner"), req.PathValue("repo"))
	id, err := strconv.ParseInt(req.PathValue("artifact_id"), 10, 64)
	a := s.artifacts[id]
	if repo == nil || err != nil || a == nil || a.run.repo != repo {
		return nil, time.Time{}
	}
	return a, s.clock.Now()
}

// handleGetArtifact serves GET …/actions/artifacts/{artifact_id}.
func (s *Sim) handleGetArtifact(w http.ResponseWriter, req *http.Request) {
	a, now := s.artifactFromPath(req)
	if a == nil {
		notFound(w)
		return
	}
	digest, size, err := a.checksum()
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	s.mu.Lock()
	base := s.baseURL
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, s.artifactJSON(base, a, digest, size, now))
}

// handleDownloadArtifact serves GET …/actions/artifacts/{id}/zip: 302 to a
// short-lived blob URL, 410 when the artifact has expired.
func (s *Sim) handleDownloadArtifact(w http.ResponseWriter, req *http.Request) {
	if req.PathValue("archive_format") != "zip" {
		notFound(w)
		return
	}
	a, now := s.artifactFromPath(req)
	if a == nil {
		notFound(w)
		return
	}
	if !now.Before(a.expires) {
		writeError(w, http.StatusGone, "Artifact has expired")
		return
	}
	s.mu.Lock()
	loc := s.newBlobLocked(blobRef{artifact: a, expires: now.Add(blobTTL)})
	s.mu.Unlock()
	w.Header().Set("Location", loc)
	w.WriteHeader(http.StatusFound)
}

// blobRef is what a /_blob/ token points at.
type blobRef struct {
	artifact *artifact
	asset    *asset
	expires  time.Time
}

// newBlobLocked registers a download token and returns its URL.
func (s *Sim) newBlobLocked(b blobRef) string {
	tok := s.randHexLocked(40)
	s.blobs[tok] = b
	return s.baseURL + "/_blob/" + tok
}

// serveBlob serves GET and HEAD /_blob/{token}: the bytes, without API
// authentication. Like signed blob-storage URLs, it refuses an Authorization
// header (400), and answers 410 once the URL (or the artifact) has expired.
// Artifacts are served from the blob store's file, assets from memory, both
// with Accept-Ranges and single-range requests (206, 416), like blob storage.
func (s *Sim) serveBlob(w http.ResponseWriter, req *http.Request) {
	const route = "GET /_blob/{token}"
	if req.Method != http.MethodGet && req.Method != http.MethodHead {
		w.WriteHeader(http.StatusMethodNotAllowed)
		s.countRequest(req.Method+" /_blob/{token}", http.StatusMethodNotAllowed)
		return
	}
	s.mu.Lock()
	b, ok := s.blobs[req.URL.Path[len("/_blob/"):]]
	now := s.clock.Now()
	s.mu.Unlock()
	status := http.StatusOK
	switch {
	case !ok:
		status = http.StatusNotFound
	case req.Header.Get("Authorization") != "":
		status = http.StatusBadRequest
	case !now.Before(b.expires), b.artifact != nil && !now.Before(b.artifact.expires):
		status = http.StatusGone
	}
	if status != http.StatusOK {
		http.Error(w, http.StatusText(status), status)
		s.countRequest(route, status)
		return
	}
	cw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	defer func() { s.countRequest(route, cw.status) }()
	if b.asset != nil {
		w.Header().Set("Content-Type", "application/octet-stream")
		http.ServeContent(cw, req, "", time.Time{}, bytes.NewReader(b.asset.data))
		return
	}
	a := b.artifact
	f, err := a.file()
	if err == nil {
		w.Header().Set("Content-Type", "application/zip")
		w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%s.zip", a.spec.Name))
		err = serveFile(cw, req, f)
	}
	if err != nil {
		s.log.Debug("blob unavailable", "artifact", a.id, "err", err)
		w.Header().Del("Content-Disposition")
		http.Error(cw, err.Error(), http.StatusInternalServerError)
	}
}
