package ghclient_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
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
	if err != nil {
		t.Fatal(err)
	}
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
	if err != nil {
		t.Fatal(err)
	}
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
	if err != nil {
		t.Fatal(err)
	}
	etag := ""
	for i := 0; ; i++ {
		// Poll every 15 s; a just-dispatched run is queued, so the first
		// poll comes one interval after the dispatch.
		e.sim.Advance(15 * time.Second)
		r, changed, err := e.c.GetRun(ctx, owner, repo, run.ID, etag)
		if err != nil {
			t.Fatal(err)
		}
		etag = r.ETag
		if changed {
			run = r
		}
		if ghclient.Classify(run, false) != ghclient.Running {
			break
		}
		if i > 1000 {
			t.Fatal("run never completed")
		}
	}
	if ghclient.Classify(run, false) != ghclient.Succeeded {
		t.Fatalf("run = %+v", run)
	}
	arts, err := e.c.ListArtifacts(ctx, owner, repo, run.ID)
	if err != nil || len(arts) == 0 {
		t.Fatalf("artifacts: %v %v", arts, err)
	}
	dir := t.TempDir()
	for _, a := range arts {
		if !strings.HasPrefix(a.Digest, "sha256:") {
			t.Fatalf("artifact %s without digest", a.Name)
		}
		zp := filepath.Join(dir, a.Name+".zip")
		f, err := os.Create(zp)
		if err != nil {
			t.Fatal(err)
		}
		d, err := e.c.DownloadArtifact(ctx, owner, repo, a, f)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			t.Fatal(err)
		}
		if "sha256:"+d.SHA256 != a.Digest || d.Size != a.Size {
			t.Fatalf("download %+v vs artifact %+v", d, a)
		}
		files, err := ghclient.Unzip(zp, filepath.Join(dir, a.Name), a.Name, ghclient.DefaultUnzipLimits())
		if err != nil || len(files) == 0 {
			t.Fatalf("unzip: %v %v", files, err)
		}
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
			if st.BudgetSpent != int(e.c.BudgetSpent()) {
				t.Fatalf("client counted %d budget units, simulator %d", e.c.BudgetSpent(), st.BudgetSpent)
			}
			if st.NotModified < 75 {
				t.Fatalf("only %d polls were 304s", st.NotModified)
			}
			limit := 6
			if kind == ghclient.KindRepositoryDispatch {
				limit = 7 // no run details: one more listing finds the run
			}
			if st.BudgetSpent > limit {
				t.Fatalf("build spent %d budget units (> %d): %v", st.BudgetSpent, limit, st.Requests)
			}
			if st.Dispatches[owner+"/bllvm-consensus"] != 1 {
				t.Fatalf("dispatches = %v", st.Dispatches)
			}
			if got := e.c.RateRemaining(); got != st.BudgetRemaining {
				t.Fatalf("RateRemaining = %d, simulator says %d", got, st.BudgetRemaining)
			}
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
				if err != nil {
					t.Fatal(err)
				}
				// Temporal retries the activity anyway (e.g. the worker died):
				req.ListingWait = 10 * time.Second
				again, err := e.c.FindOrDispatch(ctx, req)
				if err != nil || again.ID != run.ID {
					t.Fatalf("retry: %+v %v (first %d)", again, err, run.ID)
				}
				st := e.sim.Stats()
				if n := st.Dispatches[owner+"/bllvm-node"]; n != 1 {
					t.Fatalf("%d dispatches landed, want exactly 1", n)
				}
				if len(st.Runs[owner+"/bllvm-node"]) != 1 {
					t.Fatalf("runs = %v", st.Runs)
				}
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
	if ghclient.ErrorKind(err) != ghclient.KindTransient {
		t.Fatalf("err = %v, want transient", err)
	}
	req.ListingWait = 5 * time.Second
	if _, err := e.c.FindOrDispatch(ctx, req); err != nil {
		t.Fatal(err)
	}
	if n := e.sim.Stats().Dispatches[owner+"/commons"]; n != 1 {
		t.Fatalf("%d dispatches", n)
	}
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
	if !errors.Is(err, ghclient.ErrRunNotListed) || !ghclient.IsPermanent(err) || !strings.Contains(err.Error(), "rt-lost") {
		t.Fatalf("err = %v", err)
	}
	if n := e.sim.Stats().Dispatches[owner+"/bllvm-consensus"]; n != 1 {
		t.Fatalf("%d dispatches", n)
	}
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
			if err != nil {
				t.Fatal(err)
			}
			f := tt.fault
			f.Route = route
			e.sim.SetFaults([]ghsim.Fault{f})
			if tt.fault.Latency > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, 100*time.Millisecond)
				defer cancel()
			}
			_, _, err = e.c.GetRun(ctx, owner, "bllvm", run.ID, "")
			if ghclient.ErrorKind(err) != tt.wantKind || err == nil {
				t.Fatalf("err = %v (kind %v), want %v", err, ghclient.ErrorKind(err), tt.wantKind)
			}
			if d, _ := ghclient.RetryDelay(err); d != tt.wantDelay {
				t.Fatalf("RetryDelay = %v, want %v", d, tt.wantDelay)
			}
			if !strings.Contains(err.Error(), owner+"/bllvm") {
				t.Fatalf("error %q must name the repo", err)
			}
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
	if err != nil {
		t.Fatal(err)
	}
	r, _, err := e.c.GetRun(ctx, owner, "bllvm", run.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	e.sim.SpendBudget()
	if _, changed, err := e.c.GetRun(ctx, owner, "bllvm", run.ID, r.ETag); err != nil || changed {
		t.Fatalf("304 with a spent budget: %v %v", changed, err)
	}
	_, err = e.c.ListArtifacts(ctx, owner, "bllvm", run.ID)
	var ge *ghclient.Error
	if !errors.As(err, &ge) || ge.Kind != ghclient.KindPrimaryRateLimit || ge.RetryAfter <= 0 || ge.RetryAfter > time.Hour+time.Minute {
		t.Fatalf("err = %#v", err)
	}
	if e.c.RateRemaining() != 0 {
		t.Fatalf("RateRemaining = %d", e.c.RateRemaining())
	}
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
	if err != nil {
		t.Fatal(err)
	}
	e.sim.Advance(2 * time.Minute)
	r, _, err := e.c.GetRun(ctx, owner, repo, run.ID, "")
	if err != nil || ghclient.Classify(r, false) != ghclient.FailedRetryable {
		t.Fatalf("first attempt: %+v %v", r, err)
	}
	if err := e.c.RerunFailedJobs(ctx, owner, repo, run.ID); err != nil {
		t.Fatal(err)
	}
	e.sim.Advance(2 * time.Minute)
	r2, changed, err := e.c.GetRun(ctx, owner, repo, run.ID, r.ETag)
	if err != nil || !changed || r2.Attempt != 2 || ghclient.Classify(r2, false) != ghclient.Succeeded {
		t.Fatalf("second attempt: %+v %v %v", r2, changed, err)
	}

	other, err := e.c.FindOrDispatch(ctx, e.request(ghclient.KindWorkflowDispatch, "commons", "rt-cancel"))
	if err != nil {
		t.Fatal(err)
	}
	if err := e.c.CancelRun(ctx, owner, "commons", other.ID); err != nil {
		t.Fatalf("cancel (202): %v", err)
	}
	e.sim.Advance(time.Minute)
	c, _, err := e.c.GetRun(ctx, owner, "commons", other.ID, "")
	if err != nil || ghclient.Classify(c, true) != ghclient.Cancelled {
		t.Fatalf("cancelled run: %+v %v", c, err)
	}
	if err := e.c.CancelRun(ctx, owner, "commons", other.ID); err != nil {
		t.Fatalf("cancel of a completed run (409): %v", err)
	}
}

// TestSimArtifactExpired: after retention the download is a permanent 410.
func TestSimArtifactExpired(t *testing.T) {
	t.Parallel()
	e := newSim(t, nil)
	ctx := context.Background()
	run, err := e.c.FindOrDispatch(ctx, e.request(ghclient.KindWorkflowDispatch, "bllvm-sdk", "rt-old"))
	if err != nil {
		t.Fatal(err)
	}
	e.sim.Advance(5 * time.Minute)
	arts, err := e.c.ListArtifacts(ctx, owner, "bllvm-sdk", run.ID)
	if err != nil || len(arts) != 1 {
		t.Fatalf("%v %v", arts, err)
	}
	e.sim.Advance(91 * 24 * time.Hour)
	_, err = e.c.DownloadArtifact(ctx, owner, "bllvm-sdk", arts[0], &strings.Builder{})
	var ge *ghclient.Error
	if !errors.As(err, &ge) || ge.Status != 410 || !ghclient.IsPermanent(err) {
		t.Fatalf("err = %v", err)
	}
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
	if err != nil || !rel.Draft {
		t.Fatalf("draft: %+v %v", rel, err)
	}
	again, err := e.c.EnsureDraftRelease(ctx, spec)
	if err != nil || again.ID != rel.ID {
		t.Fatalf("second ensure found %+v (want draft %d): %v", again, rel.ID, err)
	}
	e.sim.SetFaults([]ghsim.Fault{{Route: "POST /repos/{owner}/{repo}/releases/{release_id}/assets", Status: 502, AfterWrite: true, Nth: 1}})
	label := "releasetrain v1.0.0"
	a, err := e.c.UploadAsset(ctx, owner, repo, rel, simUpload("SHA256SUMS", label, "deadbeef  a\n"))
	if err != nil {
		t.Fatalf("upload under 5xx-after-write: %v", err)
	}
	// A retried activity with a stale release: kept, not uploaded again.
	if _, err := e.c.UploadAsset(ctx, owner, repo, rel, simUpload("SHA256SUMS", label, "deadbeef  a\n")); err != nil {
		t.Fatal(err)
	}
	st := e.sim.Stats()
	if n := st.Uploads[owner+"/"+repo+"@v1.0.0"]["SHA256SUMS"]; n != 1 {
		t.Fatalf("uploads = %v", st.Uploads)
	}
	// Changed content with our label: replaced.
	a2, err := e.c.UploadAsset(ctx, owner, repo, rel, simUpload("SHA256SUMS", label, "cafebabe  a\n"))
	if err != nil || a2.ID == a.ID {
		t.Fatalf("replace: %+v %v", a2, err)
	}
	// Changed content, somebody else's label: refused.
	if _, err := e.c.UploadAsset(ctx, owner, repo, rel, simUpload("SHA256SUMS", "another tool", "0000  a\n")); !errors.Is(err, ghclient.ErrAssetConflict) {
		t.Fatalf("conflict: %v", err)
	}
	notes, err := e.c.GenerateNotes(ctx, owner, repo, "v1.0.0", "")
	if err != nil || notes == "" {
		t.Fatalf("notes: %q %v", notes, err)
	}
	pub, err := e.c.PublishRelease(ctx, ghclient.ReleaseSpec{Owner: owner, Repo: repo, Name: "acme v1.0.0", Body: "notes of this run", Prerelease: true}, rel.ID)
	if err != nil || pub.Draft || !pub.Prerelease {
		t.Fatalf("publish: %+v %v", pub, err)
	}
	info, ok := e.sim.Release(owner, repo, "v1.0.0")
	if !ok || info.Draft || len(info.Assets) != 1 {
		t.Fatalf("simulator release: %+v", info)
	}
	body, err := e.sim.ReleaseAsset(owner, repo, "v1.0.0", "SHA256SUMS")
	if err != nil || string(body) != "cafebabe  a\n" {
		t.Fatalf("asset content %q %v", body, err)
	}
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
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.c.EnsureDraftRelease(ctx, ghclient.ReleaseSpec{Owner: owner, Repo: repo, Tag: "v2.0.0"})
	if !errors.Is(err, ghclient.ErrPublishedRelease) || !ghclient.IsPermanent(err) ||
		!strings.Contains(err.Error(), "writes only to drafts") || !strings.Contains(err.Error(), "new tag") {
		t.Fatalf("ensure draft over a published release: %v", err)
	}
	pub := ghclient.Release{ID: id, Tag: "v2.0.0", Draft: false}
	if _, err := e.c.UploadAsset(ctx, owner, repo, pub, simUpload("a", "x", "a")); !errors.Is(err, ghclient.ErrPublishedRelease) {
		t.Fatalf("upload to a published release: %v", err)
	}
	if _, err := e.c.PublishRelease(ctx, ghclient.ReleaseSpec{Owner: owner, Repo: repo, Name: "overwritten"}, id); !errors.Is(err, ghclient.ErrPublishedRelease) {
		t.Fatalf("publish a published release: %v", err)
	}
	if _, err := e.c.VerifyDraftAssets(ctx, owner, repo, id, nil, "x"); !errors.Is(err, ghclient.ErrPublishedRelease) {
		t.Fatalf("verify a published release: %v", err)
	}
	info, _ := e.sim.Release(owner, repo, "v2.0.0")
	if info.Name != "v2.0.0" || len(info.Assets) != 0 {
		t.Fatalf("the published release changed: %+v", info)
	}
	if w := e.sim.Stats().PublishedReleaseWrites; len(w) != 0 {
		t.Errorf("published release writes: %v", w)
	}
	for route, byStatus := range e.sim.Stats().Requests {
		if strings.HasPrefix(route, "PATCH") || strings.HasPrefix(route, "POST /repos/{owner}/{repo}/releases") || strings.HasPrefix(route, "DELETE") {
			t.Errorf("a write reached GitHub: %s %v", route, byStatus)
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
	if err != nil {
		t.Fatal(err)
	}
	for _, up := range []ghclient.AssetUpload{
		simUpload("bundle.tar.gz", ours, "bundle"),
		simUpload("SHA256SUMS", ours, "sums"),
		simUpload("old-bundle.tar.gz", ours, "an earlier train's"),
		simUpload("maintainer-notes.pdf", "", "a person's attachment"),
	} {
		if _, err := e.c.UploadAsset(ctx, owner, repo, rel, up); err != nil {
			t.Fatal(err)
		}
	}
	want := []ghclient.AssetWant{}
	for _, up := range []ghclient.AssetUpload{simUpload("bundle.tar.gz", ours, "bundle"), simUpload("SHA256SUMS", ours, "sums")} {
		want = append(want, ghclient.AssetWant{Name: up.Name, Size: up.Size, SHA256: up.SHA256})
	}
	check, err := e.c.VerifyDraftAssets(ctx, owner, repo, rel.ID, want, ours)
	if err != nil {
		t.Fatal(err)
	}
	if len(check.Deleted) != 1 || check.Deleted[0] != "old-bundle.tar.gz" {
		t.Fatalf("deleted %v, want the earlier train's leftover", check.Deleted)
	}
	if len(check.Foreign) != 1 || check.Foreign[0].Name != "maintainer-notes.pdf" {
		t.Fatalf("foreign %v, want the person's attachment", check.Foreign)
	}
	// A wanted asset that is missing is transient: the retry uploads it.
	missing := append(want, ghclient.AssetWant{Name: "SHA256SUMS.asc", Size: 3, SHA256: "00"})
	if _, err := e.c.VerifyDraftAssets(ctx, owner, repo, rel.ID, missing, ours); err == nil || ghclient.IsPermanent(err) {
		t.Fatalf("missing asset: %v", err)
	}
	// Our asset with other content is deleted so the retry uploads it again.
	bad := []ghclient.AssetWant{{Name: "bundle.tar.gz", Size: 6, SHA256: strings.Repeat("0", 64)}}
	if _, err := e.c.VerifyDraftAssets(ctx, owner, repo, rel.ID, bad, ours); !errors.Is(err, ghclient.ErrDigestMismatch) || ghclient.IsPermanent(err) {
		t.Fatalf("different content: %v", err)
	}
	info, _ := e.sim.Release(owner, repo, "v3.0.0")
	if len(info.Assets) != 2 {
		t.Fatalf("assets after the checks: %+v", info.Assets)
	}
	// GitHub shows a label in place of the file name: ours start with it.
	for _, a := range info.Assets {
		if a.Label != "" && a.Label != a.Name+" · "+ours {
			t.Errorf("asset %s labelled %q", a.Name, a.Label)
		}
	}
	pub, err := e.c.PublishRelease(ctx, ghclient.ReleaseSpec{Owner: owner, Repo: repo, Name: "maintainer's title", Body: "b"}, rel.ID)
	if err != nil || pub.Draft || !pub.Immutable {
		t.Fatalf("publish: %+v %v", pub, err)
	}
	if w := e.sim.Stats().PublishedReleaseWrites; len(w) != 0 {
		t.Errorf("published release writes: %v", w)
	}
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
	if err != nil {
		t.Fatal(err)
	}
	up := simUpload("bundle.tar.gz", "ours", "bundle bytes")
	a, err := e.c.UploadAsset(ctx, owner, repo, rel, up)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.VerifyDraftAssets(ctx, owner, repo, rel.ID, []ghclient.AssetWant{{Name: up.Name, Size: up.Size, SHA256: up.SHA256}}, "ours"); err != nil {
		t.Fatalf("verify without digests: %v (asset %+v)", err, a)
	}
	if reqs := e.sim.Stats().Requests["GET /repos/{owner}/{repo}/releases/assets/{asset_id}"]; reqs["302"] == 0 {
		t.Errorf("the asset was not downloaded to be hashed: %v", e.sim.Stats().Requests)
	}
	if _, err := e.c.UploadAsset(ctx, owner, repo, rel, simUpload("my tool", "ours", "x")); !errors.Is(err, ghclient.ErrAssetRenamed) {
		t.Fatalf("renamed upload: %v", err)
	}
	wf, err := e.c.GetWorkflow(ctx, owner, repo, "build.yml")
	if err != nil || wf.State != "disabled_manually" {
		t.Fatalf("workflow: %+v %v", wf, err)
	}
	if _, err := e.c.GetWorkflow(ctx, owner, repo, "nope.yml"); !ghclient.IsPermanent(err) {
		t.Fatalf("missing workflow: %v", err)
	}
	setting, ok, err := e.c.GetImmutableReleases(ctx, owner, repo)
	if err != nil || !ok || !setting.Enabled {
		t.Fatalf("immutable setting: %+v %v %v", setting, ok, err)
	}
	budget, err := e.c.GetRateBudget(ctx)
	if err != nil || budget.Limit == 0 || budget.Remaining > budget.Limit {
		t.Fatalf("rate budget: %+v %v", budget, err)
	}
	if _, err := e.c.GetRepo(ctx, owner, "no-such-repo"); !ghclient.IsPermanent(err) {
		t.Fatalf("missing repo: %v", err)
	}
	// Publish, then delete: the immutable release's tag is burned.
	if _, err := e.c.PublishRelease(ctx, ghclient.ReleaseSpec{Owner: owner, Repo: repo, Name: "v4"}, rel.ID); err != nil {
		t.Fatal(err)
	}
	del, err := http.NewRequest(http.MethodDelete, fmt.Sprintf("%s/api/v3/repos/%s/%s/releases/%d", e.srv.URL, owner, repo, rel.ID), nil)
	if err != nil {
		t.Fatal(err)
	}
	del.Header.Set("Authorization", "token "+ghsim.StaticToken)
	resp, err := http.DefaultClient.Do(del)
	if err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("delete release: %v %v", resp, err)
	}
	_ = resp.Body.Close()
	_, err = e.c.EnsureDraftRelease(ctx, ghclient.ReleaseSpec{Owner: owner, Repo: repo, Tag: "v4.0.0"})
	if !errors.Is(err, ghclient.ErrTagBurned) || !ghclient.IsPermanent(err) {
		t.Fatalf("burned tag: %v", err)
	}
}

// TestSimAppAuth authenticates as a GitHub App through ghinstallation.
func TestSimAppAuth(t *testing.T) {
	t.Parallel()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	sim, err := ghsim.New(ghsim.Options{ManualClock: true, Seed: 1, App: &ghsim.App{ID: 77, InstallationID: 88, PublicKey: &key.PublicKey}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim.Handler())
	defer sim.Close()
	defer srv.Close()
	c, err := ghclient.New(ghclient.Config{BaseURL: srv.URL + "/api/v3/", AppID: 77, InstallationID: 88, PrivateKey: pemKey})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseIdleConnections()
	run, err := c.FindOrDispatch(context.Background(), ghclient.DispatchRequest{Owner: owner, Repo: "commons", Kind: ghclient.KindWorkflowDispatch,
		Workflow: "build.yml", Ref: "main", CorrelationID: "rt-app", NotBefore: sim.Now()})
	if err != nil || run.ID == 0 {
		t.Fatalf("dispatch as app: %+v %v", run, err)
	}
	// The wrong installation: ghsim refuses, and the error is permanent.
	bad, err := ghclient.New(ghclient.Config{BaseURL: srv.URL + "/api/v3/", AppID: 77, InstallationID: 99, PrivateKey: pemKey})
	if err != nil {
		t.Fatal(err)
	}
	defer bad.CloseIdleConnections()
	_, _, err = bad.GetRun(context.Background(), owner, "commons", run.ID, "")
	if !ghclient.IsPermanent(err) {
		t.Fatalf("wrong installation: %v", err)
	}
	if strings.Contains(err.Error(), strings.Split(string(pemKey), "\n")[1]) {
		t.Fatal("error leaks the key")
	}
}

// TestSimLegacyDispatch: an older GHES rejects return_run_details; the
// client falls back to a plain dispatch and correlation, still one build.
func TestSimLegacyDispatch(t *testing.T) {
	t.Parallel()
	sc := ghsim.DefaultScenario()
	sc.LegacyDispatch = true
	e := newSim(t, sc)
	run, err := e.c.FindOrDispatch(context.Background(), e.request(ghclient.KindWorkflowDispatch, "bllvm-node", "rt-legacy"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(run.DisplayTitle, "rt-legacy") {
		t.Fatalf("run = %+v", run)
	}
	st := e.sim.Stats()
	if st.Dispatches[owner+"/bllvm-node"] != 1 {
		t.Fatalf("dispatches = %v", st.Dispatches)
	}
	rejected := st.Requests["POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches"]
	if rejected["204"] != 1 || rejected["422"]+rejected["400"] != 1 {
		t.Fatalf("dispatch answers = %v, want one rejection then one 204", rejected)
	}
}
