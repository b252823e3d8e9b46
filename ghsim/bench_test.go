package ghsim

import (
	"crypto/sha256"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"
	"time"

	"github.com/google/go-github/v62/github"
	"github.com/stretchr/testify/require"
)

const benchSize = 64 << 20

// BenchmarkBaselineSHA256 hashes benchSize bytes from memory: the floor for a digest.
func BenchmarkBaselineSHA256(b *testing.B) {
	buf := make([]byte, contentBlock)
	b.SetBytes(benchSize)
	for b.Loop() {
		h := sha256.New()
		for n := 0; n < benchSize; n += len(buf) {
			h.Write(buf)
		}
		h.Sum(nil)
	}
}

// BenchmarkArtifactDigest generates, zips and hashes a benchSize artifact (what
// listing an artifact costs once).
func BenchmarkArtifactDigest(b *testing.B) {
	spec := ArtifactSpec{Name: "a", Files: []FileSpec{{Name: "bin", Size: benchSize, Executable: true}}}
	b.SetBytes(benchSize)
	for b.Loop() {
		h := sha256.New()
		require.NoError(b, writeArtifactZip(h, 1, "o/r", spec))
	}
}

// BenchmarkArtifactDownload1GiB lists (digest) and downloads a 1 GiB artifact
// through the 302 and the blob URL, reporting the heap high-water mark.
func BenchmarkArtifactDownload1GiB(b *testing.B) {
	sc := &Scenario{Owner: "acme", Repos: []RepoScenario{{Name: "big", Duration: Duration(time.Second),
		Artifacts: []ArtifactSpec{{Name: "big", Files: []FileSpec{{Name: "bin", Size: 1 << 30, Executable: true}}}}}}}
	sim, err := New(Options{ManualClock: true, Scenario: sc})
	require.NoError(b, err)
	srv := httptest.NewServer(sim.Handler())
	defer sim.Close()
	defer srv.Close()
	gh, _ := github.NewClient(srv.Client()).WithAuthToken(StaticToken).WithEnterpriseURLs(srv.URL+"/api/v3/", srv.URL+"/api/uploads/")
	b.SetBytes(1 << 30)
	var peak uint64
	var ms runtime.MemStats
	for b.Loop() {
		_, err := gh.Actions.CreateWorkflowDispatchEventByFileName(b.Context(), "acme", "big", "build.yml", github.CreateWorkflowDispatchEventRequest{Ref: "main"})
		require.NoError(b, err)
		sim.Advance(time.Minute)
		runs, _, err := gh.Actions.ListRepositoryWorkflowRuns(b.Context(), "acme", "big", nil)
		require.NoError(b, err)
		arts, _, err := gh.Actions.ListWorkflowRunArtifacts(b.Context(), "acme", "big", runs.WorkflowRuns[0].GetID(), nil)
		require.NoError(b, err)
		u, _, err := gh.Actions.DownloadArtifact(b.Context(), "acme", "big", arts.Artifacts[0].GetID(), 0)
		require.NoError(b, err)
		resp, err := srv.Client().Get(u.String())
		require.NoError(b, err)
		n, err := io.Copy(sha256.New(), resp.Body)
		resp.Body.Close()
		require.NoError(b, err)
		require.Equal(b, arts.Artifacts[0].GetSizeInBytes(), n)
		runtime.ReadMemStats(&ms)
		peak = max(peak, ms.HeapInuse)
	}
	b.ReportMetric(float64(peak)/(1<<20), "MiB-heap")
}

// BenchmarkBaselineHTTP is a plain handler answering a small JSON body: the
// floor for one API round trip with go-github.
func BenchmarkBaselineHTTP(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"id": 1, "status": "queued"})
	}))
	defer srv.Close()
	gh, _ := github.NewClient(srv.Client()).WithEnterpriseURLs(srv.URL+"/api/v3/", srv.URL+"/api/uploads/")
	for b.Loop() {
		_, _, err := gh.Actions.GetWorkflowRunByID(b.Context(), "acme", "app", 1)
		require.NoError(b, err)
	}
}

// BenchmarkGetRun is one GET run through auth, faults, budget and ETag.
func BenchmarkGetRun(b *testing.B) {
	sim, err := New(Options{ManualClock: true, RateLimit: 1 << 30})
	require.NoError(b, err)
	srv := httptest.NewServer(sim.Handler())
	defer sim.Close()
	defer srv.Close()
	gh, _ := github.NewClient(srv.Client()).WithAuthToken(StaticToken).WithEnterpriseURLs(srv.URL+"/api/v3/", srv.URL+"/api/uploads/")
	req, _ := gh.NewRequest("POST", "repos/BTCDecoded/bllvm/actions/workflows/build.yml/dispatches", map[string]any{"ref": "main", "return_run_details": true})
	var d dispatchDetails
	_, err = gh.Do(b.Context(), req, &d)
	require.NoError(b, err)
	for b.Loop() {
		_, _, err := gh.Actions.GetWorkflowRunByID(b.Context(), "BTCDecoded", "bllvm", d.WorkflowRunID)
		require.NoError(b, err)
	}
}
