package ghsim

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/google/go-github/v62/github"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// nextRelease is the next delivery, which must be a release event.
func nextRelease(t *testing.T, rc *receiver) *github.ReleaseEvent {
	t.Helper()
	got := rc.next(t)
	require.Equal(t, "release", got.event)
	return got.payload.(*github.ReleaseEvent)
}

func TestSaveDraftAndPublishWebhooks(t *testing.T) {
	rc := newReceiver(t, 0)
	e := setup(t, Options{ManualClock: true, WebhookURL: rc.srv.URL, WebhookSecret: testSecret})
	rc.next(t) // ping

	// A maintainer saves a draft: created, draft true, sent by a User.
	id, err := e.sim.SaveDraft("acme", "app", "v1.0.0", DraftOptions{Name: "Release 1", Body: "maintainer notes"})
	require.NoError(t, err)
	ev := nextRelease(t, rc)
	assert.Equal(t, "created", ev.GetAction())
	assert.True(t, ev.GetRelease().GetDraft())
	assert.Equal(t, id, ev.GetRelease().GetID())
	assert.Equal(t, "Release 1", ev.GetRelease().GetName())
	assert.Equal(t, "maintainer notes", ev.GetRelease().GetBody())
	assert.Equal(t, "User", ev.GetSender().GetType())
	assert.Equal(t, "maintainer", ev.GetSender().GetLogin())
	assert.Equal(t, "maintainer", ev.GetRelease().GetAuthor().GetLogin())
	_, err = e.sim.SaveDraft("acme", "app", "v1.0.0", DraftOptions{})
	assert.ErrorIs(t, err, ErrAlreadyExists)
	_, err = e.sim.SaveDraft("acme", "nope", "v1.0.0", DraftOptions{})
	assert.ErrorIs(t, err, ErrNotFound)

	// tags/{tag} never finds the draft; listing does.
	_, resp, err := e.gh.Repositories.GetReleaseByTag(e.ctx, "acme", "app", "v1.0.0")
	require.Error(t, err)
	assert.Equal(t, http.StatusNotFound, status(resp))
	list, _, err := e.gh.Repositories.ListReleases(e.ctx, "acme", "app", nil)
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.True(t, list[0].GetDraft())

	// Publishing it through the API: published, then released.
	_, _, err = e.gh.Repositories.EditRelease(e.ctx, "acme", "app", id, &github.RepositoryRelease{Draft: github.Bool(false)})
	require.NoError(t, err)
	ev = nextRelease(t, rc)
	assert.Equal(t, "published", ev.GetAction())
	assert.False(t, ev.GetRelease().GetDraft())
	assert.Equal(t, "Bot", ev.GetSender().GetType())
	assert.Equal(t, "released", nextRelease(t, rc).GetAction())
	byTag, _, err := e.gh.Repositories.GetReleaseByTag(e.ctx, "acme", "app", "v1.0.0")
	require.NoError(t, err)
	assert.Equal(t, id, byTag.GetID())

	// A prerelease draft created through the REST API: created (draft true);
	// publishing it sends published and no prereleased.
	rel, _, err := e.gh.Repositories.CreateRelease(e.ctx, "acme", "app", &github.RepositoryRelease{TagName: github.String("v2.0.0-rc1"), Draft: github.Bool(true), Prerelease: github.Bool(true)})
	require.NoError(t, err)
	ev = nextRelease(t, rc)
	assert.Equal(t, "created", ev.GetAction())
	assert.True(t, ev.GetRelease().GetDraft())
	_, _, err = e.gh.Repositories.EditRelease(e.ctx, "acme", "app", rel.GetID(), &github.RepositoryRelease{Draft: github.Bool(false)})
	require.NoError(t, err)
	ev = nextRelease(t, rc)
	assert.Equal(t, "published", ev.GetAction())
	assert.True(t, ev.GetRelease().GetPrerelease())
	// The next event is the next action's: no prereleased in between.
	_, _, err = e.gh.Repositories.EditRelease(e.ctx, "acme", "app", rel.GetID(), &github.RepositoryRelease{Prerelease: github.Bool(false)})
	require.NoError(t, err)
	assert.Equal(t, "edited", nextRelease(t, rc).GetAction())
	assert.Equal(t, "released", nextRelease(t, rc).GetAction(), "a prerelease became a release")

	// A maintainer publishing a new tag directly: created (draft false), published, released.
	_, err = e.sim.PublishRelease("acme", "app", "v3.0.0", false)
	require.NoError(t, err)
	ev = nextRelease(t, rc)
	assert.Equal(t, "created", ev.GetAction())
	assert.False(t, ev.GetRelease().GetDraft())
	assert.NotNil(t, ev.GetRelease().PublishedAt)
	assert.Equal(t, "published", nextRelease(t, rc).GetAction())
	assert.Equal(t, "released", nextRelease(t, rc).GetAction())
	// ... and a prerelease directly: created, published, prereleased.
	_, err = e.sim.PublishRelease("acme", "app", "v4.0.0-rc1", true)
	require.NoError(t, err)
	for _, action := range []string{"created", "published", "prereleased"} {
		assert.Equal(t, action, nextRelease(t, rc).GetAction())
	}
	// PublishRelease of a saved draft publishes that draft: published, released.
	draftID, err := e.sim.SaveDraft("acme", "app", "v5.0.0", DraftOptions{Name: "five"})
	require.NoError(t, err)
	assert.Equal(t, "created", nextRelease(t, rc).GetAction())
	pubID, err := e.sim.PublishRelease("acme", "app", "v5.0.0", false)
	require.NoError(t, err)
	assert.Equal(t, draftID, pubID)
	ev = nextRelease(t, rc)
	assert.Equal(t, "published", ev.GetAction())
	assert.Equal(t, "five", ev.GetRelease().GetName(), "the draft keeps its title")
	assert.Equal(t, "released", nextRelease(t, rc).GetAction())
}

func TestCreateReleaseLocation(t *testing.T) {
	e := setup(t, Options{ManualClock: true})
	rel, resp, err := e.gh.Repositories.CreateRelease(e.ctx, "acme", "app", &github.RepositoryRelease{TagName: github.String("v1"), Draft: github.Bool(true)})
	require.NoError(t, err)
	assert.Equal(t, http.StatusCreated, resp.StatusCode)
	assert.Equal(t, rel.GetURL(), resp.Header.Get("Location"))
	assert.Contains(t, rel.GetURL(), "/api/v3/repos/acme/app/releases/")
	got, _, err := e.gh.Repositories.GetRelease(e.ctx, "acme", "app", rel.GetID())
	require.NoError(t, err)
	assert.Equal(t, rel.GetID(), got.GetID())
}

func TestControlSaveDraftAndPublish(t *testing.T) {
	e := setup(t, Options{ManualClock: true})
	code, body := ctl(t, e, "POST", "/_sim/releases", `{"owner":"acme","repo":"app","tag":"v1","draft":true,"name":"One","body":"notes","prerelease":true}`)
	require.Equal(t, http.StatusCreated, code, string(body))
	var out struct{ ID int64 }
	require.NoError(t, json.Unmarshal(body, &out))
	info, ok := e.sim.Release("acme", "app", "v1")
	require.True(t, ok)
	assert.Equal(t, out.ID, info.ID)
	assert.True(t, info.Draft)
	assert.True(t, info.Prerelease)
	assert.Equal(t, "One", info.Name)
	assert.Equal(t, "notes", info.Body)

	code, _ = ctl(t, e, "POST", "/_sim/releases", `{"repo":"app","tag":"v1","draft":true}`)
	assert.Equal(t, http.StatusUnprocessableEntity, code, "the tag has a release")
	code, _ = ctl(t, e, "POST", "/_sim/releases", `{"repo":"nope","tag":"v1","draft":true}`)
	assert.Equal(t, http.StatusNotFound, code)

	// Without draft it publishes (the draft here), as before.
	code, body = ctl(t, e, "POST", "/_sim/releases", `{"repo":"app","tag":"v1"}`)
	require.Equal(t, http.StatusCreated, code, string(body))
	info, _ = e.sim.Release("acme", "app", "v1")
	assert.False(t, info.Draft)
	assert.Equal(t, "One", info.Name)
	code, body = ctl(t, e, "POST", "/_sim/releases", `{"repo":"app","tag":"v2","name":"Two","body":"b"}`)
	require.Equal(t, http.StatusCreated, code, string(body))
	info, _ = e.sim.Release("acme", "app", "v2")
	assert.False(t, info.Draft)
	assert.Equal(t, "Two", info.Name)
	assert.Equal(t, "b", info.Body)
	code, _ = ctl(t, e, "POST", "/_sim/releases", `{"repo":"app","tag":"v2"}`)
	assert.Equal(t, http.StatusUnprocessableEntity, code, "already published")
}
