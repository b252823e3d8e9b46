package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
)

// Every subcommand's -h/--help prints its usage and succeeds (exit 0), not
// the exit status 2 reserved for bad input.
func TestSubcommandHelpSucceeds(t *testing.T) {
	for name := range commands {
		for _, flag := range []string{"-h", "--help"} {
			var out, errOut bytes.Buffer
			assert.NoError(t, run(context.Background(), []string{name, flag}, &out, &errOut), "releasetrain %s %s", name, flag)
		}
	}
}
