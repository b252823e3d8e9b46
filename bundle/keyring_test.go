package bundle

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/BTCDecoded/releasetrain/assetname"
)

func TestReadKeyringForms(t *testing.T) {
	t.Parallel()
	k1, k2 := newTestKey(t, "Alice", nil), newTestKey(t, "Bob", nil)
	var binary bytes.Buffer
	require.NoError(t, k1.entity.Serialize(&binary))
	require.NoError(t, k2.entity.Serialize(&binary))
	for name, data := range map[string][]byte{
		"binary":               binary.Bytes(),
		"concatenated armored": append(append([]byte("comment line\n"), k1.public...), k2.public...),
	} {
		el, err := ReadKeyring(bytes.NewReader(data))
		assert.NoError(t, err, "%s: %d keys, %v", name, len(el), err)
		assert.Len(t, el, 2, "%s: %d keys, %v", name, len(el), err)
	}
	_, err := ReadKeyring(strings.NewReader(""))
	assert.Error(t, err, "empty keyring accepted")
}

// TestVerifyGPGMadeSignatures checks the other direction: signatures made by
// gpg (one block holding two signature packets, as `gpg -u A -u B
// --detach-sign` writes) verify with VerifyDir and gpg-exported keys.
func TestVerifyGPGMadeSignatures(t *testing.T) {
	t.Parallel()
	dir := signedRelease(t, newTestKey(t, "Unused", nil))
	home := t.TempDir()
	require.NoError(t, os.Chmod(home, 0o700))
	env := []string{"GNUPGHOME=" + home, "LC_ALL=C"}
	t.Cleanup(func() { _, _ = tool(t, home, env, "gpgconf", "--kill", "all") })
	gpg := func(args ...string) string {
		t.Helper()
		out, err := tool(t, dir, env, "gpg", append([]string{"--batch", "--pinentry-mode", "loopback", "--passphrase", ""}, args...)...)
		require.NoError(t, err, "gpg %v: %v\n%s", args, err, out)
		return out
	}
	for _, uid := range []string{"Carol <carol@example.org>", "Dan <dan@example.org>"} {
		gpg("--quick-gen-key", uid, "ed25519", "sign", "never")
	}
	require.NoError(t, os.Remove(dir+"/"+assetname.SumsSignature))
	gpg("--armor", "--local-user", "carol@example.org", "--local-user", "dan@example.org", "--output", assetname.SumsSignature, "--detach-sign", assetname.Sums)
	gpg("--armor", "--output", "keys.asc", "--export")

	asc, err := os.ReadFile(dir + "/" + assetname.SumsSignature)
	require.NoError(t, err)
	n := bytes.Count(asc, []byte("BEGIN PGP SIGNATURE"))
	require.Equal(t, 1, n, "gpg wrote %d blocks, want 1", n)
	keys, err := os.Open(dir + "/keys.asc")
	require.NoError(t, err)
	defer keys.Close()
	res, err := VerifyDir(dir, keys, 2)
	require.NoError(t, err, "VerifyDir: %v (%+v)", err, res)
	assert.Len(t, res.Good, 2)
	assert.Contains(t, strings.Join(res.Good, ";"), "Carol <carol@example.org>")
}
