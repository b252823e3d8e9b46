package activities

import (
	"os"
	"path/filepath"
	"testing"

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
