// Command releasetrain is the one binary: the production processes (worker,
// serve), the operator CLI (release …, plan, verify), and the local stack
// (dev, ghsim). Each subcommand lives in its own file; this file only dispatches.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"
)

// command is one subcommand: it parses its own flags from args.
type command struct {
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

// commands is the subcommand table; each entry's run function lives in <name>.go.
var commands = map[string]command{
	"dev":       {summary: "run the whole stack locally; --demo TAG runs a release train end to end (make run)", run: runDev},
	"ghsim":     {summary: "serve the GitHub simulator (REST, Actions runs, webhooks) on --addr", run: runGhsim},
	"plan":      {summary: "print the release plan (DAG layers) of a train config", run: runPlan},
	"reconcile": {summary: "the webhook delivery-log reconciler: status of its last run, or run it now", run: runReconcile},
	"rebuild":   {summary: "rebuild a downloaded release's bundle from its member files and check it is byte-identical; --sign adds your signature", run: runRebuild},
	"serve":     {summary: "serve the GitHub webhook receiver and the operator HTTP API on --addr", run: runServe},
	"verify":    {summary: "check the signatures over SHA256SUMS (threshold), the files and the provenance of a release folder", run: runVerify},
	"worker":    {summary: "run the Temporal worker (environment: TEMPORAL_ADDRESS, GITHUB_*, RELEASETRAIN_*)", run: runWorker},
	"release":   {summary: "start, inspect and steer release trains (start|status|list|pause|resume|cancel|retry|skip)", run: runRelease},
}

// exitError carries a specific exit status (e.g. 2 for invalid input).
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// usageError marks bad input: exit status 2.
func usageError(err error) error { return &exitError{code: 2, err: err} }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "releasetrain:", err)
		os.Exit(exitCode(err))
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stdout)
		if len(args) == 0 {
			return usageError(errors.New("no command given"))
		}
		return nil
	}
	cmd, ok := commands[args[0]]
	if !ok {
		usage(stderr)
		return usageError(fmt.Errorf("unknown command %q", args[0]))
	}
	err := cmd.run(ctx, args[1:], stdout, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil // -h/--help: the flag set printed the usage; not an error
	}
	return err
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: releasetrain COMMAND [flags]\n\ncommands:")
	names := make([]string, 0, len(commands))
	for name := range commands {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		fmt.Fprintf(w, "  %-10s %s\n", name, commands[name].summary)
	}
}
