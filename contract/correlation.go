package contract

import (
	"fmt"
	"regexp"
	"strconv"
)

// correlationPattern finds a correlation id inside a run's display title.
// Git tags and repo names cannot contain ':' or spaces, so the fields split cleanly.
var correlationPattern = regexp.MustCompile(`rt:([^\s:\[\]]+):([A-Za-z0-9._-]+):(\d+)`)

// CorrelationID is the deterministic id a build's run carries in its run-name:
// the same tag, repo and dispatch generation always give the same id.
func CorrelationID(tag, repo string, generation int) string {
	return fmt.Sprintf("rt:%s:%s:%d", tag, repo, generation)
}

// ParseCorrelationID finds a correlation id in a run's display title.
func ParseCorrelationID(title string) (tag, repo string, generation int, ok bool) {
	m := correlationPattern.FindStringSubmatch(title)
	if m == nil {
		return "", "", 0, false
	}
	n, err := strconv.Atoi(m[3])
	if err != nil {
		return "", "", 0, false
	}
	return m[1], m[2], n, true
}
