package bundle

import (
	"bytes"
	"crypto"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
	"github.com/ProtonMail/go-crypto/openpgp/s2k"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// testKey is a generated OpenPGP key in the forms tests need.
type testKey struct {
	entity  *openpgp.Entity
	private []byte // armored private key (protected when generated with a passphrase)
	public  []byte // armored public key
}

// newTestKey generates a v4 Ed25519 key (fast, and gpg 2.2 reads it); with a
// non-empty passphrase the private key is encrypted.
func newTestKey(t *testing.T, name string, passphrase []byte) testKey {
	t.Helper()
	cfg := &packet.Config{Algorithm: packet.PubKeyAlgoEdDSA}
	e, err := openpgp.NewEntity(name, "test", name+"@example.org", cfg)
	require.NoError(t, err)
	var pub bytes.Buffer
	w, err := armor.Encode(&pub, openpgp.PublicKeyType, nil)
	require.NoError(t, err)
	require.NoError(t, e.Serialize(w))
	require.NoError(t, w.Close())
	var priv bytes.Buffer
	w, err = armor.Encode(&priv, openpgp.PrivateKeyType, nil)
	require.NoError(t, err)
	if len(passphrase) > 0 {
		// The smallest iterated S2K count keeps tests fast under -race.
		require.NoError(t, e.EncryptPrivateKeys(passphrase, &packet.Config{S2KConfig: &s2k.Config{S2KMode: s2k.IteratedSaltedS2K, Hash: crypto.SHA256, S2KCount: 65536}}))
		err = e.SerializePrivateWithoutSigning(w, nil)
	} else {
		err = e.SerializePrivate(w, nil)
	}
	require.NoError(t, err)
	require.NoError(t, w.Close())
	return testKey{entity: e, private: priv.Bytes(), public: append(pub.Bytes(), '\n')}
}

// put writes content to dir/name (creating parents) and returns the path.
func put(t *testing.T, dir, name string, content []byte) string {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(name))
	require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(t, os.WriteFile(p, content, 0o644))
	return p
}

// tool runs a command-line tool in dir and returns its combined output; it
// skips the test when the tool is not installed.
func tool(t *testing.T, dir string, env []string, name string, args ...string) (string, error) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Skipf("%s not installed", name)
	}
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func armorEncode(w *bytes.Buffer, typ string) (io.WriteCloser, error) {
	return armor.Encode(w, typ, nil)
}
