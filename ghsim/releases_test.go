package ghsim

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-github/v62/github"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func tempFile(t *testing.T, name string, data []byte) *os.File {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(p, data, 0o644))
	f, err := os.Open(p)
	require.NoError(t, err)
	t.Cleanup(func() { f.Close() })
	return f
}

func validationCode(t *testing.T, err error) string {
	t.Helper()
	var er *github.ErrorResponse
	require.ErrorAs(t, err, &er)
	require.Len(t, er.Errors, 1)
	return er.Errors[0].Resource + "/" + er.Errors[0].Field + "/" + er.Errors[0].Code
}

func TestReleaseDraftUploadPublish(t *testing.T) {
	e := setup(t, Options{ManualClock: true})
	rel, resp, err := e.gh.Repositories.CreateRelease(e.ctx, "acme", "app", &github.RepositoryRelease{
		TagName: github.String("v1.0.0"), Name: github.String("v1.0.0"), Draft: github.Bool(true),
	})
	require.NoError(t, err)
	assert.Equal(t, http.StatusCreated, resp.StatusCode)
	assert.True(t, rel.GetDraft())

	_, _, err = e.gh.Repositories.CreateRelease(e.ctx, "acme", "app", &github.RepositoryRelease{TagName: github.String("v1.0.0")})
	assert.Equal(t, "Release/tag_name/already_exists", validationCode(t, err))

	// Drafts are not found by tag, only by listing.
	_, resp, err = e.gh.Repositories.GetReleaseByTag(e.ctx, "acme", "app", "v1.0.0")
	require.Error(t, err)
	assert.Equal(t, http.StatusNotFound, status(resp))
	list, _, err := e.gh.Repositories.ListReleases(e.ctx, "acme", "app", nil)
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.Equal(t, rel.GetID(), list[0].GetID())

	data := []byte("sums\n")
	a, resp, err := e.gh.Repositories.UploadReleaseAsset(e.ctx, "acme", "app", rel.GetID(), &github.UploadOptions{Name: "SHA256SUMS"}, tempFile(t, "SHA256SUMS", data))
	require.NoError(t, err)
	assert.Equal(t, http.StatusCreated, resp.StatusCode)
	assert.Equal(t, 5, a.GetSize())
	_, _, err = e.gh.Repositories.UploadReleaseAsset(e.ctx, "acme", "app", rel.GetID(), &github.UploadOptions{Name: "SHA256SUMS"}, tempFile(t, "SHA256SUMS", data))
	assert.Equal(t, "ReleaseAsset/name/already_exists", validationCode(t, err))

	rc, redirect, err := e.gh.Repositories.DownloadReleaseAsset(e.ctx, "acme", "app", a.GetID(), e.srv.Client())
	require.NoError(t, err)
	assert.Empty(t, redirect)
	got, err := io.ReadAll(rc)
	rc.Close()
	require.NoError(t, err)
	assert.Equal(t, data, got)

	rel, _, err = e.gh.Repositories.EditRelease(e.ctx, "acme", "app", rel.GetID(), &github.RepositoryRelease{Draft: github.Bool(false)})
	require.NoError(t, err)
	assert.False(t, rel.GetDraft())
	assert.NotNil(t, rel.PublishedAt)
	byTag, _, err := e.gh.Repositories.GetReleaseByTag(e.ctx, "acme", "app", "v1.0.0")
	require.NoError(t, err)
	require.Len(t, byTag.Assets, 1)
	latest, _, err := e.gh.Repositories.GetLatestRelease(e.ctx, "acme", "app")
	require.NoError(t, err)
	assert.Equal(t, rel.GetID(), latest.GetID())

	info, ok := e.sim.Release("acme", "app", "v1.0.0")
	require.True(t, ok)
	sum := sha256.Sum256(data)
	require.Len(t, info.Assets, 1)
	assert.Equal(t, AssetInfo{ID: a.GetID(), Name: "SHA256SUMS", ContentType: "application/octet-stream", Size: 5, Digest: "sha256:" + hex.EncodeToString(sum[:]), Uploads: 1}, info.Assets[0])
	stored, err := e.sim.ReleaseAsset("acme", "app", "v1.0.0", "SHA256SUMS")
	require.NoError(t, err)
	assert.Equal(t, data, stored)

	resp, err = e.gh.Repositories.DeleteReleaseAsset(e.ctx, "acme", "app", a.GetID())
	require.NoError(t, err)
	assert.Equal(t, http.StatusNoContent, resp.StatusCode)
	assets, _, err := e.gh.Repositories.ListReleaseAssets(e.ctx, "acme", "app", rel.GetID(), nil)
	require.NoError(t, err)
	assert.Empty(t, assets)

	notes, _, err := e.gh.Repositories.GenerateReleaseNotes(e.ctx, "acme", "app", &github.GenerateNotesOptions{TagName: "v1.1.0"})
	require.NoError(t, err)
	assert.Equal(t, "v1.1.0", notes.Name)
	assert.Contains(t, notes.Body, "compare/v1.0.0...v1.1.0")
	st := e.sim.Stats()
	assert.Equal(t, map[string]int{"SHA256SUMS": 1}, st.Uploads["acme/app@v1.0.0"])
	assert.Equal(t, 1, st.Requests["GET /repos/{owner}/{repo}/releases/{release_id}/assets"]["200"])
}

func TestImmutableReleaseRejectsUploads(t *testing.T) {
	sc := testScenario(t)
	sc.ImmutableReleases = true
	e := setup(t, Options{ManualClock: true, Scenario: sc})
	rel, _, err := e.gh.Repositories.CreateRelease(e.ctx, "acme", "app", &github.RepositoryRelease{TagName: github.String("v1")})
	require.NoError(t, err)
	_, resp, err := e.gh.Repositories.UploadReleaseAsset(e.ctx, "acme", "app", rel.GetID(), &github.UploadOptions{Name: "x.txt"}, tempFile(t, "x.txt", []byte("x")))
	require.Error(t, err)
	assert.Equal(t, http.StatusUnprocessableEntity, status(resp))
	assert.Contains(t, err.Error(), "immutable")
}
