package activities

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// armoredKey makes an armored private Ed25519 key without passphrase.
func armoredKey(t *testing.T, name, email string) []byte {
	t.Helper()
	e, err := openpgp.NewEntity(name, "", email, &packet.Config{Algorithm: packet.PubKeyAlgoEdDSA})
	require.NoError(t, err)
	var buf bytes.Buffer
	w, err := armor.Encode(&buf, openpgp.PrivateKeyType, nil)
	require.NoError(t, err)
	require.NoError(t, e.SerializePrivate(w, nil))
	require.NoError(t, w.Close())
	return buf.Bytes()
}

func TestLoadSignersInlineThenFiles(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "b.asc")
	require.NoError(t, os.WriteFile(file, armoredKey(t, "B", "b@example.org"), 0o600))

	signers, err := LoadSigners([][]byte{armoredKey(t, "A", "a@example.org")}, []string{file}, nil)
	require.NoError(t, err)
	require.Len(t, signers, 2)
	var emails []string
	for _, s := range signers {
		for _, id := range s.Entity().Identities {
			emails = append(emails, id.UserId.Email)
		}
	}
	assert.Equal(t, []string{"a@example.org", "b@example.org"}, emails, "inline keys first, then files")

	none, err := LoadSigners(nil, nil, nil)
	require.NoError(t, err)
	assert.Empty(t, none, "no keys: no signatures")

	_, err = LoadSigners(nil, []string{filepath.Join(dir, "missing.asc")}, nil)
	require.ErrorContains(t, err, "signing keys: ")
	assert.ErrorContains(t, err, "missing.asc")
	_, err = LoadSigners([][]byte{[]byte("not a key")}, nil, nil)
	assert.ErrorContains(t, err, "signing keys: ")
}
