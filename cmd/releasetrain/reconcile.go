package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.uber.org/zap"

	"github.com/BTCDecoded/releasetrain/config"
	"github.com/BTCDecoded/releasetrain/contract"
	"github.com/BTCDecoded/releasetrain/worker"
)

const reconcileUsage = `usage: releasetrain reconcile COMMAND
  releasetrain reconcile status [--json]   the reconciler's schedule and its last run
  releasetrain reconcile run               run the reconciler now (the schedule's next run is unchanged)

The reconciler (the releasetrain-reconcile Temporal Schedule, created by releasetrain worker)
redelivers failed GitHub webhook deliveries the train cares about.
Temporal is reached at $` + config.EnvTemporalAddress + ` (default ` + config.DefaultTemporalAddress + `), namespace $` + config.EnvTemporalNamespace + ` (default ` + config.DefaultNamespace + `)`

// runReconcile is the `reconcile` subcommand.
func runReconcile(ctx context.Context, args []string, stdout, _ io.Writer) error {
	return reconcileCommand(ctx, args, stdout, func(ctx context.Context) (client.Client, error) {
		tc := config.OSEnv().Temporal()
		return worker.Dial(ctx, worker.Options{
			TemporalAddress: tc.Address,
			Namespace:       tc.Namespace,
			Logger:          zap.NewNop(),
		})
	})
}

func reconcileCommand(ctx context.Context, args []string, stdout io.Writer, dial func(context.Context) (client.Client, error)) error {
	if len(args) == 0 {
		return usageError(errors.New(reconcileUsage))
	}
	fs := newFlagSet("reconcile " + args[0])
	asJSON := fs.Bool("json", false, "print the schedule's state as JSON")
	pos, err := parseInterleaved(fs, args[1:])
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageError(fmt.Errorf("reconcile %s: unexpected argument %q", args[0], pos[0]))
	}
	switch args[0] {
	case "status", "run":
	case "help", "-h", "--help":
		fmt.Fprintln(stdout, reconcileUsage)
		return nil
	default:
		return usageError(fmt.Errorf("reconcile: unknown command %q\n%s", args[0], reconcileUsage))
	}
	c, err := dial(ctx)
	if err != nil {
		return fmt.Errorf("reconcile: %w", err)
	}
	defer c.Close()
	h := c.ScheduleClient().GetHandle(ctx, contract.ReconcileScheduleID)
	if args[0] == "run" {
		if err := h.Trigger(ctx, client.ScheduleTriggerOptions{}); err != nil {
			return scheduleError(err)
		}
		fmt.Fprintf(stdout, "reconcile: run requested (see: releasetrain reconcile status)\n")
		return nil
	}
	desc, err := h.Describe(ctx)
	if err != nil {
		return scheduleError(err)
	}
	st, err := contract.ReconcileStateFromSchedule(desc)
	if err != nil {
		return fmt.Errorf("reconcile: %w", err)
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(st)
	}
	writeReconcileStatus(stdout, desc, st.Last)
	return nil
}

// writeReconcileStatus prints the schedule's interval and state and the last run.
func writeReconcileStatus(w io.Writer, desc *client.ScheduleDescription, last *contract.ReconcileResult) {
	every := "?"
	if spec := desc.Schedule.Spec; spec != nil && len(spec.Intervals) > 0 {
		every = spec.Intervals[0].Every.String()
	}
	state := "active"
	if desc.Schedule.State != nil && desc.Schedule.State.Paused {
		state = "paused (" + desc.Schedule.State.Note + ")"
	}
	fmt.Fprintf(w, "reconciler: schedule %s, every %s, %s\n", contract.ReconcileScheduleID, every, state)
	if n := desc.Info.NextActionTimes; len(n) > 0 {
		fmt.Fprintf(w, "next run: %s\n", n[0].UTC().Format(time.RFC3339))
	}
	if last == nil {
		fmt.Fprintln(w, "last run: none yet")
		return
	}
	fmt.Fprintf(w, "last run: %s (%s): %s\n", last.FinishedAt.UTC().Format(time.RFC3339),
		last.FinishedAt.Sub(last.StartedAt).Round(time.Millisecond), contract.FormatReconcileResult(*last))
}

func scheduleError(err error) error {
	var nf *serviceerror.NotFound
	if errors.As(err, &nf) {
		return fmt.Errorf("reconcile: no schedule %s (releasetrain worker creates it at start when the GitHub App is configured)", contract.ReconcileScheduleID)
	}
	return fmt.Errorf("reconcile: schedule %s: %w", contract.ReconcileScheduleID, err)
}
