package worker

import (
	"time"

	"go.uber.org/zap"

	"github.com/BTCDecoded/releasetrain/config"
	"github.com/BTCDecoded/releasetrain/ghclient"
)

// Options configure the worker.
type Options struct {
	// TemporalAddress is the frontend host:port. Default config.DefaultTemporalAddress.
	TemporalAddress string
	// Namespace is the Temporal namespace. Default config.DefaultNamespace.
	Namespace string
	// GitHub says how to reach GitHub.
	GitHub ghclient.Config
	// StoreURL is the artifact store as a gocloud.dev/blob URL (file:// or
	// mem://); config's WorkerSettings default it to config.DefaultStoreURL.
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
	// SourceDateEpoch, when not zero, is the bundle's mtime instead of the
	// release time (SOURCE_DATE_EPOCH).
	SourceDateEpoch time.Time
	// Logger logs the worker, the SDK and the activities. Default: no logging.
	Logger *zap.Logger
	// Train, when set, makes Run create or update the releasetrain-reconcile
	// schedule for it (the webhook delivery-log reconciler; it needs the
	// GitHub App). Nil: Run leaves the schedule alone.
	Train *config.Train
}

// OptionsFrom builds Options from the settings config read from the
// environment (config.OSEnv().Worker()); Logger and Train stay unset.
func OptionsFrom(s config.WorkerSettings) Options {
	return Options{
		TemporalAddress: s.Temporal.Address,
		Namespace:       s.Temporal.Namespace,
		GitHub: ghclient.Config{
			BaseURL:        s.GitHub.APIURL,
			UploadURL:      s.GitHub.UploadURL,
			Token:          s.GitHub.Token,
			AppID:          s.GitHub.AppID,
			InstallationID: s.GitHub.InstallationID,
			PrivateKey:     s.GitHub.PrivateKey,
		},
		StoreURL:          s.StoreURL,
		WorkDir:           s.WorkDir,
		SigningKeyFiles:   s.Signing.KeyFiles,
		SigningKeys:       s.Signing.Keys,
		SigningPassphrase: s.Signing.Passphrase,
		ProvenanceKeyFile: s.ProvenanceKeyFile,
		ListingWait:       s.ListingWait,
		SourceDateEpoch:   s.SourceDateEpoch,
	}
}

func (o Options) withDefaults() Options {
	if o.TemporalAddress == "" {
		o.TemporalAddress = config.DefaultTemporalAddress
	}
	if o.Namespace == "" {
		o.Namespace = config.DefaultNamespace
	}
	if o.Logger == nil {
		o.Logger = zap.NewNop()
	}
	return o
}
