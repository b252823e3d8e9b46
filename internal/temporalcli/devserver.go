package temporalcli

import (
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
)

// DevServerOptions are the options of a dev server for releasetrain run from
// the CLI at path: the search attributes the Release workflow sets
// (ReleaseTag and ReleaseState, Keyword) registered, only errors logged.
// Callers add the state file, ports, UI, output and client options.
func DevServerOptions(path string) testsuite.DevServerOptions {
	return testsuite.DevServerOptions{
		ExistingPath: path,
		LogLevel:     "error",
		SearchAttributes: temporal.NewSearchAttributes(
			temporal.NewSearchAttributeKeyKeyword("ReleaseTag").ValueSet(""),
			temporal.NewSearchAttributeKeyKeyword("ReleaseState").ValueSet(""),
		),
	}
}
