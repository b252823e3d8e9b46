package ghclient_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/BTCDecoded/releasetrain/ghclient"
	"github.com/BTCDecoded/releasetrain/ghsim"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const owner = "BTCDecoded"

// simEnv is a ghsim with a manual clock and a client whose discovery waits
// advance that clock.
type simEnv struct {
	sim *ghsim.Sim
	srv *httptest.Server
	c   *ghclient.Client
}

func newSim(t testing.TB, sc *ghsim.Scenario, mods ...func(*ghclient.Config)) *simEnv {
	t.Helper()
	sim, err := ghsim.New(ghsim.Options{ManualClock: true, Seed: 1, Scenario: sc})
	require.NoError(t, err)
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(func() {
		srv.Close()
		sim.Close()
	})
	cfg := ghclient.Config{
		BaseURL: srv.URL + "/api/v3/",
		Token:   ghsim.StaticToken,
		Sleep: func(_ context.Context, d time.Duration) error {
			sim.Advance(d)
			return nil
		},
		Now: sim.Now,
	}
	for _, m := range mods {
		m(&cfg)
	}
	c, err := ghclient.New(cfg)
	require.NoError(t, err)
	t.Cleanup(c.CloseIdleConnections)
	return &simEnv{sim: sim, srv: srv, c: c}
}

func (e *simEnv) request(kind, repo, corr string) ghclient.DispatchRequest {
	return ghclient.DispatchRequest{
		Owner: owner, Repo: repo, Kind: kind, Workflow: "build.yml", Ref: "main",
		CorrelationID: corr, Inputs: map[string]string{"release_tag": "v1.0.0"},
		NotBefore: e.sim.Now(),
	}
}

// buildScenario is one repo whose build takes d and uploads one artifact.
func buildScenario(d time.Duration, fileSize int64) *ghsim.Scenario {
	sc := ghsim.DefaultScenario()
	sc.Repos = sc.Repos[:1]
	sc.Repos[0].Duration = ghsim.Duration(d)
	sc.Repos[0].Artifacts[0].Files[0].Size = ghsim.ByteSize(fileSize)
	return sc
}

// runBuild dispatches, polls every 15 s with ETags until completion,
// downloads and unzips every artifact. It returns the completed run.
func runBuild(t testing.TB, e *simEnv, kind, corr string) ghclient.Run {
	t.Helper()
	ctx := context.Background()
	repo := "bllvm-consensus"
	run, err := e.c.FindOrDispatch(ctx, e.request(kind, repo, corr))
	require.NoError(t, err)
	etag := ""
	for i := 0; ; i++ {
		// Poll every 15 s; a just-dispatched run is queued, so the first
		// poll comes one interval after the dispatch.
		e.sim.Advance(15 * time.Second)
		r, changed, err := e.c.GetRun(ctx, owner, repo, run.ID, etag)
		require.NoError(t, err)
		etag = r.ETag
		if changed {
			run = r
		}
		if ghclient.Classify(run, false) != ghclient.Running {
			break
		}
		require.LessOrEqual(t, i, 1000, "run never completed")
	}
	require.Equal(t, ghclient.Succeeded, ghclient.Classify(run, false), "run = %+v", run)
	arts, err := e.c.ListArtifacts(ctx, owner, repo, run.ID)
	require.NoError(t, err)
	require.NotEmpty(t, arts)
	dir := t.TempDir()
	for _, a := range arts {
		require.True(t, strings.HasPrefix(a.Digest, "sha256:"), "artifact %s without digest", a.Name)
		zp := filepath.Join(dir, a.Name+".zip")
		f, err := os.Create(zp)
		require.NoError(t, err)
		d, err := e.c.DownloadArtifact(ctx, owner, repo, a, f)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		require.NoError(t, err)
		require.Equal(t, a.Digest, "sha256:"+d.SHA256, "download %+v vs artifact %+v", d, a)
		require.Equal(t, a.Size, d.Size, "download %+v vs artifact %+v", d, a)
		files, err := ghclient.Unzip(zp, filepath.Join(dir, a.Name), a.Name, ghclient.DefaultUnzipLimits())
		require.NoError(t, err)
		require.NotEmpty(t, files)
	}
	return run
}

// TestSimBuildBudget: a 20-minute build polled every 15 s (80 polls) costs
// at most 6 budget units, because unchanged polls answer 304.
func TestSimBuildBudget(t *testing.T) {
	t.Parallel()
	for _, kind := range []string{ghclient.KindWorkflowDispatch, ghclient.KindRepositoryDispatch} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := newSim(t, buildScenario(20*time.Minute, 64<<10))
			runBuild(t, e, kind, "rt-budget")
			st := e.sim.Stats()
			require.Equal(t, int(e.c.BudgetSpent()), st.BudgetSpent, "client counted %d budget units, simulator", e.c.BudgetSpent())
			require.GreaterOrEqual(t, st.NotModified, 75, "only %d polls were 304s", st.NotModified)
			limit := 6
			if kind == ghclient.KindRepositoryDispatch {
				limit = 7 // no run details: one more listing finds the run
			}
			require.LessOrEqual(t, st.BudgetSpent, limit, "build spent %d budget units (> %d): %v", st.BudgetSpent, limit, st.Requests)
			require.Equal(t, 1, st.Dispatches[owner+"/bllvm-consensus"], "dispatches = %v", st.Dispatches)
			got := e.c.RateRemaining()
			require.Equal(t, st.BudgetRemaining, got, "RateRemaining = %d, simulator says %d", got, st.BudgetRemaining)
			t.Logf("%s: %d budget units, %d free 304s", kind, st.BudgetSpent, st.NotModified)
		})
	}
}

// TestSimDispatchFaults: a dispatch that lands but answers an error (5xx or
// a reset connection) never starts a second build, on the first call or on
// the retry that follows.
func TestSimDispatchFaults(t *testing.T) {
	t.Parallel()
	routes := map[string]string{
		ghclient.KindWorkflowDispatch:   "POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches",
		ghclient.KindRepositoryDispatch: "POST /repos/{owner}/{repo}/dispatches",
	}
	faults := map[string]ghsim.Fault{
		"502 after write":   {Status: 502, AfterWrite: true, Nth: 1},
		"503 after write":   {Status: 503, AfterWrite: true, Nth: 1},
		"reset after write": {Reset: true, AfterWrite: true, Nth: 1},
	}
	for kind, route := range routes {
		for name, f := range faults {
			t.Run(kind+"/"+name, func(t *testing.T) {
				t.Parallel()
				e := newSim(t, nil)
				f.Route = route
				e.sim.SetFaults([]ghsim.Fault{f})
				ctx := context.Background()
				req := e.request(kind, "bllvm-node", "rt-fault")
				run, err := e.c.FindOrDispatch(ctx, req)
				require.NoError(t, err)
				// Temporal retries the activity anyway (e.g. the worker died):
				req.ListingWait = 10 * time.Second
				again, err := e.c.FindOrDispatch(ctx, req)
				require.NoError(t, err, "retry: %+v %v (first %d)", again, err, run.ID)
				require.Equal(t, run.ID, again.ID, "retry: %+v %v (first %d)", again, err, run.ID)
				st := e.sim.Stats()
				n := st.Dispatches[owner+"/bllvm-node"]
				require.Equal(t, 1, n, "%d dispatches landed, want exactly 1", n)
				require.Len(t, st.Runs[owner+"/bllvm-node"], 1, "runs = %v", st.Runs)
			})
		}
	}
}

// TestSimDispatchFailsBeforeWrite: a 5xx that did not land is transient and
// the retry dispatches; still one build.
func TestSimDispatchFailsBeforeWrite(t *testing.T) {
	t.Parallel()
	e := newSim(t, nil, func(c *ghclient.Config) { c.ListingTimeout = 10 * time.Second })
	e.sim.SetFaults([]ghsim.Fault{{Route: "POST /repos/{owner}/{repo}/dispatches", Status: 500, Nth: 1}})
	ctx := context.Background()
	req := e.request(ghclient.KindRepositoryDispatch, "commons", "rt-before")
	_, err := e.c.FindOrDispatch(ctx, req)
	require.Equal(t, ghclient.KindTransient, ghclient.ErrorKind(err), "err = %v, want transient", err)
	req.ListingWait = 5 * time.Second
	_, err = e.c.FindOrDispatch(ctx, req)
	require.NoError(t, err)
	n := e.sim.Stats().Dispatches[owner+"/commons"]
	require.Equal(t, 1, n, "%d dispatches", n)
}

// TestSimRunNameWithoutCorrelation: a workflow whose run-name lacks the id
// cannot be found: a clear permanent error, and exactly one dispatch.
func TestSimRunNameWithoutCorrelation(t *testing.T) {
	t.Parallel()
	sc := ghsim.DefaultScenario()
	no := false
	sc.Repos[0].HonourRunName = &no
	e := newSim(t, sc, func(c *ghclient.Config) { c.ListingTimeout = 30 * time.Second })
	_, err := e.c.FindOrDispatch(context.Background(), e.request(ghclient.KindRepositoryDispatch, "bllvm-consensus", "rt-lost"))
	require.ErrorIs(t, err, ghclient.ErrRunNotListed, "err = %v", err)
	require.True(t, ghclient.IsPermanent(err), "err = %v", err)
	require.Contains(t, err.Error(), "rt-lost", "err = %v", err)
	n := e.sim.Stats().Dispatches[owner+"/bllvm-consensus"]
	require.Equal(t, 1, n, "%d dispatches", n)
}

// TestSimReadFaults: every fault ghsim injects on reads is classified.
func TestSimReadFaults(t *testing.T) {
	t.Parallel()
	const route = "GET /repos/{owner}/{repo}/actions/runs/{run_id}"
	tests := []struct {
		name      string
		fault     ghsim.Fault
		wantKind  ghclient.Kind
		wantDelay time.Duration
	}{
		{"500", ghsim.Fault{Status: 500}, ghclient.KindTransient, 0},
		{"502", ghsim.Fault{Status: 502}, ghclient.KindTransient, 0},
		{"503", ghsim.Fault{Status: 503}, ghclient.KindTransient, 0},
		{"reset", ghsim.Fault{Reset: true}, ghclient.KindTransient, 0},
		{"latency", ghsim.Fault{Latency: 2 * time.Second}, ghclient.KindTransient, 0},
		{"secondary 403", ghsim.Fault{SecondaryLimit: true, RetryAfter: 90 * time.Second}, ghclient.KindSecondaryRateLimit, 90 * time.Second},
		{"secondary 429", ghsim.Fault{SecondaryLimit: true, Status: 429, RetryAfter: 30 * time.Second}, ghclient.KindSecondaryRateLimit, 30 * time.Second},
		{"403 permission", ghsim.Fault{Status: 403}, ghclient.KindPermanent, 0},
		{"404", ghsim.Fault{Status: 404}, ghclient.KindPermanent, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newSim(t, nil)
			ctx := context.Background()
			run, err := e.c.FindOrDispatch(ctx, e.request(ghclient.KindWorkflowDispatch, "bllvm", "rt-read"))
			require.NoError(t, err)
			f := tt.fault
			f.Route = route
			e.sim.SetFaults([]ghsim.Fault{f})
			if tt.fault.Latency > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, 100*time.Millisecond)
				defer cancel()
			}
			_, _, err = e.c.GetRun(ctx, owner, "bllvm", run.ID, "")
			require.Equal(t, tt.wantKind, ghclient.ErrorKind(err))
			require.Error(t, err)
			d, _ := ghclient.RetryDelay(err)
			require.Equal(t, tt.wantDelay, d, "RetryDelay")
			require.Contains(t, err.Error(), owner+"/bllvm", "error %q must name the repo", err)
		})
	}
}

// TestSimPrimaryRateLimit: a spent budget is a primary limit with the wait
// until x-ratelimit-reset; a conditional GET still answers 304.
func TestSimPrimaryRateLimit(t *testing.T) {
	t.Parallel()
	e := newSim(t, nil)
	ctx := context.Background()
	run, err := e.c.FindOrDispatch(ctx, e.request(ghclient.KindWorkflowDispatch, "bllvm", "rt-primary"))
	require.NoError(t, err)
	r, _, err := e.c.GetRun(ctx, owner, "bllvm", run.ID, "")
	require.NoError(t, err)
	e.sim.SpendBudget()
	_, changed, err := e.c.GetRun(ctx, owner, "bllvm", run.ID, r.ETag)
	require.NoError(t, err, "304 with a spent budget: %v %v", changed, err)
	require.False(t, changed, "304 with a spent budget: %v %v", changed, err)
	_, err = e.c.ListArtifacts(ctx, owner, "bllvm", run.ID)
	var ge *ghclient.Error
	require.ErrorAs(t, err, &ge)
	require.Equal(t, ghclient.KindPrimaryRateLimit, ge.Kind)
	require.Greater(t, ge.RetryAfter, time.Duration(0))
	require.LessOrEqual(t, ge.RetryAfter, time.Hour+time.Minute)
	require.Zero(t, e.c.RateRemaining(), "RateRemaining")
}

// TestSimRerunAndCancel drives a failing build through rerun-failed-jobs and
// cancels another.
func TestSimRerunAndCancel(t *testing.T) {
	t.Parallel()
	sc := ghsim.DefaultScenario()
	sc.Repos[0].Outcomes = []ghsim.Conclusion{"failure", "success"}
	e := newSim(t, sc)
	ctx := context.Background()
	repo := sc.Repos[0].Name
	run, err := e.c.FindOrDispatch(ctx, e.request(ghclient.KindWorkflowDispatch, repo, "rt-rerun"))
	require.NoError(t, err)
	e.sim.Advance(2 * time.Minute)
	r, _, err := e.c.GetRun(ctx, owner, repo, run.ID, "")
	require.NoError(t, err, "first attempt: %+v %v", r, err)
	require.Equal(t, ghclient.FailedRetryable, ghclient.Classify(r, false), "first attempt: %+v %v", r, err)
	require.NoError(t, e.c.RerunFailedJobs(ctx, owner, repo, run.ID))
	e.sim.Advance(2 * time.Minute)
	r2, changed, err := e.c.GetRun(ctx, owner, repo, run.ID, r.ETag)
	require.NoError(t, err, "second attempt: %+v %v %v", r2, changed, err)
	require.True(t, changed, "second attempt: %+v %v %v", r2, changed, err)
	require.Equal(t, 2, r2.Attempt, "second attempt: %+v %v %v", r2, changed, err)
	require.Equal(t, ghclient.Succeeded, ghclient.Classify(r2, false), "second attempt: %+v %v %v", r2, changed, err)

	other, err := e.c.FindOrDispatch(ctx, e.request(ghclient.KindWorkflowDispatch, "commons", "rt-cancel"))
	require.NoError(t, err)
	require.NoError(t, e.c.CancelRun(ctx, owner, "commons", other.ID), "cancel (202)")
	e.sim.Advance(time.Minute)
	c, _, err := e.c.GetRun(ctx, owner, "commons", other.ID, "")
	require.NoError(t, err, "cancelled run: %+v %v", c, err)
	require.Equal(t, ghclient.Cancelled, ghclient.Classify(c, true), "cancelled run: %+v %v", c, err)
	require.NoError(t, e.c.CancelRun(ctx, owner, "commons", other.ID), "cancel of a completed run (409)")
}

// TestSimArtifactExpired: after retention the download is a permanent 410.
func TestSimArtifactExpired(t *testing.T) {
	t.Parallel()
	e := newSim(t, nil)
	ctx := context.Background()
	run, err := e.c.FindOrDispatch(ctx, e.request(ghclient.KindWorkflowDispatch, "bllvm-sdk", "rt-old"))
	require.NoError(t, err)
	e.sim.Advance(5 * time.Minute)
	arts, err := e.c.ListArtifacts(ctx, owner, "bllvm-sdk", run.ID)
	require.NoError(t, err)
	require.Len(t, arts, 1)
	e.sim.Advance(91 * 24 * time.Hour)
	_, err = e.c.DownloadArtifact(ctx, owner, "bllvm-sdk", arts[0], &strings.Builder{})
	var ge *ghclient.Error
	require.ErrorAs(t, err, &ge, "err = %v", err)
	require.Equal(t, 410, ge.Status, "err = %v", err)
	require.True(t, ghclient.IsPermanent(err), "err = %v", err)
}

// simUpload is an AssetUpload of content.
func simUpload(name, label, content string) ghclient.AssetUpload {
	sum := sha256.Sum256([]byte(content))
	return ghclient.AssetUpload{Name: name, Label: label, Size: int64(len(content)), SHA256: hex.EncodeToString(sum[:]),
		Open: func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(content)), nil }}
}

// TestSimRelease: draft → idempotent uploads (incl. 5xx after the upload
// landed) → publish, with the simulator's upload counters.
func TestSimRelease(t *testing.T) {
	t.Parallel()
	e := newSim(t, nil)
	ctx := context.Background()
	repo := "bllvm"
	spec := ghclient.ReleaseSpec{Owner: owner, Repo: repo, Tag: "v1.0.0", Name: "v1.0.0", Body: "notes", Prerelease: true}
	rel, err := e.c.EnsureDraftRelease(ctx, spec)
	require.NoError(t, err, "draft: %+v %v", rel, err)
	require.True(t, rel.Draft, "draft: %+v %v", rel, err)
	again, err := e.c.EnsureDraftRelease(ctx, spec)
	require.NoError(t, err, "second ensure found %+v (want draft %d): %v", again, rel.ID, err)
	require.Equal(t, rel.ID, again.ID, "second ensure found %+v (want draft %d): %v", again, rel.ID, err)
	e.sim.SetFaults([]ghsim.Fault{{Route: "POST /repos/{owner}/{repo}/releases/{release_id}/assets", Status: 502, AfterWrite: true, Nth: 1}})
	label := "releasetrain v1.0.0"
	a, err := e.c.UploadAsset(ctx, owner, repo, rel, simUpload("SHA256SUMS", label, "deadbeef  a\n"))
	require.NoError(t, err, "upload under 5xx-after-write")
	// A retried activity with a stale release: kept, not uploaded again.
	_, err = e.c.UploadAsset(ctx, owner, repo, rel, simUpload("SHA256SUMS", label, "deadbeef  a\n"))
	require.NoError(t, err)
	st := e.sim.Stats()
	require.Equal(t, 1, st.Uploads[owner+"/"+repo+"@v1.0.0"]["SHA256SUMS"], "uploads = %v", st.Uploads)
	// Changed content with our label: replaced.
	a2, err := e.c.UploadAsset(ctx, owner, repo, rel, simUpload("SHA256SUMS", label, "cafebabe  a\n"))
	require.NoError(t, err, "replace: %+v %v", a2, err)
	require.NotEqual(t, a.ID, a2.ID, "replace: %+v %v", a2, err)
	// Changed content, somebody else's label: refused.
	_, err = e.c.UploadAsset(ctx, owner, repo, rel, simUpload("SHA256SUMS", "another tool", "0000  a\n"))
	require.ErrorIs(t, err, ghclient.ErrAssetConflict, "conflict")
	notes, err := e.c.GenerateNotes(ctx, owner, repo, "v1.0.0", "")
	require.NoError(t, err)
	require.NotEmpty(t, notes)
	pub, err := e.c.PublishRelease(ctx, ghclient.ReleaseSpec{Owner: owner, Repo: repo, Name: "acme v1.0.0", Body: "notes of this run", Prerelease: true}, rel.ID)
	require.NoError(t, err, "publish: %+v %v", pub, err)
	require.False(t, pub.Draft, "publish: %+v %v", pub, err)
	require.True(t, pub.Prerelease, "publish: %+v %v", pub, err)
	info, ok := e.sim.Release(owner, repo, "v1.0.0")
	require.True(t, ok, "simulator release: %+v", info)
	require.False(t, info.Draft, "simulator release: %+v", info)
	require.Len(t, info.Assets, 1, "simulator release: %+v", info)
	body, err := e.sim.ReleaseAsset(owner, repo, "v1.0.0", "SHA256SUMS")
	require.NoError(t, err, "asset content %q %v", body, err)
	require.Equal(t, "cafebabe  a\n", string(body), "asset content %q %v", body, err)
}

// TestSimNeverWritesToPublished: a maintainer's published release of the
// tag is never uploaded to, edited or published again; the error says what
// a person must do.
func TestSimNeverWritesToPublished(t *testing.T) {
	t.Parallel()
	sc := ghsim.DefaultScenario()
	sc.ImmutableReleases = true
	e := newSim(t, sc)
	ctx := context.Background()
	repo := "bllvm-consensus"
	id, err := e.sim.PublishRelease(owner, repo, "v2.0.0", false)
	require.NoError(t, err)
	_, err = e.c.EnsureDraftRelease(ctx, ghclient.ReleaseSpec{Owner: owner, Repo: repo, Tag: "v2.0.0"})
	require.ErrorIs(t, err, ghclient.ErrPublishedRelease, "ensure draft over a published release: %v", err)
	require.True(t, ghclient.IsPermanent(err), "ensure draft over a published release: %v", err)
	require.Contains(t, err.Error(), "writes only to drafts", "ensure draft over a published release: %v", err)
	require.Contains(t, err.Error(), "new tag", "ensure draft over a published release: %v", err)
	pub := ghclient.Release{ID: id, Tag: "v2.0.0", Draft: false}
	_, err = e.c.UploadAsset(ctx, owner, repo, pub, simUpload("a", "x", "a"))
	require.ErrorIs(t, err, ghclient.ErrPublishedRelease, "upload to a published release")
	_, err = e.c.PublishRelease(ctx, ghclient.ReleaseSpec{Owner: owner, Repo: repo, Name: "overwritten"}, id)
	require.ErrorIs(t, err, ghclient.ErrPublishedRelease, "publish a published release")
	_, err = e.c.VerifyDraftAssets(ctx, owner, repo, id, nil, "x")
	require.ErrorIs(t, err, ghclient.ErrPublishedRelease, "verify a published release")
	info, _ := e.sim.Release(owner, repo, "v2.0.0")
	require.Equal(t, "v2.0.0", info.Name, "the published release changed: %+v", info)
	require.Empty(t, info.Assets, "the published release changed: %+v", info)
	assert.Empty(t, e.sim.Stats().PublishedReleaseWrites, "published release writes")
	for route, byStatus := range e.sim.Stats().Requests {
		for _, write := range []string{"PATCH", "POST /repos/{owner}/{repo}/releases", "DELETE"} {
			assert.False(t, strings.HasPrefix(route, write), "a write reached GitHub: %s %v", route, byStatus)
		}
	}
}

// TestSimVerifyDraftAssets: before publishing, this train's assets are
// verified by digest, an earlier train's leftovers (our label, not in this
// set) are deleted, a person's attachment is kept and reported; publishing
// reads the release back with GitHub's immutable mark.
func TestSimVerifyDraftAssets(t *testing.T) {
	t.Parallel()
	sc := ghsim.DefaultScenario()
	sc.ImmutableReleases = true
	e := newSim(t, sc)
	ctx := context.Background()
	repo := "bllvm-consensus"
	const ours = "release-v3.0.0"
	rel, err := e.c.EnsureDraftRelease(ctx, ghclient.ReleaseSpec{Owner: owner, Repo: repo, Tag: "v3.0.0", Name: "maintainer's title"})
	require.NoError(t, err)
	for _, up := range []ghclient.AssetUpload{
		simUpload("bundle.tar.gz", ours, "bundle"),
		simUpload("SHA256SUMS", ours, "sums"),
		simUpload("old-bundle.tar.gz", ours, "an earlier train's"),
		simUpload("maintainer-notes.pdf", "", "a person's attachment"),
	} {
		_, err := e.c.UploadAsset(ctx, owner, repo, rel, up)
		require.NoError(t, err)
	}
	want := []ghclient.AssetWant{}
	for _, up := range []ghclient.AssetUpload{simUpload("bundle.tar.gz", ours, "bundle"), simUpload("SHA256SUMS", ours, "sums")} {
		want = append(want, ghclient.AssetWant{Name: up.Name, Size: up.Size, SHA256: up.SHA256})
	}
	check, err := e.c.VerifyDraftAssets(ctx, owner, repo, rel.ID, want, ours)
	require.NoError(t, err)
	require.Len(t, check.Deleted, 1)
	require.Equal(t, "old-bundle.tar.gz", check.Deleted[0])
	require.Len(t, check.Foreign, 1)
	require.Equal(t, "maintainer-notes.pdf", check.Foreign[0].Name)
	// A wanted asset that is missing is transient: the retry uploads it.
	missing := append(want, ghclient.AssetWant{Name: "SHA256SUMS.asc", Size: 3, SHA256: "00"})
	_, err = e.c.VerifyDraftAssets(ctx, owner, repo, rel.ID, missing, ours)
	require.Error(t, err, "missing asset: %v", err)
	require.False(t, ghclient.IsPermanent(err), "missing asset: %v", err)
	// Our asset with other content is deleted so the retry uploads it again.
	bad := []ghclient.AssetWant{{Name: "bundle.tar.gz", Size: 6, SHA256: strings.Repeat("0", 64)}}
	_, err = e.c.VerifyDraftAssets(ctx, owner, repo, rel.ID, bad, ours)
	require.ErrorIs(t, err, ghclient.ErrDigestMismatch, "different content: %v", err)
	require.False(t, ghclient.IsPermanent(err), "different content: %v", err)
	info, _ := e.sim.Release(owner, repo, "v3.0.0")
	require.Len(t, info.Assets, 2, "assets after the checks")
	// GitHub shows a label in place of the file name: ours start with it.
	for _, a := range info.Assets {
		if a.Label != "" {
			assert.Equal(t, a.Name+" · "+ours, a.Label, "asset %s label", a.Name)
		}
	}
	pub, err := e.c.PublishRelease(ctx, ghclient.ReleaseSpec{Owner: owner, Repo: repo, Name: "maintainer's title", Body: "b"}, rel.ID)
	require.NoError(t, err, "publish: %+v %v", pub, err)
	require.False(t, pub.Draft, "publish: %+v %v", pub, err)
	require.True(t, pub.Immutable, "publish: %+v %v", pub, err)
	assert.Empty(t, e.sim.Stats().PublishedReleaseWrites, "published release writes")
}

// GitHub gives no digest for older assets (omit_asset_digest): the check
// before publishing downloads and hashes them; the names GitHub renames
// are refused by comparing its answer; a tag a deleted immutable release
// used is refused for good; the preflight reads work against the simulator.
func TestSimGitHubQuirks(t *testing.T) {
	t.Parallel()
	sc := ghsim.DefaultScenario()
	sc.ImmutableReleases = true
	sc.OmitAssetDigest = true
	sc.Repos[0].DisabledWorkflows = []string{"build.yml"}
	e := newSim(t, sc)
	ctx := context.Background()
	repo := sc.Repos[0].Name
	rel, err := e.c.EnsureDraftRelease(ctx, ghclient.ReleaseSpec{Owner: owner, Repo: repo, Tag: "v4.0.0"})
	require.NoError(t, err)
	up := simUpload("bundle.tar.gz", "ours", "bundle bytes")
	a, err := e.c.UploadAsset(ctx, owner, repo, rel, up)
	require.NoError(t, err)
	_, err = e.c.VerifyDraftAssets(ctx, owner, repo, rel.ID, []ghclient.AssetWant{{Name: up.Name, Size: up.Size, SHA256: up.SHA256}}, "ours")
	require.NoError(t, err, "verify without digests: %v (asset %+v)", err, a)
	assert.NotZero(t, e.sim.Stats().Requests["GET /repos/{owner}/{repo}/releases/assets/{asset_id}"]["302"], "the asset was not downloaded to be hashed: %v", e.sim.Stats().Requests)
	_, err = e.c.UploadAsset(ctx, owner, repo, rel, simUpload("my tool", "ours", "x"))
	require.ErrorIs(t, err, ghclient.ErrAssetRenamed, "renamed upload")
	wf, err := e.c.GetWorkflow(ctx, owner, repo, "build.yml")
	require.NoError(t, err, "workflow: %+v %v", wf, err)
	require.Equal(t, "disabled_manually", wf.State, "workflow: %+v %v", wf, err)
	_, err = e.c.GetWorkflow(ctx, owner, repo, "nope.yml")
	require.True(t, ghclient.IsPermanent(err), "missing workflow: %v", err)
	setting, ok, err := e.c.GetImmutableReleases(ctx, owner, repo)
	require.NoError(t, err, "immutable setting: %+v %v %v", setting, ok, err)
	require.True(t, ok, "immutable setting: %+v %v %v", setting, ok, err)
	require.True(t, setting.Enabled, "immutable setting: %+v %v %v", setting, ok, err)
	budget, err := e.c.GetRateBudget(ctx)
	require.NoError(t, err, "rate budget: %+v %v", budget, err)
	require.NotZero(t, budget.Limit, "rate budget: %+v %v", budget, err)
	require.LessOrEqual(t, budget.Remaining, budget.Limit, "rate budget: %+v %v", budget, err)
	_, err = e.c.GetRepo(ctx, owner, "no-such-repo")
	require.True(t, ghclient.IsPermanent(err), "missing repo: %v", err)
	// Publish, then delete: the immutable release's tag is burned.
	_, err = e.c.PublishRelease(ctx, ghclient.ReleaseSpec{Owner: owner, Repo: repo, Name: "v4"}, rel.ID)
	require.NoError(t, err)
	del, err := http.NewRequest(http.MethodDelete, fmt.Sprintf("%s/api/v3/repos/%s/%s/releases/%d", e.srv.URL, owner, repo, rel.ID), nil)
	require.NoError(t, err)
	del.Header.Set("Authorization", "token "+ghsim.StaticToken)
	resp, err := http.DefaultClient.Do(del)
	require.NoError(t, err, "delete release: %v %v", resp, err)
	require.Equal(t, http.StatusNoContent, resp.StatusCode, "delete release: %v %v", resp, err)
	_ = resp.Body.Close()
	_, err = e.c.EnsureDraftRelease(ctx, ghclient.ReleaseSpec{Owner: owner, Repo: repo, Tag: "v4.0.0"})
	require.ErrorIs(t, err, ghclient.ErrTagBurned, "burned tag: %v", err)
	require.True(t, ghclient.IsPermanent(err), "burned tag: %v", err)
}

// TestSimAppAuth authenticates as a GitHub App through ghinstallation.
func TestSimAppAuth(t *testing.T) {
	t.Parallel()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	sim, err := ghsim.New(ghsim.Options{ManualClock: true, Seed: 1, App: &ghsim.App{ID: 77, InstallationID: 88, PublicKey: &key.PublicKey}})
	require.NoError(t, err)
	srv := httptest.NewServer(sim.Handler())
	defer sim.Close()
	defer srv.Close()
	c, err := ghclient.New(ghclient.Config{BaseURL: srv.URL + "/api/v3/", AppID: 77, InstallationID: 88, PrivateKey: pemKey})
	require.NoError(t, err)
	defer c.CloseIdleConnections()
	run, err := c.FindOrDispatch(context.Background(), ghclient.DispatchRequest{Owner: owner, Repo: "commons", Kind: ghclient.KindWorkflowDispatch,
		Workflow: "build.yml", Ref: "main", CorrelationID: "rt-app", NotBefore: sim.Now()})
	require.NoError(t, err, "dispatch as app: %+v %v", run, err)
	require.NotZero(t, run.ID, "dispatch as app: %+v %v", run, err)
	// The wrong installation: ghsim refuses, and the error is permanent.
	bad, err := ghclient.New(ghclient.Config{BaseURL: srv.URL + "/api/v3/", AppID: 77, InstallationID: 99, PrivateKey: pemKey})
	require.NoError(t, err)
	defer bad.CloseIdleConnections()
	_, _, err = bad.GetRun(context.Background(), owner, "commons", run.ID, "")
	require.True(t, ghclient.IsPermanent(err), "wrong installation: %v", err)
	require.NotContains(t, err.Error(), strings.Split(string(pemKey), "\n")[1], "error leaks the key")
}

// TestSimLegacyDispatch: an older GHES rejects return_run_details; the
// client falls back to a plain dispatch and correlation, still one build.
func TestSimLegacyDispatch(t *testing.T) {
	t.Parallel()
	sc := ghsim.DefaultScenario()
	sc.LegacyDispatch = true
	e := newSim(t, sc)
	run, err := e.c.FindOrDispatch(context.Background(), e.request(ghclient.KindWorkflowDispatch, "bllvm-node", "rt-legacy"))
	require.NoError(t, err)
	require.Contains(t, run.DisplayTitle, "rt-legacy", "run = %+v", run)
	st := e.sim.Stats()
	require.Equal(t, 1, st.Dispatches[owner+"/bllvm-node"], "dispatches = %v", st.Dispatches)
	rejected := st.Requests["POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches"]
	require.Equal(t, 1, rejected["204"], "dispatch answers = %v, want one rejection then one 204", rejected)
	require.Equal(t, 1, rejected["422"]+rejected["400"], "dispatch answers = %v, want one rejection then one 204", rejected)
}
