package ghclient_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"net"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/BTCDecoded/releasetrain/ghclient"
	"github.com/BTCDecoded/releasetrain/ghsim"
	"github.com/stretchr/testify/require"
)

// TestSimHookDeliveryLog reads the App hook's log page by page with an App
// client, redelivers a failed delivery, and sees 422 for one older than 3
// days; a token client reads a repository hook's log and cannot read the App's.
func TestSimHookDeliveryLog(t *testing.T) {
	t.Parallel()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	dead := "http://" + ln.Addr().String() + "/webhook"
	_ = ln.Close()
	sim, err := ghsim.New(ghsim.Options{ManualClock: true, Seed: 1, WebhookURL: dead,
		App: &ghsim.App{ID: 77, InstallationID: 88, PublicKey: &key.PublicKey}})
	require.NoError(t, err)
	srv := httptest.NewServer(sim.Handler())
	defer sim.Close()
	defer srv.Close()
	for _, tag := range []string{"v1", "v2"} {
		_, err := sim.PublishRelease(owner, "commons", tag, false)
		require.NoError(t, err)
	}
	waitSettled(t, sim, 7)
	app, err := ghclient.New(ghclient.Config{BaseURL: srv.URL + "/api/v3/", AppID: 77, InstallationID: 88, PrivateKey: pemKey})
	require.NoError(t, err)
	defer app.CloseIdleConnections()
	ctx := context.Background()
	commons, err := app.RepositoryID(ctx, owner, "commons")
	require.NoError(t, err)
	var all []ghclient.HookDelivery
	pages := 0
	for cursor := ""; ; {
		page, next, err := app.ListHookDeliveries(ctx, ghclient.Hook{}, cursor, 3)
		require.NoError(t, err)
		pages++
		all = append(all, page...)
		if next == "" {
			break
		}
		cursor = next
	}
	require.Equal(t, 3, pages)
	require.Len(t, all, 7)
	first := all[0]
	require.Equal(t, "release", first.Event, "newest delivery %+v", first)
	require.Equal(t, "released", first.Action, "newest delivery %+v", first)
	require.Equal(t, commons, first.RepositoryID, "newest delivery %+v", first)
	require.False(t, first.OK(), "newest delivery %+v", first)
	require.Equal(t, "failed to connect to host", first.Status, "newest delivery %+v", first)
	require.NoError(t, app.RedeliverHookDelivery(ctx, ghclient.Hook{}, first.ID))
	ds := waitSettled(t, sim, 8)
	require.True(t, ds[7].Redelivery, "redelivery %+v", ds[7])
	require.Equal(t, first.GUID, ds[7].GUID, "redelivery %+v", ds[7])
	sim.Advance(ghsim.RedeliveryWindow + time.Hour)
	err = app.RedeliverHookDelivery(ctx, ghclient.Hook{}, first.ID)
	require.True(t, ghclient.IsTooOld(err), "redelivering a 3-day-old delivery: %v", err)
	require.True(t, ghclient.IsPermanent(err), "redelivering a 3-day-old delivery: %v", err)

	tok, err := ghclient.New(ghclient.Config{BaseURL: srv.URL + "/api/v3/", Token: ghsim.StaticToken})
	require.NoError(t, err)
	defer tok.CloseIdleConnections()
	_, _, err = tok.ListHookDeliveries(ctx, ghclient.Hook{}, "", 10)
	require.ErrorIs(t, err, ghclient.ErrNoAppHook, "app hook with a token")
	hook, found, err := tok.FindRepoHook(ctx, owner, "commons", dead+"/")
	require.NoError(t, err, "find the repo hook to %s: %+v %v %v", dead, hook, found, err)
	require.True(t, found, "find the repo hook to %s: %+v %v %v", dead, hook, found, err)
	require.Equal(t, ghsim.HookID, hook.ID, "find the repo hook to %s: %+v %v %v", dead, hook, found, err)
	_, found, err = tok.FindRepoHook(ctx, owner, "commons", "https://elsewhere.example/hook")
	require.False(t, found, "a hook to another URL: %v %v", found, err)
	require.NoError(t, err, "a hook to another URL: %v %v", found, err)
	page, _, err := tok.ListHookDeliveries(ctx, hook, "", 100)
	require.NoError(t, err)
	require.Len(t, page, 8)
}

func waitSettled(t *testing.T, sim *ghsim.Sim, n int) []ghsim.Delivery {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		ds := sim.Deliveries()
		pending := false
		for _, d := range ds {
			pending = pending || d.Pending
		}
		if len(ds) == n && !pending {
			return ds
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("want %d settled deliveries, have %d", n, len(sim.Deliveries()))
	return nil
}
