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

// immutableScenario: the organisation enforces immutable releases; lib opts out.
func immutableScenario(t *testing.T) *Scenario {
	t.Helper()
	sc := testScenario(t)
	sc.ImmutableReleases = true
	off := false
	sc.Repos[1].ImmutableReleases = &off
	return sc
}

func immutableSetting(t *testing.T, e *env, repo string) (int, map[string]bool) {
	t.Helper()
	code, body := raw(t, e, "GET", "/api/v3/repos/acme/"+repo+"/immutable-releases", "")
	var out map[string]bool
	if code == http.StatusOK {
		require.NoError(t, json.Unmarshal([]byte(body), &out))
	}
	return code, out
}

// releaseImmutable is the release JSON's immutable field (go-github v62 has none).
func releaseImmutable(t *testing.T, e *env, repo string, id int64) bool {
	t.Helper()
	code, body := raw(t, e, "GET", fmt.Sprintf("/api/v3/repos/acme/%s/releases/%d", repo, id), "")
	require.Equal(t, http.StatusOK, code, body)
	var rel struct {
		Immutable *bool `json:"immutable"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &rel))
	require.NotNil(t, rel.Immutable, "immutable is always present")
	return *rel.Immutable
}

func TestImmutableReleasesSettingPerRepo(t *testing.T) {
	e := setup(t, Options{ManualClock: true, Scenario: immutableScenario(t)})
	code, app := immutableSetting(t, e, "app")
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, map[string]bool{"enabled": true, "enforced_by_owner": true}, app)
	_, lib := immutableSetting(t, e, "lib")
	assert.Equal(t, map[string]bool{"enabled": false, "enforced_by_owner": false}, lib)
	code, _ = immutableSetting(t, e, "nope")
	assert.Equal(t, http.StatusNotFound, code)

	// A repo's own setting without an organisation policy is not enforced by the owner.
	sc := testScenario(t)
	on := true
	sc.Repos[0].ImmutableReleases = &on
	require.NoError(t, e.sim.SetScenario(sc))
	_, app = immutableSetting(t, e, "app")
	assert.Equal(t, map[string]bool{"enabled": true, "enforced_by_owner": false}, app)
	_, lib = immutableSetting(t, e, "lib")
	assert.Equal(t, map[string]bool{"enabled": false, "enforced_by_owner": false}, lib)
}

func TestImmutableReleaseRules(t *testing.T) {
	e := setup(t, Options{ManualClock: true, Scenario: immutableScenario(t)})
	upload := func(id int64, name string) (*github.ReleaseAsset, *github.Response, error) {
		return e.gh.Repositories.UploadReleaseAsset(e.ctx, "acme", "app", id, &github.UploadOptions{Name: name}, tempFile(t, name, []byte(name)))
	}

	// A draft is mutable: uploads and deletes work, immutable is false.
	rel, _, err := e.gh.Repositories.CreateRelease(e.ctx, "acme", "app", &github.RepositoryRelease{TagName: github.String("v1"), Draft: github.Bool(true)})
	require.NoError(t, err)
	assert.False(t, releaseImmutable(t, e, "app", rel.GetID()))
	a, _, err := upload(rel.GetID(), "a.txt")
	require.NoError(t, err)
	b, _, err := upload(rel.GetID(), "b.txt")
	require.NoError(t, err)
	_, err = e.gh.Repositories.DeleteReleaseAsset(e.ctx, "acme", "app", b.GetID())
	require.NoError(t, err)

	rel, _, err = e.gh.Repositories.EditRelease(e.ctx, "acme", "app", rel.GetID(), &github.RepositoryRelease{Draft: github.Bool(false)})
	require.NoError(t, err)
	assert.True(t, releaseImmutable(t, e, "app", rel.GetID()), "published while the setting is on")

	refused := func(resp *github.Response, err error, msg string) {
		t.Helper()
		require.Error(t, err)
		assert.Equal(t, http.StatusUnprocessableEntity, status(resp))
		var er *github.ErrorResponse
		require.ErrorAs(t, err, &er)
		assert.Equal(t, msg, er.Message)
	}
	_, resp, err := upload(rel.GetID(), "c.txt")
	refused(resp, err, "Cannot upload assets to an immutable release")
	resp, err = e.gh.Repositories.DeleteReleaseAsset(e.ctx, "acme", "app", a.GetID())
	refused(resp, err, "Cannot delete assets of an immutable release")
	_, resp, err = e.gh.Repositories.EditRelease(e.ctx, "acme", "app", rel.GetID(), &github.RepositoryRelease{TagName: github.String("v1.0")})
	refused(resp, err, "Cannot change the tag of an immutable release")
	_, resp, err = e.gh.Repositories.EditRelease(e.ctx, "acme", "app", rel.GetID(), &github.RepositoryRelease{Draft: github.Bool(true)})
	refused(resp, err, "Cannot convert an immutable release to a draft")

	// Title, notes and the flags stay editable.
	rel, _, err = e.gh.Repositories.EditRelease(e.ctx, "acme", "app", rel.GetID(), &github.RepositoryRelease{
		Name: github.String("new title"), Body: github.String("new notes"), Prerelease: github.Bool(true), MakeLatest: github.String("false"),
	})
	require.NoError(t, err)
	assert.Equal(t, "new title", rel.GetName())
	assert.Equal(t, "new notes", rel.GetBody())
	assert.True(t, rel.GetPrerelease())
	info, _ := e.sim.Release("acme", "app", "v1")
	assert.True(t, info.Immutable)
	require.Len(t, info.Assets, 1, "the refused upload and delete changed nothing")
	assert.Equal(t, "a.txt", info.Assets[0].Name)

	// Immutability is fixed at publish: turning the setting off later keeps v1
	// immutable; a release published afterwards is mutable.
	require.NoError(t, e.sim.SetScenario(testScenario(t)))
	_, resp, err = upload(rel.GetID(), "late.txt")
	refused(resp, err, "Cannot upload assets to an immutable release")
	v2, _, err := e.gh.Repositories.CreateRelease(e.ctx, "acme", "app", &github.RepositoryRelease{TagName: github.String("v2")})
	require.NoError(t, err)
	assert.False(t, releaseImmutable(t, e, "app", v2.GetID()))
	_, _, err = upload(v2.GetID(), "late.txt")
	require.NoError(t, err)

	// Deleting an immutable release burns its tag name; a mutable one's stays free.
	_, err = e.gh.Repositories.DeleteRelease(e.ctx, "acme", "app", rel.GetID())
	require.NoError(t, err)
	_, err = e.gh.Repositories.DeleteRelease(e.ctx, "acme", "app", v2.GetID())
	require.NoError(t, err)
	_, resp, err = e.gh.Repositories.CreateRelease(e.ctx, "acme", "app", &github.RepositoryRelease{TagName: github.String("v1"), Draft: github.Bool(true)})
	require.Error(t, err)
	assert.Equal(t, http.StatusUnprocessableEntity, status(resp))
	assert.Equal(t, "Release/tag_name/custom", validationCode(t, err))
	assert.Contains(t, err.Error(), "tag_name was used by an immutable release")
	_, err = e.sim.SaveDraft("acme", "app", "v1", DraftOptions{})
	assert.ErrorIs(t, err, ErrTagUsedByImmutableRelease)
	_, err = e.sim.PublishRelease("acme", "app", "v1", false)
	assert.ErrorIs(t, err, ErrTagUsedByImmutableRelease)
	other, _, err := e.gh.Repositories.CreateRelease(e.ctx, "acme", "app", &github.RepositoryRelease{TagName: github.String("v3"), Draft: github.Bool(true)})
	require.NoError(t, err)
	_, _, err = e.gh.Repositories.EditRelease(e.ctx, "acme", "app", other.GetID(), &github.RepositoryRelease{TagName: github.String("v1")})
	assert.Equal(t, "Release/tag_name/custom", validationCode(t, err), "a draft can't take a burned tag either")
	_, _, err = e.gh.Repositories.CreateRelease(e.ctx, "acme", "app", &github.RepositoryRelease{TagName: github.String("v2")})
	require.NoError(t, err, "v2 was mutable: its tag is free again")
	_, _, err = e.gh.Repositories.CreateRelease(e.ctx, "acme", "lib", &github.RepositoryRelease{TagName: github.String("v1")})
	require.NoError(t, err, "burned tags are per repository")
}

func TestMutableRepoUnderImmutablePolicy(t *testing.T) {
	e := setup(t, Options{ManualClock: true, Scenario: immutableScenario(t)})
	rel, _, err := e.gh.Repositories.CreateRelease(e.ctx, "acme", "lib", &github.RepositoryRelease{TagName: github.String("v1")})
	require.NoError(t, err)
	assert.False(t, releaseImmutable(t, e, "lib", rel.GetID()))
	_, _, err = e.gh.Repositories.UploadReleaseAsset(e.ctx, "acme", "lib", rel.GetID(), &github.UploadOptions{Name: "x.txt"}, tempFile(t, "x.txt", []byte("x")))
	require.NoError(t, err, "lib opted out of the organisation policy")
}

func TestPublishedReleaseWrites(t *testing.T) {
	e := setup(t, Options{ManualClock: true, Scenario: immutableScenario(t)})
	writes := func() map[string]int { return e.sim.Stats().PublishedReleaseWrites }
	upload := func(repo string, id int64, name string) (*github.ReleaseAsset, error) {
		a, _, err := e.gh.Repositories.UploadReleaseAsset(e.ctx, "acme", repo, id, &github.UploadOptions{Name: name}, tempFile(t, name, []byte(name)))
		return a, err
	}
	edit := func(repo string, id int64, r *github.RepositoryRelease) error {
		_, _, err := e.gh.Repositories.EditRelease(e.ctx, "acme", repo, id, r)
		return err
	}

	// Everything done to a draft, and publishing it with its title and notes, is free.
	rel, _, err := e.gh.Repositories.CreateRelease(e.ctx, "acme", "lib", &github.RepositoryRelease{TagName: github.String("v1"), Draft: github.Bool(true)})
	require.NoError(t, err)
	a, err := upload("lib", rel.GetID(), "a.txt")
	require.NoError(t, err)
	require.NoError(t, edit("lib", rel.GetID(), &github.RepositoryRelease{Name: github.String("t"), Body: github.String("n")}))
	require.NoError(t, edit("lib", rel.GetID(), &github.RepositoryRelease{Draft: github.Bool(false), Name: github.String("t"), Prerelease: github.Bool(true), MakeLatest: github.String("false")}))
	assert.Empty(t, writes())

	// On the published release: the flags alone are free; everything else counts, allowed or not.
	require.NoError(t, edit("lib", rel.GetID(), &github.RepositoryRelease{Prerelease: github.Bool(false), MakeLatest: github.String("true")}))
	assert.Empty(t, writes())
	require.NoError(t, edit("lib", rel.GetID(), &github.RepositoryRelease{Name: github.String("t")}))
	require.NoError(t, edit("lib", rel.GetID(), &github.RepositoryRelease{Body: github.String("changed")}))
	_, err = upload("lib", rel.GetID(), "b.txt")
	require.NoError(t, err)
	_, err = e.gh.Repositories.DeleteReleaseAsset(e.ctx, "acme", "lib", a.GetID())
	require.NoError(t, err)
	assert.Equal(t, map[string]int{"acme/lib@v1": 4}, writes())
	require.NoError(t, edit("lib", rel.GetID(), &github.RepositoryRelease{TagName: github.String("v1.0")}))
	assert.Equal(t, map[string]int{"acme/lib@v1": 5}, writes(), "counted under the tag it had")

	// Refused writes to an immutable release count too.
	imm, _, err := e.gh.Repositories.CreateRelease(e.ctx, "acme", "app", &github.RepositoryRelease{TagName: github.String("v2")})
	require.NoError(t, err)
	_, err = upload("app", imm.GetID(), "c.txt")
	require.Error(t, err)
	require.Error(t, edit("app", imm.GetID(), &github.RepositoryRelease{TagName: github.String("v2.0")}))
	require.NoError(t, edit("app", imm.GetID(), &github.RepositoryRelease{Body: github.String("notes")}))
	_, err = e.gh.Repositories.DeleteRelease(e.ctx, "acme", "app", imm.GetID())
	require.NoError(t, err)
	assert.Equal(t, map[string]int{"acme/lib@v1": 5, "acme/app@v2": 4}, writes())

	// And it is in the control API's stats.
	code, body := ctl(t, e, "GET", "/_sim/stats", "")
	require.Equal(t, http.StatusOK, code)
	var st struct {
		PublishedReleaseWrites map[string]int `json:"published_release_writes"`
	}
	require.NoError(t, json.Unmarshal(body, &st))
	assert.Equal(t, map[string]int{"acme/lib@v1": 5, "acme/app@v2": 4}, st.PublishedReleaseWrites)
}
