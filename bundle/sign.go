package bundle

import (
	"bytes"
	"crypto"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
)

// ErrWrongPassphrase reports a passphrase that does not unlock a key.
var ErrWrongPassphrase = errors.New("wrong passphrase")

// Signer is one unlocked OpenPGP signing key.
type Signer struct {
	entity *openpgp.Entity
}

// String names the key: fingerprint and primary user id.
func (s Signer) String() string { return describe(s.entity) }

// Entity returns the key; its public part verifies the signer's signatures.
func (s Signer) Entity() *openpgp.Entity { return s.entity }

// LoadSigners parses private keys (armored or binary; each may hold several),
// unlocking protected ones with passphrase. It fails on unreadable data, a
// key without private part or usable signing key, and a wrong or missing
// passphrase ([ErrWrongPassphrase]).
func LoadSigners(armoredKeys [][]byte, passphrase []byte) ([]Signer, error) {
	var out []Signer
	for i, data := range armoredKeys {
		s, err := parseSigners(data, passphrase)
		if err != nil {
			return nil, fmt.Errorf("signing key %d: %w", i+1, err)
		}
		out = append(out, s...)
	}
	return out, nil
}

// LoadSignerFiles is [LoadSigners] for key files.
func LoadSignerFiles(paths []string, passphrase []byte) ([]Signer, error) {
	var out []Signer
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("read signing key: %w", err)
		}
		s, err := parseSigners(data, passphrase)
		if err != nil {
			return nil, fmt.Errorf("signing key %s: %w", p, err)
		}
		out = append(out, s...)
	}
	return out, nil
}

func parseSigners(data, passphrase []byte) ([]Signer, error) {
	keys, err := ReadKeyring(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	out := make([]Signer, 0, len(keys))
	for _, e := range keys {
		name := describe(e)
		if e.PrivateKey == nil {
			return nil, fmt.Errorf("%s: public key only, want a private key", name)
		}
		if encrypted(e) {
			if len(passphrase) == 0 {
				return nil, fmt.Errorf("%s: key is passphrase-protected and no passphrase was given: %w", name, ErrWrongPassphrase)
			}
			if err := e.DecryptPrivateKeys(passphrase); err != nil {
				return nil, fmt.Errorf("%s: %w (%v)", name, ErrWrongPassphrase, err)
			}
		}
		if _, ok := e.SigningKey(time.Now()); !ok {
			return nil, fmt.Errorf("%s: no valid signing key (expired or revoked)", name)
		}
		out = append(out, Signer{entity: e})
	}
	return out, nil
}

func encrypted(e *openpgp.Entity) bool {
	if e.PrivateKey != nil && e.PrivateKey.Encrypted {
		return true
	}
	for _, s := range e.Subkeys {
		if s.PrivateKey != nil && s.PrivateKey.Encrypted {
			return true
		}
	}
	return false
}

// Sign returns armored detached signatures of sums, one block per signer,
// concatenated: the content of SHA256SUMS.asc. `gpg --verify SHA256SUMS.asc
// SHA256SUMS` checks every block.
func Sign(sums []byte, signers []Signer) ([]byte, error) {
	if len(signers) == 0 {
		return nil, errors.New("sign SHA256SUMS: no signing keys")
	}
	cfg := &packet.Config{DefaultHash: crypto.SHA256}
	var out bytes.Buffer
	for _, s := range signers {
		if s.entity == nil {
			return nil, errors.New("sign SHA256SUMS: zero Signer (use LoadSigners)")
		}
		if err := openpgp.ArmoredDetachSign(&out, s.entity, bytes.NewReader(sums), cfg); err != nil {
			return nil, fmt.Errorf("sign SHA256SUMS with %s: %w", s, err)
		}
		out.WriteByte('\n')
	}
	return out.Bytes(), nil
}
