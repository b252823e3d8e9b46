package activities

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/BTCDecoded/releasetrain/assetname"
	"github.com/BTCDecoded/releasetrain/bundle"
	"github.com/BTCDecoded/releasetrain/contract"
	"github.com/BTCDecoded/releasetrain/provenance"
)

// collectTwoRepos collects one run each of two repos that both ship "README.md".
func collectTwoRepos(t *testing.T, env *testsuite.TestActivityEnvironment, a *Activities, gh *fakeGitHub) []RepoResult {
	t.Helper()
	var out []RepoResult
	for i, repo := range []string{"bllvm-consensus", "bllvm-node"} {
		gh.artifacts = map[string]map[string]string{
			repo + "-linux": {repo: repo + " binary", "README.md": "readme of " + repo},
		}
		gh.exec = map[string]bool{repo: true}
		run := contract.RunRef{Owner: "BTCDecoded", Repo: repo, ID: int64(10 + i), Attempt: 1, HeadSHA: strings.Repeat("c0ffee"[i:i+1], 40), URL: fmt.Sprintf("https://github.com/BTCDecoded/%s/actions/runs/%d", repo, 10+i)}
		val, err := env.ExecuteActivity(a.CollectArtifacts, CollectInput{Run: run})
		require.NoError(t, err)
		var res CollectResult
		require.NoError(t, val.Get(&res))
		out = append(out, RepoResult{Repo: repo, Run: run, Attempts: 1, Manifest: &res.Manifest, Conclusion: "success",
			Workflow: "build.yml", ArtifactsSHA256: res.ArtifactsSHA256})
	}
	return out
}

func TestPackageAndPublish(t *testing.T) {
	gh := &fakeGitHub{}
	env, a := newEnv(t, gh)
	a.Signers = testSigners(t)
	provKey, provPub := filepath.Join(t.TempDir(), "prov.pem"), filepath.Join(t.TempDir(), "prov.pub.pem")
	require.NoError(t, provenance.GenerateKeyFiles(provenance.AlgorithmEd25519, provKey, provPub))
	var err error
	a.ProvenanceSigner, err = provenance.LoadSignerFile(provKey)
	require.NoError(t, err)
	repos := collectTwoRepos(t, env, a, gh)
	repos = append(repos, RepoResult{Repo: "commons", Skipped: true, SkipReason: "operator skip"})
	in := PackageInput{Owner: "BTCDecoded", ReleaseRepo: "bllvm-consensus", Name: "btcdecoded", Tag: "v1.2.3",
		Time: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC), Repos: repos, GenerateNotes: true}

	val, err := env.ExecuteActivity(a.PackageRelease, in)
	require.NoError(t, err)
	var pkg PackageResult
	require.NoError(t, val.Get(&pkg))

	byName := map[string]Asset{}
	for _, as := range pkg.Assets {
		byName[as.Name] = as
	}
	for _, want := range []string{"bllvm-consensus", "bllvm-node", "bllvm-consensus-README.md", "bllvm-node-README.md",
		"btcdecoded-v1.2.3.tar.gz", "btcdecoded-v1.2.3.intoto.jsonl", assetname.Sums, assetname.SumsSignature} {
		assert.Contains(t, byName, want)
	}
	assert.Len(t, pkg.Assets, 8)

	ctx := context.Background()
	sums, err := a.getBytes(ctx, byName[assetname.Sums].SHA256)
	require.NoError(t, err)
	lines, err := bundle.ParseSHA256SUMS(sums)
	require.NoError(t, err)
	require.Len(t, lines, 6, "every artifact, the bundle and the provenance")
	for _, l := range lines {
		assert.Equal(t, byName[l.Name].SHA256, l.SHA256, l.Name)
	}
	sigs, err := a.getBytes(ctx, byName[assetname.SumsSignature].SHA256)
	require.NoError(t, err)
	_, err = openpgp.CheckArmoredDetachedSignature(signerRing(a.Signers), bytes.NewReader(sums), bytes.NewReader(sigs), nil)
	require.NoError(t, err, "SHA256SUMS.asc verifies")

	tgz, err := a.getBytes(ctx, byName["btcdecoded-v1.2.3.tar.gz"].SHA256)
	require.NoError(t, err)
	assert.Equal(t, map[string]int64{
		"btcdecoded-v1.2.3/bllvm-consensus/README.md":       0o644,
		"btcdecoded-v1.2.3/bllvm-consensus/bllvm-consensus": 0o755,
		"btcdecoded-v1.2.3/bllvm-node/README.md":            0o644,
		"btcdecoded-v1.2.3/bllvm-node/bllvm-node":           0o755,
	}, tarFiles(t, tgz))

	// The provenance verifies with the key's public half, attests exactly
	// what SHA256SUMS lists besides itself, and records each member's run.
	prov, err := a.getBytes(ctx, byName["btcdecoded-v1.2.3.intoto.jsonl"].SHA256)
	require.NoError(t, err)
	v, err := provenance.LoadVerifierFile(provPub)
	require.NoError(t, err)
	opened, err := provenance.Open(ctx, prov, []*provenance.Verifier{v})
	require.NoError(t, err)
	require.NoError(t, provenance.CheckSums(opened.Summary, lines, "btcdecoded-v1.2.3.intoto.jsonl"))
	require.Len(t, opened.Members, 3)
	node := opened.Members[1]
	assert.Equal(t, "bllvm-node", node.Repo)
	assert.Equal(t, int64(11), node.RunID)
	assert.Equal(t, strings.Repeat("0", 40), node.Commit)
	assert.Equal(t, ".github/workflows/build.yml", node.Workflow)
	assert.Equal(t, "https://github.com/BTCDecoded/bllvm-node", node.RepoURL)
	assert.Equal(t, []provenance.Artifact{{Name: "bllvm-node-linux"}}, node.Artifacts)
	assert.True(t, opened.Members[2].Skipped)
	assert.Equal(t, "operator skip", opened.Members[2].SkipReason)

	notes, err := a.getBytes(ctx, pkg.NotesSHA256)
	require.NoError(t, err)
	assert.Contains(t, string(notes), "commons")
	assert.Contains(t, string(notes), "operator skip")
	assert.Contains(t, string(notes), "generated by the fake")
	assert.Equal(t, 1, gh.notesCall)

	// Packaging again gives the same bundle (deterministic) and stores nothing new.
	val, err = env.ExecuteActivity(a.PackageRelease, in)
	require.NoError(t, err)
	var again PackageResult
	require.NoError(t, val.Get(&again))
	assert.Equal(t, pkg.Assets[:7], again.Assets[:7], "Ed25519 signs the same provenance to the same bytes")

	_, err = env.ExecuteActivity(a.PublishRelease, PublishInput{Owner: "BTCDecoded", Repo: "bllvm-consensus", Tag: "v1.2.3",
		Title: "btcdecoded v1.2.3", Assets: pkg.Assets, NotesSHA256: pkg.NotesSHA256, Marker: "releasetrain"})
	require.NoError(t, err)
	assert.Equal(t, sums, gh.uploads[assetname.Sums])
	assert.Equal(t, tgz, gh.uploads["btcdecoded-v1.2.3.tar.gz"])
	assert.Len(t, gh.uploads, 8)
}

func TestPackageEveryRepoSkipped(t *testing.T) {
	env, a := newEnv(t, &fakeGitHub{})
	val, err := env.ExecuteActivity(a.PackageRelease, PackageInput{Owner: "o", ReleaseRepo: "r", Name: "o", Tag: "v1",
		Time: time.Unix(1, 0), Repos: []RepoResult{{Repo: "r", Skipped: true}}})
	require.NoError(t, err)
	var pkg PackageResult
	require.NoError(t, val.Get(&pkg))
	assert.Empty(t, pkg.Assets)
	assert.NotEmpty(t, pkg.NotesSHA256)
}

func TestPackageNothingCollected(t *testing.T) {
	env, a := newEnv(t, &fakeGitHub{})
	_, err := env.ExecuteActivity(a.PackageRelease, PackageInput{Owner: "o", ReleaseRepo: "r", Name: "o", Tag: "v1",
		Time: time.Unix(1, 0), Repos: []RepoResult{{Repo: "r"}}})
	var ae *temporal.ApplicationError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, BadInputErrorType, ae.Type())
	assert.Contains(t, ae.Error(), "no artifacts")
}

func testSigners(t *testing.T) []bundle.Signer {
	t.Helper()
	s, err := bundle.LoadSigners([][]byte{armoredKey(t, "Release Signer", "signer@example.org")}, nil)
	require.NoError(t, err)
	return s
}

func signerRing(signers []bundle.Signer) openpgp.EntityList {
	var ring openpgp.EntityList
	for _, s := range signers {
		ring = append(ring, s.Entity())
	}
	return ring
}

// tarFiles lists a tar.gz's regular files with their modes.
func tarFiles(t *testing.T, tgz []byte) map[string]int64 {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(tgz))
	require.NoError(t, err)
	tr := tar.NewReader(zr)
	out := map[string]int64{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		require.NoError(t, err)
		if h.Typeflag == tar.TypeReg && !strings.HasSuffix(h.Name, "/") {
			out[h.Name] = h.Mode
		}
	}
}

// The bundle's mtime is the release time of the input, never the worker's
// clock, and SOURCE_DATE_EPOCH (read by config, refused at the worker's
// start when invalid) overrides it as the README promises.
func TestPackageBundleTime(t *testing.T) {
	gh := &fakeGitHub{}
	env, a := newEnv(t, gh)
	repos := collectTwoRepos(t, env, a, gh)
	in := PackageInput{Owner: "BTCDecoded", ReleaseRepo: "bllvm-consensus", Name: "btcdecoded", Tag: "v1.2.3",
		Time: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC), Repos: repos}
	mtimes := func() map[time.Time]bool {
		t.Helper()
		val, err := env.ExecuteActivity(a.PackageRelease, in)
		require.NoError(t, err)
		var pkg PackageResult
		require.NoError(t, val.Get(&pkg))
		var tgz []byte
		for _, as := range pkg.Assets {
			if as.Name == "btcdecoded-v1.2.3.tar.gz" {
				tgz, err = a.getBytes(context.Background(), as.SHA256)
				require.NoError(t, err)
			}
		}
		require.NotNil(t, tgz)
		zr, err := gzip.NewReader(bytes.NewReader(tgz))
		require.NoError(t, err)
		tr := tar.NewReader(zr)
		out := map[time.Time]bool{}
		for {
			h, err := tr.Next()
			if err == io.EOF {
				return out
			}
			require.NoError(t, err)
			out[h.ModTime.UTC()] = true
		}
	}

	assert.Equal(t, map[time.Time]bool{in.Time: true}, mtimes(), "the input's release time")

	a.SourceDateEpoch = time.Unix(1700000000, 0).UTC()
	assert.Equal(t, map[time.Time]bool{time.Unix(1700000000, 0).UTC(): true}, mtimes(), "SOURCE_DATE_EPOCH")
}
