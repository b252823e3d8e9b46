package bundle

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/BTCDecoded/releasetrain/assetname"
)

func TestReadKeyringForms(t *testing.T) {
	t.Parallel()
	k1, k2 := newTestKey(t, "Alice", nil), newTestKey(t, "Bob", nil)
	var binary bytes.Buffer
	if err := k1.entity.Serialize(&binary); err != nil {
		t.Fatal(err)
	}
	if err := k2.entity.Serialize(&binary); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{
		"binary":               binary.Bytes(),
		"concatenated armored": append(append([]byte("comment line\n"), k1.public...), k2.public...),
	} {
		el, err := ReadKeyring(bytes.NewReader(data))
		if err != nil || len(el) != 2 {
			t.Errorf("%s: %d keys, %v", name, len(el), err)
		}
	}
	if _, err := ReadKeyring(strings.NewReader("")); err == nil {
		t.Error("empty keyring accepted")
	}
}

// TestVerifyGPGMadeSignatures checks the other direction: signatures made by
// gpg (one block holding two signature packets, as `gpg -u A -u B
// --detach-sign` writes) verify with VerifyDir and gpg-exported keys.
func TestVerifyGPGMadeSignatures(t *testing.T) {
	t.Parallel()
	dir := signedRelease(t, newTestKey(t, "Unused", nil))
	home := t.TempDir()
	if err := os.Chmod(home, 0o700); err != nil {
		t.Fatal(err)
	}
	env := []string{"GNUPGHOME=" + home, "LC_ALL=C"}
	t.Cleanup(func() { _, _ = tool(t, home, env, "gpgconf", "--kill", "all") })
	gpg := func(args ...string) string {
		t.Helper()
		out, err := tool(t, dir, env, "gpg", append([]string{"--batch", "--pinentry-mode", "loopback", "--passphrase", ""}, args...)...)
		if err != nil {
			t.Fatalf("gpg %v: %v\n%s", args, err, out)
		}
		return out
	}
	for _, uid := range []string{"Carol <carol@example.org>", "Dan <dan@example.org>"} {
		gpg("--quick-gen-key", uid, "ed25519", "sign", "never")
	}
	if err := os.Remove(dir + "/" + assetname.SumsSignature); err != nil {
		t.Fatal(err)
	}
	gpg("--armor", "--local-user", "carol@example.org", "--local-user", "dan@example.org", "--output", assetname.SumsSignature, "--detach-sign", assetname.Sums)
	gpg("--armor", "--output", "keys.asc", "--export")

	asc, err := os.ReadFile(dir + "/" + assetname.SumsSignature)
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(asc, []byte("BEGIN PGP SIGNATURE")); n != 1 {
		t.Fatalf("gpg wrote %d blocks, want 1", n)
	}
	keys, err := os.Open(dir + "/keys.asc")
	if err != nil {
		t.Fatal(err)
	}
	defer keys.Close()
	res, err := VerifyDir(dir, keys, 2)
	if err != nil {
		t.Fatalf("VerifyDir: %v (%+v)", err, res)
	}
	if len(res.Good) != 2 || !strings.Contains(strings.Join(res.Good, ";"), "Carol <carol@example.org>") {
		t.Errorf("good = %v", res.Good)
	}
}
