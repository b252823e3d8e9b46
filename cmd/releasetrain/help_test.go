package main

import (
	"bytes"
	"context"
	"testing"
)

// Every subcommand's -h/--help prints its usage and succeeds (exit 0), not
// the exit status 2 reserved for bad input.
func TestSubcommandHelpSucceeds(t *testing.T) {
	for name := range commands {
		for _, flag := range []string{"-h", "--help"} {
			var out, errOut bytes.Buffer
			if err := run(context.Background(), []string{name, flag}, &out, &errOut); err != nil {
				t.Errorf("releasetrain %s %s: %v", name, flag, err)
			}
		}
	}
}
