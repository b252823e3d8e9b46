package config

import (
	"fmt"
	"strings"
)

// Error is a problem in a train file. Line is 0 when unknown (e.g. a train
// built in code); Key is the dotted path of the offending key, such as
// "repos[2].dispatch", or "" for the file as a whole. Err, when set, is the
// underlying cause (a dag error for graph problems).
type Error struct {
	File string
	Line int
	Key  string
	Msg  string
	Err  error
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		if e.Line > 0 {
			fmt.Fprintf(&b, ":%d", e.Line)
		}
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }
