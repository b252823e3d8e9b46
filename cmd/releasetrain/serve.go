package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"go.temporal.io/sdk/client"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/BTCDecoded/releasetrain/config"
	"github.com/BTCDecoded/releasetrain/webhook"
	"github.com/BTCDecoded/releasetrain/worker"
)

// serveSettings is everything `serve` reads from flags and the environment.
type serveSettings struct {
	addr       string
	configPath string
	logLevel   zapcore.Level
	secret     []byte
	apiToken   string
	temporal   string
	namespace  string
}

// parseServe reads the flags and the environment; a missing secret is an
// error naming its variable.
func parseServe(args []string, env config.Env, stderr io.Writer) (serveSettings, error) {
	s := serveSettings{logLevel: zapcore.InfoLevel}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&s.addr, "addr", ":8080", "listen address HOST:PORT")
	fs.StringVar(&s.configPath, "config", "", "train config file (default $"+config.EnvConfig+", else the built-in BTCDecoded train)")
	fs.Var(&s.logLevel, "log-level", "log level: debug, info, warn, error")
	if err := fs.Parse(args); err != nil {
		return s, err
	}
	if fs.NArg() > 0 {
		return s, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	s.configPath = env.TrainPath(s.configPath)
	sec, err := env.Serve()
	if err != nil {
		return s, err
	}
	s.secret, s.apiToken = sec.WebhookSecret, sec.APIToken
	tc := env.Temporal()
	s.temporal, s.namespace = tc.Address, tc.Namespace
	return s, nil
}

// runServe is the `serve` subcommand: the webhook receiver and operator API,
// until SIGINT/SIGTERM (in-flight deliveries finish first).
func runServe(ctx context.Context, args []string, _, stderr io.Writer) error {
	return serve(ctx, args, config.OSEnv(), stderr, nil)
}

// serve runs the receiver; onListen (tests) learns the bound address.
func serve(ctx context.Context, args []string, env config.Env, stderr io.Writer, onListen func(net.Addr)) error {
	s, err := parseServe(args, env, stderr)
	if err != nil {
		return usageError(fmt.Errorf("serve: %w", err))
	}
	train, err := config.LoadOrDefault(s.configPath)
	if err != nil {
		return usageError(fmt.Errorf("serve: %w", err))
	}
	logCfg := zap.NewProductionConfig()
	logCfg.Level = zap.NewAtomicLevelAt(s.logLevel)
	logCfg.OutputPaths = []string{"stderr"}
	logger, err := logCfg.Build()
	if err != nil {
		return fmt.Errorf("serve: logger: %w", err)
	}
	defer func() { _ = logger.Sync() }()

	// A lazy client connects on first use and keeps retrying, so the
	// receiver starts (and /readyz reports) while Temporal is down.
	tc, err := client.NewLazyClient(client.Options{
		HostPort:  s.temporal,
		Namespace: s.namespace,
		Logger:    worker.NewLogger(logger.Named("temporal")),
	})
	if err != nil {
		return fmt.Errorf("serve: temporal client for %s: %w", s.temporal, err)
	}
	defer tc.Close()

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	srv, err := webhook.New(webhook.Options{
		Secret:     s.secret,
		APIToken:   s.apiToken,
		Train:      train,
		Temporal:   tc,
		Logger:     logger,
		Registerer: reg,
		Schedules:  tc.ScheduleClient(),
	})
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", s.addr)
	if err != nil {
		return fmt.Errorf("serve: listen %s: %w", s.addr, err)
	}
	logger.Info("serve",
		zap.String("addr", ln.Addr().String()),
		zap.String("temporal", s.temporal),
		zap.String("namespace", s.namespace),
		zap.String("train", train.Owner),
		zap.Bool("api", s.apiToken != ""))
	if onListen != nil {
		onListen(ln.Addr())
	}
	return srv.Serve(ctx, ln)
}
