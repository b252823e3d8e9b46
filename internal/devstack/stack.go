package devstack

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	sdkworker "go.temporal.io/sdk/worker"
	"go.uber.org/zap"

	"github.com/BTCDecoded/releasetrain/config"
	"github.com/BTCDecoded/releasetrain/contract"
	"github.com/BTCDecoded/releasetrain/ghclient"
	"github.com/BTCDecoded/releasetrain/ghsim"
	"github.com/BTCDecoded/releasetrain/internal/temporalcli"
	"github.com/BTCDecoded/releasetrain/webhook"
	"github.com/BTCDecoded/releasetrain/worker"
)

// Options configure the local stack. Zero values give the defaults.
type Options struct {
	// Root is the releasetrain checkout (it holds tools/go.mod, for the Temporal CLI).
	Root string
	// DataDir keeps Temporal's SQLite file, the artifact store and the
	// downloaded releases across runs. Default <Root>/.data.
	DataDir string
	// Train is the release train. Default config.Default(). Its durations are
	// divided by the time scale, like the simulator's builds.
	Train *config.Train
	// Scenario drives the simulated builds. Default ghsim.DefaultScenario().
	Scenario *ghsim.Scenario
	// TimeScale is simulated seconds per real second. Default: the scenario's, else 60.
	TimeScale float64
	// TemporalPort and UIPort are the dev server's ports. Default 7233 and
	// 8233; negative picks a free port.
	TemporalPort, UIPort int
	// ReceiverAddr and SimAddr are where the webhook receiver and the simulator
	// listen. Default 127.0.0.1:8080 and 127.0.0.1:9090, or a free port when taken.
	ReceiverAddr, SimAddr string
	// Log receives what the stack prints for people (URLs, progress).
	Log io.Writer
	// Logger receives the components' structured logs. Default: a file in DataDir.
	Logger *zap.Logger
}

// Stack is the running local stack.
type Stack struct {
	opts     Options
	Temporal *testsuite.DevServer
	Client   client.Client
	Sim      *ghsim.Sim
	Train    *config.Train
	// SimURL, ReceiverURL, UIURL and TemporalAddr are where each part answers.
	SimURL, ReceiverURL, UIURL, TemporalAddr string
	// APIToken guards the receiver's operator API.
	APIToken string
	// SigningKey and PublicKey are the demo's OpenPGP key files (SHA256SUMS.asc).
	SigningKey, PublicKey string
	// ProvenanceKey and ProvenancePublicKey are the demo's PEM key files
	// signing the provenance (<name>-<tag>.intoto.jsonl).
	ProvenanceKey, ProvenancePublicKey string

	worker  sdkworker.Worker
	servers []*http.Server
	cancel  context.CancelFunc
	done    chan error
	logFile *os.File
}

// Start brings up Temporal, the simulator, the worker and the receiver.
func Start(ctx context.Context, opts Options) (_ *Stack, err error) {
	opts, err = opts.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Stack{opts: opts, Train: scaledTrain(opts.Train, opts.TimeScale), done: make(chan error, 2)}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	for _, dir := range []string{opts.DataDir, filepath.Join(opts.DataDir, "artifacts"), filepath.Join(opts.DataDir, "work")} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("data folder: %w", err)
		}
	}
	if opts.Logger == nil {
		logPath := filepath.Join(opts.DataDir, "releasetrain.log")
		if s.logFile, err = os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644); err != nil {
			return nil, fmt.Errorf("log file: %w", err)
		}
		opts.Logger = zap.New(zapFileCore(s.logFile))
		s.opts.Logger = opts.Logger
	}

	if err := s.startTemporal(ctx); err != nil {
		return nil, err
	}
	secret, err := randomHex(32)
	if err != nil {
		return nil, err
	}
	if s.APIToken, err = randomHex(16); err != nil {
		return nil, err
	}
	simLn, err := listen(opts.SimAddr)
	if err != nil {
		return nil, fmt.Errorf("simulator: %w", err)
	}
	recvLn, err := listen(opts.ReceiverAddr)
	if err != nil {
		_ = simLn.Close()
		return nil, fmt.Errorf("webhook receiver: %w", err)
	}
	s.SimURL = "http://" + simLn.Addr().String()
	s.ReceiverURL = "http://" + recvLn.Addr().String()

	s.Sim, err = ghsim.New(ghsim.Options{
		Scenario:      opts.Scenario,
		TimeScale:     opts.TimeScale,
		Seed:          1,
		WebhookURL:    s.ReceiverURL + "/webhook",
		WebhookSecret: secret,
		BaseURL:       s.SimURL,
	})
	if err != nil {
		_, _ = simLn.Close(), recvLn.Close()
		return nil, fmt.Errorf("simulator: %w", err)
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s.cancel = cancel
	s.serve(simLn, s.Sim.Handler())

	if s.SigningKey, s.PublicKey, err = demoKey(opts.DataDir); err != nil {
		_ = recvLn.Close()
		return nil, err
	}
	if s.ProvenanceKey, s.ProvenancePublicKey, err = demoProvenanceKey(opts.DataDir); err != nil {
		_ = recvLn.Close()
		return nil, err
	}
	w, err := worker.New(s.Client, worker.Options{
		SigningKeyFiles:   []string{s.SigningKey},
		ProvenanceKeyFile: s.ProvenanceKey,
		GitHub:            ghclient.Config{BaseURL: s.SimURL + "/api/v3/", Token: "ghsim-token", Logger: opts.Logger},
		StoreURL:          "file://" + filepath.Join(opts.DataDir, "artifacts"),
		WorkDir:           filepath.Join(opts.DataDir, "work"),
		// The simulator lists a new run within seconds of simulated time.
		ListingWait: 5 * time.Second,
		Logger:      opts.Logger,
	})
	if err != nil {
		_ = recvLn.Close()
		return nil, fmt.Errorf("worker: %w", err)
	}
	s.worker = w
	if err := s.worker.Start(); err != nil {
		_ = recvLn.Close()
		return nil, fmt.Errorf("worker: %w", err)
	}

	recv, err := webhook.New(webhook.Options{
		Secret:   []byte(secret),
		APIToken: s.APIToken,
		Train:    s.Train,
		Temporal: s.Client,
		Logger:   opts.Logger,
	})
	if err != nil {
		_ = recvLn.Close()
		return nil, fmt.Errorf("webhook receiver: %w", err)
	}
	go func() { s.done <- recv.Serve(runCtx, recvLn) }()
	return s, nil
}

func (s *Stack) startTemporal(ctx context.Context) error {
	cli, err := temporalcli.Ensure(ctx, s.opts.Root, s.opts.Log)
	if err != nil {
		return err
	}
	tlog, err := os.OpenFile(filepath.Join(s.opts.DataDir, "temporal.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("temporal log: %w", err)
	}
	if s.opts.TemporalPort < 0 {
		if s.opts.TemporalPort, err = freePort(); err != nil {
			_ = tlog.Close()
			return err
		}
	}
	if s.opts.UIPort < 0 {
		if s.opts.UIPort, err = freePort(); err != nil {
			_ = tlog.Close()
			return err
		}
	}
	s.TemporalAddr = fmt.Sprintf("127.0.0.1:%d", s.opts.TemporalPort)
	ln, err := net.Listen("tcp", s.TemporalAddr)
	if err != nil {
		_ = tlog.Close()
		return fmt.Errorf("temporal port %s is taken — is another `releasetrain dev` (make run) still running? Stop it with Ctrl-C, or pass --temporal-port", s.TemporalAddr)
	}
	_ = ln.Close()
	fmt.Fprintf(s.opts.Log, "Starting the Temporal dev server (state in %s) …\n", filepath.Join(s.opts.DataDir, "temporal.db"))
	s.Temporal, err = testsuite.StartDevServer(ctx, testsuite.DevServerOptions{
		ExistingPath: cli,
		DBFilename:   filepath.Join(s.opts.DataDir, "temporal.db"),
		EnableUI:     true,
		UIPort:       fmt.Sprint(s.opts.UIPort),
		LogLevel:     "error",
		SearchAttributes: temporal.NewSearchAttributes(
			contract.ReleaseTagKey.ValueSet(""),
			contract.ReleaseStateKey.ValueSet(""),
		),
		Stdout: tlog,
		Stderr: tlog,
		ClientOptions: &client.Options{
			HostPort: s.TemporalAddr,
			Logger:   worker.NewLogger(s.opts.Logger),
		},
	})
	if err != nil {
		_ = tlog.Close()
		return fmt.Errorf("temporal dev server: %w (its log: %s)", err, tlog.Name())
	}
	s.Client = s.Temporal.Client()
	s.UIURL = fmt.Sprintf("http://127.0.0.1:%d", s.opts.UIPort)
	return nil
}

func (s *Stack) serve(ln net.Listener, h http.Handler) {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	s.servers = append(s.servers, srv)
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.done <- err
		}
	}()
}

// LogPath is the stack's log file ("" when the caller gave a logger).
func (s *Stack) LogPath() string {
	if s.logFile == nil {
		return ""
	}
	return s.logFile.Name()
}

// ReleasePageURL is the release's live graph page on the receiver (log in
// with APIToken).
func (s *Stack) ReleasePageURL(tag string) string {
	return s.ReceiverURL + "/releases/" + tag
}

// ReleaseUIURL is the release's page in the Temporal Web UI.
func (s *Stack) ReleaseUIURL(tag string) string {
	return fmt.Sprintf("%s/namespaces/default/workflows/%s", s.UIURL, contract.ReleaseWorkflowID(tag))
}

// Close stops everything, in the reverse order of Start.
func (s *Stack) Close() {
	if s.cancel != nil {
		s.cancel()
	}
	if s.worker != nil {
		s.worker.Stop()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, srv := range s.servers {
		_ = srv.Shutdown(ctx)
	}
	if s.Sim != nil {
		s.Sim.Close()
	}
	if s.Temporal != nil {
		_ = s.Temporal.Stop()
	}
	if s.opts.Logger != nil {
		_ = s.opts.Logger.Sync()
	}
	if s.logFile != nil {
		_ = s.logFile.Close()
	}
}

func (o Options) withDefaults() (Options, error) {
	if o.Root == "" {
		wd, err := os.Getwd()
		if err != nil {
			return o, err
		}
		if o.Root, err = temporalcli.RepoRoot(wd); err != nil {
			return o, err
		}
	}
	if o.DataDir == "" {
		o.DataDir = filepath.Join(o.Root, config.DefaultDataDir)
	}
	if o.Train == nil {
		o.Train = config.Default()
	}
	if o.Scenario == nil {
		// The simulated organisation enforces immutable releases, as a
		// supply-chain-minded project such as BTCDecoded does.
		o.Scenario = ghsim.DefaultScenario()
		o.Scenario.ImmutableReleases = true
	}
	if o.Scenario.Owner != o.Train.Owner {
		return o, fmt.Errorf("scenario owner %q differs from the train's owner %q", o.Scenario.Owner, o.Train.Owner)
	}
	if o.TimeScale == 0 {
		o.TimeScale = o.Scenario.TimeScale
	}
	if o.TimeScale == 0 {
		o.TimeScale = 60
	}
	if o.TemporalPort == 0 {
		o.TemporalPort = 7233
	}
	if o.UIPort == 0 {
		o.UIPort = 8233
	}
	if o.ReceiverAddr == "" {
		o.ReceiverAddr = "127.0.0.1:8080"
	}
	if o.SimAddr == "" {
		o.SimAddr = "127.0.0.1:9090"
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	return o, nil
}

// listen listens on addr, or on a free port of the same host when addr is taken.
func listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err == nil {
		return ln, nil
	}
	host, _, splitErr := net.SplitHostPort(addr)
	if splitErr != nil {
		return nil, err
	}
	return net.Listen("tcp", net.JoinHostPort(host, "0"))
}

// freePort asks the kernel for a free local port.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func randomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}
