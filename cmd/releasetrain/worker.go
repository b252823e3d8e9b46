package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/BTCDecoded/releasetrain/config"
	"github.com/BTCDecoded/releasetrain/worker"
)

// runWorker is the `worker` subcommand: the production worker process,
// configured from the environment, until SIGINT/SIGTERM.
func runWorker(ctx context.Context, args []string, _, stderr io.Writer) error {
	return workerCommand(ctx, args, config.OSEnv(), stderr)
}

// workerCommand runs the worker with the settings env holds.
func workerCommand(ctx context.Context, args []string, env config.Env, stderr io.Writer) error {
	fs := flag.NewFlagSet("worker", flag.ContinueOnError)
	fs.SetOutput(stderr)
	level := zapcore.InfoLevel
	fs.Var(&level, "log-level", "log level: debug, info, warn, error")
	cfgPath := fs.String("config", "", "train config file for the delivery-log reconciler's schedule (default $"+config.EnvConfig+", else the built-in BTCDecoded train)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return usageError(err)
	}
	if fs.NArg() > 0 {
		return usageError(fmt.Errorf("worker: unexpected argument %q", fs.Arg(0)))
	}
	settings, err := env.Worker()
	if err != nil {
		return usageError(fmt.Errorf("worker: %w", err))
	}
	opts := worker.OptionsFrom(settings)
	if opts.Train, err = env.Train(*cfgPath); err != nil {
		return usageError(fmt.Errorf("worker: %w", err))
	}
	cfg := zap.NewProductionConfig()
	cfg.Level = zap.NewAtomicLevelAt(level)
	logger, err := cfg.Build()
	if err != nil {
		return fmt.Errorf("worker: logger: %w", err)
	}
	defer func() { _ = logger.Sync() }()
	opts.Logger = logger
	return worker.Run(ctx, opts)
}
