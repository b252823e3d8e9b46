package ghclient

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// artifactServer serves 150 artifacts over two pages and their blobs.
type artifactServer struct {
	mu       sync.Mutex
	blobAuth []string
	content  []byte
}

func (s *artifactServer) handler() http.Handler {
	mux := http.NewServeMux()
	sum := sha256.Sum256(s.content)
	mux.HandleFunc("GET /repos/o/r/actions/runs/7/artifacts", func(w http.ResponseWriter, r *http.Request) {
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		per, _ := strconv.Atoi(r.URL.Query().Get("per_page"))
		var items []string
		for i := (page - 1) * per; i < min(page*per, 150); i++ {
			digest := "null"
			if i == 0 {
				digest = `"sha256:` + hex.EncodeToString(sum[:]) + `"`
			}
			items = append(items, fmt.Sprintf(`{"id":%d,"name":"a%d","size_in_bytes":%d,"expired":%v,"digest":%s}`, i+1, i, len(s.content), i == 149, digest))
		}
		writeJSON(w, 200, fmt.Sprintf(`{"total_count":150,"artifacts":[%s]}`, strings.Join(items, ",")))
	})
	mux.HandleFunc("GET /repos/o/r/actions/artifacts/{id}/zip", func(w http.ResponseWriter, r *http.Request) {
		switch r.PathValue("id") {
		case "410":
			writeJSON(w, 410, `{"message":"Artifact has expired"}`)
		default:
			w.Header().Set("Location", "/blob/"+r.PathValue("id"))
			w.WriteHeader(http.StatusFound)
		}
	})
	mux.HandleFunc("GET /blob/{id}", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.blobAuth = append(s.blobAuth, r.Header.Get("Authorization"))
		s.mu.Unlock()
		w.Header().Set("Content-Length", strconv.Itoa(len(s.content)))
		_, _ = w.Write(s.content)
	})
	return mux
}

func TestListArtifactsPaginatesAndDecodesDigest(t *testing.T) {
	t.Parallel()
	s := &artifactServer{content: []byte("zip bytes")}
	c, _, _ := newTestClient(t, s.handler())
	arts, err := c.ListArtifacts(context.Background(), "o", "r", 7)
	if err != nil {
		t.Fatal(err)
	}
	if len(arts) != 150 || arts[149].Name != "a149" || !arts[149].Expired {
		t.Fatalf("got %d artifacts, last %+v", len(arts), arts[len(arts)-1])
	}
	if !strings.HasPrefix(arts[0].Digest, "sha256:") || arts[1].Digest != "" {
		t.Fatalf("digests: %q %q", arts[0].Digest, arts[1].Digest)
	}
}

func TestDownloadArtifact(t *testing.T) {
	t.Parallel()
	content := bytes.Repeat([]byte("artifact"), 100_000)
	s := &artifactServer{content: content}
	c, _, _ := newTestClient(t, s.handler())
	sum := sha256.Sum256(content)
	want := hex.EncodeToString(sum[:])
	ctx := context.Background()

	var dst bytes.Buffer
	d, err := c.DownloadArtifact(ctx, "o", "r", Artifact{ID: 1, Name: "a0", Digest: "sha256:" + want}, &dst)
	if err != nil {
		t.Fatal(err)
	}
	if d.SHA256 != want || d.Size != int64(len(content)) || !bytes.Equal(dst.Bytes(), content) {
		t.Fatalf("download = %+v", d)
	}
	s.mu.Lock()
	auth := s.blobAuth
	s.mu.Unlock()
	if len(auth) != 1 || auth[0] != "" {
		t.Fatalf("blob request carried Authorization %q", auth)
	}

	// No digest: still hashed, nothing to verify.
	if d, err := c.DownloadArtifact(ctx, "o", "r", Artifact{ID: 2, Name: "a1"}, &bytes.Buffer{}); err != nil || d.SHA256 != want {
		t.Fatalf("no digest: %+v %v", d, err)
	}

	bad := "sha256:" + strings.Repeat("0", 64)
	_, err = c.DownloadArtifact(ctx, "o", "r", Artifact{ID: 1, Name: "a0", Digest: bad}, &bytes.Buffer{})
	if !errors.Is(err, ErrDigestMismatch) || !IsPermanent(err) || !strings.Contains(err.Error(), `"a0"`) {
		t.Fatalf("digest mismatch: %v", err)
	}

	_, err = c.DownloadArtifact(ctx, "o", "r", Artifact{ID: 410, Name: "old"}, &bytes.Buffer{})
	var e *Error
	if !errors.As(err, &e) || e.Status != 410 || e.Kind != KindPermanent {
		t.Fatalf("410: %v", err)
	}
	if _, err := c.DownloadArtifact(ctx, "o", "r", Artifact{ID: 3, Name: "x", Expired: true}, &bytes.Buffer{}); !IsPermanent(err) {
		t.Fatalf("expired: %v", err)
	}
	if _, err := c.DownloadArtifact(ctx, "o", "r", Artifact{ID: 3, Name: "x", Digest: "md5:abc"}, &bytes.Buffer{}); !IsPermanent(err) {
		t.Fatalf("unknown digest: %v", err)
	}
}
