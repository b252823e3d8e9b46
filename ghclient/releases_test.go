package ghclient

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
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
	if err != nil || rel.ID == 0 || !rel.Draft || !rel.Prerelease || rel.Tag != "v1" {
		t.Fatalf("create: %+v %v", rel, err)
	}
	again, err := c.EnsureDraftRelease(ctx, spec)
	if err != nil || again.ID != rel.ID || s.creates != 1 {
		t.Fatalf("second ensure: %+v %v creates=%d", again, err, s.creates)
	}
}

func TestEnsureDraftReleaseRecovers422(t *testing.T) {
	t.Parallel()
	s := &releaseServer{createRace: true}
	c, _, _ := newTestClient(t, s.handler())
	rel, err := c.EnsureDraftRelease(context.Background(), ReleaseSpec{Owner: "o", Repo: "r", Tag: "v1"})
	if err != nil || rel.ID != 1 || s.creates != 1 {
		t.Fatalf("422 recovery: %+v %v creates=%d", rel, err, s.creates)
	}
}

func TestUploadAssetIdempotent(t *testing.T) {
	t.Parallel()
	s := &releaseServer{}
	c, _, _ := newTestClient(t, s.handler())
	ctx := context.Background()
	rel, err := c.EnsureDraftRelease(ctx, ReleaseSpec{Owner: "o", Repo: "r", Tag: "v1"})
	if err != nil {
		t.Fatal(err)
	}
	const ours = "releasetrain v1"
	p1 := upload("a.tar.gz", ours, "first content")
	a, err := c.UploadAsset(ctx, "o", "r", rel, p1)
	if err != nil || a.Name != "a.tar.gz" || a.Label != AssetLabel("a.tar.gz", ours) || !strings.HasPrefix(a.Digest, "sha256:") {
		t.Fatalf("upload: %+v %v", a, err)
	}
	// Same content again (stale rel without assets): 422 → compare → keep.
	if _, err := c.UploadAsset(ctx, "o", "r", rel, p1); err != nil {
		t.Fatalf("same content: %v", err)
	}
	// Same content with a fresh rel: kept without any upload attempt.
	fresh, _ := c.EnsureDraftRelease(ctx, ReleaseSpec{Owner: "o", Repo: "r", Tag: "v1"})
	if _, err := c.UploadAsset(ctx, "o", "r", fresh, p1); err != nil {
		t.Fatalf("same content, fresh: %v", err)
	}
	if s.uploads != 1 || s.deletes != 0 {
		t.Fatalf("uploads=%d deletes=%d, want 1/0", s.uploads, s.deletes)
	}
	// Different content, our label: replaced.
	a2, err := c.UploadAsset(ctx, "o", "r", rel, upload("a.tar.gz", ours, "second content"))
	if err != nil || a2.ID == a.ID {
		t.Fatalf("replace: %+v %v", a2, err)
	}
	if s.uploads != 2 || s.deletes != 1 {
		t.Fatalf("uploads=%d deletes=%d, want 2/1", s.uploads, s.deletes)
	}
	// Different content, someone else's asset: clear error, untouched.
	if _, err := c.UploadAsset(ctx, "o", "r", rel, upload("a.tar.gz", "someone else", "first content")); !errors.Is(err, ErrAssetConflict) || !IsPermanent(err) ||
		!strings.Contains(err.Error(), "a.tar.gz") {
		t.Fatalf("conflict: %v", err)
	}
	if s.deletes != 1 {
		t.Fatal("deleted an asset that is not ours")
	}
}

func TestUploadAsset5xxButLanded(t *testing.T) {
	t.Parallel()
	s := &releaseServer{uploadLandsThen502: true}
	c, _, _ := newTestClient(t, s.handler())
	ctx := context.Background()
	rel, err := c.EnsureDraftRelease(ctx, ReleaseSpec{Owner: "o", Repo: "r", Tag: "v1"})
	if err != nil {
		t.Fatal(err)
	}
	a, err := c.UploadAsset(ctx, "o", "r", rel, upload("SHA256SUMS", "releasetrain v1", "abc  file\n"))
	if err != nil || a.Name != "SHA256SUMS" {
		t.Fatalf("5xx-but-landed: %+v %v", a, err)
	}
	if s.uploads != 1 || s.deletes != 0 {
		t.Fatalf("uploads=%d deletes=%d", s.uploads, s.deletes)
	}
}

func TestPublishAndNotes(t *testing.T) {
	t.Parallel()
	s := &releaseServer{}
	c, _, _ := newTestClient(t, s.handler())
	ctx := context.Background()
	d1, err := c.EnsureDraftRelease(ctx, ReleaseSpec{Owner: "o", Repo: "r", Tag: "v2"})
	if err != nil {
		t.Fatal(err)
	}
	d2, err := c.EnsureDraftRelease(ctx, ReleaseSpec{Owner: "o", Repo: "r", Tag: "v3"})
	if err != nil {
		t.Fatal(err)
	}
	rel, err := c.PublishRelease(ctx, ReleaseSpec{Owner: "o", Repo: "r", Name: "r v2", Body: "these notes", Prerelease: true}, d1.ID)
	if err != nil || rel.Draft || rel.ID != d1.ID {
		t.Fatalf("publish: %+v %v", rel, err)
	}
	if _, err := c.PublishRelease(ctx, ReleaseSpec{Owner: "o", Repo: "r"}, d2.ID); err != nil {
		t.Fatal(err)
	}
	// A published release is never written to again.
	if _, err := c.PublishRelease(ctx, ReleaseSpec{Owner: "o", Repo: "r"}, d1.ID); !errors.Is(err, ErrPublishedRelease) || !IsPermanent(err) {
		t.Fatalf("publish twice: %v", err)
	}
	if len(s.patches) != 2 {
		t.Fatalf("patches = %d, want 2 (none to the published release)", len(s.patches))
	}
	if s.patches[0]["draft"] != false || s.patches[0]["make_latest"] != "false" || s.patches[1]["make_latest"] != "true" {
		t.Fatalf("patches = %v", s.patches)
	}
	// Publishing replaces the title and notes a draft from an earlier attempt carried.
	if s.patches[0]["body"] != "these notes" || s.patches[0]["name"] != "r v2" {
		t.Fatalf("publish patch %v: want this run's name and body", s.patches[0])
	}
	body, err := c.GenerateNotes(ctx, "o", "r", "v2", "v1")
	if err != nil || !strings.Contains(body, "What's Changed") {
		t.Fatalf("notes: %q %v", body, err)
	}
	if s.notesReq["tag_name"] != "v2" || s.notesReq["previous_tag_name"] != "v1" {
		t.Fatalf("notes request = %v", s.notesReq)
	}
}

// GitHub gives no digest for older assets: the check before publishing
// downloads and hashes them.
func TestVerifyDraftAssetsHashesWithoutDigest(t *testing.T) {
	t.Parallel()
	s := &releaseServer{noDigest: true}
	c, _, _ := newTestClient(t, s.handler())
	ctx := context.Background()
	rel, err := c.EnsureDraftRelease(ctx, ReleaseSpec{Owner: "o", Repo: "r", Tag: "v1"})
	if err != nil {
		t.Fatal(err)
	}
	up := upload("a.tar.gz", "ours", "content")
	if _, err := c.UploadAsset(ctx, "o", "r", rel, up); err != nil {
		t.Fatal(err)
	}
	want := []AssetWant{{Name: up.Name, Size: up.Size, SHA256: up.SHA256}}
	if _, err := c.VerifyDraftAssets(ctx, "o", "r", rel.ID, want, "ours"); err != nil {
		t.Fatalf("verify by download: %v", err)
	}
	other := upload("a.tar.gz", "ours", "contenT")
	bad := []AssetWant{{Name: other.Name, Size: other.Size, SHA256: other.SHA256}}
	if _, err := c.VerifyDraftAssets(ctx, "o", "r", rel.ID, bad, "ours"); !errors.Is(err, ErrDigestMismatch) {
		t.Fatalf("a downloaded asset with other bytes must not verify: %v", err)
	}
}

// The name GitHub answers with must be the one sent; a renamed asset is
// deleted again and the error says which characters GitHub keeps.
func TestUploadAssetRenamed(t *testing.T) {
	t.Parallel()
	s := &releaseServer{rename: "my.tool"}
	c, _, _ := newTestClient(t, s.handler())
	ctx := context.Background()
	rel, err := c.EnsureDraftRelease(ctx, ReleaseSpec{Owner: "o", Repo: "r", Tag: "v1"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.UploadAsset(ctx, "o", "r", rel, upload("my tool", "ours", "x"))
	if !errors.Is(err, ErrAssetRenamed) || !IsPermanent(err) || !strings.Contains(err.Error(), `as "my.tool"`) {
		t.Fatalf("renamed upload: %v", err)
	}
	if s.deletes != 1 {
		t.Fatalf("deletes = %d: the renamed asset stays on the draft", s.deletes)
	}
}

// A stream whose bytes are not the announced SHA-256 never lands: the last
// byte is withheld, so the upload is short of its Content-Length.
func TestUploadAssetVerifiesTheStream(t *testing.T) {
	t.Parallel()
	s := &releaseServer{}
	c, _, _ := newTestClient(t, s.handler())
	ctx := context.Background()
	rel, err := c.EnsureDraftRelease(ctx, ReleaseSpec{Owner: "o", Repo: "r", Tag: "v1"})
	if err != nil {
		t.Fatal(err)
	}
	up := upload("a.tar.gz", "ours", "the content")
	up.Open = func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader("tampered!!!")), nil }
	if _, err := c.UploadAsset(ctx, "o", "r", rel, up); err == nil || !strings.Contains(err.Error(), "sha256") {
		t.Fatalf("tampered stream: %v", err)
	}
	if s.uploads != 0 {
		t.Fatalf("uploads = %d: a tampered stream landed", s.uploads)
	}
}

// A tag once used by a deleted immutable release is refused for good, saying so.
func TestEnsureDraftReleaseBurnedTag(t *testing.T) {
	t.Parallel()
	s := &releaseServer{burned: true}
	c, _, _ := newTestClient(t, s.handler())
	_, err := c.EnsureDraftRelease(context.Background(), ReleaseSpec{Owner: "o", Repo: "r", Tag: "v1"})
	if !errors.Is(err, ErrTagBurned) || !IsPermanent(err) || !strings.Contains(err.Error(), "release under a new tag") {
		t.Fatalf("burned tag: %v", err)
	}
}
