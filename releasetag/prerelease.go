package releasetag

import (
	"strings"
)

// IsPrerelease decides whether a release is a prerelease: the trigger's
// explicit flag wins; otherwise a tag whose semantic version has a
// pre-release part (v1.2.0-rc.1, 2.0.0-beta) is one. Build metadata
// (+build.5) does not count, and tags that are not versions are releases.
// Prereleases are never marked latest.
func IsPrerelease(tag string, fromTrigger *bool) bool {
	if fromTrigger != nil {
		return *fromTrigger
	}
	v := strings.TrimPrefix(tag, "v")
	v, _, _ = strings.Cut(v, "+")
	core, pre, ok := strings.Cut(v, "-")
	if !ok || pre == "" || !numericCore(core) {
		return false
	}
	for _, id := range strings.Split(pre, ".") {
		if id == "" || strings.Trim(id, "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-") != "" {
			return false
		}
	}
	return true
}

// numericCore reports whether core is MAJOR[.MINOR[.PATCH]] in digits.
func numericCore(core string) bool {
	parts := strings.Split(core, ".")
	if len(parts) > 3 {
		return false
	}
	for _, p := range parts {
		if p == "" || strings.Trim(p, "0123456789") != "" {
			return false
		}
	}
	return true
}
