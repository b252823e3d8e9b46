package bundle

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
		if err != nil {
			t.Fatal(err)
		}
		digests = append(digests, Digest{Name: name, Path: p, Size: size, SHA256: sum})
	}
	sums := SHA256SUMS(digests)
	put(t, dir, assetname.Sums, sums)
	var private [][]byte
	for _, k := range keys {
		private = append(private, k.private)
	}
	signers, err := LoadSigners(private, nil)
	if err != nil {
		t.Fatal(err)
	}
	asc, err := Sign(sums, signers)
	if err != nil {
		t.Fatal(err)
	}
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
	if err := os.Remove(filepath.Join(dir, "notes.txt")); err != nil {
		t.Fatal(err)
	}

	res, err := VerifyDir(dir, keyring(alice, bob), 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Good) != 1 || !strings.Contains(res.Good[0], "Alice") || res.Unknown != 1 || len(res.Bad) != 0 {
		t.Errorf("signatures: %+v", res)
	}
	want := []FileCheck{{"bllvm-node", FileOK}, {"bllvm-sdk", FileOK}, {"notes.txt", FileMissing}}
	if len(res.Files) != len(want) {
		t.Fatalf("files = %+v", res.Files)
	}
	for i := range want {
		if res.Files[i] != want[i] {
			t.Errorf("file %d = %+v, want %+v", i, res.Files[i], want[i])
		}
	}

	// Threshold: two required, only Alice's is good.
	_, err = VerifyDir(dir, keyring(alice, bob), 2)
	if !errors.Is(err, ErrNotEnoughSignatures) || !strings.Contains(err.Error(), "2 required, 1 good, 0 bad, 1 by unknown keys") {
		t.Errorf("min-good 2: %v", err)
	}
	if _, err := VerifyDir(signedRelease(t, alice, bob), keyring(alice, bob), 2); err != nil {
		t.Errorf("two good of two: %v", err)
	}

	// A file that does not match.
	put(t, dir, "bllvm-sdk", []byte("evil"))
	res, err = VerifyDir(dir, keyring(alice), 1)
	if !errors.Is(err, ErrChecksumMismatch) || !strings.Contains(err.Error(), "bllvm-sdk") || res.Files[1].Status != FileFailed {
		t.Errorf("tampered file: %v %+v", err, res.Files)
	}
}

func TestVerifyDirErrors(t *testing.T) {
	t.Parallel()
	alice := newTestKey(t, "Alice", nil)
	dir := signedRelease(t, alice)
	if _, err := VerifyDir(dir, strings.NewReader("garbage"), 1); err == nil || !strings.Contains(err.Error(), "keyring") {
		t.Errorf("bad keyring: %v", err)
	}
	if _, err := VerifyDir(dir, keyring(alice), 0); err == nil || !strings.Contains(err.Error(), "at least 1") {
		t.Errorf("min-good 0: %v", err)
	}
	if _, err := VerifyDir(t.TempDir(), keyring(alice), 1); err == nil || !strings.Contains(err.Error(), assetname.Sums) {
		t.Errorf("empty folder: %v", err)
	}
	if err := os.Remove(filepath.Join(dir, assetname.SumsSignature)); err != nil {
		t.Fatal(err)
	}
	if _, err := VerifyDir(dir, keyring(alice), 1); err == nil || !strings.Contains(err.Error(), assetname.SumsSignature) {
		t.Errorf("no signatures: %v", err)
	}
	evil := signedRelease(t, alice)
	sums := []byte(strings.Repeat("a", 64) + "  ../../etc/passwd\n")
	put(t, evil, assetname.Sums, sums)
	signers, _ := LoadSigners([][]byte{alice.private}, nil)
	asc, _ := Sign(sums, signers)
	put(t, evil, assetname.SumsSignature, asc)
	if _, err := VerifyDir(evil, keyring(alice), 1); err == nil || !strings.Contains(err.Error(), "leaves the folder") {
		t.Errorf("path escape: %v", err)
	}
}

// TestVerifyDirCountsRebuilderSignatures counts good signatures across
// SHA256SUMS.asc and every SHA256SUMS.<signer>.asc, each key once, as
// Bitcoin Core's verify.py does with its builders' signatures.
func TestVerifyDirCountsRebuilderSignatures(t *testing.T) {
	t.Parallel()
	train, rebuilder, stranger := newTestKey(t, "Train", nil), newTestKey(t, "Rebuilder", nil), newTestKey(t, "Stranger", nil)
	dir := signedRelease(t, train)
	if _, err := VerifyDir(dir, keyring(train, rebuilder), 2); !errors.Is(err, ErrNotEnoughSignatures) {
		t.Fatalf("one signer, two required: %v", err)
	}
	sums, err := os.ReadFile(filepath.Join(dir, assetname.Sums))
	if err != nil {
		t.Fatal(err)
	}
	sign := func(k testKey, name string) {
		t.Helper()
		s, err := LoadSigners([][]byte{k.private}, nil)
		if err != nil {
			t.Fatal(err)
		}
		asc, err := Sign(sums, s)
		if err != nil {
			t.Fatal(err)
		}
		put(t, dir, assetname.RebuilderSignature(name), asc)
	}
	// The train's key signing again under another name still counts once.
	sign(train, "again")
	if _, err := VerifyDir(dir, keyring(train, rebuilder), 2); !errors.Is(err, ErrNotEnoughSignatures) {
		t.Fatalf("the same key twice, two required: %v", err)
	}
	// A key outside the keyring does not count.
	sign(stranger, "stranger")
	if _, err := VerifyDir(dir, keyring(train, rebuilder), 2); !errors.Is(err, ErrNotEnoughSignatures) {
		t.Fatalf("an untrusted rebuilder, two required: %v", err)
	}
	sign(rebuilder, "rebuilder")
	res, err := VerifyDir(dir, keyring(train, rebuilder), 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Good) != 2 || res.Unknown != 1 || len(res.SignatureFiles) != 4 {
		t.Errorf("good %v, unknown %d, files %v", res.Good, res.Unknown, res.SignatureFiles)
	}
	if _, err := VerifyDir(dir, keyring(train, rebuilder), 3); !errors.Is(err, ErrNotEnoughSignatures) {
		t.Errorf("three required of two: %v", err)
	}
	// Rebuilder signatures alone, without the train's SHA256SUMS.asc, count too.
	if err := os.Remove(filepath.Join(dir, assetname.SumsSignature)); err != nil {
		t.Fatal(err)
	}
	if _, err := VerifyDir(dir, keyring(train, rebuilder), 2); err != nil {
		t.Errorf("rebuilders' files only: %v", err)
	}
}
