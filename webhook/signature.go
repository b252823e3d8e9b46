package webhook

import (
	"errors"
	"strings"

	"github.com/google/go-github/v62/github"
)

// errBadSignature is any missing, malformed or wrong X-Hub-Signature-256.
var errBadSignature = errors.New("missing or invalid X-Hub-Signature-256")

// verifySignature checks header (X-Hub-Signature-256, "sha256=<hex>") over
// the raw body with the secret; go-github compares the MACs with hmac.Equal.
// Only SHA-256 is accepted: the legacy SHA-1 header is ignored.
func verifySignature(header string, body, secret []byte) error {
	if !strings.HasPrefix(header, "sha256=") {
		return errBadSignature
	}
	if err := github.ValidateSignature(header, body, secret); err != nil {
		return errBadSignature
	}
	return nil
}
