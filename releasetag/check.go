package releasetag

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// MaxLen is the longest tag accepted, in bytes.
const MaxLen = 128

// Rule names which rule a refused tag broke; it is a bounded set, fit for a
// metric label.
type Rule string

// The rules of Check.
const (
	// RuleEmpty: no tag at all.
	RuleEmpty Rule = "empty"
	// RuleLength: longer than MaxLen.
	RuleLength Rule = "length"
	// RuleGit: git check-ref-format refuses it (control characters, space,
	// ~ ^ : ? * [ \, "..", "@{", a trailing '.' or ".lock").
	RuleGit Rule = "git"
	// RuleSlash: a '/' (legal in git) would split the bundle's file name, the
	// API's URL path and the workflow id.
	RuleSlash Rule = "slash"
	// RuleCharset: a character GitHub would rename in the bundle's asset name.
	RuleCharset Rule = "charset"
	// RuleStart: the first character is not a letter or digit.
	RuleStart Rule = "start"
)

// Error is a refused tag: which rule it broke and why, in words.
type Error struct {
	Tag    string // the tag, shortened to MaxLen bytes
	Rule   Rule
	Reason string
}

func (e *Error) Error() string { return fmt.Sprintf("tag %q: %s", e.Tag, e.Reason) }

// RuleOf returns the rule a Check error broke, or "" for any other error.
func RuleOf(err error) Rule {
	var e *Error
	if errors.As(err, &e) {
		return e.Rule
	}
	return ""
}

// Check returns nil for a tag releasetrain can release, else an *Error
// naming the first rule it breaks.
func Check(tag string) error {
	refuse := func(rule Rule, format string, args ...any) error {
		shown := tag
		if len(shown) > MaxLen {
			shown = shown[:MaxLen] + "…"
		}
		return &Error{Tag: shown, Rule: rule, Reason: fmt.Sprintf(format, args...)}
	}
	if tag == "" {
		return refuse(RuleEmpty, "a tag is required")
	}
	if len(tag) > MaxLen {
		return refuse(RuleLength, "%d bytes, at most %d", len(tag), MaxLen)
	}
	if !utf8.ValidString(tag) {
		return refuse(RuleCharset, "not valid UTF-8")
	}
	// git check-ref-format first, so a tag git refuses is told so.
	for i, r := range tag {
		switch {
		case r < 0x20 || r == 0x7f:
			return refuse(RuleGit, "control character %U at byte %d: git does not allow it in a tag", r, i)
		case strings.ContainsRune(" ~^:?*[\\", r):
			return refuse(RuleGit, "%q at byte %d: git does not allow it in a tag", r, i)
		}
	}
	switch {
	case strings.Contains(tag, ".."):
		return refuse(RuleGit, `"..": git does not allow it in a tag`)
	case strings.Contains(tag, "@{"):
		return refuse(RuleGit, `"@{": git does not allow it in a tag`)
	case tag == "@":
		return refuse(RuleGit, `"@" alone: git does not allow it as a tag`)
	case strings.HasSuffix(tag, "."):
		return refuse(RuleGit, "ends with '.': git does not allow it in a tag")
	case strings.HasSuffix(tag, ".lock"):
		return refuse(RuleGit, `ends with ".lock": git does not allow it in a tag`)
	case strings.HasPrefix(tag, "."):
		return refuse(RuleGit, "starts with '.': git does not allow it in a tag")
	}
	// What releasetrain needs beyond git.
	for i, r := range tag {
		switch {
		case r == '/':
			return refuse(RuleSlash, "'/' at byte %d: a release tag must be one path segment (bundle file name, API URL, workflow id)", i)
		case !assetRune(r):
			return refuse(RuleCharset, "%q at byte %d: GitHub renames release assets outside letters, digits and . _ - +, so the bundle's name would change", r, i)
		}
	}
	if !alnum(rune(tag[0])) {
		return refuse(RuleStart, "starts with %q: want a letter or digit", tag[0])
	}
	return nil
}

// assetRune reports whether GitHub keeps r in a release asset's name.
func assetRune(r rune) bool { return alnum(r) || r == '.' || r == '_' || r == '-' || r == '+' }

func alnum(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
}
