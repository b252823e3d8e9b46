package contract

import (
	"fmt"
	"regexp"
)

// MaxSignatureSize bounds an attached signature file.
const MaxSignatureSize = 64 << 10

// signatureName is a rebuilder's signature asset: SHA256SUMS.<signer>.asc,
// the signer in GitHub's safe asset-name characters (so never the train's
// own SHA256SUMS.asc).
var signatureName = regexp.MustCompile(`^SHA256SUMS\.[A-Za-z0-9_+-][A-Za-z0-9._+-]{0,63}\.asc$`)

// CheckSignatureName checks a signature file's name and size: pure, so
// the workflow's update validator, the HTTP API and the CLI all call it.
// Whether the bytes are OpenPGP signatures is checked where the file is
// attached (activities.CheckSignatureFile).
func CheckSignatureName(name string, size int) error {
	if !signatureName.MatchString(name) {
		return fmt.Errorf("signature file name %q: want SHA256SUMS.<signer>.asc with letters, digits, '.', '_', '-', '+'", name)
	}
	if size == 0 || size > MaxSignatureSize {
		return fmt.Errorf("signature file %s: %d bytes, want 1 to %d", name, size, MaxSignatureSize)
	}
	return nil
}
