package ghclient

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// releaseServer is a small releases API with assets and injected upload faults.
type releaseServer struct {
	mu       sync.Mutex
	releases []map[string]any
	assets   map[int64][]map[string]any // by release id
	nextID   int64
	uploads  int
	deletes  int
	creates  int
	// uploadLandsThen502: the next upload is stored but answered 502.
	uploadLandsThen502 bool
	// createLandsThen422: a competing create won; answer 422 after storing.
	createRace bool
	patches    []map[string]any
	notesReq   map[string]any
	// noDigest: assets carry digest null, as those uploaded before 2025-06.
	noDigest bool
	// rename: GitHub stores the next upload under this name.
	rename string
	// burned: creating a release answers GitHub's immutable-tag refusal.
	burned bool
	// bytes of every asset, by id.
	data map[string][]byte
}

func (s *releaseServer) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /repos/o/r/releases", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		b, _ := json.Marshal(s.withAssets())
		writeJSON(w, 200, string(b))
	})
	mux.HandleFunc("POST /repos/o/r/releases", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		var body map[string]any
		_ = json.NewDecoder(r.Body).Decode(&body)
		s.creates++
		if s.burned {
			writeJSON(w, 422, `{"message":"Validation Failed","errors":[{"resource":"Release","code":"custom","field":"tag_name","message":"tag_name was used by an immutable release"}]}`)
			return
		}
		s.nextID++
		rel := map[string]any{"id": s.nextID, "tag_name": body["tag_name"], "draft": body["draft"], "prerelease": body["prerelease"], "html_url": "https://github.test/rel"}
		s.releases = append(s.releases, rel)
		if s.createRace {
			writeJSON(w, 422, `{"message":"Validation Failed","errors":[{"resource":"Release","code":"already_exists","field":"tag_name"}]}`)
			return
		}
		b, _ := json.Marshal(rel)
		writeJSON(w, 201, string(b))
	})
	mux.HandleFunc("GET /repos/o/r/releases/{id}", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, rel := range s.withAssets() {
			if fmt.Sprint(rel["id"]) == r.PathValue("id") {
				b, _ := json.Marshal(rel)
				writeJSON(w, 200, string(b))
				return
			}
		}
		writeJSON(w, 404, `{"message":"Not Found"}`)
	})
	mux.HandleFunc("PATCH /repos/o/r/releases/{id}", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		var body map[string]any
		_ = json.NewDecoder(r.Body).Decode(&body)
		s.patches = append(s.patches, body)
		for _, rel := range s.releases {
			if fmt.Sprint(rel["id"]) == r.PathValue("id") {
				for k, v := range body {
					rel[k] = v
				}
			}
		}
		writeJSON(w, 200, fmt.Sprintf(`{"id":%s,"tag_name":"v1","draft":false,"prerelease":%v,"html_url":"https://github.test/rel"}`, r.PathValue("id"), body["prerelease"]))
	})
	mux.HandleFunc("GET /repos/o/r/releases/{id}/{sub}", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		if r.PathValue("id") == "assets" { // GET …/releases/assets/{id}: the bytes
			w.Header().Set("Content-Type", "application/octet-stream")
			_, _ = w.Write(s.data[r.PathValue("sub")])
			return
		}
		var id int64
		fmt.Sscan(r.PathValue("id"), &id)
		b, _ := json.Marshal(s.assets[id])
		writeJSON(w, 200, string(b))
	})
	mux.HandleFunc("POST /repos/o/r/releases/{id}/assets", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		var id int64
		fmt.Sscan(r.PathValue("id"), &id)
		name, label := r.URL.Query().Get("name"), r.URL.Query().Get("label")
		for _, a := range s.assets[id] {
			if a["name"] == name {
				writeJSON(w, 422, `{"message":"Validation Failed","errors":[{"resource":"ReleaseAsset","code":"already_exists","field":"name"}]}`)
				return
			}
		}
		if r.Header.Get("Content-Type") == "" || r.ContentLength <= 0 {
			writeJSON(w, 400, `{"message":"Content-Type and Content-Length required"}`)
			return
		}
		b, err := io.ReadAll(r.Body)
		if err != nil || int64(len(b)) != r.ContentLength {
			writeJSON(w, 400, `{"message":"body does not match Content-Length"}`)
			return
		}
		sum := sha256.Sum256(b)
		s.uploads++
		s.nextID++
		if s.rename != "" {
			name, s.rename = s.rename, ""
		}
		a := map[string]any{"id": s.nextID, "name": name, "label": label, "size": len(b), "state": "uploaded", "digest": "sha256:" + hex.EncodeToString(sum[:])}
		if s.noDigest {
			a["digest"] = nil
		}
		if s.data == nil {
			s.data = map[string][]byte{}
		}
		s.data[fmt.Sprint(s.nextID)] = b
		if s.assets == nil {
			s.assets = map[int64][]map[string]any{}
		}
		s.assets[id] = append(s.assets[id], a)
		if s.uploadLandsThen502 {
			s.uploadLandsThen502 = false
			writeJSON(w, 502, `{"message":"Bad Gateway"}`)
			return
		}
		out, _ := json.Marshal(a)
		writeJSON(w, 201, string(out))
	})
	mux.HandleFunc("DELETE /repos/o/r/releases/assets/{id}", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.deletes++
		for rid, list := range s.assets {
			for i, a := range list {
				if fmt.Sprint(a["id"]) == r.PathValue("id") {
					s.assets[rid] = append(list[:i], list[i+1:]...)
				}
			}
		}
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("POST /repos/o/r/releases/generate-notes", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		_ = json.NewDecoder(r.Body).Decode(&s.notesReq)
		writeJSON(w, 200, `{"name":"v1","body":"## What's Changed\n* thing"}`)
	})
	return mux
}

func (s *releaseServer) withAssets() []map[string]any {
	var out []map[string]any
	for _, r := range s.releases {
		cp := map[string]any{}
		for k, v := range r {
			cp[k] = v
		}
		cp["assets"] = s.assets[r["id"].(int64)]
		out = append(out, cp)
	}
	return out
}

// upload is an AssetUpload of content, counting how often it is opened.
func upload(name, label, content string) AssetUpload {
	sum := sha256.Sum256([]byte(content))
	return AssetUpload{Name: name, Label: label, Size: int64(len(content)), SHA256: hex.EncodeToString(sum[:]),
		Open: func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(content)), nil }}
}

func TestEnsureDraftRelease(t *testing.T) {
	t.Parallel()
	s := &releaseServer{}
	c, _, _ := newTestClient(t, s.handler())
	ctx := context.Background()
	spec := ReleaseSpec{Owner: "o", Repo: "r", Tag: "v1", Name: "v1", Prerelease: true}
	rel, err := c.EnsureDraftRelease(ctx, spec)
	require.NoError(t, err, "create: %+v %v", rel, err)
	require.NotZero(t, rel.ID, "create: %+v %v", rel, err)
	require.True(t, rel.Draft, "create: %+v %v", rel, err)
	require.True(t, rel.Prerelease, "create: %+v %v", rel, err)
	require.Equal(t, "v1", rel.Tag, "create: %+v %v", rel, err)
	again, err := c.EnsureDraftRelease(ctx, spec)
	require.NoError(t, err, "second ensure: %+v %v creates=%d", again, err, s.creates)
	require.Equal(t, rel.ID, again.ID, "second ensure: %+v %v creates=%d", again, err, s.creates)
	require.Equal(t, 1, s.creates, "second ensure: %+v %v creates=%d", again, err, s.creates)
}

func TestEnsureDraftReleaseRecovers422(t *testing.T) {
	t.Parallel()
	s := &releaseServer{createRace: true}
	c, _, _ := newTestClient(t, s.handler())
	rel, err := c.EnsureDraftRelease(context.Background(), ReleaseSpec{Owner: "o", Repo: "r", Tag: "v1"})
	require.NoError(t, err, "422 recovery: %+v %v creates=%d", rel, err, s.creates)
	require.Equal(t, int64(1), rel.ID, "422 recovery: %+v %v creates=%d", rel, err, s.creates)
	require.Equal(t, 1, s.creates, "422 recovery: %+v %v creates=%d", rel, err, s.creates)
}

func TestUploadAssetIdempotent(t *testing.T) {
	t.Parallel()
	s := &releaseServer{}
	c, _, _ := newTestClient(t, s.handler())
	ctx := context.Background()
	rel, err := c.EnsureDraftRelease(ctx, ReleaseSpec{Owner: "o", Repo: "r", Tag: "v1"})
	require.NoError(t, err)
	const ours = "releasetrain v1"
	p1 := upload("a.tar.gz", ours, "first content")
	a, err := c.UploadAsset(ctx, "o", "r", rel, p1)
	require.NoError(t, err, "upload: %+v %v", a, err)
	require.Equal(t, "a.tar.gz", a.Name, "upload: %+v %v", a, err)
	require.Equal(t, AssetLabel("a.tar.gz", ours), a.Label, "upload: %+v %v", a, err)
	require.True(t, strings.HasPrefix(a.Digest, "sha256:"), "upload: %+v %v", a, err)
	// Same content again (stale rel without assets): 422 → compare → keep.
	_, err = c.UploadAsset(ctx, "o", "r", rel, p1)
	require.NoError(t, err, "same content")
	// Same content with a fresh rel: kept without any upload attempt.
	fresh, _ := c.EnsureDraftRelease(ctx, ReleaseSpec{Owner: "o", Repo: "r", Tag: "v1"})
	_, err = c.UploadAsset(ctx, "o", "r", fresh, p1)
	require.NoError(t, err, "same content, fresh")
	require.Equal(t, 1, s.uploads)
	require.Zero(t, s.deletes)
	// Different content, our label: replaced.
	a2, err := c.UploadAsset(ctx, "o", "r", rel, upload("a.tar.gz", ours, "second content"))
	require.NoError(t, err, "replace: %+v %v", a2, err)
	require.NotEqual(t, a.ID, a2.ID, "replace: %+v %v", a2, err)
	require.Equal(t, 2, s.uploads)
	require.Equal(t, 1, s.deletes)
	// Different content, someone else's asset: clear error, untouched.
	_, err = c.UploadAsset(ctx, "o", "r", rel, upload("a.tar.gz", "someone else", "first content"))
	require.ErrorIs(t, err, ErrAssetConflict, "conflict: %v", err)
	require.True(t, IsPermanent(err), "conflict: %v", err)
	require.Contains(t, err.Error(), "a.tar.gz", "conflict: %v", err)
	require.Equal(t, 1, s.deletes, "deleted an asset that is not ours")
}

func TestUploadAsset5xxButLanded(t *testing.T) {
	t.Parallel()
	s := &releaseServer{uploadLandsThen502: true}
	c, _, _ := newTestClient(t, s.handler())
	ctx := context.Background()
	rel, err := c.EnsureDraftRelease(ctx, ReleaseSpec{Owner: "o", Repo: "r", Tag: "v1"})
	require.NoError(t, err)
	a, err := c.UploadAsset(ctx, "o", "r", rel, upload("SHA256SUMS", "releasetrain v1", "abc  file\n"))
	require.NoError(t, err, "5xx-but-landed: %+v %v", a, err)
	require.Equal(t, "SHA256SUMS", a.Name, "5xx-but-landed: %+v %v", a, err)
	require.Equal(t, 1, s.uploads)
	require.Zero(t, s.deletes)
}

func TestPublishAndNotes(t *testing.T) {
	t.Parallel()
	s := &releaseServer{}
	c, _, _ := newTestClient(t, s.handler())
	ctx := context.Background()
	d1, err := c.EnsureDraftRelease(ctx, ReleaseSpec{Owner: "o", Repo: "r", Tag: "v2"})
	require.NoError(t, err)
	d2, err := c.EnsureDraftRelease(ctx, ReleaseSpec{Owner: "o", Repo: "r", Tag: "v3"})
	require.NoError(t, err)
	rel, err := c.PublishRelease(ctx, ReleaseSpec{Owner: "o", Repo: "r", Name: "r v2", Body: "these notes", Prerelease: true}, d1.ID)
	require.NoError(t, err, "publish: %+v %v", rel, err)
	require.False(t, rel.Draft, "publish: %+v %v", rel, err)
	require.Equal(t, d1.ID, rel.ID, "publish: %+v %v", rel, err)
	_, err = c.PublishRelease(ctx, ReleaseSpec{Owner: "o", Repo: "r"}, d2.ID)
	require.NoError(t, err)
	// A published release is never written to again.
	_, err = c.PublishRelease(ctx, ReleaseSpec{Owner: "o", Repo: "r"}, d1.ID)
	require.ErrorIs(t, err, ErrPublishedRelease, "publish twice: %v", err)
	require.True(t, IsPermanent(err), "publish twice: %v", err)
	require.Len(t, s.patches, 2, "patches (none to the published release)")
	require.Equal(t, false, s.patches[0]["draft"], "patches = %v", s.patches)
	require.Equal(t, "false", s.patches[0]["make_latest"], "patches = %v", s.patches)
	require.Equal(t, "true", s.patches[1]["make_latest"], "patches = %v", s.patches)
	// Publishing replaces the title and notes a draft from an earlier attempt carried.
	require.Equal(t, "these notes", s.patches[0]["body"], "publish patch %v: want this run's name and body", s.patches[0])
	require.Equal(t, "r v2", s.patches[0]["name"], "publish patch %v: want this run's name and body", s.patches[0])
	body, err := c.GenerateNotes(ctx, "o", "r", "v2", "v1")
	require.NoError(t, err)
	require.Contains(t, body, "What's Changed")
	require.Equal(t, "v2", s.notesReq["tag_name"], "notes request = %v", s.notesReq)
	require.Equal(t, "v1", s.notesReq["previous_tag_name"], "notes request = %v", s.notesReq)
}

// GitHub gives no digest for older assets: the check before publishing
// downloads and hashes them.
func TestVerifyDraftAssetsHashesWithoutDigest(t *testing.T) {
	t.Parallel()
	s := &releaseServer{noDigest: true}
	c, _, _ := newTestClient(t, s.handler())
	ctx := context.Background()
	rel, err := c.EnsureDraftRelease(ctx, ReleaseSpec{Owner: "o", Repo: "r", Tag: "v1"})
	require.NoError(t, err)
	up := upload("a.tar.gz", "ours", "content")
	_, err = c.UploadAsset(ctx, "o", "r", rel, up)
	require.NoError(t, err)
	want := []AssetWant{{Name: up.Name, Size: up.Size, SHA256: up.SHA256}}
	_, err = c.VerifyDraftAssets(ctx, "o", "r", rel.ID, want, "ours")
	require.NoError(t, err, "verify by download")
	other := upload("a.tar.gz", "ours", "contenT")
	bad := []AssetWant{{Name: other.Name, Size: other.Size, SHA256: other.SHA256}}
	_, err = c.VerifyDraftAssets(ctx, "o", "r", rel.ID, bad, "ours")
	require.ErrorIs(t, err, ErrDigestMismatch, "a downloaded asset with other bytes must not verify")
}

// The name GitHub answers with must be the one sent; a renamed asset is
// deleted again and the error says which characters GitHub keeps.
func TestUploadAssetRenamed(t *testing.T) {
	t.Parallel()
	s := &releaseServer{rename: "my.tool"}
	c, _, _ := newTestClient(t, s.handler())
	ctx := context.Background()
	rel, err := c.EnsureDraftRelease(ctx, ReleaseSpec{Owner: "o", Repo: "r", Tag: "v1"})
	require.NoError(t, err)
	_, err = c.UploadAsset(ctx, "o", "r", rel, upload("my tool", "ours", "x"))
	require.ErrorIs(t, err, ErrAssetRenamed, "renamed upload: %v", err)
	require.True(t, IsPermanent(err), "renamed upload: %v", err)
	require.Contains(t, err.Error(), `as "my.tool"`, "renamed upload: %v", err)
	require.Equal(t, 1, s.deletes, "deletes = %d: the renamed asset stays on the draft", s.deletes)
}

// A stream whose bytes are not the announced SHA-256 never lands: the last
// byte is withheld, so the upload is short of its Content-Length.
func TestUploadAssetVerifiesTheStream(t *testing.T) {
	t.Parallel()
	s := &releaseServer{}
	c, _, _ := newTestClient(t, s.handler())
	ctx := context.Background()
	rel, err := c.EnsureDraftRelease(ctx, ReleaseSpec{Owner: "o", Repo: "r", Tag: "v1"})
	require.NoError(t, err)
	up := upload("a.tar.gz", "ours", "the content")
	up.Open = func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader("tampered!!!")), nil }
	_, err = c.UploadAsset(ctx, "o", "r", rel, up)
	require.ErrorContains(t, err, "sha256", "tampered stream")
	require.Zero(t, s.uploads, "uploads = %d: a tampered stream landed", s.uploads)
}

// A tag once used by a deleted immutable release is refused for good, saying so.
func TestEnsureDraftReleaseBurnedTag(t *testing.T) {
	t.Parallel()
	s := &releaseServer{burned: true}
	c, _, _ := newTestClient(t, s.handler())
	_, err := c.EnsureDraftRelease(context.Background(), ReleaseSpec{Owner: "o", Repo: "r", Tag: "v1"})
	require.ErrorIs(t, err, ErrTagBurned, "burned tag: %v", err)
	require.True(t, IsPermanent(err), "burned tag: %v", err)
	require.Contains(t, err.Error(), "release under a new tag", "burned tag: %v", err)
}
