package ghsim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/google/go-github/v62/github"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNormalizeAssetName(t *testing.T) {
	tests := []struct{ give, want string }{
		{"bllvm-1.2.3+linux_x86-64.tar.gz", "bllvm-1.2.3+linux_x86-64.tar.gz"},                       // kept as is
		{"The Brain.js", "The.Brain.js"},                                                             // github-release#93
		{"tobwen-1.1.0-1~buster_amd64.deb", "tobwen-1.1.0-1.buster_amd64.deb"},                       // action-gh-release#159
		{"app.prod-v1.3.0-(15-5)-6064eac-release.apk", "app.prod-v1.3.0-.15-5.-6064eac-release.apk"}, // upload-release-asset#57
		{"fake.      file.txt", "fake.file.txt"},                                                     // electron/forge#1761
		{"erick%%%%%!!!zhao.txt", "erick.zhao.txt"},                                                  // electron/forge#1761
		{"a5_ð_æ_©_ŋ.txt", "a5_d_ae_._ng.txt"},                                                       // travis-ci/dpl#821
		{"a5_żółw.txt", "a5_zolw.txt"},
		{"a5_ !#$%&'(),-.0123;=@AZ[]^_`az{}~.txt", "a5_.-.0123.AZ._.az.txt"}, // travis-ci/dpl#821, + left out
		{".hidden.", "hidden"},
		{"..a..b..", "a.b"},
		{"SHA256SUMS", "SHA256SUMS"},
		{"...", ""},
		{"", ""},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, normalizeAssetName(tt.give), tt.give)
	}
}

func TestUploadRenamesAsset(t *testing.T) {
	e := setup(t, Options{ManualClock: true})
	rel, _, err := e.gh.Repositories.CreateRelease(e.ctx, "acme", "app", &github.RepositoryRelease{TagName: github.String("v1"), Draft: github.Bool(true)})
	require.NoError(t, err)
	upload := func(name string) (*github.ReleaseAsset, *github.Response, error) {
		return e.gh.Repositories.UploadReleaseAsset(e.ctx, "acme", "app", rel.GetID(), &github.UploadOptions{Name: name}, tempFile(t, "f", []byte("data")))
	}
	a, resp, err := upload("my app (1)~x.tar.gz")
	require.NoError(t, err)
	assert.Equal(t, http.StatusCreated, resp.StatusCode)
	assert.Equal(t, "my.app.1.x.tar.gz", a.GetName(), "the upload answer has the renamed name")
	list, _, err := e.gh.Repositories.ListReleaseAssets(e.ctx, "acme", "app", rel.GetID(), nil)
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.Equal(t, "my.app.1.x.tar.gz", list[0].GetName(), "and so do listings")
	info, _ := e.sim.Release("acme", "app", "v1")
	assert.Equal(t, "my.app.1.x.tar.gz", info.Assets[0].Name)
	assert.Equal(t, map[string]int{"my.app.1.x.tar.gz": 1}, e.sim.Stats().Uploads["acme/app@v1"])

	// Another name that renames to the same one is taken.
	_, _, err = upload("my app [1] x.tar.gz")
	assert.Equal(t, "ReleaseAsset/name/already_exists", validationCode(t, err))
	// A name with nothing left is missing.
	_, resp, err = upload("...")
	require.Error(t, err)
	assert.Equal(t, http.StatusUnprocessableEntity, status(resp))
	assert.Equal(t, "ReleaseAsset/name/missing_field", validationCode(t, err))
}

// assetDigest is the raw digest field of an asset's JSON (go-github v62 has none).
func assetDigest(t *testing.T, e *env, id int64) (present bool, digest *string) {
	t.Helper()
	code, body := raw(t, e, "GET", fmt.Sprintf("/api/v3/repos/acme/app/releases/assets/%d", id), "")
	require.Equal(t, http.StatusOK, code, body)
	var m map[string]json.RawMessage
	require.NoError(t, json.Unmarshal([]byte(body), &m))
	d, ok := m["digest"]
	if !ok {
		return false, nil
	}
	require.NoError(t, json.Unmarshal(d, &digest))
	return true, digest
}

func TestOmitAssetDigest(t *testing.T) {
	sc := testScenario(t)
	sc.OmitAssetDigest = true
	e := setup(t, Options{ManualClock: true, Scenario: sc})
	rel, _, err := e.gh.Repositories.CreateRelease(e.ctx, "acme", "app", &github.RepositoryRelease{TagName: github.String("v1"), Draft: github.Bool(true)})
	require.NoError(t, err)
	old, _, err := e.gh.Repositories.UploadReleaseAsset(e.ctx, "acme", "app", rel.GetID(), &github.UploadOptions{Name: "old.txt"}, tempFile(t, "old.txt", []byte("old")))
	require.NoError(t, err)
	present, digest := assetDigest(t, e, old.GetID())
	assert.True(t, present, "digest is there, as null")
	assert.Nil(t, digest)
	code, body := raw(t, e, "GET", fmt.Sprintf("/api/v3/repos/acme/app/releases/%d", rel.GetID()), "")
	require.Equal(t, http.StatusOK, code)
	assert.Contains(t, body, `"digest":null`, "in the release's assets too")
	info, _ := e.sim.Release("acme", "app", "v1")
	assert.Regexp(t, `^sha256:[0-9a-f]{64}$`, info.Assets[0].Digest, "the Go API still knows the content's digest")

	// Assets uploaded once the option is off carry a digest; the old one stays null.
	require.NoError(t, e.sim.SetScenario(testScenario(t)))
	recent, _, err := e.gh.Repositories.UploadReleaseAsset(e.ctx, "acme", "app", rel.GetID(), &github.UploadOptions{Name: "new.txt"}, tempFile(t, "new.txt", []byte("new")))
	require.NoError(t, err)
	_, digest = assetDigest(t, e, recent.GetID())
	require.NotNil(t, digest)
	assert.Equal(t, "sha256:11507a0e2f5e69d5dfa40a62a1bd7b6ee57e6bcd85c67c9b8431b36fff21c437", *digest)
	_, digest = assetDigest(t, e, old.GetID())
	assert.Nil(t, digest)
}
