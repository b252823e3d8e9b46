package webhook

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// tagPattern is what releasetrain accepts as a tag from an operator or a
// dispatch: a git tag without '/', so it fits a URL path segment, a workflow
// id and a correlation id.
var tagPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$`)

// validTag checks an operator- or dispatch-supplied tag.
func validTag(tag string) error {
	switch {
	case tag == "":
		return errors.New("required")
	case !tagPattern.MatchString(tag) || strings.Contains(tag, ".."):
		return fmt.Errorf("%q is not a valid tag (letters, digits, . _ + -; at most 128)", tag)
	}
	return nil
}

// parseRunID accepts a run id as a JSON number or a numeric string; absent is 0.
func parseRunID(raw json.RawMessage) (int64, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return 0, nil
	}
	var n int64
	if err := json.Unmarshal(raw, &n); err == nil {
		return n, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return 0, fmt.Errorf("want a number, got %s", raw)
	}
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("want a number: %w", err)
	}
	return n, nil
}
