package bundle

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

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
	require.NoError(t, err)
	return el
}

func TestSignAndVerify(t *testing.T) {
	t.Parallel()
	pass := []byte("correct horse")
	k1 := newTestKey(t, "Alice", nil)
	k2 := newTestKey(t, "Bob", pass)
	signers, err := LoadSigners([][]byte{k1.private, k2.private}, pass)
	require.NoError(t, err)
	require.Len(t, signers, 2)
	require.Contains(t, signers[1].String(), "Bob")
	asc, err := Sign(testSums, signers)
	require.NoError(t, err)
	n := bytes.Count(asc, []byte("-----BEGIN PGP SIGNATURE-----"))
	require.Equal(t, 2, n, "%d signature blocks, want 2:\n%s", n, asc)

	res, err := Verify(testSums, asc, publicKeys(t, k1, k2))
	require.NoError(t, err)
	assert.Len(t, res.Good, 2, "both trusted: %+v", res)
	assert.Empty(t, res.Bad, "both trusted: %+v", res)
	assert.Zero(t, res.Unknown, "both trusted: %+v", res)
	fp := strings.ToUpper(fingerprint(k1.entity))
	if assert.NotEmpty(t, res.Good) {
		assert.True(t, strings.HasPrefix(res.Good[0], fp), "good[0] = %q, want fingerprint %s", res.Good[0], fp)
		assert.Contains(t, res.Good[0], "Alice (test) <Alice@example.org>")
	}

	res, err = Verify(testSums, asc, publicKeys(t, k2))
	require.NoError(t, err)
	if assert.Len(t, res.Good, 1, "only Bob trusted: %+v", res) {
		assert.Contains(t, res.Good[0], "Bob")
	}
	assert.Equal(t, 1, res.Unknown, "only Bob trusted: %+v", res)

	tampered := append([]byte("x"), testSums...)
	res, err = Verify(tampered, asc, publicKeys(t, k1, k2))
	require.NoError(t, err)
	assert.Empty(t, res.Good, "tampered: %+v", res)
	if assert.Len(t, res.Bad, 2, "tampered: %+v", res) {
		assert.True(t, strings.HasPrefix(res.Bad[0], fp), "tampered: bad[0] = %q, want fingerprint %s", res.Bad[0], fp)
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
	require.NoError(t, err)
	asc, err := Sign(testSums, signers)
	require.NoError(t, err)
	// What `gpg --detach-sign -u A -u B` writes: one block, two packets.
	var body []byte
	for _, b := range armorBlocks(asc) {
		raw, err := decodeArmor(b, openpgp.SignatureType)
		require.NoError(t, err)
		body = append(body, raw...)
	}
	var one bytes.Buffer
	w, err := armorEncode(&one, openpgp.SignatureType)
	require.NoError(t, err)
	_, _ = w.Write(body)
	_ = w.Close()
	res, err := Verify(testSums, one.Bytes(), publicKeys(t, k1, k2))
	assert.NoError(t, err, "one block with two signatures: %+v %v", res, err)
	assert.Len(t, res.Good, 2, "one block with two signatures: %+v %v", res, err)
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
		assert.ErrorContains(t, err, tt.want, "Verify(%.30q)", tt.give)
	}
}

func TestLoadSignersErrors(t *testing.T) {
	t.Parallel()
	pass := []byte("s3cret")
	protected := newTestKey(t, "Carol", pass)
	plain := newTestKey(t, "Dave", nil)

	_, err := LoadSigners([][]byte{protected.private}, []byte("wrong"))
	if assert.ErrorIs(t, err, ErrWrongPassphrase, "wrong passphrase") {
		assert.ErrorContains(t, err, "Carol", "wrong passphrase")
	}
	_, err = LoadSigners([][]byte{protected.private}, nil)
	if assert.ErrorIs(t, err, ErrWrongPassphrase, "missing passphrase") {
		assert.ErrorContains(t, err, "no passphrase", "missing passphrase")
	}
	_, err = LoadSigners([][]byte{plain.private, []byte("garbage")}, nil)
	assert.ErrorContains(t, err, "signing key 2", "unreadable key")
	_, err = LoadSigners([][]byte{plain.public}, nil)
	assert.ErrorContains(t, err, "public key only", "public key")
	missing := filepath.Join(t.TempDir(), "nokey.asc")
	_, err = LoadSignerFiles([]string{missing}, nil)
	assert.ErrorContains(t, err, "nokey.asc", "missing file")
	unreadable := put(t, t.TempDir(), "bad.asc", []byte("-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nxx\n-----END PGP PRIVATE KEY BLOCK-----\n"))
	_, err = LoadSignerFiles([]string{unreadable}, nil)
	assert.ErrorContains(t, err, "bad.asc", "unreadable file")
	_, err = Sign(testSums, nil)
	assert.Error(t, err, "Sign without signers succeeded")
	_, err = Sign(testSums, []Signer{{}})
	assert.Error(t, err, "Sign with a zero Signer succeeded")
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
			require.NoError(t, err)
			asc, err := Sign(testSums, signers)
			require.NoError(t, err)
			dir := t.TempDir()
			put(t, dir, assetname.Sums, testSums)
			put(t, dir, assetname.SumsSignature, asc)
			put(t, dir, "keys.asc", append(append([]byte(nil), k1.public...), k2.public...))
			home := t.TempDir()
			require.NoError(t, os.Chmod(home, 0o700))
			env := []string{"GNUPGHOME=" + home, "LC_ALL=C"}
			t.Cleanup(func() { _, _ = tool(t, dir, env, "gpgconf", "--kill", "all") })
			out, err := tool(t, dir, env, "gpg", "--batch", "--import", "keys.asc")
			require.NoError(t, err, "gpg --import: %s", out)
			out, err = tool(t, dir, env, "gpg", "--batch", "--verify", assetname.SumsSignature, assetname.Sums)
			require.NoError(t, err, "gpg --verify: %v\n%s", err, out)
			n := strings.Count(out, "Good signature from")
			assert.Equal(t, tc.want, n, "gpg found %d good signatures, want %d:\n%s", n, tc.want, out)
			put(t, dir, assetname.Sums, append([]byte("x"), testSums...))
			out, err = tool(t, dir, env, "gpg", "--batch", "--verify", assetname.SumsSignature, assetname.Sums)
			assert.Error(t, err, "gpg accepted tampered SHA256SUMS:\n%s", out)
			assert.Contains(t, out, "BAD signature", "gpg accepted tampered SHA256SUMS")
		})
	}
}
