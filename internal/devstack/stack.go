package devstack

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/testsuite"
	sdkworker "go.temporal.io/sdk/worker"
	"go.uber.org/zap"

	"github.com/BTCDecoded/releasetrain/config"
	"github.com/BTCDecoded/releasetrain/contract"
	"github.com/BTCDecoded/releasetrain/ghclient"
	"github.com/BTCDecoded/releasetrain/ghsim"
)

// Ids of the GitHub App the simulator runs with Options.App.
const (
	appID          = 4711
	installationID = 4712
)

// Stack is the running stack. Fields of parts that were not started are zero.
type Stack struct {
	opts Options
	// Temporal is the dev server the stack started (nil with Options.Client).
	Temporal *testsuite.DevServer
	Client   client.Client
	Sim      *ghsim.Sim
	// Train is the train the receiver and the reconcile schedule use
	// (Options.Train, scaled with Options.ScaleTrain).
	Train *config.Train
	// Scenario drives the simulated builds; TimeScale is the simulator's.
	Scenario  *ghsim.Scenario
	TimeScale float64
	// SimURL, ReceiverURL, UIURL and TemporalAddr are where each part
	// answers ("" for a part not started, TemporalAddr also with
	// Options.Client); APIURL is the simulator's REST root (GITHUB_API_URL).
	SimURL, APIURL, ReceiverURL, UIURL, TemporalAddr string
	// WebhookSecret signs the simulator's deliveries to the receiver.
	WebhookSecret string
	// APIToken guards the receiver's operator API.
	APIToken string
	// Receiver is the webhook receiver (nil without PartReceiver).
	Receiver *Receiver
	// Workers are the in-process workers.
	Workers []sdkworker.Worker
	// SigningKey and PublicKey are the demo's OpenPGP key files (SHA256SUMS.asc).
	SigningKey, PublicKey string
	// ProvenanceKey and ProvenancePublicKey are the demo's PEM key files
	// signing the provenance (<name>-<tag>.intoto.jsonl).
	ProvenanceKey, ProvenancePublicKey string

	github    ghclient.Config // how the workers reach the simulator (token or App)
	closers   []closer
	closeOnce sync.Once
	closeErr  error
}

// closer stops one thing the stack started.
type closer struct {
	what  string
	close func() error
}

// Start brings up the parts opts names. On an error everything started so
// far is stopped again.
func Start(ctx context.Context, opts Options) (_ *Stack, err error) {
	if opts, err = opts.withDefaults(); err != nil {
		return nil, err
	}
	s := &Stack{opts: opts, Train: opts.Train, Scenario: opts.Sim.Scenario, TimeScale: opts.Sim.TimeScale}
	if opts.ScaleTrain {
		s.Train = scaledTrain(opts.Train, opts.Sim.TimeScale)
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, s.Close())
		}
	}()
	steps := []struct {
		part  Parts
		start func(context.Context) error
	}{
		{0, s.makeDataDir},
		{0, s.openLog},
		{PartTemporal, s.startTemporal},
		{PartSim, s.startSim},
		{PartReceiver, s.startReceiver},
		{PartWorker, s.startWorkers},
	}
	for _, step := range steps {
		if step.part != 0 && opts.Parts&step.part == 0 {
			continue
		}
		if err := step.start(ctx); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// onClose adds what Close stops; Close runs them last-added first.
func (s *Stack) onClose(what string, close func() error) {
	s.closers = append(s.closers, closer{what, close})
}

// Close stops everything, in the reverse order of Start, and returns what
// failed. Calling it again returns the same.
func (s *Stack) Close() error {
	s.closeOnce.Do(func() {
		var errs []error
		for i := len(s.closers) - 1; i >= 0; i-- {
			if err := s.closers[i].close(); err != nil {
				errs = append(errs, fmt.Errorf("stop %s: %w", s.closers[i].what, err))
			}
		}
		s.closeErr = errors.Join(errs...)
	})
	return s.closeErr
}

func (s *Stack) makeDataDir(context.Context) error {
	if s.opts.DataDir == "" {
		dir, err := os.MkdirTemp("", "releasetrain-stack-")
		if err != nil {
			return fmt.Errorf("data folder: %w", err)
		}
		s.opts.DataDir = dir
		s.onClose("data folder", func() error { return os.RemoveAll(dir) })
	}
	if err := os.MkdirAll(s.opts.DataDir, 0o755); err != nil {
		return fmt.Errorf("data folder: %w", err)
	}
	return nil
}

// openLog makes the components' logger: Options.Logger, else JSON lines in
// Options.LogFile, else none.
func (s *Stack) openLog(context.Context) error {
	if s.opts.Logger == nil && s.opts.LogFile != "" {
		f, err := os.OpenFile(s.opts.LogFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return fmt.Errorf("log file: %w", err)
		}
		s.onClose("log file", f.Close)
		s.opts.Logger = zap.New(zapFileCore(f))
	}
	if s.opts.Logger == nil {
		s.opts.Logger = zap.NewNop()
		return nil
	}
	logger := s.opts.Logger
	// Sync errors on terminals and pipes say nothing about the log.
	s.onClose("logger", func() error { _ = logger.Sync(); return nil })
	return nil
}

// WebhookURL is where the simulator delivers ("" without a receiver).
func (s *Stack) WebhookURL() string {
	if s.Receiver == nil {
		return ""
	}
	return s.Receiver.URL()
}

// LogPath is the stack's log file ("" when it has none or the caller gave a logger).
func (s *Stack) LogPath() string {
	return s.opts.LogFile
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
