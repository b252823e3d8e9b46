package assetname

import (
	"fmt"
	"strings"
)

// Check reports whether GitHub keeps name unchanged as a release
// asset name: only A–Z a–z 0–9 . _ - + and no leading or trailing period.
// GitHub silently renames any other name on upload ("List release assets"
// then shows the new one), which would break SHA256SUMS and every link.
func Check(name string) error {
	if name == "" {
		return fmt.Errorf("asset name is empty")
	}
	if strings.HasPrefix(name, ".") || strings.HasSuffix(name, ".") {
		return fmt.Errorf("asset name %q starts or ends with a period, which GitHub renames", name)
	}
	for _, r := range name {
		if !assetRune(r) {
			return fmt.Errorf("asset name %q has %q, which GitHub renames: use only A-Z a-z 0-9 . _ - +", name, r)
		}
	}
	return nil
}

func assetRune(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' ||
		r == '.' || r == '_' || r == '-' || r == '+'
}
