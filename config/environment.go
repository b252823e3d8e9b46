package config

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Env reads the variables of [EnvVars]: it is the binary's only reader of
// the environment. Its accessors apply the table's defaults and name the
// variable in every error, never a secret's value.
type Env struct {
	getenv func(string) string
}

// OSEnv reads the process environment.
func OSEnv() Env { return Env{getenv: os.Getenv} }

// EnvOf reads through getenv (a map in tests); an empty value is unset.
func EnvOf(getenv func(string) string) Env { return Env{getenv: getenv} }

// get reads a variable of the table. A name outside it is a defect of
// this package (every accessor's test reads every name), so it panics.
func (e Env) get(name string) string {
	if _, ok := LookupEnvVar(name); !ok {
		panic("config: " + name + " is not in EnvVars")
	}
	if e.getenv == nil {
		return ""
	}
	return e.getenv(name)
}

// trimmed reads a variable without surrounding blanks.
func (e Env) trimmed(name string) string { return strings.TrimSpace(e.get(name)) }

// TemporalSettings say where Temporal is.
type TemporalSettings struct {
	// Address is the frontend HOST:PORT. Default DefaultTemporalAddress.
	Address string
	// Namespace is the namespace. Default DefaultNamespace.
	Namespace string
}

// Temporal reads TEMPORAL_ADDRESS and TEMPORAL_NAMESPACE, defaults applied.
func (e Env) Temporal() TemporalSettings {
	s := TemporalSettings{Address: e.trimmed(EnvTemporalAddress), Namespace: e.trimmed(EnvTemporalNamespace)}
	if s.Address == "" {
		s.Address = DefaultTemporalAddress
	}
	if s.Namespace == "" {
		s.Namespace = DefaultNamespace
	}
	return s
}

// TrainPath is the train file: flagPath when given, else RELEASETRAIN_CONFIG;
// "" means the built-in train.
func (e Env) TrainPath(flagPath string) string {
	if flagPath != "" {
		return flagPath
	}
	return e.get(EnvConfig)
}

// Train loads the train file of TrainPath(flagPath), or the built-in train.
func (e Env) Train(flagPath string) (*Train, error) {
	return LoadOrDefault(e.TrainPath(flagPath))
}

// ServeSettings are the receiver's secrets.
type ServeSettings struct {
	// WebhookSecret verifies X-Hub-Signature-256 (required).
	WebhookSecret []byte
	// APIToken is the operator API's bearer token; "" turns the API off.
	APIToken string
}

// Serve reads RELEASETRAIN_WEBHOOK_SECRET (required) and RELEASETRAIN_API_TOKEN.
func (e Env) Serve() (ServeSettings, error) {
	s := ServeSettings{WebhookSecret: []byte(e.get(EnvWebhookSecret)), APIToken: e.get(EnvAPIToken)}
	if len(s.WebhookSecret) == 0 {
		return s, errors.New(EnvWebhookSecret + " is required: the secret of the GitHub webhook (refusing to accept unsigned deliveries)")
	}
	return s, nil
}

// GitHubSettings say how to reach GitHub and as whom: a token, or a GitHub
// App installation (which wins when both are set).
type GitHubSettings struct {
	// APIURL is the REST root; "" is github.com.
	APIURL string
	// UploadURL is the upload root; "" derives it from APIURL.
	UploadURL string
	// Token authenticates when AppID is 0.
	Token string
	// AppID and InstallationID identify the App installation.
	AppID, InstallationID int64
	// PrivateKey is the App's PEM private key.
	PrivateKey []byte
}

// GitHub reads the GITHUB_* variables. The App's key file is read here,
// so a wrong path fails at start, naming the variable.
func (e Env) GitHub() (GitHubSettings, error) {
	s := GitHubSettings{APIURL: e.trimmed(EnvGitHubAPIURL), UploadURL: e.trimmed(EnvGitHubUploadURL)}
	appID := e.trimmed(EnvGitHubAppID)
	if appID == "" {
		s.Token = e.trimmed(EnvGitHubToken)
		if s.Token == "" {
			return GitHubSettings{}, fmt.Errorf("github auth: set %s or %s with %s and %s", EnvGitHubToken, EnvGitHubAppID, EnvGitHubPrivateKeyFile, EnvGitHubInstallationID)
		}
		return s, nil
	}
	id, err := strconv.ParseInt(appID, 10, 64)
	if err != nil || id <= 0 {
		return GitHubSettings{}, fmt.Errorf("%s: not a positive integer", EnvGitHubAppID)
	}
	s.AppID = id
	inst := e.trimmed(EnvGitHubInstallationID)
	if inst == "" {
		return GitHubSettings{}, fmt.Errorf("%s: required with %s", EnvGitHubInstallationID, EnvGitHubAppID)
	}
	if s.InstallationID, err = strconv.ParseInt(inst, 10, 64); err != nil || s.InstallationID <= 0 {
		return GitHubSettings{}, fmt.Errorf("%s: not a positive integer", EnvGitHubInstallationID)
	}
	switch file, pem := e.get(EnvGitHubPrivateKeyFile), e.get(EnvGitHubPrivateKey); {
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			var pe *os.PathError
			if errors.As(err, &pe) {
				err = pe.Err // the path is in the message already
			}
			return GitHubSettings{}, fmt.Errorf("%s %s: %w", EnvGitHubPrivateKeyFile, file, err)
		}
		s.PrivateKey = b
	case pem != "":
		s.PrivateKey = []byte(strings.ReplaceAll(pem, `\n`, "\n"))
	default:
		return GitHubSettings{}, fmt.Errorf("%s or %s: required with %s", EnvGitHubPrivateKeyFile, EnvGitHubPrivateKey, EnvGitHubAppID)
	}
	return s, nil
}

// SigningSettings are the OpenPGP keys signing SHA256SUMS, as read: the
// package that builds signers parses them. None configured: no signatures.
type SigningSettings struct {
	// Keys are armored private keys given inline (RELEASETRAIN_SIGNING_KEY).
	Keys [][]byte
	// KeyFiles are paths of private key files (RELEASETRAIN_SIGNING_KEY_FILE).
	KeyFiles []string
	// Passphrase unlocks protected keys (never logged).
	Passphrase []byte
}

// Signing reads RELEASETRAIN_SIGNING_KEY, RELEASETRAIN_SIGNING_KEY_FILE (an
// OS path list) and RELEASETRAIN_SIGNING_PASSPHRASE.
func (e Env) Signing() SigningSettings {
	s := SigningSettings{Passphrase: e.SigningPassphrase()}
	if k := e.get(EnvSigningKey); strings.TrimSpace(k) != "" {
		s.Keys = [][]byte{[]byte(k)}
	}
	for _, f := range filepath.SplitList(e.get(EnvSigningKeyFile)) {
		if f = strings.TrimSpace(f); f != "" {
			s.KeyFiles = append(s.KeyFiles, f)
		}
	}
	return s
}

// SigningPassphrase reads RELEASETRAIN_SIGNING_PASSPHRASE (nil when unset).
func (e Env) SigningPassphrase() []byte {
	if p := e.get(EnvSigningPassphrase); p != "" {
		return []byte(p)
	}
	return nil
}

// WorkerSettings are everything the worker reads from the environment.
type WorkerSettings struct {
	Temporal TemporalSettings
	GitHub   GitHubSettings
	// StoreURL is the artifact store, a gocloud.dev/blob URL. Default
	// DefaultStoreURL of RELEASETRAIN_DATA_DIR.
	StoreURL string
	// WorkDir holds temporary files; "" is os.TempDir().
	WorkDir string
	Signing SigningSettings
	// ProvenanceKeyFile signs the provenance; "" publishes it unsigned.
	ProvenanceKeyFile string
	// ListingWait is how long a retried dispatch looks for an earlier
	// attempt's run. Default DefaultListingWait.
	ListingWait time.Duration
	// SourceDateEpoch, when not zero, is the bundle's mtime instead of the
	// release time (SOURCE_DATE_EPOCH, whole seconds, UTC).
	SourceDateEpoch time.Time
}

// Worker reads the worker's variables, defaults applied.
func (e Env) Worker() (WorkerSettings, error) {
	gh, err := e.GitHub()
	if err != nil {
		return WorkerSettings{}, err
	}
	s := WorkerSettings{
		Temporal:          e.Temporal(),
		GitHub:            gh,
		StoreURL:          e.trimmed(EnvArtifactStore),
		WorkDir:           e.trimmed(EnvWorkDir),
		Signing:           e.Signing(),
		ProvenanceKeyFile: e.trimmed(EnvProvenanceKeyFile),
		ListingWait:       DefaultListingWait,
	}
	if v := e.trimmed(EnvListingWait); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			return WorkerSettings{}, fmt.Errorf("%s=%q: want a duration like 10s", EnvListingWait, v)
		}
		s.ListingWait = d
	}
	if s.SourceDateEpoch, err = e.sourceDateEpoch(); err != nil {
		return WorkerSettings{}, err
	}
	if s.StoreURL == "" {
		if s.StoreURL, err = DefaultStoreURL(e.get(EnvDataDir)); err != nil {
			return WorkerSettings{}, err
		}
	}
	return s, nil
}

// sourceDateEpoch reads SOURCE_DATE_EPOCH
// (https://reproducible-builds.org/specs/source-date-epoch/): zero when unset.
func (e Env) sourceDateEpoch() (time.Time, error) {
	v := e.get(EnvSourceDateEpoch)
	if v == "" {
		return time.Time{}, nil
	}
	secs, err := strconv.ParseInt(v, 10, 64)
	if err != nil || secs < 0 {
		return time.Time{}, fmt.Errorf("%s=%q: want non-negative decimal seconds since 1970", EnvSourceDateEpoch, v)
	}
	return time.Unix(secs, 0).UTC(), nil
}

// DefaultStoreURL is the local artifact store under dataDir (default
// DefaultDataDir): file://<abs dataDir>/artifacts, created on first use,
// with temporary files beside it so renames never cross devices.
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

// TemporalCLI reads RELEASETRAIN_TEMPORAL_CLI: a built Temporal CLI, or ""
// to build the pinned one into the checkout.
func (e Env) TemporalCLI() string { return e.trimmed(EnvTemporalCLI) }
