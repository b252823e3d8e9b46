package activities

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"gocloud.dev/blob"
	"gocloud.dev/blob/fileblob"

	"github.com/BTCDecoded/releasetrain/contract"
)

// requireBadInput checks err is a non-retryable BadInput whose text holds every want.
func requireBadInput(t *testing.T, err error, want ...string) {
	t.Helper()
	var ae *temporal.ApplicationError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, BadInputErrorType, ae.Type(), err.Error())
	assert.True(t, ae.NonRetryable(), err.Error())
	for _, w := range want {
		assert.Contains(t, err.Error(), w)
	}
}

// Entries that name one path twice ("d/b" and "d//b"), or that are not
// canonical ("./x"), are refused when the build's artifacts are collected,
// not at packaging after every later build ran; nothing lands in the store.
func TestCollectRefusesNonCanonicalEntries(t *testing.T) {
	for _, c := range []struct {
		give  map[string]string
		want  []string
		bySum bool // refused after the files were stored (by digest, harmless)
	}{
		{give: map[string]string{"d/b": "first", "d//b": "second"}, want: []string{`"d//b"`, "empty segment"}},
		{give: map[string]string{"./x": "x"}, want: []string{`"./x"`, `"." segment`}},
		// One base name twice: their release assets could not be told apart.
		{give: map[string]string{"a/x": "1", "b/x": "2"}, want: []string{`"docs"`, `"a/x"`, `"b/x"`}, bySum: true},
	} {
		gh := &fakeGitHub{artifacts: map[string]map[string]string{"docs": c.give}}
		env, a := newEnv(t, gh)
		_, err := env.ExecuteActivity(a.CollectArtifacts, CollectInput{Run: contract.RunRef{Owner: "o", Repo: "r", ID: 1}})
		requireBadInput(t, err, append(c.want, "o/r#1")...)
		if !c.bySum {
			assert.Zero(t, countObjects(t, a.Store), "nothing stored for %v", c.give)
		}
	}
}

// The store keys what it keeps by the bytes it wrote: a file whose content
// changed after it was hashed (as "d//b" overwrote "d/b" on disk) is
// refused, naming the file, and its claimed key stays empty, so no later
// train can take the wrong bytes for the digest.
func TestPutFileRefusesBytesOtherThanClaimed(t *testing.T) {
	dir, err := fileblob.OpenBucket(t.TempDir(), &fileblob.Options{NoTempDir: true})
	require.NoError(t, err)
	t.Cleanup(func() { _ = dir.Close() })
	for name, bucket := range map[string]*blob.Bucket{"memory": nil, "file": dir} {
		t.Run(name, func(t *testing.T) {
			_, a := newEnv(t, &fakeGitHub{})
			if bucket != nil {
				a.Store = bucket
			}
			ctx := context.Background()
			p := filepath.Join(t.TempDir(), "d", "b")
			require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
			require.NoError(t, os.WriteFile(p, []byte("second"), 0o644))
			claimed := sha([]byte("first"))

			err := a.putFile(ctx, p, claimed, false)
			requireBadInput(t, err, p, claimed, sha([]byte("second")))
			ok, err := a.Store.Exists(ctx, contract.StoreKey(claimed))
			require.NoError(t, err)
			assert.False(t, ok, "the poisoned object must not land under the claimed key")
			assert.Zero(t, countObjects(t, a.Store), "no partial object either")

			require.NoError(t, a.putFile(ctx, p, sha([]byte("second")), false))
			got, err := a.Store.ReadAll(ctx, contract.StoreKey(sha([]byte("second"))))
			require.NoError(t, err)
			assert.Equal(t, "second", string(got))
		})
	}
}

// A manifest is canonical JSON under its digest; loading it checks the
// digest, the encoding and the reference's counts.
func TestManifestRoundTripAndChecks(t *testing.T) {
	_, a := newEnv(t, &fakeGitHub{})
	ctx := context.Background()
	files := []contract.File{
		{Repo: "r", Name: "z", Size: 3, SHA256: sha([]byte("zzz"))},
		{Repo: "r", Name: "a/b", Size: 1, SHA256: sha([]byte("b")), Executable: true},
	}
	for i := range 10 {
		files = append(files, contract.File{Repo: "r", Name: fmt.Sprintf("m%02d", i), Size: int64(i), SHA256: sha([]byte{byte(i)})})
	}
	ref, err := a.putManifest(ctx, files)
	require.NoError(t, err)
	assert.Equal(t, 12, ref.Files)
	assert.Equal(t, int64(4+45), ref.Bytes)
	require.Len(t, ref.First, contract.ManifestPreview)
	assert.Equal(t, "a/b", ref.First[0].Name)

	again, err := a.putManifest(ctx, []contract.File{files[11], files[1], files[0], files[2], files[3], files[4], files[5], files[6], files[7], files[8], files[9], files[10]})
	require.NoError(t, err)
	assert.Equal(t, ref.SHA256, again.SHA256, "one encoding whatever the order")

	got, err := a.LoadManifest(ctx, ref)
	require.NoError(t, err)
	require.Len(t, got, 12)
	assert.Equal(t, "a/b", got[0].Name)
	assert.Equal(t, "z", got[11].Name)

	lying := ref
	lying.Files = 11
	_, err = a.LoadManifest(ctx, lying)
	requireBadInput(t, err, "12 files", contract.StoreKey(ref.SHA256))

	// Bytes stored under the manifest's key that are not the manifest.
	require.NoError(t, a.Store.WriteAll(ctx, contract.StoreKey(ref.SHA256), []byte(`{"files":[]}`), nil))
	_, err = a.LoadManifest(ctx, ref)
	requireBadInput(t, err, contract.StoreKey(ref.SHA256), "hashes to")

	// A valid digest over a list that is not canonical (unsorted).
	unsorted := []byte(`{"files":[{"repo":"r","name":"b","size":0,"sha256":"x"},{"repo":"r","name":"a","size":0,"sha256":"y"}]}`)
	usha, err := a.putBytes(ctx, unsorted)
	require.NoError(t, err)
	_, err = a.LoadManifest(ctx, contract.ManifestRef{SHA256: usha, Files: 2})
	requireBadInput(t, err, "canonical")

	_, err = a.putManifest(ctx, []contract.File{{Name: "x"}, {Name: "x"}})
	requireBadInput(t, err, `"x" listed twice`)
}

// RepoFiles reads a manifest, or the inline list of results recorded
// before manifests.
func TestRepoFilesReadsManifestOrLegacyList(t *testing.T) {
	_, a := newEnv(t, &fakeGitHub{})
	ctx := context.Background()
	files := []contract.File{{Repo: "r", Name: "x", Size: 1, SHA256: sha([]byte("x"))}}
	ref, err := a.putManifest(ctx, files)
	require.NoError(t, err)
	got, err := a.RepoFiles(ctx, RepoResult{Repo: "r", Manifest: &ref})
	require.NoError(t, err)
	assert.Equal(t, files, got)
	got, err = a.RepoFiles(ctx, RepoResult{Repo: "r", Files: files})
	require.NoError(t, err)
	assert.Equal(t, files, got)
	got, err = a.RepoFiles(ctx, RepoResult{Repo: "r", Skipped: true})
	require.NoError(t, err)
	assert.Empty(t, got)
	_, err = a.RepoFiles(ctx, RepoResult{Repo: "r", Manifest: &contract.ManifestRef{SHA256: sha([]byte("nothing")), Files: 1}})
	requireBadInput(t, err, "object not found")
}

// A repo's files beyond what a GitHub release can hold are refused at
// collection; a train whose repos together pass it, at packaging.
func TestAssetLimit(t *testing.T) {
	many := func(prefix string, n int) map[string]string {
		m := make(map[string]string, n)
		for i := range n {
			m[fmt.Sprintf("%s%04d", prefix, i)] = ""
		}
		return m
	}
	gh := &fakeGitHub{artifacts: map[string]map[string]string{"docs": many("p", MaxRepoFiles+1)}}
	env, a := newEnv(t, gh)
	_, err := env.ExecuteActivity(a.CollectArtifacts, CollectInput{Run: contract.RunRef{Owner: "o", Repo: "r", ID: 1}})
	requireBadInput(t, err, fmt.Sprintf("more than %d files", MaxRepoFiles), `"docs"`)

	var repos []RepoResult
	for i, name := range []string{"one", "two"} {
		gh.artifacts = map[string]map[string]string{"docs": many(name, MaxReleaseAssets/2)}
		val, err := env.ExecuteActivity(a.CollectArtifacts, CollectInput{Run: contract.RunRef{Owner: "o", Repo: name, ID: int64(i)}})
		require.NoError(t, err)
		var res CollectResult
		require.NoError(t, val.Get(&res))
		repos = append(repos, RepoResult{Repo: name, Manifest: &res.Manifest})
	}
	_, err = env.ExecuteActivity(a.PackageRelease, PackageInput{Owner: "o", ReleaseRepo: "one", Name: "o", Tag: "v1",
		Time: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC), Repos: repos})
	requireBadInput(t, err, fmt.Sprintf("%d files", MaxReleaseAssets), fmt.Sprintf("at most %d", MaxReleaseAssets))
	assert.False(t, strings.Contains(err.Error(), "listed twice"))
}
