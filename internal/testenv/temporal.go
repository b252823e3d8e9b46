package testenv

import (
	"context"
	"log/slog"
	"os"
	"testing"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"

	"github.com/BTCDecoded/releasetrain/internal/temporalcli"
)

// RepoRoot returns the root of the releasetrain checkout the test runs in.
func RepoRoot(t testing.TB) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	root, err := temporalcli.RepoRoot(wd)
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// TemporalCLI returns the pinned Temporal CLI, building it if needed (make test
// builds it first, so tests normally find it).
func TemporalCLI(t testing.TB) string {
	t.Helper()
	path, err := temporalcli.Ensure(context.Background(), RepoRoot(t), os.Stderr)
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// StartTemporal starts a Temporal dev server on free local ports with the
// releasetrain search attributes registered, and stops it when the test ends.
// dbFile "" keeps state in memory.
func StartTemporal(t testing.TB, dbFile string) *testsuite.DevServer {
	t.Helper()
	opts := temporalcli.DevServerOptions(TemporalCLI(t))
	opts.DBFilename = dbFile
	opts.ClientOptions = &client.Options{Logger: log.NewStructuredLogger(slog.New(slog.DiscardHandler))}
	srv, err := testsuite.StartDevServer(context.Background(), opts)
	if err != nil {
		t.Fatalf("start temporal dev server: %v", err)
	}
	t.Cleanup(func() { _ = srv.Stop() })
	return srv
}
