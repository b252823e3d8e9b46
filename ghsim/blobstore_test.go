package ghsim

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/go-github/v62/github"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const blobScenarioYAML = `
owner: acme
repos:
  - name: app
    duration: 1s
    artifacts:
      - name: app-linux
        files:
          - {name: app, size: 1MiB, executable: true}
          - {name: NOTES.txt, size: 1000}
      - name: app-stored
        compression: store
        files:
          - {name: app, size: 300KiB, executable: true}
          - {name: NOTES.txt, size: 1000}
`

// listedArtifact is an artifact as the API lists it.
type listedArtifact struct {
	ID     int64  `json:"id"`
	Name   string `json:"name"`
	Size   int64  `json:"size_in_bytes"`
	Digest string `json:"digest"`
}

// blobSetup is a simulator on the blob scenario with one completed run of app.
func blobSetup(t *testing.T, opts Options) (*env, int64) {
	t.Helper()
	opts.ManualClock, opts.Scenario = true, mustScenario(t, blobScenarioYAML)
	e := setup(t, opts)
	id := dispatchWithDetails(t, e, "app", nil)
	e.sim.Advance(10 * time.Second)
	return e, id
}

// listArtifacts lists a run's artifacts by name (this materialises them).
func listArtifacts(t *testing.T, e *env, runID int64) map[string]listedArtifact {
	t.Helper()
	req, err := e.gh.NewRequest("GET", "repos/acme/app/actions/runs/"+itoa64(runID)+"/artifacts", nil)
	require.NoError(t, err)
	var list struct {
		Artifacts []listedArtifact `json:"artifacts"`
	}
	_, err = e.gh.Do(e.ctx, req, &list)
	require.NoError(t, err)
	out := map[string]listedArtifact{}
	for _, a := range list.Artifacts {
		out[a.Name] = a
	}
	return out
}

// runArtifactIDs are a run's artifact ids by name, without touching the API
// (listing would materialise them).
func runArtifactIDs(t *testing.T, e *env, runID int64) map[string]int64 {
	t.Helper()
	e.sim.mu.Lock()
	defer e.sim.mu.Unlock()
	out := map[string]int64{}
	for _, a := range e.sim.runs[runID].artifacts {
		out[a.spec.Name] = a.id
	}
	return out
}

// blobURL is a fresh signed download URL of an artifact (the 302's Location).
func blobURL(t *testing.T, e *env, id int64) string {
	t.Helper()
	u, resp, err := e.gh.Actions.DownloadArtifact(e.ctx, "acme", "app", id, 0)
	require.NoError(t, err)
	require.Equal(t, http.StatusFound, resp.StatusCode)
	return u.String()
}

// fetch sends a blob request with optional header pairs; returns the answer and its body.
func fetch(t *testing.T, hc *http.Client, method, url string, header ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	require.NoError(t, err)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := hc.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, data
}

func TestBlobServesRanges(t *testing.T) {
	e, runID := blobSetup(t, Options{})
	art := listArtifacts(t, e, runID)["app-linux"]
	url := blobURL(t, e, art.ID)
	hc := e.srv.Client()

	resp, full := fetch(t, hc, "GET", url)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "bytes", resp.Header.Get("Accept-Ranges"))
	assert.Equal(t, strconv.FormatInt(art.Size, 10), resp.Header.Get("Content-Length"))
	assert.Equal(t, "application/zip", resp.Header.Get("Content-Type"))
	assert.Equal(t, "attachment; filename=app-linux.zip", resp.Header.Get("Content-Disposition"))
	assert.NotEmpty(t, resp.Header.Get("ETag"))
	assert.Equal(t, art.Digest, sha256Digest(full), "the body hashes to the listed digest")
	size := int64(len(full))
	require.Equal(t, art.Size, size)
	require.Greater(t, size, int64(65536), "the suffix range below must be a proper suffix")

	tests := []struct {
		name, method, rng string
		want              int
		wantRange         string
		wantBody          []byte
	}{
		{"suffix", "GET", "bytes=-65536", 206, fmt.Sprintf("bytes %d-%d/%d", size-65536, size-1, size), full[size-65536:]},
		{"suffix longer than the blob", "GET", fmt.Sprintf("bytes=-%d", size+10), 206, fmt.Sprintf("bytes 0-%d/%d", size-1, size), full},
		{"open", "GET", "bytes=100-", 206, fmt.Sprintf("bytes 100-%d/%d", size-1, size), full[100:]},
		{"closed", "GET", "bytes=10-19", 206, fmt.Sprintf("bytes 10-19/%d", size), full[10:20]},
		{"closed past the end", "GET", fmt.Sprintf("bytes=%d-%d", size-5, size+100), 206, fmt.Sprintf("bytes %d-%d/%d", size-5, size-1, size), full[size-5:]},
		{"unsatisfiable", "GET", fmt.Sprintf("bytes=%d-", size), 416, fmt.Sprintf("bytes */%d", size), nil},
		{"head", "HEAD", "", 200, "", nil},
		{"ranged head", "HEAD", "bytes=-10", 206, fmt.Sprintf("bytes %d-%d/%d", size-10, size-1, size), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hdr []string
			if tt.rng != "" {
				hdr = []string{"Range", tt.rng}
			}
			resp, body := fetch(t, hc, tt.method, url, hdr...)
			require.Equal(t, tt.want, resp.StatusCode, string(body))
			assert.Equal(t, tt.wantRange, resp.Header.Get("Content-Range"))
			switch {
			case tt.want == 416: // Content-Range "bytes */size" says what is there
			default:
				assert.Equal(t, "bytes", resp.Header.Get("Accept-Ranges"))
			}
			switch {
			case tt.want == 416:
			case tt.method == "HEAD":
				assert.Empty(t, body)
				wantLen := size
				if tt.want == 206 {
					wantLen = 10
				}
				assert.Equal(t, strconv.FormatInt(wantLen, 10), resp.Header.Get("Content-Length"))
			default:
				assert.Equal(t, tt.wantBody, body)
				assert.Equal(t, strconv.Itoa(len(tt.wantBody)), resp.Header.Get("Content-Length"))
			}
		})
	}
	assert.Equal(t, map[string]int{"200": 2, "206": 6, "416": 1}, e.sim.Stats().Requests["GET /_blob/{token}"])

	// The guards come first: Authorization, expiry, unknown tokens.
	resp, _ = fetch(t, hc, "GET", url, "Authorization", "token "+StaticToken, "Range", "bytes=-10")
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	resp, _ = fetch(t, hc, "GET", e.srv.URL+"/_blob/nope", "Range", "bytes=-10")
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	e.sim.Advance(61 * time.Second)
	resp, _ = fetch(t, hc, "GET", url, "Range", "bytes=-10")
	assert.Equal(t, http.StatusGone, resp.StatusCode)
}

func TestBlobConditionalRange(t *testing.T) {
	e, runID := blobSetup(t, Options{})
	url := blobURL(t, e, listArtifacts(t, e, runID)["app-linux"].ID)
	resp, full := fetch(t, e.srv.Client(), "HEAD", url)
	etag := resp.Header.Get("ETag")
	require.NotEmpty(t, etag)
	// If-Range with the current ETag: the range; with another: the whole blob.
	resp, body := fetch(t, e.srv.Client(), "GET", url, "Range", "bytes=0-9", "If-Range", etag)
	assert.Equal(t, http.StatusPartialContent, resp.StatusCode)
	assert.Len(t, body, 10)
	resp, body = fetch(t, e.srv.Client(), "GET", url, "Range", "bytes=0-9", "If-Range", `"0xOTHER"`)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.NotEqual(t, len(full), len(body))
	assert.Equal(t, resp.Header.Get("Content-Length"), strconv.Itoa(len(body)))
}

func TestBlobGeneratedOnce(t *testing.T) {
	e, runID := blobSetup(t, Options{})
	ids := runArtifactIDs(t, e, runID)
	store := e.sim.store
	assert.Zero(t, store.generated.Load(), "nothing is generated before it is needed")
	assert.Empty(t, store.dir, "the directory is made on first need")

	arts := listArtifacts(t, e, runID)
	assert.EqualValues(t, 2, store.generated.Load(), "listing writes each zip once")
	listArtifacts(t, e, runID)
	_, _, err := e.gh.Actions.GetArtifact(e.ctx, "acme", "app", ids["app-linux"])
	require.NoError(t, err)
	var first []byte
	for i := range 3 {
		resp, body := fetch(t, e.srv.Client(), "GET", blobURL(t, e, ids["app-linux"]))
		require.Equal(t, http.StatusOK, resp.StatusCode)
		if i == 0 {
			first = body
		}
		assert.Equal(t, first, body)
	}
	assert.EqualValues(t, 2, store.generated.Load(), "downloads serve the file")
	assert.Equal(t, arts["app-linux"].Digest, sha256Digest(first))

	// Another run of the same repo has the same bytes: the same file.
	runID2 := dispatchWithDetails(t, e, "app", nil)
	e.sim.Advance(10 * time.Second)
	arts2 := listArtifacts(t, e, runID2)
	assert.NotEqual(t, arts["app-linux"].ID, arts2["app-linux"].ID)
	assert.Equal(t, arts["app-linux"].Digest, arts2["app-linux"].Digest)
	assert.EqualValues(t, 2, store.generated.Load())
	entries, err := os.ReadDir(store.dir)
	require.NoError(t, err)
	assert.Len(t, entries, 2, "two zips, no temporary files left")
}

func TestBlobConcurrentFirstDownloads(t *testing.T) {
	e, runID := blobSetup(t, Options{})
	id := runArtifactIDs(t, e, runID)["app-linux"]
	url := blobURL(t, e, id) // the 302 does not materialise
	require.Zero(t, e.sim.store.generated.Load())
	const n = 8
	bodies := make([][]byte, n)
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			resp, err := e.srv.Client().Get(url)
			if err != nil {
				errs[i] = err
				return
			}
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				errs[i] = fmt.Errorf("status %d", resp.StatusCode)
				return
			}
			bodies[i], errs[i] = io.ReadAll(resp.Body)
		}()
	}
	close(start)
	wg.Wait()
	for i := range n {
		require.NoError(t, errs[i])
		assert.Equal(t, bodies[0], bodies[i], "download %d", i)
	}
	assert.EqualValues(t, 1, e.sim.store.generated.Load(), "one generation for 8 racing downloads")
	assert.Equal(t, listArtifacts(t, e, runID)["app-linux"].Digest, sha256Digest(bodies[0]))
}

func TestBlobDirLifetime(t *testing.T) {
	t.Run("own temp dir removed by Close", func(t *testing.T) {
		e, runID := blobSetup(t, Options{})
		listArtifacts(t, e, runID)
		dir := e.sim.store.dir
		require.NotEmpty(t, dir)
		assert.DirExists(t, dir)
		e.sim.Close()
		assert.NoDirExists(t, dir)
		// Downloads after Close fail cleanly instead of recreating the directory.
		e.sim.store.mu.Lock()
		e.sim.store.entries = map[string]*blobEntry{}
		e.sim.store.mu.Unlock()
		resp, _ := fetch(t, e.srv.Client(), "GET", blobURL(t, e, runArtifactIDs(t, e, runID)["app-linux"]))
		assert.Equal(t, http.StatusInternalServerError, resp.StatusCode)
		assert.NoDirExists(t, dir)
	})
	t.Run("given BlobDir left alone", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "blobs")
		e, runID := blobSetup(t, Options{BlobDir: dir})
		assert.NoDirExists(t, dir, "made on first need")
		listArtifacts(t, e, runID)
		entries, err := os.ReadDir(dir)
		require.NoError(t, err)
		require.Len(t, entries, 2)
		e.sim.Close()
		after, err := os.ReadDir(dir)
		require.NoError(t, err)
		assert.Equal(t, entries, after)
	})
	t.Run("no artifact, no dir", func(t *testing.T) {
		sim, err := New(Options{ManualClock: true})
		require.NoError(t, err)
		sim.Close()
		assert.Empty(t, sim.store.dir)
	})
}

func TestStoredArtifactZip(t *testing.T) {
	e, runID := blobSetup(t, Options{})
	arts := listArtifacts(t, e, runID)
	art := arts["app-stored"]
	resp, data := fetch(t, e.srv.Client(), "GET", blobURL(t, e, art.ID))
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, art.Digest, sha256Digest(data))
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	require.NoError(t, err)
	require.Len(t, zr.File, 2)
	for _, f := range zr.File {
		assert.Equal(t, zip.Store, f.Method, f.Name)
		assert.NotZero(t, f.Flags&0x8, "%s: data descriptor flag, as archive/zip writes it", f.Name)
		assert.Equal(t, f.UncompressedSize64, f.CompressedSize64, f.Name)
		rc, err := f.Open()
		require.NoError(t, err)
		n, err := io.Copy(io.Discard, rc)
		require.NoError(t, err, "CRC and sizes check out")
		assert.EqualValues(t, f.UncompressedSize64, n)
		rc.Close()
	}
	assert.Equal(t, uint64(300<<10), zr.File[0].UncompressedSize64)
	assert.Equal(t, 0o755, int(zr.File[0].Mode().Perm()))

	// The same files deflated: smaller, different bytes, deflate entries.
	stored := ArtifactSpec{Name: "a", Files: []FileSpec{{Name: "bin", Size: 300 << 10}}}
	deflated := stored
	deflated.Compression = CompressionDeflate
	var s, d bytes.Buffer
	require.NoError(t, writeArtifactZip(&d, 1, "o/r", deflated))
	stored.Compression = CompressionStore
	require.NoError(t, writeArtifactZip(&s, 1, "o/r", stored))
	assert.Less(t, d.Len(), s.Len())
	dz, err := zip.NewReader(bytes.NewReader(d.Bytes()), int64(d.Len()))
	require.NoError(t, err)
	assert.Equal(t, zip.Deflate, dz.File[0].Method)
	assert.Equal(t, contentKey(1, "o/r", ArtifactSpec{Name: "a", Files: deflated.Files}), contentKey(1, "o/r", deflated),
		`"" and "deflate" are one zip`)
	assert.NotEqual(t, contentKey(1, "o/r", deflated), contentKey(1, "o/r", stored))
}

func TestStoredHostileZipKeepsItsEntry(t *testing.T) {
	spec := ArtifactSpec{Name: "bomb", Compression: CompressionStore, Files: []FileSpec{{Name: "ok", Size: 1000}},
		Hostile: &HostileSpec{Kind: HostileZipBomb, Size: 1 << 20}}
	var b bytes.Buffer
	require.NoError(t, writeHostileZip(&b, 1, "o/r", spec))
	zr, err := zip.NewReader(bytes.NewReader(b.Bytes()), int64(b.Len()))
	require.NoError(t, err)
	require.Len(t, zr.File, 2)
	assert.Equal(t, zip.Store, zr.File[0].Method)
	assert.Equal(t, zip.Deflate, zr.File[1].Method, "a bomb stays deflated")
}

func TestCompressionValidated(t *testing.T) {
	_, err := ParseScenario([]byte("repos:\n  - name: x\n  - name: y\n    artifacts: [{name: a, compression: zstd}]\n"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), `line 3: repo "y": artifact "a": unknown compression "zstd" (want "deflate" or "store")`)
	_, err = New(Options{Scenario: &Scenario{Repos: []RepoScenario{{Name: "r", Artifacts: []ArtifactSpec{{Name: "a", Compression: "Store"}}}}}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `unknown compression "Store"`)
	for _, c := range []string{"", "deflate", "store"} {
		_, err := ParseScenario([]byte("repos:\n  - name: x\n    artifacts: [{name: a, compression: '" + c + "'}]\n"))
		assert.NoError(t, err, c)
	}
}

// cutAfter passes left bytes of a /_blob/ body, then resets the connection,
// as internal/chaos's blobCutter does.
type cutAfter struct {
	http.ResponseWriter
	left int
}

func (c *cutAfter) Write(p []byte) (int, error) {
	if len(p) < c.left {
		c.left -= len(p)
		return c.ResponseWriter.Write(p)
	}
	_, _ = c.ResponseWriter.Write(p[:c.left])
	if conn, _, err := http.NewResponseController(c.ResponseWriter).Hijack(); err == nil {
		if tc, ok := conn.(*net.TCPConn); ok {
			_ = tc.SetLinger(0)
		}
		_ = conn.Close()
	}
	return 0, net.ErrClosed
}

func TestBlobResetMidBody(t *testing.T) {
	e, runID := blobSetup(t, Options{})
	art := listArtifacts(t, e, runID)["app-linux"]
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.sim.Handler().ServeHTTP(&cutAfter{ResponseWriter: w, left: 32 << 10}, r)
	}))
	defer srv.Close()
	url := srv.URL + "/_blob/" + filepath.Base(blobURL(t, e, art.ID))
	for _, rng := range []string{"", "bytes=-65536", "bytes=1000-"} {
		req, err := http.NewRequest("GET", url, nil)
		require.NoError(t, err)
		if rng != "" {
			req.Header.Set("Range", rng)
		}
		resp, err := srv.Client().Do(req)
		require.NoError(t, err, "the status line and headers arrive")
		n, err := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		assert.Error(t, err, "range %q: want a reset mid-body", rng) // a reset or an unexpected EOF
		assert.Less(t, n, resp.ContentLength, rng)
		assert.GreaterOrEqual(t, n, int64(32<<10), rng)
	}
	// A request is counted when its handler returns, which can be after the
	// client saw the reset: wait for all three instead of reading once.
	want := map[string]int{"200": 1, "206": 2}
	assert.Eventually(t, func() bool {
		return assert.ObjectsAreEqual(want, e.sim.Stats().Requests["GET /_blob/{token}"])
	}, 30*time.Second, 10*time.Millisecond, "blob requests counted: %v", e.sim.Stats().Requests["GET /_blob/{token}"])
}

func TestAssetBlobServesRanges(t *testing.T) {
	e := setup(t, Options{ManualClock: true})
	rel, _, err := e.gh.Repositories.CreateRelease(e.ctx, "acme", "app", &github.RepositoryRelease{TagName: github.String("v1"), Draft: github.Bool(true)})
	require.NoError(t, err)
	content := bytes.Repeat([]byte("0123456789"), 100)
	asset, _, err := e.gh.Repositories.UploadReleaseAsset(e.ctx, "acme", "app", rel.GetID(), &github.UploadOptions{Name: "a.tar.gz"}, tempFile(t, "a.tar.gz", content))
	require.NoError(t, err)
	_, loc, err := e.gh.Repositories.DownloadReleaseAsset(e.ctx, "acme", "app", asset.GetID(), nil)
	require.NoError(t, err)
	require.Contains(t, loc, "/_blob/")
	resp, body := fetch(t, e.srv.Client(), "GET", loc)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, content, body)
	assert.Equal(t, "bytes", resp.Header.Get("Accept-Ranges"))
	assert.Equal(t, "application/octet-stream", resp.Header.Get("Content-Type"))
	resp, body = fetch(t, e.srv.Client(), "GET", loc, "Range", "bytes=-5")
	assert.Equal(t, http.StatusPartialContent, resp.StatusCode)
	assert.Equal(t, "bytes 995-999/1000", resp.Header.Get("Content-Range"))
	assert.Equal(t, content[995:], body)
	resp, _ = fetch(t, e.srv.Client(), "GET", loc, "Range", "bytes=1000-")
	assert.Equal(t, http.StatusRequestedRangeNotSatisfiable, resp.StatusCode)
	resp, body = fetch(t, e.srv.Client(), "HEAD", loc)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "1000", resp.Header.Get("Content-Length"))
	assert.Empty(t, body)
}
