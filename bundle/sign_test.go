package bundle

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/BTCDecoded/releasetrain/assetname"
	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/stretchr/testify/require"
)

var testSums = []byte(strings.Repeat("0", 64) + "  bllvm-v1.2.0.tar.gz\n" + strings.Repeat("1", 64) + "  bllvm-node\n")

func publicKeys(t *testing.T, keys ...testKey) openpgp.EntityList {
	t.Helper()
	var all []byte
	for _, k := range keys {
		all = append(all, k.public...)
	}
	el, err := ReadKeyring(bytes.NewReader(all))
	if err != nil {
		t.Fatal(err)
	}
	return el
}

func TestSignAndVerify(t *testing.T) {
	t.Parallel()
	pass := []byte("correct horse")
	k1 := newTestKey(t, "Alice", nil)
	k2 := newTestKey(t, "Bob", pass)
	signers, err := LoadSigners([][]byte{k1.private, k2.private}, pass)
	if err != nil {
		t.Fatal(err)
	}
	if len(signers) != 2 || !strings.Contains(signers[1].String(), "Bob") {
		t.Fatalf("signers = %v", signers)
	}
	asc, err := Sign(testSums, signers)
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(asc, []byte("-----BEGIN PGP SIGNATURE-----")); n != 2 {
		t.Fatalf("%d signature blocks, want 2:\n%s", n, asc)
	}

	res, err := Verify(testSums, asc, publicKeys(t, k1, k2))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Good) != 2 || len(res.Bad) != 0 || res.Unknown != 0 {
		t.Errorf("both trusted: %+v", res)
	}
	fp := strings.ToUpper(fingerprint(k1.entity))
	if !strings.HasPrefix(res.Good[0], fp) || !strings.Contains(res.Good[0], "Alice (test) <Alice@example.org>") {
		t.Errorf("good[0] = %q, want fingerprint %s and user id", res.Good[0], fp)
	}

	res, err = Verify(testSums, asc, publicKeys(t, k2))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Good) != 1 || !strings.Contains(res.Good[0], "Bob") || res.Unknown != 1 {
		t.Errorf("only Bob trusted: %+v", res)
	}

	tampered := append([]byte("x"), testSums...)
	res, err = Verify(tampered, asc, publicKeys(t, k1, k2))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Good) != 0 || len(res.Bad) != 2 || !strings.HasPrefix(res.Bad[0], fp) {
		t.Errorf("tampered: %+v", res)
	}
}

func fingerprint(e *openpgp.Entity) string {
	const hexdigits = "0123456789abcdef"
	var b strings.Builder
	for _, c := range e.PrimaryKey.Fingerprint {
		b.WriteByte(hexdigits[c>>4])
		b.WriteByte(hexdigits[c&15])
	}
	return b.String()
}

func TestVerifySeveralSignaturesInOneBlock(t *testing.T) {
	t.Parallel()
	k1, k2 := newTestKey(t, "Alice", nil), newTestKey(t, "Bob", nil)
	signers, err := LoadSigners([][]byte{k1.private, k2.private}, nil)
	if err != nil {
		t.Fatal(err)
	}
	asc, err := Sign(testSums, signers)
	if err != nil {
		t.Fatal(err)
	}
	// What `gpg --detach-sign -u A -u B` writes: one block, two packets.
	var body []byte
	for _, b := range armorBlocks(asc) {
		raw, err := decodeArmor(b, openpgp.SignatureType)
		if err != nil {
			t.Fatal(err)
		}
		body = append(body, raw...)
	}
	var one bytes.Buffer
	w, err := armorEncode(&one, openpgp.SignatureType)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = w.Write(body)
	_ = w.Close()
	res, err := Verify(testSums, one.Bytes(), publicKeys(t, k1, k2))
	if err != nil || len(res.Good) != 2 {
		t.Errorf("one block with two signatures: %+v %v", res, err)
	}
}

func TestVerifyMalformed(t *testing.T) {
	t.Parallel()
	k := newTestKey(t, "Alice", nil)
	tests := []struct {
		give string
		want string
	}{
		{"", "no armored signature"},
		{"not a signature", "no armored signature"},
		{string(k.public), `armored "PGP PUBLIC KEY BLOCK" block`},
		{"-----BEGIN PGP SIGNATURE-----\n\n!!!!\n-----END PGP SIGNATURE-----\n", "block 1"},
	}
	for _, tt := range tests {
		_, err := Verify(testSums, []byte(tt.give), publicKeys(t, k))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Verify(%.30q) = %v, want %q", tt.give, err, tt.want)
		}
	}
}

func TestLoadSignersErrors(t *testing.T) {
	t.Parallel()
	pass := []byte("s3cret")
	protected := newTestKey(t, "Carol", pass)
	plain := newTestKey(t, "Dave", nil)

	_, err := LoadSigners([][]byte{protected.private}, []byte("wrong"))
	if !errors.Is(err, ErrWrongPassphrase) || !strings.Contains(err.Error(), "Carol") {
		t.Errorf("wrong passphrase: %v", err)
	}
	_, err = LoadSigners([][]byte{protected.private}, nil)
	if !errors.Is(err, ErrWrongPassphrase) || !strings.Contains(err.Error(), "no passphrase") {
		t.Errorf("missing passphrase: %v", err)
	}
	if _, err := LoadSigners([][]byte{plain.private, []byte("garbage")}, nil); err == nil || !strings.Contains(err.Error(), "signing key 2") {
		t.Errorf("unreadable key: %v", err)
	}
	if _, err := LoadSigners([][]byte{plain.public}, nil); err == nil || !strings.Contains(err.Error(), "public key only") {
		t.Errorf("public key: %v", err)
	}
	missing := filepath.Join(t.TempDir(), "nokey.asc")
	if _, err := LoadSignerFiles([]string{missing}, nil); err == nil || !strings.Contains(err.Error(), "nokey.asc") {
		t.Errorf("missing file: %v", err)
	}
	unreadable := put(t, t.TempDir(), "bad.asc", []byte("-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nxx\n-----END PGP PRIVATE KEY BLOCK-----\n"))
	if _, err := LoadSignerFiles([]string{unreadable}, nil); err == nil || !strings.Contains(err.Error(), "bad.asc") {
		t.Errorf("unreadable file: %v", err)
	}
	if _, err := Sign(testSums, nil); err == nil {
		t.Error("Sign without signers succeeded")
	}
	if _, err := Sign(testSums, []Signer{{}}); err == nil {
		t.Error("Sign with a zero Signer succeeded")
	}
}

// The worker's way: inline keys and key files with one passphrase (as
// config reads them from the environment).
func TestLoadSignersAndFiles(t *testing.T) {
	t.Parallel()
	pass := []byte("env pass")
	k1, k2, k3 := newTestKey(t, "Erin", pass), newTestKey(t, "Frank", pass), newTestKey(t, "Grace", pass)
	dir := t.TempDir()
	f2, f3 := put(t, dir, "k2.asc", k2.private), put(t, dir, "k3.asc", k3.private)
	inline, err := LoadSigners([][]byte{k1.private}, pass)
	require.NoError(t, err)
	files, err := LoadSignerFiles([]string{f2, f3}, pass)
	require.NoError(t, err)
	var names []string
	for _, s := range append(inline, files...) {
		names = append(names, s.Entity().PrimaryIdentity().UserId.Name)
	}
	require.Equal(t, []string{"Erin", "Frank", "Grace"}, names)

	none, err := LoadSigners(nil, nil)
	require.NoError(t, err)
	require.Empty(t, none)
	_, err = LoadSignerFiles([]string{f2}, []byte("nope"))
	require.ErrorIs(t, err, ErrWrongPassphrase)
	require.ErrorContains(t, err, f2, "the error names the key file")
}

func TestGPGVerifiesSignatures(t *testing.T) {
	t.Parallel()
	k1, k2 := newTestKey(t, "Alice", nil), newTestKey(t, "Bob", []byte("pw"))
	for _, tc := range []struct {
		name string
		keys [][]byte
		want int
	}{
		{"one key", [][]byte{k1.private}, 1},
		{"two keys", [][]byte{k1.private, k2.private}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			signers, err := LoadSigners(tc.keys, []byte("pw"))
			if err != nil {
				t.Fatal(err)
			}
			asc, err := Sign(testSums, signers)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			put(t, dir, assetname.Sums, testSums)
			put(t, dir, assetname.SumsSignature, asc)
			put(t, dir, "keys.asc", append(append([]byte(nil), k1.public...), k2.public...))
			home := t.TempDir()
			if err := os.Chmod(home, 0o700); err != nil {
				t.Fatal(err)
			}
			env := []string{"GNUPGHOME=" + home, "LC_ALL=C"}
			t.Cleanup(func() { _, _ = tool(t, dir, env, "gpgconf", "--kill", "all") })
			if out, err := tool(t, dir, env, "gpg", "--batch", "--import", "keys.asc"); err != nil {
				t.Fatalf("gpg --import: %v\n%s", err, out)
			}
			out, err := tool(t, dir, env, "gpg", "--batch", "--verify", assetname.SumsSignature, assetname.Sums)
			if err != nil {
				t.Fatalf("gpg --verify: %v\n%s", err, out)
			}
			if n := strings.Count(out, "Good signature from"); n != tc.want {
				t.Errorf("gpg found %d good signatures, want %d:\n%s", n, tc.want, out)
			}
			put(t, dir, assetname.Sums, append([]byte("x"), testSums...))
			out, err = tool(t, dir, env, "gpg", "--batch", "--verify", assetname.SumsSignature, assetname.Sums)
			if err == nil || !strings.Contains(out, "BAD signature") {
				t.Errorf("gpg accepted tampered SHA256SUMS: %v\n%s", err, out)
			}
		})
	}
}
