package activities

import (
	"fmt"
	"strings"
)

// Markers around the train's part of a release's notes: the train finds its
// part again (a retry, a later train of the tag) and replaces only that,
// keeping what the maintainer wrote.
const (
	NotesBegin = "<!-- releasetrain:begin (written by releasetrain; edit above or below) -->"
	NotesEnd   = "<!-- releasetrain:end -->"
)

// ReleaseBody composes a release's notes: the maintainer's text (the
// draft's body without an earlier train part), then the train's notes
// between NotesBegin and NotesEnd. Assets a person attached are named
// there as not covered by SHA256SUMS; total counts them all when the list
// was cut short.
func ReleaseBody(draftBody, trainNotes string, foreign []string, total int) string {
	var b strings.Builder
	if own := strings.TrimSpace(StripTrainNotes(draftBody)); own != "" {
		b.WriteString(own)
		b.WriteString("\n\n")
	}
	b.WriteString(NotesBegin)
	b.WriteString("\n")
	b.WriteString(strings.TrimSpace(trainNotes))
	b.WriteString("\n")
	if len(foreign) > 0 {
		quoted := make([]string, len(foreign))
		for i, f := range foreign {
			quoted[i] = "`" + f + "`"
		}
		more := ""
		if total > len(foreign) {
			more = fmt.Sprintf(" and %d more", total-len(foreign))
		}
		fmt.Fprintf(&b, "\n> **Not covered by SHA256SUMS or its signatures:** %s%s, attached by a person, not built by this train.\n",
			strings.Join(quoted, ", "), more)
	}
	b.WriteString(NotesEnd)
	b.WriteString("\n")
	return b.String()
}

// StripTrainNotes removes every train part (NotesBegin … NotesEnd) from a
// release body; an unterminated part runs to the end.
func StripTrainNotes(body string) string {
	for {
		i := strings.Index(body, NotesBegin)
		if i < 0 {
			return body
		}
		rest := body[i+len(NotesBegin):]
		j := strings.Index(rest, NotesEnd)
		if j < 0 {
			return strings.TrimRight(body[:i], " \n")
		}
		body = strings.TrimRight(body[:i], " \n") + "\n\n" + strings.TrimLeft(rest[j+len(NotesEnd):], "\n")
	}
}
