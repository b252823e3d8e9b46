package contract

import "strings"

// CanonicalRepo returns the spelling names use for repo, matched
// case-insensitively (GitHub's repo names are), or repo itself when no name
// matches. Every surface canonicalises a repo name with it: the operator
// client for a start's Only, the Release workflow's retry and skip, the
// receiver for build events.
func CanonicalRepo(names []string, repo string) string {
	for _, n := range names {
		if strings.EqualFold(n, repo) {
			return n
		}
	}
	return repo
}
