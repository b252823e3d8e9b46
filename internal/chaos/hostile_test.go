package chaos

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
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
	"github.com/BTCDecoded/releasetrain/contract"
	"github.com/BTCDecoded/releasetrain/ghsim"
	"github.com/BTCDecoded/releasetrain/internal/devstack"
	"github.com/BTCDecoded/releasetrain/internal/traintest"
)

// hostileCase is one repo whose build uploads a hostile artifact, and what
// its error must name.
type hostileCase struct {
	repo    string
	hostile ghsim.HostileSpec
	want    []string // substrings of the repo's error
	// files, when set, make a zip of these entries and no hostile entry:
	// names that are not canonical paths, or name one path twice.
	files []ghsim.FileSpec
}

// hostileCases aims every hostile entry at root (the test's temp tree), so a
// careless extractor would leave a file there.
func hostileCases(root string) []hostileCase {
	climb := strings.Repeat("../", 24) + strings.TrimPrefix(root, "/")
	return []hostileCase{
		{"slip", ghsim.HostileSpec{Kind: ghsim.HostileZipSlip, Target: climb + "/slip-evil"},
			[]string{`artifact "slip-bin"`, `entry "` + climb + `/slip-evil"`, `".." in path`}, nil},
		{"abs", ghsim.HostileSpec{Kind: ghsim.HostileAbsolutePath, Target: root + "/abs-evil"},
			[]string{`artifact "abs-bin"`, `entry "` + root + `/abs-evil"`, "absolute path"}, nil},
		{"link", ghsim.HostileSpec{Kind: ghsim.HostileSymlink, Target: root + "/outside"},
			[]string{`artifact "link-bin"`, `entry "link"`, "symlink"}, nil},
		{"bomb", ghsim.HostileSpec{Kind: ghsim.HostileZipBomb, Size: bombSize()},
			[]string{`artifact "bomb-bin"`, `entry "bomb.bin"`, "zip over limits"}, nil},
		{"lying", ghsim.HostileSpec{Kind: ghsim.HostileDigestMismatch},
			[]string{`artifact`, `"lying-bin"`, "digest mismatch"}, nil},
		// "d//b" lands on "d/b": it overwrote the first entry's bytes after
		// they were hashed, and the store kept them under that digest.
		{repo: "twice", files: []ghsim.FileSpec{{Name: "d/b", Size: 1 << 10}, {Name: "d//b", Size: 2 << 10}},
			want: []string{`artifact "twice-bin"`, `entry "d//b"`, "empty segment in path"}},
		{repo: "dotted", files: []ghsim.FileSpec{{Name: "./x", Size: 1 << 10}},
			want: []string{`artifact "dotted-bin"`, `entry "./x"`, `"." segment in path`}},
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
		art := ghsim.ArtifactSpec{Name: hc.repo + "-bin", Files: []ghsim.FileSpec{{Name: hc.repo, Size: 16 << 10}}, Hostile: &h}
		if hc.files != nil {
			art.Files, art.Hostile = hc.files, nil
		}
		sc.Repos = append(sc.Repos, ghsim.RepoScenario{Name: hc.repo, Artifacts: []ghsim.ArtifactSpec{art}})
		yaml += "  - name: " + hc.repo + "\n"
	}
	train, err := config.Parse("hostile.yaml", []byte(yaml))
	require.NoError(t, err)
	for i := range train.Repos {
		train.Repos[i].Settings.PollInterval = 200 * time.Millisecond
	}

	before := snapshot(t, root, store, work)
	s := devstack.StartTest(t, devstack.Options{Train: train, Sim: ghsim.Options{Scenario: sc, Seed: 5},
		StoreURL: "file://" + store + "?create_dir=1&no_tmp_dir=1", WorkDir: work})
	sim, c := s.Sim, s.Client

	const tag = "v5.0.0"
	run := traintest.StartTrain(t, c, tag, *train)
	var st contract.Status
	require.Eventually(t, func() bool {
		v, err := c.QueryWorkflow(context.Background(), run.GetID(), "", contract.QueryStatus)
		if err != nil || v.Get(&st) != nil {
			return false
		}
		return st.State == contract.StateBlocked && len(st.Blocked) == len(cases) &&
			st.Repos["good"].State == contract.RepoSucceeded
	}, time.Minute, 100*time.Millisecond, "train blocked on every hostile repo")

	for _, hc := range cases {
		rs := st.Repos[hc.repo]
		assert.Equal(t, contract.RepoFailed, rs.State, hc.repo)
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
	assertStoreKeysMatchContent(t, store)
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

// assertStoreKeysMatchContent checks that every object of a file store
// holds the bytes its key names: nothing poisoned the store.
func assertStoreKeysMatchContent(t *testing.T, store string) {
	t.Helper()
	objects := 0
	err := filepath.WalkDir(filepath.Join(store, "sha256"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, ".attrs") {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		assert.Equal(t, filepath.Base(p), hex.EncodeToString(sum[:]), "store object %s", p)
		objects++
		return nil
	})
	require.NoError(t, err)
	require.Positive(t, objects, "the good repo's files are in the store")
}
