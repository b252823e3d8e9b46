package traintest

import (
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/BTCDecoded/releasetrain/assetname"
	"github.com/BTCDecoded/releasetrain/bundle"
	"github.com/BTCDecoded/releasetrain/config"
	"github.com/BTCDecoded/releasetrain/contract"
	"github.com/BTCDecoded/releasetrain/ghsim"
)

// VerifyRelease checks the published unified release: the train succeeded,
// exactly one dispatch per repo, every repo's artifacts and SHA256SUMS on
// the release, SHA256SUMS matching the stored bytes of every asset, and
// every asset uploaded once. SHA256SUMS.asc, when the worker signs, is the
// one asset besides SHA256SUMS not listed in it. It returns SHA256SUMS'
// lines keyed by name.
func VerifyRelease(t testing.TB, sim *ghsim.Sim, train config.Train, tag string, st contract.Status) map[string]string {
	t.Helper()
	assert.Equal(t, contract.StateSucceeded, st.State, "release state (error %q)", st.Error)
	for _, repo := range train.Repos {
		assert.Equal(t, contract.RepoSucceeded, st.Repos[repo.Name].State, repo.Name)
	}

	stats := sim.Stats()
	for _, repo := range train.Repos {
		assert.Equal(t, 1, stats.Dispatches[train.Owner+"/"+repo.Name], "dispatches of %s", repo.Name)
	}
	assert.Len(t, stats.Dispatches, len(train.Repos))

	rel, ok := sim.Release(train.Owner, train.Release.Repo, tag)
	require.True(t, ok, "unified release %s on %s", tag, train.Release.Repo)
	assert.False(t, rel.Draft, "published")
	assert.Equal(t, rel.HTMLURL, st.ReleaseURL)

	sums, err := sim.ReleaseAsset(train.Owner, train.Release.Repo, tag, assetname.Sums)
	require.NoError(t, err)
	lines, err := bundle.ParseSHA256SUMS(sums)
	require.NoError(t, err)
	want := map[string]string{}
	for _, l := range lines {
		want[l.Name] = l.SHA256
	}

	var names []string
	for _, a := range rel.Assets {
		data, err := sim.ReleaseAsset(train.Owner, train.Release.Repo, tag, a.Name)
		require.NoError(t, err)
		if a.Name == assetname.Sums || a.Name == assetname.SumsSignature {
			continue
		}
		names = append(names, a.Name)
		sum := sha256.Sum256(data)
		assert.Equal(t, want[a.Name], hex.EncodeToString(sum[:]), "SHA256SUMS line of %s", a.Name)
	}
	sort.Strings(names)
	assert.Len(t, names, len(want), "every asset but SHA256SUMS(.asc) is listed in it: %v", names)

	// Every repo's binary and README made it, and the bundle.
	for _, repo := range train.Repos {
		assert.Contains(t, want, repo.Name, "binary of %s", repo.Name)
		assert.Contains(t, want, repo.Name+"-README.md", "README of %s", repo.Name)
	}
	assert.Contains(t, want, assetname.Bundle(train.Release.Name, tag))

	// Every asset was uploaded, each once.
	uploads := stats.Uploads[train.Owner+"/"+train.Release.Repo+"@"+tag]
	assert.Len(t, uploads, len(rel.Assets), "every asset uploaded")
	for name, n := range uploads {
		assert.Equal(t, 1, n, "uploads of %s", name)
	}
	return want
}

// ArtifactSums drops the bundle (its bytes carry the train's start time)
// and the provenance (it records the train's run and times) from SHA256SUMS lines.
func ArtifactSums(sums map[string]string) map[string]string {
	out := map[string]string{}
	for name, sum := range sums {
		if !strings.HasSuffix(name, ".tar.gz") && !strings.HasSuffix(name, ".intoto.jsonl") {
			out[name] = sum
		}
	}
	return out
}
