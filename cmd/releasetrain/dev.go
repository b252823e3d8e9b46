package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/mattn/go-isatty"

	"github.com/BTCDecoded/releasetrain/config"
	"github.com/BTCDecoded/releasetrain/ghsim"
	"github.com/BTCDecoded/releasetrain/internal/devstack"
	"github.com/BTCDecoded/releasetrain/internal/temporalcli"
)

// runDev runs the whole stack on this machine: `make run`.
func runDev(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("dev", flag.ContinueOnError)
	fs.SetOutput(stderr)
	demo := fs.String("demo", "", `cut this tag in the simulator as a maintainer would (draft mode: save a draft; release mode: publish in a trigger repo) and run its train ("auto": the next free v0.1.N)`)
	exit := fs.Bool("exit", false, "exit when the demo release is done (default when stdin is not a terminal)")
	report := fs.String("report", "", "write a JSON report of the demo release to this file")
	scenario := fs.String("scenario", "", "simulator scenario YAML (default: the BTCDecoded builds)")
	configPath := fs.String("config", "", "train config YAML (default $"+config.EnvConfig+", else the embedded BTCDecoded train)")
	dataDir := fs.String("data", "", "data folder for Temporal's SQLite file, artifacts and releases (default .data in the checkout)")
	timeScale := fs.Float64("time-scale", 0, "simulated seconds per real second (default: the scenario's, else 60)")
	prerelease := fs.Bool("prerelease", false, "publish the demo tag as a prerelease")
	temporalPort := fs.Int("temporal-port", 7233, "Temporal frontend port (-1: a free port)")
	uiPort := fs.Int("ui-port", 8233, "Temporal Web UI port (-1: a free port)")
	receiver := fs.String("receiver-addr", "127.0.0.1:8080", "webhook receiver address (a free port when taken)")
	simAddr := fs.String("sim-addr", "127.0.0.1:9090", "GitHub simulator address (a free port when taken)")
	timeout := fs.Duration("timeout", 0, "give up on the demo release after this long (0: wait, e.g. for an operator to retry a blocked build)")
	if err := fs.Parse(args); err != nil {
		return usageError(err)
	}
	if fs.NArg() > 0 {
		return usageError(fmt.Errorf("dev: unexpected argument %q", fs.Arg(0)))
	}
	if !*exit && *demo != "" && !isatty.IsTerminal(os.Stdin.Fd()) {
		*exit = true
	}
	train, err := config.OSEnv().Train(*configPath)
	if err != nil {
		return usageError(err)
	}
	var sc *ghsim.Scenario
	if *scenario != "" {
		if sc, err = ghsim.LoadScenario(*scenario); err != nil {
			return usageError(err)
		}
	}
	tty := false
	if f, ok := stdout.(*os.File); ok {
		tty = isatty.IsTerminal(f.Fd())
	}

	if *dataDir == "" {
		wd, err := os.Getwd()
		if err != nil {
			return err
		}
		root, err := temporalcli.RepoRoot(wd)
		if err != nil {
			return err
		}
		*dataDir = filepath.Join(root, config.DefaultDataDir)
	}
	opts := devstack.Dev(*dataDir, sc)
	opts.Train, opts.Log = train, stdout
	if *timeScale != 0 {
		opts.Sim.TimeScale = *timeScale
	}
	opts.TemporalPort, opts.UIPort = max(*temporalPort, 0), max(*uiPort, 0)
	opts.ReceiverAddr, opts.SimAddr = *receiver, *simAddr
	stack, err := devstack.Start(ctx, opts)
	if err != nil {
		return err
	}
	defer func() {
		fmt.Fprintln(stdout, "Stopping the stack …")
		if err := stack.Close(); err != nil {
			fmt.Fprintln(stderr, err)
		}
	}()
	fmt.Fprintf(stdout, `
releasetrain dev stack is up:
  Temporal Web UI     %s
  Temporal frontend   %s
  Webhook receiver    %s/webhook
  Operator API        %s/api/releases   (Authorization: Bearer %s)
  Live graph pages    %s/releases   (log in with the same token)
  GitHub simulator    %s/api/v3/   (token %s)
  Logs                %s

`, stack.UIURL, stack.TemporalAddr, stack.ReceiverURL, stack.ReceiverURL, stack.APIToken, stack.ReceiverURL, stack.SimURL, ghsim.StaticToken, stack.LogPath())

	if *demo != "" {
		if err := runDemo(ctx, stack, *demo, *prerelease, *report, *timeout, tty, stdout); err != nil {
			return err
		}
	}
	if *exit {
		return nil
	}
	fmt.Fprintln(stdout, "\nThe stack stays up for exploring; press Ctrl-C to stop it.")
	<-ctx.Done()
	return nil
}

func runDemo(ctx context.Context, stack *devstack.Stack, tag string, prerelease bool, reportPath string, timeout time.Duration, tty bool, stdout io.Writer) error {
	if tag == "auto" {
		var err error
		if tag, err = stack.NextDemoTag(ctx); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "Release %s in the Temporal UI: %s\n", tag, stack.ReleaseUIURL(tag))
	fmt.Fprintf(stdout, "Release %s live graph: %s\n", tag, stack.ReleasePageURL(tag))
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	rep, err := stack.Demo(ctx, tag, prerelease, devstack.NewProgress(stdout, tty))
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("release %s not done within --timeout %s", tag, timeout)
	}
	if err != nil {
		return err
	}
	immutable := "not immutable"
	if rep.ReleaseImmutable {
		immutable = "immutable"
	}
	fmt.Fprintf(stdout, "\nPublished %s (%s; requests that tried to change a published release: %d): %s\n  (in the simulator: %s)\n",
		tag, immutable, rep.GitHub.PublishedReleaseWrites, rep.ReleaseURL, rep.ReleaseAPI)
	for _, a := range rep.Assets {
		fmt.Fprintf(stdout, "  %-40s %10d  %s\n", a.Name, a.Size, a.SHA256)
	}
	fmt.Fprintf(stdout, "\nDownloaded to %s\n  verified: sha256sum -c SHA256SUMS, its signature and the provenance:\n    releasetrain verify %s --keys %s --provenance-key %s\n  rebuild the bundle from the member files and sign as a rebuilder:\n    releasetrain rebuild %s [--sign YOUR-KEY.asc]\n  SHA256SUMS: %s/SHA256SUMS\n",
		rep.AssetsDir, rep.AssetsDir, rep.PublicKey, rep.ProvenanceKey, rep.AssetsDir, rep.AssetsDir)
	fmt.Fprintf(stdout, "Makespan %.0fs simulated, %s schedule (critical path %.0fs, layered lower bound %.0fs); GitHub API: %d requests, %d budget units, %d free 304s.\n",
		rep.MakespanSeconds, rep.Schedule, rep.CriticalPathSeconds, rep.LayeredBoundSeconds, rep.GitHub.Requests, rep.GitHub.BudgetSpent, rep.GitHub.NotModified)
	if reportPath != "" {
		if err := rep.WriteJSON(reportPath); err != nil {
			return fmt.Errorf("report %s: %w", reportPath, err)
		}
		fmt.Fprintf(stdout, "Report: %s\n", reportPath)
	}
	return nil
}
