package chaos

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/BTCDecoded/releasetrain/config"
	"github.com/BTCDecoded/releasetrain/ghclient"
	"github.com/BTCDecoded/releasetrain/ghsim"
	"github.com/BTCDecoded/releasetrain/internal/testenv"
	"github.com/BTCDecoded/releasetrain/internal/traintest"
	"github.com/BTCDecoded/releasetrain/worker"
	"github.com/BTCDecoded/releasetrain/workflows"
)

// hostileCase is one repo whose build uploads a hostile artifact, and what
// its error must name.
type hostileCase struct {
	repo    string
	hostile ghsim.HostileSpec
	want    []string // substrings of the repo's error
}

// hostileCases aims every hostile entry at root (the test's temp tree), so a
// careless extractor would leave a file there.
func hostileCases(root string) []hostileCase {
	climb := strings.Repeat("../", 24) + strings.TrimPrefix(root, "/")
	return []hostileCase{
		{"slip", ghsim.HostileSpec{Kind: ghsim.HostileZipSlip, Target: climb + "/slip-evil"},
			[]string{`artifact "slip-bin"`, `entry "` + climb + `/slip-evil"`, `".." in path`}},
		{"abs", ghsim.HostileSpec{Kind: ghsim.HostileAbsolutePath, Target: root + "/abs-evil"},
			[]string{`artifact "abs-bin"`, `entry "` + root + `/abs-evil"`, "absolute path"}},
		{"link", ghsim.HostileSpec{Kind: ghsim.HostileSymlink, Target: root + "/outside"},
			[]string{`artifact "link-bin"`, `entry "link"`, "symlink"}},
		{"bomb", ghsim.HostileSpec{Kind: ghsim.HostileZipBomb, Size: bombSize()},
			[]string{`artifact "bomb-bin"`, `entry "bomb.bin"`, "zip over limits"}},
		{"lying", ghsim.HostileSpec{Kind: ghsim.HostileDigestMismatch},
			[]string{`artifact`, `"lying-bin"`, "digest mismatch"}},
	}
}

// bombSize is the zip bomb's inflated size: 64 MiB (the simulator deflates
// it for every download, slow under -race), 1 GiB in the long version.
func bombSize() ghsim.ByteSize {
	if long {
		return 1 << 30
	}
	return 64 << 20
}

// TestHostileArtifacts runs a train whose members upload hostile artifacts
// next to one good member: each hostile one is rejected with an error
// naming the artifact and entry, the train blocks on those repos (it does
// not fail or crash), the good one succeeds, and nothing is written in the
// temp tree outside the store and the work dir.
func TestHostileArtifacts(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: real Temporal dev server")
	}
	root, err := filepath.EvalSymlinks(t.TempDir())
	require.NoError(t, err)
	require.NoError(t, os.Mkdir(filepath.Join(root, "outside"), 0o755))
	store, work := filepath.Join(root, "store"), filepath.Join(root, "work")
	require.NoError(t, os.Mkdir(work, 0o755))
	cases := hostileCases(root)

	sc := &ghsim.Scenario{Owner: "acme"}
	yaml := "owner: acme\nrelease: {repo: good}\nrepos:\n  - name: good\n"
	sc.Repos = append(sc.Repos, ghsim.RepoScenario{Name: "good", Artifacts: []ghsim.ArtifactSpec{
		{Name: "good-bin", Files: []ghsim.FileSpec{{Name: "good", Size: 64 << 10}}}}})
	for _, hc := range cases {
		h := hc.hostile
		sc.Repos = append(sc.Repos, ghsim.RepoScenario{Name: hc.repo, Artifacts: []ghsim.ArtifactSpec{
			{Name: hc.repo + "-bin", Files: []ghsim.FileSpec{{Name: hc.repo, Size: 16 << 10}}, Hostile: &h}}})
		yaml += "  - name: " + hc.repo + "\n"
	}
	train, err := config.Parse("hostile.yaml", []byte(yaml))
	require.NoError(t, err)
	for i := range train.Repos {
		train.Repos[i].Settings.PollInterval = 200 * time.Millisecond
	}

	srv := testenv.StartTemporal(t, "")
	c := srv.Client()
	sim, apiURL := traintest.StartSim(t, ghsim.Options{Scenario: sc, Seed: 5}, nil)
	before := snapshot(t, root, store, work)
	w, err := worker.New(c, worker.Options{
		GitHub:      ghclient.Config{BaseURL: apiURL, Token: traintest.SimToken},
		StoreURL:    "file://" + store + "?create_dir=1&no_tmp_dir=1",
		WorkDir:     work,
		ListingWait: time.Second,
	})
	require.NoError(t, err)
	require.NoError(t, w.Start())
	t.Cleanup(w.Stop)

	const tag = "v5.0.0"
	run := traintest.StartTrain(t, c, tag, *train)
	var st workflows.Status
	require.Eventually(t, func() bool {
		v, err := c.QueryWorkflow(context.Background(), run.GetID(), "", workflows.QueryStatus)
		if err != nil || v.Get(&st) != nil {
			return false
		}
		return st.State == workflows.StateBlocked && len(st.Blocked) == len(cases) &&
			st.Repos["good"].State == workflows.RepoSucceeded
	}, time.Minute, 100*time.Millisecond, "train blocked on every hostile repo")

	for _, hc := range cases {
		rs := st.Repos[hc.repo]
		assert.Equal(t, workflows.RepoFailed, rs.State, hc.repo)
		assert.True(t, slices.Contains(st.Blocked, hc.repo), "blocked on %s", hc.repo)
		for _, want := range hc.want {
			assert.Contains(t, rs.Error, want, hc.repo)
		}
		// The cause reads once: nested errors do not repeat the reason.
		reason := hc.want[len(hc.want)-1]
		assert.Equal(t, 1, strings.Count(rs.Error, reason), "%s: %q once in %q", hc.repo, reason, rs.Error)
		for _, noise := range []string{"activity error", "scheduledEventID", "(type:", "retryable"} {
			assert.NotContains(t, rs.Error, noise, "%s: Temporal's wrapping in the error", hc.repo)
		}
		t.Logf("%s: %s", hc.repo, rs.Error)
	}
	assert.Empty(t, sim.Stats().Uploads, "nothing published")
	assert.Equal(t, before, snapshot(t, root, store, work), "nothing written outside the store and work dir")
	for _, p := range []string{"/tmp/evil", "/tmp/link/evil"} {
		_, err := os.Lstat(p)
		assert.ErrorIs(t, err, fs.ErrNotExist, p)
	}
	require.NoError(t, c.CancelWorkflow(context.Background(), run.GetID(), ""))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var cancelled *temporal.CanceledError
	assert.ErrorAs(t, run.Get(ctx, nil), &cancelled, "the blocked train ends when cancelled")
}

// snapshot lists every path under root except inside store and work.
func snapshot(t *testing.T, root, store, work string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == store || p == work {
			return filepath.SkipDir
		}
		out = append(out, p)
		return nil
	})
	require.NoError(t, err)
	return out
}
