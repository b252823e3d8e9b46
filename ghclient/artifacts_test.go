package ghclient

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
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
	require.NoError(t, err)
	require.Len(t, arts, 150, "got %d artifacts, last %+v", len(arts), arts[len(arts)-1])
	require.Equal(t, "a149", arts[149].Name, "got %d artifacts, last %+v", len(arts), arts[len(arts)-1])
	require.True(t, arts[149].Expired, "got %d artifacts, last %+v", len(arts), arts[len(arts)-1])
	require.True(t, strings.HasPrefix(arts[0].Digest, "sha256:"), "digests: %q %q", arts[0].Digest, arts[1].Digest)
	require.Empty(t, arts[1].Digest, "digests: %q %q", arts[0].Digest, arts[1].Digest)
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
	require.NoError(t, err)
	require.Equal(t, want, d.SHA256, "download = %+v", d)
	require.Equal(t, int64(len(content)), d.Size, "download = %+v", d)
	require.True(t, bytes.Equal(dst.Bytes(), content), "download = %+v", d)
	s.mu.Lock()
	auth := s.blobAuth
	s.mu.Unlock()
	require.Len(t, auth, 1)
	require.Empty(t, auth[0])

	// No digest: still hashed, nothing to verify.
	d, err = c.DownloadArtifact(ctx, "o", "r", Artifact{ID: 2, Name: "a1"}, &bytes.Buffer{})
	require.NoError(t, err, "no digest: %+v %v", d, err)
	require.Equal(t, want, d.SHA256, "no digest: %+v %v", d, err)

	bad := "sha256:" + strings.Repeat("0", 64)
	_, err = c.DownloadArtifact(ctx, "o", "r", Artifact{ID: 1, Name: "a0", Digest: bad}, &bytes.Buffer{})
	require.ErrorIs(t, err, ErrDigestMismatch, "digest mismatch: %v", err)
	require.True(t, IsPermanent(err), "digest mismatch: %v", err)
	require.Contains(t, err.Error(), `"a0"`, "digest mismatch: %v", err)

	_, err = c.DownloadArtifact(ctx, "o", "r", Artifact{ID: 410, Name: "old"}, &bytes.Buffer{})
	var e *Error
	require.ErrorAs(t, err, &e)
	require.Equal(t, 410, e.Status)
	require.Equal(t, KindPermanent, e.Kind)
	_, err = c.DownloadArtifact(ctx, "o", "r", Artifact{ID: 3, Name: "x", Expired: true}, &bytes.Buffer{})
	require.True(t, IsPermanent(err), "expired: %v", err)
	_, err = c.DownloadArtifact(ctx, "o", "r", Artifact{ID: 3, Name: "x", Digest: "md5:abc"}, &bytes.Buffer{})
	require.True(t, IsPermanent(err), "unknown digest: %v", err)
}
