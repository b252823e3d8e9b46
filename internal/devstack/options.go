package devstack

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"time"

	"go.temporal.io/sdk/client"
	"go.uber.org/zap"

	"github.com/BTCDecoded/releasetrain/config"
	"github.com/BTCDecoded/releasetrain/ghsim"
)

// Parts picks the parts of the stack Start brings up.
type Parts uint

const (
	// PartTemporal is the Temporal dev server (or Options.Client, one already running).
	PartTemporal Parts = 1 << iota
	// PartSim is the GitHub simulator.
	PartSim
	// PartWorker is Options.Workers in-process workers; it needs PartTemporal and PartSim.
	PartWorker
	// PartReceiver is the webhook receiver with its operator API; the
	// simulator delivers its signed webhooks to it. It needs PartTemporal and PartSim.
	PartReceiver
)

const (
	// DefaultParts are what a zero Options starts: Temporal, the simulator
	// and a worker, which polls GitHub for its builds (no webhooks).
	DefaultParts = PartTemporal | PartSim | PartWorker
	// AllParts adds the webhook receiver: the whole releasetrain, as `releasetrain dev` runs it.
	AllParts = DefaultParts | PartReceiver
)

// DefaultTimeScale runs a 65 s simulated build in about half a real second,
// while the simulator's ~60 s artifact download links stay valid.
const DefaultTimeScale = 120

// Options configure the stack. Zero values give a stack for a test: Temporal
// in memory, everything on free loopback ports, a temporary data folder, a
// worker authenticated with ghsim.StaticToken, no logs.
type Options struct {
	// Parts are the parts to start. Default DefaultParts.
	Parts Parts
	// Root is the releasetrain checkout (it holds tools/go.mod, for the
	// Temporal CLI). Default: the checkout holding the working directory.
	Root string
	// DataDir holds the artifact store, the work folder, the demo keys, the
	// downloaded releases and the Temporal dev server's output. Default: a
	// temporary folder, removed by Close.
	DataDir string

	// Train is the release train the receiver and the reconcile schedule
	// use (the worker takes it from each release's input). Default
	// config.Default().
	Train *config.Train
	// ScaleTrain divides the train's durations by the simulator's time
	// scale, like the simulated builds (see scaledTrain).
	ScaleTrain bool

	// Client is a Temporal client to use instead of starting a dev server;
	// the stack does not close it.
	Client client.Client
	// TemporalDB is the dev server's SQLite file. Default: state in memory.
	TemporalDB string
	// TemporalPort is the dev server's frontend port. Default: a free port.
	TemporalPort int
	// UI turns on the Temporal Web UI, on UIPort (default: a free port).
	UI     bool
	UIPort int

	// Sim configures the simulator. Scenario defaults to
	// ghsim.DefaultScenario(), TimeScale to the scenario's, else
	// DefaultTimeScale (none with ManualClock). The stack sets BaseURL, and
	// WebhookURL and WebhookSecret when it starts the receiver; App when App is set.
	Sim ghsim.Options
	// SimAddr is where the simulator listens. Default: a free loopback port;
	// a free port of the same host when the address is taken.
	SimAddr string
	// WrapSim, when set, wraps the simulator's handler (request logs, fault
	// and kill hooks).
	WrapSim func(http.Handler) http.Handler

	// Workers is how many in-process workers PartWorker starts. Default 1.
	Workers int
	// App makes the simulator a GitHub App installation and the workers
	// authenticate as that App. Default: ghsim.StaticToken.
	App bool
	// StoreURL is the workers' artifact store. Default: the folder
	// artifacts in DataDir.
	StoreURL string
	// WorkDir is the workers' work folder. Default: the folder work in DataDir.
	WorkDir string
	// ListingWait is how long a worker's retried dispatch looks for an
	// earlier attempt's run. Default 1s, short for tests (Dev: 5s).
	ListingWait time.Duration
	// Sign gives the workers the data folder's demo OpenPGP and provenance
	// keys (made on first use), so releases carry SHA256SUMS.asc and a
	// signed provenance.
	Sign bool

	// ReceiverAddr is where the receiver listens. Default: a free loopback
	// port; a free port of the same host when the address is taken.
	ReceiverAddr string
	// ReceiverStopped starts the stack with its receiver down (GitHub's
	// deliveries fail); Stack.Receiver.Start brings it up.
	ReceiverStopped bool
	// Reconcile creates the releasetrain-reconcile schedule for Train
	// (deleted by Close) and lets the receiver mark redelivered triggers.
	// Without App, the train's reconcile.webhook_url defaults to the
	// receiver, so the reconciler reads the repository hooks' logs.
	Reconcile bool

	// Log receives what the stack prints for people (URLs, progress).
	// Default: discarded.
	Log io.Writer
	// LogFile receives the components' structured logs as JSON, unless
	// Logger is set. Default: no logs.
	LogFile string
	// Logger receives the components' structured logs.
	Logger *zap.Logger
}

// withDefaults fills the zero values and checks the combination.
func (o Options) withDefaults() (Options, error) {
	if o.Parts == 0 {
		o.Parts = DefaultParts
	}
	needs := PartTemporal | PartSim
	if o.Parts&(PartWorker|PartReceiver) != 0 && o.Parts&needs != needs {
		return o, errors.New("devstack: a worker or receiver needs Temporal and the simulator")
	}
	if (o.ReceiverStopped || o.Reconcile) && o.Parts&PartReceiver == 0 {
		return o, errors.New("devstack: ReceiverStopped and Reconcile need the receiver (PartReceiver)")
	}
	if o.Train == nil {
		o.Train = config.Default()
	}
	if o.Sim.Scenario == nil {
		o.Sim.Scenario = ghsim.DefaultScenario()
	}
	if o.Parts&PartReceiver != 0 && o.Sim.Scenario.Owner != o.Train.Owner {
		return o, fmt.Errorf("scenario owner %q differs from the train's owner %q", o.Sim.Scenario.Owner, o.Train.Owner)
	}
	if o.Sim.TimeScale == 0 && !o.Sim.ManualClock {
		o.Sim.TimeScale = o.Sim.Scenario.TimeScale
		if o.Sim.TimeScale == 0 {
			o.Sim.TimeScale = DefaultTimeScale
		}
	}
	if o.Workers == 0 {
		o.Workers = 1
	}
	if o.ListingWait == 0 {
		o.ListingWait = time.Second
	}
	if o.SimAddr == "" {
		o.SimAddr = "127.0.0.1:0"
	}
	if o.ReceiverAddr == "" {
		o.ReceiverAddr = "127.0.0.1:0"
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	return o, nil
}

// Dev returns the options of `releasetrain dev` (make run) keeping its state
// in dataDir: the whole stack with the Web UI, Temporal's state in
// temporal.db, logs in releasetrain.log, releases signed with the demo
// keys, the train's durations scaled to the simulator's clock, and sc
// (default: the BTCDecoded builds in an organisation that enforces
// immutable releases) at its time scale, else 60.
func Dev(dataDir string, sc *ghsim.Scenario) Options {
	if sc == nil {
		// The simulated organisation enforces immutable releases, as a
		// supply-chain-minded project such as BTCDecoded does.
		sc = ghsim.DefaultScenario()
		sc.ImmutableReleases = true
	}
	scale := sc.TimeScale
	if scale == 0 {
		scale = 60
	}
	return Options{
		Parts:      AllParts,
		DataDir:    dataDir,
		ScaleTrain: true,
		TemporalDB: filepath.Join(dataDir, "temporal.db"),
		UI:         true,
		Sim:        ghsim.Options{Scenario: sc, TimeScale: scale, Seed: 1},
		Sign:       true,
		// The simulator lists a new run within seconds of simulated time.
		ListingWait: 5 * time.Second,
		LogFile:     filepath.Join(dataDir, "releasetrain.log"),
	}
}
