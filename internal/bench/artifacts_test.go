package bench

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-github/v62/github"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"
	"gocloud.dev/blob/fileblob"
	"golang.org/x/sync/errgroup"

	"github.com/BTCDecoded/releasetrain/activities"
	"github.com/BTCDecoded/releasetrain/contract"
	"github.com/BTCDecoded/releasetrain/ghclient"
	"github.com/BTCDecoded/releasetrain/ghsim"
	"github.com/BTCDecoded/releasetrain/internal/devstack"
)

// artifactRun is one repo's completed run in the simulator.
type artifactRun struct {
	repo string
	run  contract.RunRef
	urls []string // signed blob URLs of its artifacts (for curl)
}

// artifactScenario is repos×one artifact of one size-byte binary each.
func artifactScenario(repos int, size int64) *ghsim.Scenario {
	sc := &ghsim.Scenario{Owner: "bench"}
	for i := range repos {
		name := fmt.Sprintf("repo-%d", i)
		sc.Repos = append(sc.Repos, ghsim.RepoScenario{Name: name, Artifacts: []ghsim.ArtifactSpec{{
			Name: name + "-linux-x86_64",
			Files: []ghsim.FileSpec{
				{Name: name, Size: ghsim.ByteSize(size), Executable: true},
				{Name: "README.md", Size: 4 << 10},
			},
		}}})
	}
	return sc
}

// completedRuns dispatches every repo's build in a manual-clock simulator and
// advances it until they all succeeded.
func completedRuns(t *testing.T, sim *ghsim.Sim, gh *ghclient.Client, sc *ghsim.Scenario) []artifactRun {
	t.Helper()
	ctx := context.Background()
	var out []artifactRun
	for _, r := range sc.Repos {
		run, err := gh.FindOrDispatch(ctx, ghclient.DispatchRequest{Owner: sc.Owner, Repo: r.Name, Kind: "workflow_dispatch",
			Workflow: "build.yml", Ref: "main", CorrelationID: "rt:v1.0.0:" + r.Name + ":1",
			Inputs: map[string]string{"release_tag": "v1.0.0", "correlation_id": "rt:v1.0.0:" + r.Name + ":1"}})
		require.NoError(t, err)
		out = append(out, artifactRun{repo: r.Name, run: contract.RunRef{Owner: sc.Owner, Repo: r.Name, ID: run.ID, Attempt: 1}})
	}
	sim.Advance(time.Hour)
	return out
}

// blobURLs asks (again) for every artifact's signed download URL, as curl would get
// it from `gh api …/zip` (one redirect, not followed).
func blobURLs(t *testing.T, gh *github.Client, runs []artifactRun) {
	t.Helper()
	ctx := context.Background()
	for i, r := range runs {
		runs[i].urls = nil
		arts, _, err := gh.Actions.ListWorkflowRunArtifacts(ctx, r.run.Owner, r.repo, r.run.ID, nil)
		require.NoError(t, err)
		for _, a := range arts.Artifacts {
			u, _, err := gh.Actions.DownloadArtifact(ctx, r.run.Owner, r.repo, a.GetID(), 0)
			require.NoError(t, err)
			runs[i].urls = append(runs[i].urls, u.String())
		}
	}
}

// baseline is the shell way: curl every artifact, unzip it, tar czf the
// files into the bundle, sha256sum the files and the bundle.
const baseline = `set -e
cd "$WORK"
mkdir -p zips files
i=0
for u in $URLS; do
  i=$((i+1))
  curl -sSf -o zips/$i.zip "$u"
  unzip -q -o zips/$i.zip -d files/$i
done
tar czf bundle.tar.gz -C files .
(cd files && find . -type f -print0 | sort -z | xargs -0 sha256sum) > SHA256SUMS
sha256sum bundle.tar.gz >> SHA256SUMS
`

// TestArtifacts times collection (CollectArtifacts for every run, in
// parallel as a layer does) + PackageRelease (bundle and SHA256SUMS) against
// curl + unzip + tar czf + sha256sum on the same simulator artifacts, in the
// same run, and reports the process's peak heap during releasetrain's part.
// Full: 8 binaries of 256 MiB (2 GiB); short: 8 of 4 MiB.
func TestArtifacts(t *testing.T) {
	for _, tool := range []string{"curl", "unzip", "tar", "sha256sum", "sh"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed", tool)
		}
	}
	size := int64(4 << 20)
	n := repeats(1)
	if full() {
		size, n = 256<<20, repeats(3)
	}
	if mib, err := strconv.Atoi(os.Getenv("RELEASETRAIN_BENCH_ARTIFACT_MIB")); err == nil && mib > 0 {
		size = int64(mib) << 20 // per binary, for profiling
	}
	sc := artifactScenario(8, size)
	simStack := devstack.StartTest(t, devstack.Options{Parts: devstack.PartSim, Sim: ghsim.Options{Scenario: sc, ManualClock: true, Seed: 1}})
	sim, url := simStack.Sim, simStack.SimURL
	gh, err := ghclient.New(ghclient.Config{BaseURL: url + "/api/v3/", Token: ghsim.StaticToken})
	require.NoError(t, err)
	runs := completedRuns(t, sim, gh, sc)
	hc := &http.Client{}
	t.Cleanup(hc.CloseIdleConnections)
	plain, err := github.NewClient(hc).WithAuthToken(ghsim.StaticToken).WithEnterpriseURLs(url+"/api/v3/", url+"/api/uploads/")
	require.NoError(t, err)
	// The artifacts exist before either side runs, as on GitHub: ghsim
	// writes each zip when it is first listed, so list them all now.
	blobURLs(t, plain, runs)
	total := int64(len(runs)) * size
	var ours, theirs []float64
	var peak uint64
	for i := range n {
		// Alternate the order so neither side always runs on a warm page cache.
		for _, side := range []string{"releasetrain", "shell"} {
			if i%2 == 1 {
				side = map[string]string{"releasetrain": "shell", "shell": "releasetrain"}[side]
			}
			settle(t)
			start := time.Now()
			switch side {
			case "releasetrain":
				heap := collectAndPackage(t, gh, runs)
				peak = max(peak, heap)
				ours = append(ours, time.Since(start).Seconds())
			default:
				blobURLs(t, plain, runs)
				shellBaseline(t, runs)
				theirs = append(theirs, time.Since(start).Seconds())
			}
			t.Logf("%s run %d: %.2fs (%.0f MiB/s); load %s", side, i+1, time.Since(start).Seconds(),
				float64(total>>20)/time.Since(start).Seconds(), loadavg())
		}
	}
	o, s := median(ours), median(theirs)
	t.Logf("RESULT artifacts: %d MiB in %d binaries: releasetrain collect+package %.2fs, curl+unzip+tar czf+sha256sum %.2fs → %.2f× faster; peak heap in use %d MiB; median of %d; load %s",
		total>>20, len(runs), o, s, s/o, peak>>20, n, loadavg())
	assert.LessOrEqual(t, peak, uint64(256<<20), "peak heap %d MiB: memory is not flat in the artifact size", peak>>20)
}

// collectAndPackage runs CollectArtifacts for every run in parallel, then
// PackageRelease, in Temporal's activity test environment, and returns the
// peak heap in use meanwhile.
func collectAndPackage(t *testing.T, gh *ghclient.Client, runs []artifactRun) uint64 {
	t.Helper()
	storeDir, work := scratch(t), scratch(t)
	defer os.RemoveAll(storeDir)
	defer os.RemoveAll(work)
	store, err := fileblob.OpenBucket(storeDir, &fileblob.Options{NoTempDir: true})
	require.NoError(t, err)
	defer store.Close()
	a := &activities.Activities{GitHub: gh, Store: store, WorkDir: work}
	var suite testsuite.WorkflowTestSuite
	suite.SetLogger(log.NewStructuredLogger(slog.New(slog.DiscardHandler)))
	mem := StartPeakMemory(20 * time.Millisecond)
	start := time.Now()
	results := make([]activities.RepoResult, len(runs))
	var g errgroup.Group
	for i, r := range runs {
		g.Go(func() error {
			env := suite.NewTestActivityEnvironment()
			env.RegisterActivity(a)
			v, err := env.ExecuteActivity(a.CollectArtifacts, activities.CollectInput{Run: r.run})
			if err != nil {
				return fmt.Errorf("collect %s: %w", r.repo, err)
			}
			var out activities.CollectResult
			if err := v.Get(&out); err != nil {
				return err
			}
			results[i] = activities.RepoResult{Repo: r.repo, Run: r.run, Attempts: 1, Manifest: &out.Manifest}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		mem.Stop()
		require.NoError(t, err)
	}
	collected := time.Since(start)
	env := suite.NewTestActivityEnvironment()
	env.RegisterActivity(a)
	v, err := env.ExecuteActivity(a.PackageRelease, activities.PackageInput{Owner: "bench", ReleaseRepo: runs[0].repo,
		Name: "bench", Tag: "v1.0.0", Time: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Repos: results})
	heap, _ := mem.Stop()
	require.NoError(t, err)
	t.Logf("collect %.2fs, package %.2fs", collected.Seconds(), (time.Since(start) - collected).Seconds())
	var pkg activities.PackageResult
	require.NoError(t, v.Get(&pkg))
	sums := false
	for _, as := range pkg.Assets {
		sums = sums || as.Name == "SHA256SUMS"
	}
	require.True(t, sums, "package: %d assets (SHA256SUMS %v), want every file, the bundle and SHA256SUMS", len(pkg.Assets), sums)
	require.GreaterOrEqual(t, len(pkg.Assets), 2*len(runs), "package: %d assets (SHA256SUMS %v), want every file, the bundle and SHA256SUMS", len(pkg.Assets), sums)
	return heap
}

// shellBaseline runs the baseline script over every run's blob URLs.
func shellBaseline(t *testing.T, runs []artifactRun) {
	t.Helper()
	var urls []string
	for _, r := range runs {
		urls = append(urls, r.urls...)
	}
	work := scratch(t)
	defer os.RemoveAll(work)
	cmd := exec.Command("sh", "-c", baseline)
	cmd.Env = append(os.Environ(), "WORK="+work, "URLS="+strings.Join(urls, " "))
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "baseline: %s", out)
	data, err := os.ReadFile(filepath.Join(work, "SHA256SUMS"))
	require.NoError(t, err, "baseline SHA256SUMS: %v: %q", err, data)
	require.GreaterOrEqual(t, strings.Count(string(data), "\n"), 2*len(runs)+1, "baseline SHA256SUMS: %v: %q", err, data)
}

// scratch is a work folder removed right after its run (t.TempDir would keep
// every run's gigabytes until the test ends and slow the later runs' disk).
func scratch(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "releasetrain-bench-")
	require.NoError(t, err)
	return dir
}

// settle flushes the previous run's dirty pages, so its write-back is not
// charged to the next run.
func settle(t *testing.T) {
	t.Helper()
	if err := exec.Command("sync").Run(); err != nil {
		t.Logf("sync: %v", err)
	}
}
