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

func TestLoadKeysNoneSignsNothing(t *testing.T) {
	a := &Activities{Signers: testSigners(t)}
	require.NoError(t, a.LoadKeys(Keys{}, "PROV_KEY"))
	assert.Empty(t, a.Signers)
	assert.Nil(t, a.ProvenanceSigner)
}

func TestLoadKeysRefusesWhatItCannotUse(t *testing.T) {
	dir := t.TempDir()
	notAKey := filepath.Join(dir, "key.asc")
	require.NoError(t, os.WriteFile(notAKey, []byte("hello"), 0o600))
	for name, k := range map[string]Keys{
		"inline key":      {OpenPGP: [][]byte{[]byte("hello")}},
		"key file":        {OpenPGPFiles: []string{notAKey}},
		"missing file":    {OpenPGPFiles: []string{filepath.Join(dir, "missing.asc")}},
		"provenance file": {ProvenanceKeyFile: filepath.Join(dir, "missing.pem")},
	} {
		t.Run(name, func(t *testing.T) {
			err := (&Activities{}).LoadKeys(k, "PROV_KEY")
			require.Error(t, err)
			if k.ProvenanceKeyFile != "" {
				assert.Contains(t, err.Error(), "PROV_KEY", "the error names the setting")
			} else {
				assert.Contains(t, err.Error(), "signing keys")
			}
		})
	}
}

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

func TestLoadKeysInlineThenFiles(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "b.asc")
	require.NoError(t, os.WriteFile(file, armoredKey(t, "B", "b@example.org"), 0o600))

	a := &Activities{}
	require.NoError(t, a.LoadKeys(Keys{OpenPGP: [][]byte{armoredKey(t, "A", "a@example.org")}, OpenPGPFiles: []string{file}}, "PROV_KEY"))
	var emails []string
	for _, s := range a.Signers {
		for _, id := range s.Entity().Identities {
			emails = append(emails, id.UserId.Email)
		}
	}
	assert.Equal(t, []string{"a@example.org", "b@example.org"}, emails, "inline keys first, then files")
	assert.Nil(t, a.ProvenanceSigner, "no provenance key: an unsigned envelope")
}
