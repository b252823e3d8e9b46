package activities

import (
	"fmt"

	"github.com/BTCDecoded/releasetrain/bundle"
)

// LoadSigners reads the OpenPGP keys that sign SHA256SUMS (Activities.Signers):
// the armored or binary keys given inline, then the key files, each unlocked
// with passphrase. Errors name the key file, never the passphrase. The
// worker calls it, so only the activities know the signers are bundle's.
func LoadSigners(keys [][]byte, files []string, passphrase []byte) ([]bundle.Signer, error) {
	signers, err := bundle.LoadSigners(keys, passphrase)
	if err != nil {
		return nil, fmt.Errorf("signing keys: %w", err)
	}
	fromFiles, err := bundle.LoadSignerFiles(files, passphrase)
	if err != nil {
		return nil, fmt.Errorf("signing keys: %w", err)
	}
	return append(signers, fromFiles...), nil
}
