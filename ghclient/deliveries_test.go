package ghclient_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"net"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/BTCDecoded/releasetrain/ghclient"
	"github.com/BTCDecoded/releasetrain/ghsim"
)

// TestSimHookDeliveryLog reads the App hook's log page by page with an App
// client, redelivers a failed delivery, and sees 422 for one older than 3
// days; a token client reads a repository hook's log and cannot read the App's.
func TestSimHookDeliveryLog(t *testing.T) {
	t.Parallel()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String() + "/webhook"
	_ = ln.Close()
	sim, err := ghsim.New(ghsim.Options{ManualClock: true, Seed: 1, WebhookURL: dead,
		App: &ghsim.App{ID: 77, InstallationID: 88, PublicKey: &key.PublicKey}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim.Handler())
	defer sim.Close()
	defer srv.Close()
	for _, tag := range []string{"v1", "v2"} {
		if _, err := sim.PublishRelease(owner, "commons", tag, false); err != nil {
			t.Fatal(err)
		}
	}
	waitSettled(t, sim, 7)
	app, err := ghclient.New(ghclient.Config{BaseURL: srv.URL + "/api/v3/", AppID: 77, InstallationID: 88, PrivateKey: pemKey})
	if err != nil {
		t.Fatal(err)
	}
	defer app.CloseIdleConnections()
	ctx := context.Background()
	commons, err := app.RepositoryID(ctx, owner, "commons")
	if err != nil {
		t.Fatal(err)
	}
	var all []ghclient.HookDelivery
	pages := 0
	for cursor := ""; ; {
		page, next, err := app.ListHookDeliveries(ctx, ghclient.Hook{}, cursor, 3)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		all = append(all, page...)
		if next == "" {
			break
		}
		cursor = next
	}
	if pages != 3 || len(all) != 7 {
		t.Fatalf("%d deliveries in %d pages, want 7 in 3", len(all), pages)
	}
	first := all[0]
	if first.Event != "release" || first.Action != "released" || first.RepositoryID != commons || first.OK() || first.Status != "failed to connect to host" {
		t.Fatalf("newest delivery %+v", first)
	}
	if err := app.RedeliverHookDelivery(ctx, ghclient.Hook{}, first.ID); err != nil {
		t.Fatal(err)
	}
	ds := waitSettled(t, sim, 8)
	if !ds[7].Redelivery || ds[7].GUID != first.GUID {
		t.Fatalf("redelivery %+v", ds[7])
	}
	sim.Advance(ghsim.RedeliveryWindow + time.Hour)
	err = app.RedeliverHookDelivery(ctx, ghclient.Hook{}, first.ID)
	if !ghclient.IsTooOld(err) || !ghclient.IsPermanent(err) {
		t.Fatalf("redelivering a 3-day-old delivery: %v", err)
	}

	tok, err := ghclient.New(ghclient.Config{BaseURL: srv.URL + "/api/v3/", Token: ghsim.StaticToken})
	if err != nil {
		t.Fatal(err)
	}
	defer tok.CloseIdleConnections()
	if _, _, err := tok.ListHookDeliveries(ctx, ghclient.Hook{}, "", 10); !errors.Is(err, ghclient.ErrNoAppHook) {
		t.Fatalf("app hook with a token: %v", err)
	}
	hook, found, err := tok.FindRepoHook(ctx, owner, "commons", dead+"/")
	if err != nil || !found || hook.ID != ghsim.HookID {
		t.Fatalf("find the repo hook to %s: %+v %v %v", dead, hook, found, err)
	}
	if _, found, err := tok.FindRepoHook(ctx, owner, "commons", "https://elsewhere.example/hook"); found || err != nil {
		t.Fatalf("a hook to another URL: %v %v", found, err)
	}
	page, _, err := tok.ListHookDeliveries(ctx, hook, "", 100)
	if err != nil || len(page) != 8 {
		t.Fatalf("repo hook log: %d items, %v", len(page), err)
	}
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
