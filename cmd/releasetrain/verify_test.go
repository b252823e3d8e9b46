package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/packet"

	"github.com/BTCDecoded/releasetrain/assetname"
	"github.com/BTCDecoded/releasetrain/bundle"
)

// verifyKey generates a key and returns its armored private and public parts.
func verifyKey(t *testing.T, name string) (private, public []byte) {
	t.Helper()
	e, err := openpgp.NewEntity(name, "", name+"@example.org", &packet.Config{Algorithm: packet.PubKeyAlgoEdDSA})
	if err != nil {
		t.Fatal(err)
	}
	encode := func(typ string, write func(w *bytes.Buffer) error) []byte {
		var buf, out bytes.Buffer
		if err := write(&buf); err != nil {
			t.Fatal(err)
		}
		w, err := armor.Encode(&out, typ, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = w.Write(buf.Bytes())
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
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
		if err := os.WriteFile(p, []byte(name+" binary"), 0o644); err != nil {
			t.Fatal(err)
		}
		sum, size, err := bundle.HashFile(p)
		if err != nil {
			t.Fatal(err)
		}
		digests = append(digests, bundle.Digest{Name: name, Path: p, Size: size, SHA256: sum})
	}
	sums := bundle.SHA256SUMS(digests)
	signers, err := bundle.LoadSigners(private, nil)
	if err != nil {
		t.Fatal(err)
	}
	asc, err := bundle.Sign(sums, signers)
	if err != nil {
		t.Fatal(err)
	}
	keys = filepath.Join(t.TempDir(), "keys.asc")
	for p, data := range map[string][]byte{
		filepath.Join(dir, assetname.Sums):          sums,
		filepath.Join(dir, assetname.SumsSignature): asc,
		keys: bytes.Join(public, nil),
	} {
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
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
	if err != nil {
		t.Fatalf("verify: %v\n%s", err, out.String())
	}
	for _, want := range []string{"good signature: ", "Alice <Alice@example.org>", "Bob <Bob@example.org>",
		"bllvm-node: OK\n", "bllvm-sdk: OK\n", "verified: 2 good signature(s) (2 required) in SHA256SUMS.asc; 2 file(s) OK, 0 not present\n"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output misses %q:\n%s", want, out.String())
		}
	}

	// Flags before DIR work too; a missing file is reported, not fatal.
	if err := os.Remove(filepath.Join(dir, "bllvm-sdk")); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := run(context.Background(), []string{"verify", "--keys", keys, dir}, &out, &errb); err != nil {
		t.Fatalf("verify: %v", err)
	}
	if !strings.Contains(out.String(), "bllvm-sdk: missing\n") || !strings.Contains(out.String(), "1 file(s) OK, 1 not present") {
		t.Errorf("missing file output:\n%s", out.String())
	}
}

func TestVerifyCommandFailures(t *testing.T) {
	t.Parallel()
	alicePriv, alicePub := verifyKey(t, "Alice")
	_, bobPub := verifyKey(t, "Bob")
	dir, keys := releaseFolder(t, [][]byte{alicePriv}, [][]byte{alicePub, bobPub})

	// Threshold not met: exit 1 with the reason; the good one is still shown.
	var out, errb bytes.Buffer
	err := run(context.Background(), []string{"verify", dir, "--keys", keys, "--min-good", "2"}, &out, &errb)
	if exitCode(err) != 1 || !errors.Is(err, bundle.ErrNotEnoughSignatures) || !strings.Contains(err.Error(), "2 required, 1 good") {
		t.Errorf("min-good 2 with one good: %v", err)
	}
	if !strings.Contains(out.String(), "good signature: ") {
		t.Errorf("output:\n%s", out.String())
	}

	// Tampered file: exit 1, FAILED line.
	if err := os.WriteFile(filepath.Join(dir, "bllvm-node"), []byte("evil"), 0o644); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	err = run(context.Background(), []string{"verify", dir, "--keys", keys}, &out, &errb)
	if exitCode(err) != 1 || !errors.Is(err, bundle.ErrChecksumMismatch) || !strings.Contains(out.String(), "bllvm-node: FAILED") {
		t.Errorf("tampered: %v\n%s", err, out.String())
	}

	// Signer not trusted: zero good.
	otherDir, _ := releaseFolder(t, [][]byte{alicePriv}, nil)
	bobOnly := filepath.Join(t.TempDir(), "bob.asc")
	if err := os.WriteFile(bobOnly, bobPub, 0o644); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	err = run(context.Background(), []string{"verify", otherDir, "--keys", bobOnly}, &out, &errb)
	if exitCode(err) != 1 || !strings.Contains(out.String(), "signatures by keys not in the keyring: 1") {
		t.Errorf("untrusted signer: %v\n%s", err, out.String())
	}

	// Missing keys file: exit 1 naming it.
	err = run(context.Background(), []string{"verify", dir, "--keys", keys + ".missing"}, &out, &errb)
	if exitCode(err) != 1 || !strings.Contains(err.Error(), "keys.asc.missing") {
		t.Errorf("missing keyring: %v", err)
	}
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
		if exitCode(err) != 2 || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("run(%q) = %v (exit %d), want exit 2 with %q", tt.give, err, exitCode(err), tt.want)
		}
	}
}
