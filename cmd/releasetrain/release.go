package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"go.temporal.io/sdk/client"
	"go.uber.org/zap"

	"github.com/BTCDecoded/releasetrain/config"
	"github.com/BTCDecoded/releasetrain/contract"
	"github.com/BTCDecoded/releasetrain/operator"
	"github.com/BTCDecoded/releasetrain/worker"
)

const releaseUsage = `usage: releasetrain release COMMAND TAG …
  releasetrain release start TAG [--prerelease] [--only a,b] [--with-dependents] [--config FILE]
  releasetrain release status TAG [--json]
  releasetrain release list [--tag TAG] [--state STATE] [--json]
  releasetrain release pause|resume|cancel TAG [--reason TEXT]
  releasetrain release retry|skip TAG REPO
  releasetrain release retry TAG          (retry the blocked package or publish step)
  releasetrain release attach-signature TAG FILE   (a rebuilder's SHA256SUMS.<signer>.asc, while the draft is open)

Exit status: 0 done, 2 invalid (bad tag, repo not in the train), 3 no such train, 4 conflict
(already paused, not blocked, finished), 5 Temporal unavailable, 1 anything else.
Temporal is reached at $` + config.EnvTemporalAddress + ` (default ` + config.DefaultTemporalAddress + `), namespace $` + config.EnvTemporalNamespace + ` (default ` + config.DefaultNamespace + `)`

// releaseCLI drives release trains through a Temporal client.
type releaseCLI struct {
	dial   func(ctx context.Context) (client.Client, error)
	stdout io.Writer
	// env reads RELEASETRAIN_CONFIG when --config is not given (the zero
	// Env: an empty environment).
	env config.Env
}

// runRelease is the `release` subcommand.
func runRelease(ctx context.Context, args []string, stdout, _ io.Writer) error {
	cli := &releaseCLI{
		stdout: stdout,
		env:    config.OSEnv(),
		dial: func(ctx context.Context) (client.Client, error) {
			tc := config.OSEnv().Temporal()
			return worker.Dial(ctx, worker.Options{
				TemporalAddress: tc.Address,
				Namespace:       tc.Namespace,
				Logger:          zap.NewNop(),
			})
		},
	}
	return cli.run(ctx, args)
}

func (r *releaseCLI) run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return usageError(errors.New(releaseUsage))
	}
	if slices.ContainsFunc(args, func(a string) bool { return a == "-h" || a == "--help" || a == "-help" }) {
		fmt.Fprintln(r.stdout, releaseUsage)
		return nil
	}
	sub, rest := args[0], args[1:]
	switch sub {
	case "start":
		return r.start(ctx, rest)
	case "status":
		return r.status(ctx, rest)
	case "list":
		return r.list(ctx, rest)
	case contract.UpdatePause, contract.UpdateResume, contract.UpdateCancel:
		return r.control(ctx, sub, rest)
	case contract.UpdateRetry, contract.UpdateSkip:
		return r.repoAction(ctx, sub, rest)
	case contract.UpdateAttachSignature:
		return r.attachSignature(ctx, rest)
	case "help":
		fmt.Fprintln(r.stdout, releaseUsage)
		return nil
	}
	return usageError(fmt.Errorf("release: unknown command %q\n%s", sub, releaseUsage))
}

// parseInterleaved parses flags that may come before or after the
// positional arguments (release start v1 --prerelease) and returns the positionals.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, usageError(err)
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("release "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// positional checks the count of positional arguments.
func positional(name string, pos []string, want ...string) error {
	if len(pos) != len(want) {
		return usageError(fmt.Errorf("release %s: want %s, got %d argument(s)", name, strings.Join(want, " "), len(pos)))
	}
	return nil
}

func (r *releaseCLI) start(ctx context.Context, args []string) error {
	fs := newFlagSet("start")
	prerelease := fs.Bool("prerelease", false, "publish as a prerelease (default: from the tag, e.g. v1.2.0-rc.1)")
	only := fs.String("only", "", "comma-separated repos to release (a subgraph)")
	withDependents := fs.Bool("with-dependents", false, "with --only, also release what depends on them")
	cfgPath := fs.String("config", "", "train config file (default $RELEASETRAIN_CONFIG, else the built-in BTCDecoded train)")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if err := positional("start", pos, "TAG"); err != nil {
		return err
	}
	tag := pos[0]
	train, err := r.env.Train(*cfgPath)
	if err != nil {
		return usageError(fmt.Errorf("release %s: %w", tag, err))
	}
	req := operator.StartRequest{
		Tag:            tag,
		WithDependents: *withDependents,
		Train:          train.JSON(),
		Trigger:        "cli",
	}
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "prerelease" {
			req.Prerelease = prerelease
		}
	})
	for _, name := range strings.Split(*only, ",") {
		if name = strings.TrimSpace(name); name != "" {
			req.Only = append(req.Only, name)
		}
	}
	if *withDependents && len(req.Only) == 0 {
		return usageError(fmt.Errorf("release %s: --with-dependents needs --only", tag))
	}
	ops, done, err := r.client(ctx)
	if err != nil {
		return err
	}
	defer done()
	// A running train of the same tag is joined, a succeeded one never runs
	// again; a failed, cancelled or terminated one starts a new run.
	st, err := ops.Start(ctx, req)
	if err != nil {
		return err
	}
	verb := "started"
	if st.Joined {
		verb = "already running: joined"
	}
	fmt.Fprintf(r.stdout, "release %s: %s, workflow %s, run %s (follow it with: releasetrain release status %s)\n",
		tag, verb, st.WorkflowID, st.RunID, tag)
	return nil
}

func (r *releaseCLI) status(ctx context.Context, args []string) error {
	fs := newFlagSet("status")
	asJSON := fs.Bool("json", false, "print the whole state as JSON")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if err := positional("status", pos, "TAG"); err != nil {
		return err
	}
	ops, done, err := r.client(ctx)
	if err != nil {
		return err
	}
	defer done()
	st, err := ops.Status(ctx, pos[0])
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(r.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(st)
	}
	return writeStatus(r.stdout, st)
}

// list is `release list`: the trains Temporal knows, newest first (one page).
func (r *releaseCLI) list(ctx context.Context, args []string) error {
	fs := newFlagSet("list")
	tag := fs.String("tag", "", "only this tag's trains")
	state := fs.String("state", "", "only trains in this state ("+operator.StateNames()+")")
	asJSON := fs.Bool("json", false, "print the list as JSON")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageError(fmt.Errorf("release list: unexpected argument %q (filter by tag with --tag)", pos[0]))
	}
	ops, done, err := r.client(ctx)
	if err != nil {
		return err
	}
	defer done()
	list, err := ops.List(ctx, operator.ListRequest{Tag: *tag, State: *state})
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(r.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(list.Releases)
	}
	tw := tabwriter.NewWriter(r.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TAG\tSTATE\tSTATUS\tSTARTED\tWORKFLOW")
	for _, sum := range list.Releases {
		started := ""
		if sum.StartTime != nil {
			started = sum.StartTime.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", sum.Tag, sum.State, sum.Status, started, sum.WorkflowID)
	}
	return tw.Flush()
}

func (r *releaseCLI) control(ctx context.Context, name string, args []string) error {
	fs := newFlagSet(name)
	reason := fs.String("reason", "", "why (recorded in the workflow history)")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if err := positional(name, pos, "TAG"); err != nil {
		return err
	}
	return r.act(ctx, pos[0], name, func(ops *operator.Client, tag string) (contract.Status, error) {
		switch name {
		case contract.UpdatePause:
			return ops.Pause(ctx, tag)
		case contract.UpdateResume:
			return ops.Resume(ctx, tag)
		}
		return ops.Cancel(ctx, tag, *reason)
	})
}

// repoAction is retry|skip TAG REPO; retry TAG retries the blocked release
// step (package or publish).
func (r *releaseCLI) repoAction(ctx context.Context, name string, args []string) error {
	pos, err := parseInterleaved(newFlagSet(name), args)
	if err != nil {
		return err
	}
	if name == contract.UpdateRetry && len(pos) == 1 {
		pos = append(pos, "")
	}
	if err := positional(name, pos, "TAG", "REPO"); err != nil {
		return err
	}
	repo := pos[1]
	what := name
	if repo != "" {
		what += " " + repo
	}
	return r.act(ctx, pos[0], what, func(ops *operator.Client, tag string) (contract.Status, error) {
		if name == contract.UpdateRetry {
			return ops.Retry(ctx, tag, repo)
		}
		return ops.Skip(ctx, tag, repo)
	})
}

// act runs one operator action and prints the train's state after it.
func (r *releaseCLI) act(ctx context.Context, tag, what string, do func(*operator.Client, string) (contract.Status, error)) error {
	ops, done, err := r.client(ctx)
	if err != nil {
		return err
	}
	defer done()
	st, err := do(ops, tag)
	if err != nil {
		return err
	}
	fmt.Fprintf(r.stdout, "release %s: %s accepted (state %s)\n", tag, what, st.State)
	return nil
}

// client dials Temporal and returns the operator client and its closer;
// a Temporal that cannot be reached is operator.ErrUnavailable.
func (r *releaseCLI) client(ctx context.Context) (*operator.Client, func(), error) {
	c, err := r.dial(ctx)
	if err != nil {
		return nil, nil, &operator.Error{Kind: operator.ErrUnavailable, Msg: err.Error(), Err: err}
	}
	return operator.New(c, 0), c.Close, nil
}
