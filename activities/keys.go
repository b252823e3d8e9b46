package activities

import (
	"fmt"

	"github.com/BTCDecoded/releasetrain/bundle"
	"github.com/BTCDecoded/releasetrain/provenance"
)

// Keys are the worker's signing keys as configured: armored OpenPGP
// private keys (inline and in files) that sign SHA256SUMS, their
// passphrase, and the PEM key file that signs the provenance. Loading them
// is the activities' business, so the worker wiring them up links neither
// OpenPGP nor the provenance's crypto itself.
type Keys struct {
	OpenPGP           [][]byte
	OpenPGPFiles      []string
	Passphrase        []byte // never logged
	ProvenanceKeyFile string
}

// LoadKeys reads and unlocks k into a.Signers and a.ProvenanceSigner.
// No keys: no SHA256SUMS.asc and an unsigned provenance envelope.
func (a *Activities) LoadKeys(k Keys, provenanceKeyEnv string) error {
	signers, err := bundle.LoadSigners(k.OpenPGP, k.Passphrase)
	if err != nil {
		return fmt.Errorf("signing keys: %w", err)
	}
	fromFiles, err := bundle.LoadSignerFiles(k.OpenPGPFiles, k.Passphrase)
	if err != nil {
		return fmt.Errorf("signing keys: %w", err)
	}
	a.Signers = append(signers, fromFiles...)
	a.ProvenanceSigner = nil
	if k.ProvenanceKeyFile != "" {
		if a.ProvenanceSigner, err = provenance.LoadSignerFile(k.ProvenanceKeyFile); err != nil {
			return fmt.Errorf("%s: %w", provenanceKeyEnv, err)
		}
	}
	return nil
}
