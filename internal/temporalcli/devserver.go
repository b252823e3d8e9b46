package temporalcli

import (
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/BTCDecoded/releasetrain/contract"
)

// DevServerOptions are the options of a dev server for releasetrain run from
// the CLI at path: the search attributes the Release workflow sets
// (contract.ReleaseTagKey and ReleaseStateKey) registered, only errors logged.
// Callers add the state file, ports, UI, output and client options.
func DevServerOptions(path string) testsuite.DevServerOptions {
	return testsuite.DevServerOptions{
		ExistingPath: path,
		LogLevel:     "error",
		SearchAttributes: temporal.NewSearchAttributes(
			contract.ReleaseTagKey.ValueSet(""),
			contract.ReleaseStateKey.ValueSet(""),
		),
	}
}
