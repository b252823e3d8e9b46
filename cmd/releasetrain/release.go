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

	"github.com/docker/go-units"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.uber.org/zap"

	"github.com/BTCDecoded/releasetrain/bundle"
	"github.com/BTCDecoded/releasetrain/config"
	"github.com/BTCDecoded/releasetrain/contract"
	"github.com/BTCDecoded/releasetrain/releasetag"
	"github.com/BTCDecoded/releasetrain/worker"
)

const releaseUsage = `usage: releasetrain release COMMAND TAG …
  releasetrain release start TAG [--prerelease] [--only a,b] [--with-dependents] [--config FILE]
  releasetrain release status TAG [--json]
  releasetrain release pause|resume|cancel TAG [--reason TEXT]
  releasetrain release retry|skip TAG REPO
  releasetrain release retry TAG          (retry the blocked package or publish step)
  releasetrain release attach-signature TAG FILE   (a rebuilder's SHA256SUMS.<signer>.asc, while the draft is open)

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
	case contract.SignalPause, contract.SignalResume, contract.SignalCancel:
		return r.control(ctx, sub, rest)
	case contract.SignalRetry, contract.SignalSkip:
		return r.repoSignal(ctx, sub, rest)
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
	if err := releasetag.Check(tag); err != nil {
		return usageError(fmt.Errorf("release start: %w", err))
	}
	train, err := r.env.Train(*cfgPath)
	if err != nil {
		return usageError(fmt.Errorf("release %s: %w", tag, err))
	}
	var explicit *bool
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "prerelease" {
			explicit = prerelease
		}
	})
	in := contract.ReleaseInput{
		Tag:            tag,
		Prerelease:     bundle.IsPrerelease(tag, explicit),
		WithDependents: *withDependents,
		Train:          train.JSON(),
		Trigger:        "cli",
	}
	for _, name := range strings.Split(*only, ",") {
		if name = strings.TrimSpace(name); name == "" {
			continue
		}
		if !slices.ContainsFunc(train.Repos, func(r config.Repo) bool { return r.Name == name }) {
			return usageError(fmt.Errorf("release %s: --only: repo %q is not in the train", tag, name))
		}
		in.Only = append(in.Only, name)
	}
	if *withDependents && len(in.Only) == 0 {
		return usageError(fmt.Errorf("release %s: --with-dependents needs --only", tag))
	}
	c, err := r.dial(ctx)
	if err != nil {
		return fmt.Errorf("release %s: %w", tag, err)
	}
	defer c.Close()
	// A running train of the same tag is joined, a succeeded one never runs
	// again; a failed, cancelled or terminated one starts a new run.
	st, err := contract.StartOrJoin(ctx, c, in)
	switch {
	case errors.Is(err, contract.ErrTrainFinished):
		return fmt.Errorf("release %s: already succeeded (workflow %s, run %s), and a release is never published twice: %w", tag, st.WorkflowID, st.RunID, err)
	case err != nil:
		return releaseError(tag, err)
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
	tag := pos[0]
	c, err := r.dial(ctx)
	if err != nil {
		return fmt.Errorf("release %s: %w", tag, err)
	}
	defer c.Close()
	val, err := c.QueryWorkflow(ctx, contract.ReleaseWorkflowID(tag), "", contract.QueryStatus)
	if err != nil {
		return releaseError(tag, err)
	}
	var st contract.Status
	if err := val.Get(&st); err != nil {
		return fmt.Errorf("release %s: decode status: %w", tag, err)
	}
	if *asJSON {
		enc := json.NewEncoder(r.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(st)
	}
	return writeStatus(r.stdout, st)
}

// writeStatus prints a status as a header line and one table row per repo,
// in layer order.
func writeStatus(w io.Writer, st contract.Status) error {
	state := st.State
	if st.Paused && state != contract.StatePaused {
		state += " (paused)"
	}
	fmt.Fprintf(w, "release %s: %s", st.Tag, state)
	if len(st.Layers) > 0 {
		fmt.Fprintf(w, ", layer %d/%d", min(st.Layer+1, len(st.Layers)), len(st.Layers))
	}
	if st.Prerelease {
		fmt.Fprint(w, ", prerelease")
	}
	fmt.Fprintln(w)
	if len(st.Blocked) > 0 {
		fmt.Fprintf(w, "blocked on: %s (send retry, skip or cancel)\n", strings.Join(st.Blocked, ", "))
	}
	if st.BlockedStep != "" {
		fmt.Fprintf(w, "blocked on: the %s step (send retry with no repo, or cancel)\n", st.BlockedStep)
	}
	if st.Error != "" {
		fmt.Fprintf(w, "error: %s\n", st.Error)
	}
	if pf := st.Preflight; pf != nil {
		for _, p := range pf.Problems {
			fmt.Fprintf(w, "preflight problem: %s\n", p)
		}
		if pf.State == contract.PreflightWaiting {
			fmt.Fprintf(w, "preflight: %s\n", pf.Message)
		}
	}
	if sw := st.SignatureWindow; sw != nil {
		signed := "none yet"
		if len(sw.Signatures) > 0 {
			signed = strings.Join(sw.Signatures, ", ")
		}
		if sw.Open {
			fmt.Fprintf(w, "signature window: draft %s open until %s (releasetrain release attach-signature %s FILE); attached: %s\n",
				sw.DraftURL, sw.Until.UTC().Format(time.RFC3339), st.Tag, signed)
		} else {
			fmt.Fprintf(w, "signature window: closed at %s; attached: %s\n", sw.Until.UTC().Format(time.RFC3339), signed)
		}
	}
	if st.ReleaseURL != "" {
		immutable := ""
		if st.ReleaseImmutable {
			immutable = " (immutable)"
		}
		fmt.Fprintf(w, "release: %s%s\n", st.ReleaseURL, immutable)
	}
	for _, name := range st.ForeignAssets {
		fmt.Fprintf(w, "attached by a person, not in SHA256SUMS: %s\n", name)
	}
	if st.Trigger != "" {
		fmt.Fprintf(w, "Trigger: %s\n", st.Trigger)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "LAYER\tREPO\tSTATE\tATTEMPT\tFILES\tRUN\tTIME\tERROR")
	if pf := st.Preflight; pf != nil {
		fmt.Fprintf(tw, "-\t(preflight)\t%s\t\t\t\t\t%s\n", pf.State, preflightNote(pf))
	}
	seen := map[string]bool{}
	row := func(layer, name string) {
		seen[name] = true
		rs := st.Repos[name]
		run := ""
		if rs.RunID != 0 {
			run = fmt.Sprint(rs.RunID)
		}
		if rs.RunURL != "" {
			run = rs.RunURL
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\n", layer, name, rs.State, rs.Attempt, files(rs), run, elapsed(rs), rs.Error)
	}
	for i, layer := range st.Layers {
		for _, name := range layer {
			row(fmt.Sprint(i), name)
		}
	}
	var rest []string
	for name := range st.Repos {
		if !seen[name] {
			rest = append(rest, name)
		}
	}
	slices.Sort(rest)
	for _, name := range rest {
		row("-", name)
	}
	return tw.Flush()
}

// preflightNote sums up the preflight for its table row.
func preflightNote(pf *contract.PreflightStatus) string {
	var parts []string
	if n := len(pf.Problems); n > 0 {
		parts = append(parts, fmt.Sprintf("%d problem(s), see above", n))
	}
	if pf.ReleaseImmutable != nil {
		parts = append(parts, fmt.Sprintf("immutable releases: %t", *pf.ReleaseImmutable))
	}
	if pf.DraftFound {
		parts = append(parts, "fills the tag's draft")
	}
	return strings.Join(parts, "; ")
}

// files is a build's collected file count and size ("" before collection);
// the list itself is in the manifest (--json shows its key and first files).
func files(rs contract.RepoStatus) string {
	if rs.Files == 0 {
		return ""
	}
	return fmt.Sprintf("%d (%s)", rs.Files, units.BytesSize(float64(rs.Bytes)))
}

// elapsed is a build's duration when it has finished.
func elapsed(rs contract.RepoStatus) string {
	if rs.StartedAt == nil || rs.FinishedAt == nil {
		return ""
	}
	return rs.FinishedAt.Sub(*rs.StartedAt).Round(time.Second).String()
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
	return r.signal(ctx, pos[0], name, contract.CancelSignal{Reason: *reason})
}

func (r *releaseCLI) repoSignal(ctx context.Context, name string, args []string) error {
	pos, err := parseInterleaved(newFlagSet(name), args)
	if err != nil {
		return err
	}
	if name == contract.SignalRetry && len(pos) == 1 {
		return r.retryStep(ctx, pos[0])
	}
	if err := positional(name, pos, "TAG", "REPO"); err != nil {
		return err
	}
	return r.signal(ctx, pos[0], name, contract.RepoSignal{Repo: pos[1]})
}

// retryStep retries the release's blocked package or publish step (a retry
// signal with an empty repo). The status is asked first: the workflow
// ignores such a signal while no step is blocked, so say so here.
func (r *releaseCLI) retryStep(ctx context.Context, tag string) error {
	c, err := r.dial(ctx)
	if err != nil {
		return fmt.Errorf("release %s: %w", tag, err)
	}
	defer c.Close()
	id := contract.ReleaseWorkflowID(tag)
	val, err := c.QueryWorkflow(ctx, id, "", contract.QueryStatus)
	if err != nil {
		return releaseError(tag, err)
	}
	var st contract.Status
	if err := val.Get(&st); err != nil {
		return fmt.Errorf("release %s: decode status: %w", tag, err)
	}
	if st.BlockedStep == "" {
		return fmt.Errorf("release %s: no release step is blocked (state %s); to retry a blocked build: releasetrain release retry %s REPO",
			tag, st.State, tag)
	}
	if err := c.SignalWorkflow(ctx, id, "", contract.SignalRetry, contract.RepoSignal{}); err != nil {
		return releaseError(tag, err)
	}
	fmt.Fprintf(r.stdout, "release %s: retry %s sent\n", tag, st.BlockedStep)
	return nil
}

func (r *releaseCLI) signal(ctx context.Context, tag, name string, payload any) error {
	c, err := r.dial(ctx)
	if err != nil {
		return fmt.Errorf("release %s: %w", tag, err)
	}
	defer c.Close()
	if err := c.SignalWorkflow(ctx, contract.ReleaseWorkflowID(tag), "", name, payload); err != nil {
		return releaseError(tag, err)
	}
	fmt.Fprintf(r.stdout, "release %s: %s sent\n", tag, name)
	return nil
}

// releaseError names the release and turns Temporal's not-found answers into
// plain words.
func releaseError(tag string, err error) error {
	var nf *serviceerror.NotFound
	if errors.As(err, &nf) {
		if strings.Contains(nf.Error(), "already completed") {
			return fmt.Errorf("release %s: already finished", tag)
		}
		return fmt.Errorf("release %s: not found", tag)
	}
	return fmt.Errorf("release %s: %w", tag, err)
}
