package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
	require.NoError(t, os.WriteFile(early, signOver(t, rebuilderPriv, []byte("not yet")), 0o644))
	st := waitStatus(t, c, tag, func(st contract.Status) bool { return len(st.Layers) > 0 })
	if st.SignatureWindow == nil {
		assert.ErrorContains(t, cli.run(ctx, []string{"attach-signature", tag, early}), "no open signature window", "attach before the window")
	}

	st = waitStatus(t, c, tag, func(st contract.Status) bool { return st.SignatureWindow != nil && st.SignatureWindow.Open })
	assert.NotEmpty(t, st.SignatureWindow.DraftURL, "window %+v", st.SignatureWindow)
	assert.True(t, st.SignatureWindow.Until.After(time.Now()), "window %+v", st.SignatureWindow)
	rel, ok := sim.Release(train.Owner, train.Release.Repo, tag)
	require.True(t, ok, "during the window the release is a draft: %+v", rel)
	require.True(t, rel.Draft, "during the window the release is a draft: %+v", rel)
	sums, err := sim.ReleaseAsset(train.Owner, train.Release.Repo, tag, assetname.Sums)
	require.NoError(t, err, "the draft holds SHA256SUMS for rebuilders")
	require.NoError(t, os.WriteFile(sigFile, signOver(t, rebuilderPriv, sums), 0o644))
	// A file that is not a signature, or a wrong name, never reaches GitHub.
	junk := filepath.Join(dir, "SHA256SUMS.junk.asc")
	require.NoError(t, os.WriteFile(junk, []byte("hello"), 0o644))
	err = cli.run(ctx, []string{"attach-signature", tag, junk})
	assert.Equal(t, 2, exitCode(err), "junk signature: %v", err)
	assert.ErrorContains(t, err, "no armored signature", "junk signature")
	require.NoError(t, cli.run(ctx, []string{"attach-signature", tag, sigFile}), "attach-signature")
	assert.Contains(t, cli.stdout.(*bytes.Buffer).String(), "SHA256SUMS.rebuilder.asc attached to the draft", "output: %s", cli.stdout)
	// The status shows the window, its end and what is attached.
	cli.stdout.(*bytes.Buffer).Reset()
	require.NoError(t, cli.run(ctx, []string{"status", tag}))
	text := cli.stdout.(*bytes.Buffer).String()
	assert.Contains(t, text, "signature window: draft "+st.SignatureWindow.DraftURL+" open until ", "status during the window")
	assert.Contains(t, text, "attached: SHA256SUMS.rebuilder.asc", "status during the window")

	final := traintest.WaitTrain(t, run, 2*time.Minute)
	require.Equal(t, contract.StateSucceeded, final.State, "final status %s, window %+v", final.State, final.SignatureWindow)
	require.NotNil(t, final.SignatureWindow, "final status %s, window %+v", final.State, final.SignatureWindow)
	require.False(t, final.SignatureWindow.Open, "final status %s, window %+v", final.State, final.SignatureWindow)
	require.Equal(t, []string{"SHA256SUMS.rebuilder.asc"}, final.SignatureWindow.Signatures, "final status %s, window %+v", final.State, final.SignatureWindow)
	rel, _ = sim.Release(train.Owner, train.Release.Repo, tag)
	require.False(t, rel.Draft, "not published after the window")
	got, err := sim.ReleaseAsset(train.Owner, train.Release.Repo, tag, "SHA256SUMS.rebuilder.asc")
	require.NoError(t, err, "the rebuilder's signature is on the release")
	keys := filepath.Join(dir, "rebuilder.pub.asc")
	require.NoError(t, os.WriteFile(keys, rebuilderPub, 0o644))
	res, err := bundle.Verify(sums, got, mustKeyring(t, keys))
	assert.NoError(t, err, "published signature verifies over SHA256SUMS: %+v, %v", res, err)
	assert.Len(t, res.Good, 1, "published signature verifies over SHA256SUMS: %+v, %v", res, err)

	// Published: refused, and the message says why and what to do.
	err = cli.run(ctx, []string{"attach-signature", tag, sigFile})
	assert.ErrorContains(t, err, "GitHub refuses new assets on an immutable release", "attach after publishing")
	assert.ErrorContains(t, err, "signature_window", "attach after publishing")
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
		require.False(t, time.Now().After(deadline), "release %s: status never reached the expected state (last %+v, %v)", tag, st, err)
		time.Sleep(100 * time.Millisecond)
	}
}

// signOver returns an armored detached signature of data by the private key.
func signOver(t *testing.T, private, data []byte) []byte {
	t.Helper()
	s, err := bundle.LoadSigners([][]byte{private}, nil)
	require.NoError(t, err)
	asc, err := bundle.Sign(data, s)
	require.NoError(t, err)
	return asc
}

func mustKeyring(t *testing.T, path string) openpgp.EntityList {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	keys, err := bundle.ReadKeyring(f)
	require.NoError(t, err)
	return keys
}
