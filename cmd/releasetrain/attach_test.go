package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"go.temporal.io/sdk/client"

	"github.com/BTCDecoded/releasetrain/assetname"
	"github.com/BTCDecoded/releasetrain/bundle"
	"github.com/BTCDecoded/releasetrain/contract"
	"github.com/BTCDecoded/releasetrain/ghsim"
	"github.com/BTCDecoded/releasetrain/internal/devstack"
	"github.com/BTCDecoded/releasetrain/internal/traintest"
)

// TestAttachSignatureDuringWindow runs a train with a signature window on
// the real Temporal dev server and ghsim: the filled draft waits, its
// status shows the window, a rebuilder's signature attached with
// `release attach-signature` is published with the release, and once
// published the release refuses more with a clear message.
func TestAttachSignatureDuringWindow(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: real Temporal dev server")
	}
	s := devstack.StartTest(t, devstack.Options{Sim: ghsim.Options{Seed: 1}})
	sim, c := s.Sim, s.Client
	train := traintest.FastTrain()
	train.Release.SignatureWindow = 20 * time.Second
	const tag = "v3.1.0"
	run := traintest.StartTrain(t, c, tag, train)

	cli := &releaseCLI{
		stdout: &bytes.Buffer{},
		dial: func(ctx context.Context) (client.Client, error) {
			return client.Dial(client.Options{HostPort: s.TemporalAddr})
		},
	}
	ctx := context.Background()
	dir := t.TempDir()
	rebuilderPriv, rebuilderPub := verifyKey(t, "Rebuilder")
	sigFile := filepath.Join(dir, "SHA256SUMS.rebuilder.asc")

	// Before the window opens, the update is refused with the reason.
	early := filepath.Join(dir, "SHA256SUMS.early.asc")
	if err := os.WriteFile(early, signOver(t, rebuilderPriv, []byte("not yet")), 0o644); err != nil {
		t.Fatal(err)
	}
	st := waitStatus(t, c, tag, func(st contract.Status) bool { return len(st.Layers) > 0 })
	if st.SignatureWindow == nil {
		if err := cli.run(ctx, []string{"attach-signature", tag, early}); err == nil || !strings.Contains(err.Error(), "no open signature window") {
			t.Errorf("attach before the window: %v", err)
		}
	}

	st = waitStatus(t, c, tag, func(st contract.Status) bool { return st.SignatureWindow != nil && st.SignatureWindow.Open })
	if st.SignatureWindow.DraftURL == "" || !st.SignatureWindow.Until.After(time.Now()) {
		t.Errorf("window %+v", st.SignatureWindow)
	}
	rel, ok := sim.Release(train.Owner, train.Release.Repo, tag)
	if !ok || !rel.Draft {
		t.Fatalf("during the window the release is a draft: %+v", rel)
	}
	sums, err := sim.ReleaseAsset(train.Owner, train.Release.Repo, tag, assetname.Sums)
	if err != nil {
		t.Fatalf("the draft holds SHA256SUMS for rebuilders: %v", err)
	}
	if err := os.WriteFile(sigFile, signOver(t, rebuilderPriv, sums), 0o644); err != nil {
		t.Fatal(err)
	}
	// A file that is not a signature, or a wrong name, never reaches GitHub.
	junk := filepath.Join(dir, "SHA256SUMS.junk.asc")
	if err := os.WriteFile(junk, []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := cli.run(ctx, []string{"attach-signature", tag, junk}); exitCode(err) != 2 || !strings.Contains(err.Error(), "no armored signature") {
		t.Errorf("junk signature: %v", err)
	}
	if err := cli.run(ctx, []string{"attach-signature", tag, sigFile}); err != nil {
		t.Fatalf("attach-signature: %v", err)
	}
	if !strings.Contains(cli.stdout.(*bytes.Buffer).String(), "SHA256SUMS.rebuilder.asc attached to the draft") {
		t.Errorf("output: %s", cli.stdout)
	}
	// The status shows the window, its end and what is attached.
	cli.stdout.(*bytes.Buffer).Reset()
	if err := cli.run(ctx, []string{"status", tag}); err != nil {
		t.Fatal(err)
	}
	if text := cli.stdout.(*bytes.Buffer).String(); !strings.Contains(text, "signature window: draft "+st.SignatureWindow.DraftURL+" open until ") ||
		!strings.Contains(text, "attached: SHA256SUMS.rebuilder.asc") {
		t.Errorf("status during the window:\n%s", text)
	}

	final := traintest.WaitTrain(t, run, 2*time.Minute)
	if final.State != contract.StateSucceeded || final.SignatureWindow == nil || final.SignatureWindow.Open ||
		!slices.Equal(final.SignatureWindow.Signatures, []string{"SHA256SUMS.rebuilder.asc"}) {
		t.Fatalf("final status %s, window %+v", final.State, final.SignatureWindow)
	}
	rel, _ = sim.Release(train.Owner, train.Release.Repo, tag)
	if rel.Draft {
		t.Fatal("not published after the window")
	}
	got, err := sim.ReleaseAsset(train.Owner, train.Release.Repo, tag, "SHA256SUMS.rebuilder.asc")
	if err != nil {
		t.Fatalf("the rebuilder's signature is on the release: %v", err)
	}
	keys := filepath.Join(dir, "rebuilder.pub.asc")
	if err := os.WriteFile(keys, rebuilderPub, 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := bundle.Verify(sums, got, mustKeyring(t, keys))
	if err != nil || len(res.Good) != 1 {
		t.Errorf("published signature verifies over SHA256SUMS: %+v, %v", res, err)
	}

	// Published: refused, and the message says why and what to do.
	err = cli.run(ctx, []string{"attach-signature", tag, sigFile})
	if err == nil || !strings.Contains(err.Error(), "GitHub refuses new assets on an immutable release") ||
		!strings.Contains(err.Error(), "signature_window") {
		t.Errorf("attach after publishing: %v", err)
	}
}

// waitStatus polls the release's status query until ok (or fails after a minute and a half).
func waitStatus(t *testing.T, c client.Client, tag string, ok func(contract.Status) bool) contract.Status {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		val, err := c.QueryWorkflow(context.Background(), contract.ReleaseWorkflowID(tag), "", contract.QueryStatus)
		var st contract.Status
		if err == nil && val.Get(&st) == nil && ok(st) {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("release %s: status never reached the expected state (last %+v, %v)", tag, st, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// signOver returns an armored detached signature of data by the private key.
func signOver(t *testing.T, private, data []byte) []byte {
	t.Helper()
	s, err := bundle.LoadSigners([][]byte{private}, nil)
	if err != nil {
		t.Fatal(err)
	}
	asc, err := bundle.Sign(data, s)
	if err != nil {
		t.Fatal(err)
	}
	return asc
}

func mustKeyring(t *testing.T, path string) openpgp.EntityList {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	keys, err := bundle.ReadKeyring(f)
	if err != nil {
		t.Fatal(err)
	}
	return keys
}
