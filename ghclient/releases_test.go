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
	"os"
	"path/filepath"
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
	mux.HandleFunc("PATCH /repos/o/r/releases/{id}", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		var body map[string]any
		_ = json.NewDecoder(r.Body).Decode(&body)
		s.patches = append(s.patches, body)
		writeJSON(w, 200, fmt.Sprintf(`{"id":%s,"tag_name":"v1","draft":false,"prerelease":%v,"html_url":"https://github.test/rel"}`, r.PathValue("id"), body["prerelease"]))
	})
	mux.HandleFunc("GET /repos/o/r/releases/{id}/assets", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
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
		b, _ := io.ReadAll(r.Body)
		sum := sha256.Sum256(b)
		s.uploads++
		s.nextID++
		a := map[string]any{"id": s.nextID, "name": name, "label": label, "size": len(b), "state": "uploaded", "digest": "sha256:" + hex.EncodeToString(sum[:])}
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

func tempFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
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
	p1 := tempFile(t, "a.tar.gz", "first content")
	a, err := c.UploadAsset(ctx, "o", "r", rel, "a.tar.gz", ours, p1)
	if err != nil || a.Name != "a.tar.gz" || a.Label != ours || !strings.HasPrefix(a.Digest, "sha256:") {
		t.Fatalf("upload: %+v %v", a, err)
	}
	// Same content again (stale rel without assets): 422 → compare → keep.
	if _, err := c.UploadAsset(ctx, "o", "r", rel, "a.tar.gz", ours, p1); err != nil {
		t.Fatalf("same content: %v", err)
	}
	// Same content with a fresh rel: kept without any upload attempt.
	fresh, _ := c.EnsureDraftRelease(ctx, ReleaseSpec{Owner: "o", Repo: "r", Tag: "v1"})
	if _, err := c.UploadAsset(ctx, "o", "r", fresh, "a.tar.gz", ours, p1); err != nil {
		t.Fatalf("same content, fresh: %v", err)
	}
	if s.uploads != 1 || s.deletes != 0 {
		t.Fatalf("uploads=%d deletes=%d, want 1/0", s.uploads, s.deletes)
	}
	// Different content, our label: replaced.
	p2 := tempFile(t, "a.tar.gz", "second content")
	a2, err := c.UploadAsset(ctx, "o", "r", rel, "a.tar.gz", ours, p2)
	if err != nil || a2.ID == a.ID {
		t.Fatalf("replace: %+v %v", a2, err)
	}
	if s.uploads != 2 || s.deletes != 1 {
		t.Fatalf("uploads=%d deletes=%d, want 2/1", s.uploads, s.deletes)
	}
	// Different content, someone else's asset: clear error, untouched.
	if _, err := c.UploadAsset(ctx, "o", "r", rel, "a.tar.gz", "someone else", p1); !errors.Is(err, ErrAssetConflict) || !IsPermanent(err) ||
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
	p := tempFile(t, "SHA256SUMS", "abc  file\n")
	a, err := c.UploadAsset(ctx, "o", "r", rel, "SHA256SUMS", "releasetrain v1", p)
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
	rel, err := c.PublishRelease(ctx, ReleaseSpec{Owner: "o", Repo: "r", Name: "r v2", Body: "these notes", Prerelease: true}, 5)
	if err != nil || rel.Draft || rel.ID != 5 {
		t.Fatalf("publish: %+v %v", rel, err)
	}
	if _, err := c.PublishRelease(ctx, ReleaseSpec{Owner: "o", Repo: "r"}, 5); err != nil {
		t.Fatal(err)
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
