package bundle

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/BTCDecoded/releasetrain/assetname"
)

// signedRelease writes a folder of downloaded assets with SHA256SUMS signed
// by keys and returns it.
func signedRelease(t *testing.T, keys ...testKey) string {
	t.Helper()
	dir := t.TempDir()
	var digests []Digest
	for name, content := range map[string]string{"bllvm-node": "node binary", "bllvm-sdk": "sdk binary", "notes.txt": "hello"} {
		p := put(t, dir, name, []byte(content))
		sum, size, err := HashFile(p)
		require.NoError(t, err)
		digests = append(digests, Digest{Name: name, Path: p, Size: size, SHA256: sum})
	}
	sums := SHA256SUMS(digests)
	put(t, dir, assetname.Sums, sums)
	var private [][]byte
	for _, k := range keys {
		private = append(private, k.private)
	}
	signers, err := LoadSigners(private, nil)
	require.NoError(t, err)
	asc, err := Sign(sums, signers)
	require.NoError(t, err)
	put(t, dir, assetname.SumsSignature, asc)
	return dir
}

func keyring(keys ...testKey) *bytes.Reader {
	var b []byte
	for _, k := range keys {
		b = append(b, k.public...)
	}
	return bytes.NewReader(b)
}

func TestVerifyDir(t *testing.T) {
	t.Parallel()
	alice, bob, mallory := newTestKey(t, "Alice", nil), newTestKey(t, "Bob", nil), newTestKey(t, "Mallory", nil)
	dir := signedRelease(t, alice, mallory)
	require.NoError(t, os.Remove(filepath.Join(dir, "notes.txt")))

	res, err := VerifyDir(dir, keyring(alice, bob), 1)
	require.NoError(t, err)
	if assert.Len(t, res.Good, 1, "signatures: %+v", res) {
		assert.Contains(t, res.Good[0], "Alice")
	}
	assert.Equal(t, 1, res.Unknown, "signatures: %+v", res)
	assert.Empty(t, res.Bad, "signatures: %+v", res)
	want := []FileCheck{{"bllvm-node", FileOK}, {"bllvm-sdk", FileOK}, {"notes.txt", FileMissing}}
	require.Len(t, res.Files, len(want), "files")
	for i := range want {
		assert.Equal(t, want[i], res.Files[i], "file %d", i)
	}

	// Threshold: two required, only Alice's is good.
	_, err = VerifyDir(dir, keyring(alice, bob), 2)
	assert.ErrorIs(t, err, ErrNotEnoughSignatures, "min-good 2")
	assert.ErrorContains(t, err, "2 required, 1 good, 0 bad, 1 by unknown keys", "min-good 2")
	_, err = VerifyDir(signedRelease(t, alice, bob), keyring(alice, bob), 2)
	assert.NoError(t, err, "two good of two")

	// A file that does not match.
	put(t, dir, "bllvm-sdk", []byte("evil"))
	res, err = VerifyDir(dir, keyring(alice), 1)
	assert.ErrorIs(t, err, ErrChecksumMismatch, "tampered file")
	assert.ErrorContains(t, err, "bllvm-sdk", "tampered file")
	if assert.Greater(t, len(res.Files), 1, "tampered file: %+v", res.Files) {
		assert.Equal(t, FileFailed, res.Files[1].Status, "tampered file: %+v", res.Files)
	}
}

func TestVerifyDirErrors(t *testing.T) {
	t.Parallel()
	alice := newTestKey(t, "Alice", nil)
	dir := signedRelease(t, alice)
	_, err := VerifyDir(dir, strings.NewReader("garbage"), 1)
	assert.ErrorContains(t, err, "keyring", "bad keyring")
	_, err = VerifyDir(dir, keyring(alice), 0)
	assert.ErrorContains(t, err, "at least 1", "min-good 0")
	_, err = VerifyDir(t.TempDir(), keyring(alice), 1)
	assert.ErrorContains(t, err, assetname.Sums, "empty folder")
	require.NoError(t, os.Remove(filepath.Join(dir, assetname.SumsSignature)))
	_, err = VerifyDir(dir, keyring(alice), 1)
	assert.ErrorContains(t, err, assetname.SumsSignature, "no signatures")
	evil := signedRelease(t, alice)
	sums := []byte(strings.Repeat("a", 64) + "  ../../etc/passwd\n")
	put(t, evil, assetname.Sums, sums)
	signers, _ := LoadSigners([][]byte{alice.private}, nil)
	asc, _ := Sign(sums, signers)
	put(t, evil, assetname.SumsSignature, asc)
	_, err = VerifyDir(evil, keyring(alice), 1)
	assert.ErrorContains(t, err, "leaves the folder", "path escape")
}

// TestVerifyDirCountsRebuilderSignatures counts good signatures across
// SHA256SUMS.asc and every SHA256SUMS.<signer>.asc, each key once, as
// Bitcoin Core's verify.py does with its builders' signatures.
func TestVerifyDirCountsRebuilderSignatures(t *testing.T) {
	t.Parallel()
	train, rebuilder, stranger := newTestKey(t, "Train", nil), newTestKey(t, "Rebuilder", nil), newTestKey(t, "Stranger", nil)
	dir := signedRelease(t, train)
	_, err := VerifyDir(dir, keyring(train, rebuilder), 2)
	require.ErrorIs(t, err, ErrNotEnoughSignatures, "one signer, two required")
	sums, err := os.ReadFile(filepath.Join(dir, assetname.Sums))
	require.NoError(t, err)
	sign := func(k testKey, name string) {
		t.Helper()
		s, err := LoadSigners([][]byte{k.private}, nil)
		require.NoError(t, err)
		asc, err := Sign(sums, s)
		require.NoError(t, err)
		put(t, dir, assetname.RebuilderSignature(name), asc)
	}
	// The train's key signing again under another name still counts once.
	sign(train, "again")
	_, err = VerifyDir(dir, keyring(train, rebuilder), 2)
	require.ErrorIs(t, err, ErrNotEnoughSignatures, "the same key twice, two required")
	// A key outside the keyring does not count.
	sign(stranger, "stranger")
	_, err = VerifyDir(dir, keyring(train, rebuilder), 2)
	require.ErrorIs(t, err, ErrNotEnoughSignatures, "an untrusted rebuilder, two required")
	sign(rebuilder, "rebuilder")
	res, err := VerifyDir(dir, keyring(train, rebuilder), 2)
	require.NoError(t, err)
	assert.Len(t, res.Good, 2)
	assert.Equal(t, 1, res.Unknown)
	assert.Len(t, res.SignatureFiles, 4)
	_, err = VerifyDir(dir, keyring(train, rebuilder), 3)
	assert.ErrorIs(t, err, ErrNotEnoughSignatures, "three required of two")
	// Rebuilder signatures alone, without the train's SHA256SUMS.asc, count too.
	require.NoError(t, os.Remove(filepath.Join(dir, assetname.SumsSignature)))
	_, err = VerifyDir(dir, keyring(train, rebuilder), 2)
	assert.NoError(t, err, "rebuilders' files only")
}
