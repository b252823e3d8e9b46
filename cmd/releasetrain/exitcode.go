package main

import (
	"errors"

	"github.com/BTCDecoded/releasetrain/operator"
)

// exitCodes is the one table from an operator error's kind to the exit
// status of `releasetrain release …`; any other failure exits 1.
var exitCodes = map[operator.Kind]int{
	operator.ErrInvalid:     2, // as every usage error
	operator.ErrNotFound:    3,
	operator.ErrConflict:    4,
	operator.ErrUnavailable: 5,
}

// exitCode is err's exit status: 0 for nil, an exitError's own, else its
// operator kind's, else 1.
func exitCode(err error) int {
	if err == nil {
		return 0
	}
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	if code, ok := exitCodes[operator.KindOf(err)]; ok {
		return code
	}
	return 1
}
