package assetname

import (
	"fmt"
	"regexp"
)

// MaxSignatureSize bounds a rebuilder's signature file.
const MaxSignatureSize = 64 << 10

// signatureName is a rebuilder's signature asset: SHA256SUMS.<signer>.asc,
// the signer in GitHub's safe asset-name characters.
var signatureName = regexp.MustCompile(`^SHA256SUMS\.[A-Za-z0-9_+-][A-Za-z0-9._+-]{0,63}\.asc$`)

// CheckSignature checks a rebuilder's signature file by its name
// (RebuilderSignature of a signer, never the train's SumsSignature) and
// size only: pure, so the workflow's update validator and the receiver may
// call it. Whether the content is OpenPGP is for the activity that attaches it.
func CheckSignature(name string, size int) error {
	if !signatureName.MatchString(name) || name == SumsSignature {
		return fmt.Errorf("signature file name %q: want SHA256SUMS.<signer>.asc with letters, digits, '.', '_', '-', '+'", name)
	}
	if size == 0 || size > MaxSignatureSize {
		return fmt.Errorf("signature file %s: %d bytes, want 1 to %d", name, size, MaxSignatureSize)
	}
	return nil
}
