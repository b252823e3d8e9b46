package devstack

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/packet"

	"github.com/BTCDecoded/releasetrain/provenance"
)

// demoKey returns the data folder's demo signing key (private, unprotected,
// for the local demo only) and its public half, creating both on first use so
// the demo release carries a real SHA256SUMS.asc.
func demoKey(dataDir string) (private, public string, err error) {
	private = filepath.Join(dataDir, "demo-signing-key.asc")
	public = filepath.Join(dataDir, "demo-signing-key.pub.asc")
	if _, err := os.Stat(private); err == nil {
		if _, err := os.Stat(public); err == nil {
			return private, public, nil
		}
	}
	e, err := openpgp.NewEntity("releasetrain demo", "local demo key, not for real releases", "demo@releasetrain.invalid",
		&packet.Config{Algorithm: packet.PubKeyAlgoEdDSA})
	if err != nil {
		return "", "", fmt.Errorf("demo signing key: %w", err)
	}
	var priv, pub bytes.Buffer
	if err := armored(&priv, openpgp.PrivateKeyType, func(w io.Writer) error { return e.SerializePrivate(w, nil) }); err != nil {
		return "", "", err
	}
	if err := armored(&pub, openpgp.PublicKeyType, e.Serialize); err != nil {
		return "", "", err
	}
	if err := os.WriteFile(private, priv.Bytes(), 0o600); err != nil {
		return "", "", err
	}
	return private, public, os.WriteFile(public, pub.Bytes(), 0o644)
}

// armored writes what serialize produces as an ASCII-armored block.
func armored(dst io.Writer, blockType string, serialize func(io.Writer) error) error {
	w, err := armor.Encode(dst, blockType, nil)
	if err != nil {
		return err
	}
	if err := serialize(w); err != nil {
		return fmt.Errorf("demo signing key: %w", err)
	}
	return w.Close()
}

// demoProvenanceKey returns the data folder's demo provenance key (PEM,
// Ed25519, unprotected, for the local demo only) and its public key,
// creating both on first use so the demo release carries a signed
// provenance. Ed25519 signs the same statement to the same bytes, so a
// retried packaging step publishes the same file.
func demoProvenanceKey(dataDir string) (private, public string, err error) {
	private = filepath.Join(dataDir, "demo-provenance-key.pem")
	public = filepath.Join(dataDir, "demo-provenance-key.pub.pem")
	if _, err := os.Stat(private); err == nil {
		if _, err := os.Stat(public); err == nil {
			return private, public, nil
		}
	}
	if err := provenance.GenerateKeyFiles(provenance.AlgorithmEd25519, private, public); err != nil {
		return "", "", fmt.Errorf("demo provenance key: %w", err)
	}
	return private, public, nil
}
