package devstack

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/testsuite"

	"github.com/BTCDecoded/releasetrain/internal/temporalcli"
	"github.com/BTCDecoded/releasetrain/worker"
)

// startTemporal starts the Temporal dev server from the pinned CLI, with
// releasetrain's search attributes, its output in temporal.log in the data
// folder; or takes Options.Client.
func (s *Stack) startTemporal(ctx context.Context) error {
	if s.opts.Client != nil {
		s.Client = s.opts.Client
		return nil
	}
	root := s.opts.Root
	if root == "" {
		wd, err := os.Getwd()
		if err != nil {
			return err
		}
		if root, err = temporalcli.RepoRoot(wd); err != nil {
			return err
		}
	}
	cli, err := temporalcli.Ensure(ctx, root, s.opts.Log)
	if err != nil {
		return err
	}
	tlog, err := os.OpenFile(filepath.Join(s.opts.DataDir, "temporal.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("temporal log: %w", err)
	}
	s.onClose("temporal log", tlog.Close)
	clientOpts := &client.Options{Logger: worker.NewLogger(s.opts.Logger)}
	if s.opts.TemporalPort != 0 {
		addr := fmt.Sprintf("127.0.0.1:%d", s.opts.TemporalPort)
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return fmt.Errorf("temporal port %s is taken — is another `releasetrain dev` (make run) still running? Stop it with Ctrl-C, or pass --temporal-port", addr)
		}
		_ = ln.Close()
		clientOpts.HostPort = addr
	}
	uiPort := ""
	if s.opts.UI {
		port := s.opts.UIPort
		if port == 0 {
			if port, err = freePort(); err != nil {
				return err
			}
		}
		uiPort = fmt.Sprint(port)
		s.UIURL = "http://127.0.0.1:" + uiPort
	}
	state := "in memory"
	if s.opts.TemporalDB != "" {
		state = "in " + s.opts.TemporalDB
	}
	fmt.Fprintf(s.opts.Log, "Starting the Temporal dev server (state %s) …\n", state)
	dso := temporalcli.DevServerOptions(cli)
	dso.DBFilename, dso.EnableUI, dso.UIPort = s.opts.TemporalDB, s.opts.UI, uiPort
	dso.Stdout, dso.Stderr, dso.ClientOptions = tlog, tlog, clientOpts
	s.Temporal, err = testsuite.StartDevServer(ctx, dso)
	if err != nil {
		return fmt.Errorf("temporal dev server: %w (its log: %s)", err, tlog.Name())
	}
	// The server's exit status after the interrupt says nothing useful.
	s.onClose("temporal dev server", func() error { _ = s.Temporal.Stop(); return nil })
	s.Client = s.Temporal.Client()
	// Stop does not close the server's client: close it first, or its
	// reconnecting connection outlives the stack.
	s.onClose("temporal client", func() error { s.Client.Close(); return nil })
	s.TemporalAddr = s.Temporal.FrontendHostPort()
	return nil
}
