package ghsim

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bradleyfalzon/ghinstallation/v2"
	"github.com/google/go-github/v62/github"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// appHookEnv is a simulator with an App whose hook delivers to url, and a
// go-github client authenticated as the App (JWT), for the /app/hook routes.
func appHookEnv(t *testing.T, url string, timeout time.Duration) (*env, *github.Client) {
	t.Helper()
	key, pemKey := appKey(t)
	e := setup(t, Options{ManualClock: true, WebhookURL: url, WebhookSecret: testSecret, WebhookTimeout: timeout,
		App: &App{ID: testAppID, InstallationID: testInstallationID, PublicKey: &key.PublicKey}})
	atr, err := ghinstallation.NewAppsTransport(e.srv.Client().Transport, testAppID, pemKey)
	require.NoError(t, err)
	atr.BaseURL = e.srv.URL + "/api/v3"
	return e, newClient(t, e.srv, &http.Client{Transport: atr}, "")
}

// settled waits until n deliveries are recorded and none is pending.
func settled(t *testing.T, s *Sim, n int) []Delivery {
	t.Helper()
	var ds []Delivery
	require.Eventually(t, func() bool {
		ds = s.Deliveries()
		for _, d := range ds {
			if d.Pending {
				return false
			}
		}
		return len(ds) == n
	}, 10*time.Second, 5*time.Millisecond)
	return ds
}

// deadURL is an address nothing listens on.
func deadURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return "http://" + addr + "/webhook"
}

func TestAppHookDeliveryLogPagesByCursor(t *testing.T) {
	e, app := appHookEnv(t, deadURL(t), 0)
	for _, tag := range []string{"v1", "v2", "v3"} {
		_, err := e.sim.PublishRelease("acme", "app", tag, false)
		require.NoError(t, err)
	}
	ds := settled(t, e.sim, 1+3*3) // ping, then created/published/released per release

	// The JWT-authenticated App routes; a token is refused.
	_, resp, err := e.gh.Apps.ListHookDeliveries(e.ctx, nil)
	require.Error(t, err)
	assert.Equal(t, http.StatusUnauthorized, status(resp))

	var got []*github.HookDelivery
	opts := &github.ListCursorOptions{PerPage: 4}
	pages := 0
	for {
		page, resp, err := app.Apps.ListHookDeliveries(e.ctx, opts)
		require.NoError(t, err)
		pages++
		got = append(got, page...)
		if resp.Cursor == "" {
			break
		}
		opts.Cursor = resp.Cursor
	}
	assert.Equal(t, 3, pages, "10 deliveries at 4 a page")
	require.Len(t, got, len(ds))
	repoID := e.sim.repo("acme", "app").id
	for i, d := range got {
		want := ds[len(ds)-1-i] // newest first
		assert.Equal(t, want.ID, d.GetID())
		assert.Equal(t, want.GUID, d.GetGUID())
		assert.Equal(t, "failed to connect to host", d.GetStatus(), "the receiver is down")
		assert.Equal(t, 0, d.GetStatusCode())
		assert.False(t, d.GetRedelivery())
		assert.Equal(t, int64(testInstallationID), d.GetInstallationID())
		if want.Event == "release" {
			assert.Equal(t, repoID, d.GetRepositoryID())
			assert.Equal(t, want.Action, d.GetAction())
		}
	}
	assert.Equal(t, "ping", got[len(got)-1].GetEvent())
	assert.Nil(t, got[len(got)-1].RepositoryID, "ping has no repository")

	_, resp, err = app.Apps.ListHookDeliveries(e.ctx, &github.ListCursorOptions{Cursor: "nope"})
	require.Error(t, err)
	assert.Equal(t, http.StatusUnprocessableEntity, status(resp))
}

func TestRedeliveryKeepsGUIDAndIsLogged(t *testing.T) {
	var up atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if !up.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("X-Answer", "yes")
		_, _ = io.WriteString(w, `{"outcome":"started"}`)
	}))
	t.Cleanup(srv.Close)
	e, app := appHookEnv(t, srv.URL, 0)
	ds := settled(t, e.sim, 1)
	assert.Equal(t, "Invalid HTTP Response: 503", ds[0].Error)

	up.Store(true)
	_, resp, err := app.Apps.RedeliverHookDelivery(e.ctx, ds[0].ID)
	var accepted *github.AcceptedError
	require.ErrorAs(t, err, &accepted)
	assert.Equal(t, http.StatusAccepted, resp.StatusCode)
	ds = settled(t, e.sim, 2)
	assert.Equal(t, ds[0].GUID, ds[1].GUID, "a redelivery keeps the GUID")
	assert.True(t, ds[1].Redelivery)
	assert.Greater(t, ds[1].ID, ds[0].ID)

	full, _, err := app.Apps.GetHookDelivery(e.ctx, ds[1].ID)
	require.NoError(t, err)
	assert.Equal(t, "OK", full.GetStatus())
	assert.Equal(t, 200, full.GetStatusCode())
	assert.True(t, full.GetRedelivery())
	assert.Equal(t, ds[1].GUID, full.GetRequest().Headers["X-GitHub-Delivery"])
	assert.JSONEq(t, string(ds[1].Payload), string(*full.Request.RawPayload))
	assert.Equal(t, "yes", full.GetResponse().Headers["x-answer"])
	var body string
	require.NoError(t, json.Unmarshal(*full.Response.RawPayload, &body), "the response body is a string")
	assert.JSONEq(t, `{"outcome":"started"}`, body)

	// Older than 3 days (simulated): 422, nothing sent.
	e.sim.Advance(RedeliveryWindow + time.Minute)
	_, resp, err = app.Apps.RedeliverHookDelivery(e.ctx, ds[1].ID)
	require.Error(t, err)
	assert.Equal(t, http.StatusUnprocessableEntity, status(resp))
	require.ErrorIs(t, e.sim.Redeliver(ds[0].GUID), ErrTooOld)
	assert.Len(t, e.sim.Deliveries(), 2)
}

func TestDeliveryTimesOut(t *testing.T) {
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(slow.Close)
	t.Cleanup(func() { close(release) })
	e := setup(t, Options{ManualClock: true, WebhookURL: slow.URL, WebhookTimeout: 100 * time.Millisecond})
	ds := settled(t, e.sim, 1)
	assert.Equal(t, "timed out", ds[0].Error)

	// The repository hook's log shows it too (ping belongs to every hook).
	list, _, err := e.gh.Repositories.ListHookDeliveries(e.ctx, "acme", "app", HookID, nil)
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.Equal(t, "timed out", list[0].GetStatus())
}

func TestRepoHookLogShowsOnlyItsRepo(t *testing.T) {
	rc := newReceiver(t, 0)
	e := setup(t, Options{ManualClock: true, WebhookURL: rc.srv.URL, WebhookSecret: testSecret})
	_, err := e.sim.PublishRelease("acme", "app", "v1", false)
	require.NoError(t, err)
	_, err = e.sim.PublishRelease("acme", "lib", "v1", false)
	require.NoError(t, err)
	settled(t, e.sim, 7)
	list, _, err := e.gh.Repositories.ListHookDeliveries(e.ctx, "acme", "lib", HookID, &github.ListCursorOptions{PerPage: 100})
	require.NoError(t, err)
	require.Len(t, list, 4, "lib's three release deliveries and the ping")
	for _, d := range list[:3] {
		assert.Equal(t, e.sim.repo("acme", "lib").id, d.GetRepositoryID())
		assert.Equal(t, "OK", d.GetStatus())
	}
	_, resp, err := e.gh.Apps.ListHookDeliveries(e.ctx, nil)
	require.Error(t, err)
	assert.Equal(t, http.StatusUnauthorized, status(resp), "the App hook needs an App JWT")

	hooks, _, err := e.gh.Repositories.ListHooks(e.ctx, "acme", "lib", nil)
	require.NoError(t, err)
	require.Len(t, hooks, 1)
	assert.Equal(t, HookID, hooks[0].GetID())
	assert.Equal(t, rc.srv.URL, hooks[0].GetConfig().GetURL())
	assert.True(t, hooks[0].GetActive())
}
