package provenance

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/secure-systems-lab/go-securesystemslib/dsse"
	"github.com/secure-systems-lab/go-securesystemslib/signerverifier"
)

// maxKeyFile bounds a key file read into memory.
const maxKeyFile = 64 << 10

// Signer signs envelopes with an ECDSA P-256 or Ed25519 private key.
type Signer struct {
	sv     dsse.SignerVerifier
	public crypto.PublicKey
}

// KeyID is the signature's keyid (securesystemslib's key id of the public key).
func (s *Signer) KeyID() string {
	id, _ := s.sv.KeyID()
	return id
}

// Public returns the public key that verifies the signer's envelopes.
func (s *Signer) Public() crypto.PublicKey { return s.public }

// Verifier checks envelope signatures made by one public key.
type Verifier struct {
	v dsse.Verifier
}

// LoadSigner parses a PEM private key (PKCS #8, or SEC 1 for ECDSA):
// ECDSA on P-256 or Ed25519. Other keys are refused.
func LoadSigner(pemBytes []byte) (*Signer, error) {
	key, err := signerverifier.LoadKey(pemBytes)
	if err != nil {
		return nil, fmt.Errorf("provenance key: %w", err)
	}
	if key.KeyVal.Private == "" {
		return nil, errors.New("provenance key: a public key, want a private key")
	}
	sv, err := newSignerVerifier(key)
	if err != nil {
		return nil, err
	}
	return &Signer{sv: sv, public: sv.Public()}, nil
}

// LoadSignerFile is [LoadSigner] for a file.
func LoadSignerFile(path string) (*Signer, error) {
	data, err := readKeyFile(path)
	if err != nil {
		return nil, err
	}
	s, err := LoadSigner(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// LoadVerifier parses a PEM public key (PKIX), or a private key whose
// public half is used: ECDSA P-256 or Ed25519.
func LoadVerifier(pemBytes []byte) (*Verifier, error) {
	key, err := signerverifier.LoadKey(pemBytes)
	if err != nil {
		return nil, fmt.Errorf("provenance public key: %w", err)
	}
	key.KeyVal.Private = ""
	sv, err := newSignerVerifier(key)
	if err != nil {
		return nil, err
	}
	return &Verifier{v: sv}, nil
}

// LoadVerifierFile is [LoadVerifier] for a file.
func LoadVerifierFile(path string) (*Verifier, error) {
	data, err := readKeyFile(path)
	if err != nil {
		return nil, err
	}
	v, err := LoadVerifier(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return v, nil
}

// newSignerVerifier picks go-securesystemslib's implementation for the key.
func newSignerVerifier(key *signerverifier.SSLibKey) (dsse.SignerVerifier, error) {
	switch key.KeyType {
	case signerverifier.ECDSAKeyType:
		sv, err := signerverifier.NewECDSASignerVerifierFromSSLibKey(key)
		if err != nil {
			return nil, fmt.Errorf("provenance key: %w", err)
		}
		if pub, ok := sv.Public().(*ecdsa.PublicKey); !ok || pub.Curve != elliptic.P256() {
			return nil, errors.New("provenance key: ECDSA keys must be on P-256")
		}
		return sv, nil
	case signerverifier.ED25519KeyType:
		sv, err := signerverifier.NewED25519SignerVerifierFromSSLibKey(key)
		if err != nil {
			return nil, fmt.Errorf("provenance key: %w", err)
		}
		return sv, nil
	default:
		return nil, fmt.Errorf("provenance key: %s keys are not accepted, want ECDSA P-256 or Ed25519", key.KeyType)
	}
}

func readKeyFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("provenance key: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxKeyFile+1))
	if err != nil {
		return nil, fmt.Errorf("provenance key %s: %w", path, err)
	}
	if len(data) > maxKeyFile {
		return nil, fmt.Errorf("provenance key %s: larger than %d bytes", path, maxKeyFile)
	}
	return data, nil
}

// Key algorithms [GenerateKeyFiles] makes.
const (
	AlgorithmECDSAP256 = "ecdsa-p256"
	AlgorithmEd25519   = "ed25519"
)

// GenerateKeyFiles writes a new private key (PKCS #8 PEM, mode 0600) to
// private and its public key (PKIX PEM) to public: ECDSA P-256 (cosign's
// default key type) or Ed25519.
func GenerateKeyFiles(algorithm, private, public string) error {
	var priv crypto.Signer
	var err error
	switch algorithm {
	case AlgorithmECDSAP256:
		priv, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case AlgorithmEd25519:
		_, priv, err = ed25519.GenerateKey(rand.Reader)
	default:
		return fmt.Errorf("provenance key algorithm %q: want %s or %s", algorithm, AlgorithmECDSAP256, AlgorithmEd25519)
	}
	if err != nil {
		return fmt.Errorf("generate provenance key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return fmt.Errorf("generate provenance key: %w", err)
	}
	pubDER, err := x509.MarshalPKIXPublicKey(priv.Public())
	if err != nil {
		return fmt.Errorf("generate provenance key: %w", err)
	}
	if err := os.WriteFile(private, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		return err
	}
	return os.WriteFile(public, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}), 0o644)
}
