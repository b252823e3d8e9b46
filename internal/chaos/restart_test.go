package chaos

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/BTCDecoded/releasetrain/ghsim"
	"github.com/BTCDecoded/releasetrain/internal/devstack"
	"github.com/BTCDecoded/releasetrain/internal/testenv"
	"github.com/BTCDecoded/releasetrain/internal/traintest"
)

// startServer starts the dev server on hostPort ("" picks one) with its
// state in dbFile.
func startServer(t *testing.T, hostPort, dbFile string) *testsuite.DevServer {
	t.Helper()
	srv, err := testsuite.StartDevServer(context.Background(), testsuite.DevServerOptions{
		ExistingPath: testenv.TemporalCLI(t),
		DBFilename:   dbFile,
		LogLevel:     "error",
		SearchAttributes: temporal.NewSearchAttributes(
			temporal.NewSearchAttributeKeyKeyword("ReleaseTag").ValueSet(""),
			temporal.NewSearchAttributeKeyKeyword("ReleaseState").ValueSet(""),
		),
		ClientOptions: &client.Options{HostPort: hostPort, Logger: log.NewStructuredLogger(slog.New(slog.DiscardHandler))},
	})
	require.NoError(t, err, "start temporal dev server")
	return srv
}

// TestTemporalRestart stops the Temporal server in the middle of a release
// and starts a new one on the same port and SQLite file: the worker and
// the client reconnect, and the train continues where it was and completes
// with one dispatch per repo.
func TestTemporalRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: real Temporal dev server")
	}
	restarts := 1
	if long {
		restarts = 3
	}
	db := filepath.Join(t.TempDir(), "temporal.db")
	srv := startServer(t, "", db)
	hostPort := srv.FrontendHostPort()
	t.Cleanup(func() { _ = srv.Stop() })
	c, err := client.Dial(client.Options{HostPort: hostPort, Logger: log.NewStructuredLogger(slog.New(slog.DiscardHandler))})
	require.NoError(t, err)
	t.Cleanup(c.Close)

	sim := devstack.StartTest(t, devstack.Options{Client: c, Sim: ghsim.Options{Seed: 31}}).Sim

	train := traintest.FastTrain()
	const tag = "v6.0.0"
	run := traintest.StartTrain(t, c, tag, train)
	start := time.Now()
	for i := range restarts {
		// Restart once layer i+1 is dispatched (layer 0 has two repos).
		want := i + 3
		require.Eventually(t, func() bool { return traintest.Dispatches(sim.Stats()) >= want }, time.Minute, 20*time.Millisecond,
			"%d dispatches before restart %d", want, i+1)
		require.NoError(t, srv.Stop())
		down := time.Now()
		srv = startServer(t, hostPort, db)
		t.Logf("restart %d at %s (%s): server down %s", i+1, time.Since(start).Round(time.Millisecond),
			progress(sim.Stats()), time.Since(down).Round(time.Millisecond))
	}
	st := waitOrDump(t, c, run, 3*time.Minute)
	t.Logf("train finished %s after start, through %d server restarts", time.Since(start).Round(time.Millisecond), restarts)
	traintest.VerifyRelease(t, sim, train, tag, st)
	for repo, runs := range sim.Stats().Runs {
		assert.Len(t, runs, 1, "runs of %s", repo)
	}
}
