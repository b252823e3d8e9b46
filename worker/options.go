package worker

import (
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/BTCDecoded/releasetrain/bundle"
	"github.com/BTCDecoded/releasetrain/config"
	"github.com/BTCDecoded/releasetrain/ghclient"
	"github.com/BTCDecoded/releasetrain/provenance"
)

// Environment variables read by OptionsFromEnv (besides ghclient's GITHUB_*).
const (
	EnvTemporalAddress   = "TEMPORAL_ADDRESS"
	EnvTemporalNamespace = "TEMPORAL_NAMESPACE"
	EnvDataDir           = "RELEASETRAIN_DATA_DIR"
	EnvArtifactStore     = "RELEASETRAIN_ARTIFACT_STORE"
	EnvWorkDir           = "RELEASETRAIN_WORK_DIR"
	EnvListingWait       = "RELEASETRAIN_LISTING_WAIT"
)

// Defaults.
const (
	DefaultTemporalAddress = "127.0.0.1:7233"
	DefaultNamespace       = "default"
	DefaultDataDir         = ".data"
)

// Options configure the worker.
type Options struct {
	// TemporalAddress is the frontend host:port. Default DefaultTemporalAddress.
	TemporalAddress string
	// Namespace is the Temporal namespace. Default "default".
	Namespace string
	// GitHub says how to reach GitHub (see ghclient.ConfigFromEnv).
	GitHub ghclient.Config
	// StoreURL is the artifact store as a gocloud.dev/blob URL (file:// or
	// mem://). Default: file://<data dir>/artifacts.
	StoreURL string
	// WorkDir holds temporary files. Default os.TempDir().
	WorkDir string
	// SigningKeyFiles are armored OpenPGP private keys signing SHA256SUMS; none: no signatures.
	SigningKeyFiles []string
	// SigningKeys are armored OpenPGP private keys given inline (the
	// RELEASETRAIN_SIGNING_KEY variable); they sign too.
	SigningKeys [][]byte
	// SigningPassphrase unlocks the signing keys (never logged).
	SigningPassphrase []byte
	// ProvenanceKeyFile is the PEM private key (ECDSA P-256 or Ed25519)
	// signing the provenance; empty: the provenance is published unsigned.
	ProvenanceKeyFile string
	// ListingWait is how long a retried dispatch looks for an earlier attempt's
	// run. Default activities.DefaultListingWait.
	ListingWait time.Duration
	// Logger logs the worker, the SDK and the activities. Default: no logging.
	Logger *zap.Logger
	// Train, when set, makes Run create or update the releasetrain-reconcile
	// schedule for it (the webhook delivery-log reconciler; it needs the
	// GitHub App). Nil: Run leaves the schedule alone.
	Train *config.Train
}

// OptionsFromEnv reads Options from the environment (see the package doc).
// Errors name the variable, never a secret's value.
func OptionsFromEnv(getenv func(string) string) (Options, error) {
	gh, err := ghclient.ConfigFromEnv(getenv)
	if err != nil {
		return Options{}, err
	}
	opts := Options{
		TemporalAddress:   strings.TrimSpace(getenv(EnvTemporalAddress)),
		Namespace:         strings.TrimSpace(getenv(EnvTemporalNamespace)),
		GitHub:            gh,
		StoreURL:          strings.TrimSpace(getenv(EnvArtifactStore)),
		WorkDir:           strings.TrimSpace(getenv(EnvWorkDir)),
		SigningPassphrase: []byte(getenv(bundle.SigningPassphraseEnv)),
		ProvenanceKeyFile: strings.TrimSpace(getenv(provenance.KeyFileEnv)),
	}
	if k := getenv(bundle.SigningKeyEnv); strings.TrimSpace(k) != "" {
		opts.SigningKeys = [][]byte{[]byte(k)}
	}
	for _, f := range filepath.SplitList(getenv(bundle.SigningKeyFileEnv)) {
		if f = strings.TrimSpace(f); f != "" {
			opts.SigningKeyFiles = append(opts.SigningKeyFiles, f)
		}
	}
	if v := strings.TrimSpace(getenv(EnvListingWait)); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			return Options{}, fmt.Errorf("%s=%q: want a duration like 10s", EnvListingWait, v)
		}
		opts.ListingWait = d
	}
	if opts.StoreURL == "" {
		u, err := DefaultStoreURL(getenv(EnvDataDir))
		if err != nil {
			return Options{}, err
		}
		opts.StoreURL = u
	}
	return opts, nil
}

// DefaultStoreURL is the local artifact store under dataDir (default
// ".data"): file://<abs dataDir>/artifacts, created on first use, with
// temporary files beside it so renames never cross devices.
func DefaultStoreURL(dataDir string) (string, error) {
	if dataDir == "" {
		dataDir = DefaultDataDir
	}
	abs, err := filepath.Abs(filepath.Join(dataDir, "artifacts"))
	if err != nil {
		return "", fmt.Errorf("%s=%q: %w", EnvDataDir, dataDir, err)
	}
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs), RawQuery: "create_dir=1&no_tmp_dir=1"}
	return u.String(), nil
}

func (o Options) withDefaults() Options {
	if o.TemporalAddress == "" {
		o.TemporalAddress = DefaultTemporalAddress
	}
	if o.Namespace == "" {
		o.Namespace = DefaultNamespace
	}
	if o.Logger == nil {
		o.Logger = zap.NewNop()
	}
	return o
}
