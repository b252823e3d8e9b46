package bench

import (
	"strings"

	"github.com/BTCDecoded/releasetrain/ghsim"
)

// BuildBudget is the primary rate-limit budget the simulator charged for
// builds: every API request but the release routes (packaging and
// publishing), the preflight's reads (once per train), artifact blob
// downloads (storage, not the API), the free ones (GET /rate_limit, App
// routes, 304 answers) and reset connections.
func BuildBudget(st ghsim.Stats) int {
	n := 0
	for route, byStatus := range st.Requests {
		_, path, _ := strings.Cut(route, " ")
		if strings.Contains(path, "/releases") || strings.HasPrefix(path, "/_blob/") || path == "/rate_limit" || path == "/app" || strings.HasPrefix(path, "/app/") ||
			preflightRoute(path) {
			continue
		}
		for status, c := range byStatus {
			if status != "304" && status != "0" {
				n += c
			}
		}
	}
	return n
}

// preflightRoute reports whether a route is one of the preflight's reads
// (the repo, its workflow file, the immutable-releases setting): once per
// train before any dispatch, not part of a build.
func preflightRoute(path string) bool {
	return path == "/repos/{owner}/{repo}" || path == "/repos/{owner}/{repo}/actions/workflows/{workflow_id}" ||
		path == "/repos/{owner}/{repo}/immutable-releases"
}
