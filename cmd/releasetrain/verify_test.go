package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/BTCDecoded/releasetrain/assetname"
	"github.com/BTCDecoded/releasetrain/bundle"
)

// verifyKey generates a key and returns its armored private and public parts.
func verifyKey(t *testing.T, name string) (private, public []byte) {
	t.Helper()
	e, err := openpgp.NewEntity(name, "", name+"@example.org", &packet.Config{Algorithm: packet.PubKeyAlgoEdDSA})
	require.NoError(t, err)
	encode := func(typ string, write func(w *bytes.Buffer) error) []byte {
		var buf, out bytes.Buffer
		require.NoError(t, write(&buf))
		w, err := armor.Encode(&out, typ, nil)
		require.NoError(t, err)
		_, _ = w.Write(buf.Bytes())
		require.NoError(t, w.Close())
		return append(out.Bytes(), '\n')
	}
	private = encode(openpgp.PrivateKeyType, func(w *bytes.Buffer) error { return e.SerializePrivate(w, nil) })
	public = encode(openpgp.PublicKeyType, func(w *bytes.Buffer) error { return e.Serialize(w) })
	return private, public
}

// releaseFolder writes assets, SHA256SUMS and SHA256SUMS.asc signed by the
// given private keys, and a keyring file with the given public keys.
func releaseFolder(t *testing.T, private [][]byte, public [][]byte) (dir, keys string) {
	t.Helper()
	dir = t.TempDir()
	var digests []bundle.Digest
	for _, name := range []string{"bllvm-node", "bllvm-sdk"} {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(name+" binary"), 0o644))
		sum, size, err := bundle.HashFile(p)
		require.NoError(t, err)
		digests = append(digests, bundle.Digest{Name: name, Path: p, Size: size, SHA256: sum})
	}
	sums := bundle.SHA256SUMS(digests)
	signers, err := bundle.LoadSigners(private, nil)
	require.NoError(t, err)
	asc, err := bundle.Sign(sums, signers)
	require.NoError(t, err)
	keys = filepath.Join(t.TempDir(), "keys.asc")
	for p, data := range map[string][]byte{
		filepath.Join(dir, assetname.Sums):          sums,
		filepath.Join(dir, assetname.SumsSignature): asc,
		keys: bytes.Join(public, nil),
	} {
		require.NoError(t, os.WriteFile(p, data, 0o644))
	}
	return dir, keys
}

func TestVerifyCommand(t *testing.T) {
	t.Parallel()
	alicePriv, alicePub := verifyKey(t, "Alice")
	bobPriv, bobPub := verifyKey(t, "Bob")
	dir, keys := releaseFolder(t, [][]byte{alicePriv, bobPriv}, [][]byte{alicePub, bobPub})

	var out, errb bytes.Buffer
	err := run(context.Background(), []string{"verify", dir, "--keys", keys, "--min-good", "2"}, &out, &errb)
	require.NoError(t, err, "verify: %v\n%s", err, out.String())
	for _, want := range []string{"good signature: ", "Alice <Alice@example.org>", "Bob <Bob@example.org>",
		"bllvm-node: OK\n", "bllvm-sdk: OK\n", "verified: 2 good signature(s) (2 required) in SHA256SUMS.asc; 2 file(s) OK, 0 not present\n"} {
		assert.Contains(t, out.String(), want, "output misses %q:\n%s", want, out.String())
	}

	// Flags before DIR work too; a missing file is reported, not fatal.
	require.NoError(t, os.Remove(filepath.Join(dir, "bllvm-sdk")))
	out.Reset()
	require.NoError(t, run(context.Background(), []string{"verify", "--keys", keys, dir}, &out, &errb), "verify")
	assert.Contains(t, out.String(), "bllvm-sdk: missing\n", "missing file output")
	assert.Contains(t, out.String(), "1 file(s) OK, 1 not present", "missing file output")
}

func TestVerifyCommandFailures(t *testing.T) {
	t.Parallel()
	alicePriv, alicePub := verifyKey(t, "Alice")
	_, bobPub := verifyKey(t, "Bob")
	dir, keys := releaseFolder(t, [][]byte{alicePriv}, [][]byte{alicePub, bobPub})

	// Threshold not met: exit 1 with the reason; the good one is still shown.
	var out, errb bytes.Buffer
	err := run(context.Background(), []string{"verify", dir, "--keys", keys, "--min-good", "2"}, &out, &errb)
	assert.Equal(t, 1, exitCode(err), "min-good 2 with one good: %v", err)
	assert.ErrorIs(t, err, bundle.ErrNotEnoughSignatures, "min-good 2 with one good")
	assert.ErrorContains(t, err, "2 required, 1 good", "min-good 2 with one good")
	assert.Contains(t, out.String(), "good signature: ", "output")

	// Tampered file: exit 1, FAILED line.
	require.NoError(t, os.WriteFile(filepath.Join(dir, "bllvm-node"), []byte("evil"), 0o644))
	out.Reset()
	err = run(context.Background(), []string{"verify", dir, "--keys", keys}, &out, &errb)
	assert.Equal(t, 1, exitCode(err), "tampered: %v", err)
	assert.ErrorIs(t, err, bundle.ErrChecksumMismatch, "tampered")
	assert.Contains(t, out.String(), "bllvm-node: FAILED", "tampered")

	// Signer not trusted: zero good.
	otherDir, _ := releaseFolder(t, [][]byte{alicePriv}, nil)
	bobOnly := filepath.Join(t.TempDir(), "bob.asc")
	require.NoError(t, os.WriteFile(bobOnly, bobPub, 0o644))
	out.Reset()
	err = run(context.Background(), []string{"verify", otherDir, "--keys", bobOnly}, &out, &errb)
	assert.Equal(t, 1, exitCode(err), "untrusted signer: %v", err)
	assert.Contains(t, out.String(), "signatures by keys not in the keyring: 1", "untrusted signer")

	// Missing keys file: exit 1 naming it.
	err = run(context.Background(), []string{"verify", dir, "--keys", keys + ".missing"}, &out, &errb)
	assert.Equal(t, 1, exitCode(err), "missing keyring: %v", err)
	assert.ErrorContains(t, err, "keys.asc.missing", "missing keyring")
}

func TestVerifyCommandUsage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		give []string
		want string
	}{
		{[]string{"verify"}, "want one DIR"},
		{[]string{"verify", "a", "b", "--keys", "k"}, "want one DIR"},
		{[]string{"verify", "dir"}, "--keys FILE is required"},
		{[]string{"verify", "dir", "--keys", "k", "--min-good", "0"}, "want at least 1"},
		{[]string{"verify", "dir", "--keys", "k", "--min-good", "two"}, "invalid value"},
		{[]string{"verify", "dir", "--bogus"}, "not defined"},
	}
	for _, tt := range tests {
		var out, errb bytes.Buffer
		err := run(context.Background(), tt.give, &out, &errb)
		assert.Equal(t, 2, exitCode(err), "run(%q) = %v", tt.give, err)
		assert.ErrorContains(t, err, tt.want, "run(%q)", tt.give)
	}
}
