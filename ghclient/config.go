package ghclient

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
)

// Config says how to reach GitHub and as whom.
type Config struct {
	// BaseURL is the API root with a trailing slash, e.g.
	// "http://127.0.0.1:9999/api/v3/". Default is https://api.github.com/.
	BaseURL string
	// UploadURL is the release-asset upload root. Default is
	// https://uploads.github.com/ for github.com, else <host>/api/uploads/.
	UploadURL string
	// Token authenticates as a user or with a GITHUB_TOKEN; leave it empty
	// to use the App fields.
	Token string
	// AppID and InstallationID identify a GitHub App installation.
	AppID, InstallationID int64
	// PrivateKey is the App's PEM private key.
	PrivateKey []byte
	// Transport is the base transport. Default is a clone of http.DefaultTransport.
	Transport http.RoundTripper
	// Logger receives one debug line per request (never headers). Default is nop.
	Logger *zap.Logger
	// Registerer receives the metrics. Default: metrics are counted but not registered.
	Registerer prometheus.Registerer
	// ListingTimeout is how long run discovery waits for GitHub to list a
	// new run. Default is 2 minutes.
	ListingTimeout time.Duration
	// MaxListingBackoff caps the discovery backoff (1 s, 2 s, 4 s, …).
	// Default is 15 seconds.
	MaxListingBackoff time.Duration
	// Sleep waits between discovery polls. Default is a context-aware timer;
	// tests against a simulator with a manual clock advance it here.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now is the clock used for rate-limit waits and listing bounds. Default is time.Now.
	Now func() time.Time
}

// Environment variable names read by ConfigFromEnv.
const (
	EnvAPIURL         = "GITHUB_API_URL"
	EnvUploadURL      = "GITHUB_UPLOAD_URL"
	EnvToken          = "GITHUB_TOKEN"
	EnvAppID          = "GITHUB_APP_ID"
	EnvPrivateKeyFile = "GITHUB_APP_PRIVATE_KEY_FILE"
	EnvPrivateKey     = "GITHUB_APP_PRIVATE_KEY"
	EnvInstallationID = "GITHUB_INSTALLATION_ID"
)

// ConfigFromEnv reads GITHUB_API_URL, GITHUB_UPLOAD_URL, GITHUB_TOKEN,
// GITHUB_APP_ID, GITHUB_APP_PRIVATE_KEY_FILE (or GITHUB_APP_PRIVATE_KEY) and
// GITHUB_INSTALLATION_ID. App settings win over a token when both are set.
// Errors name the variable, never its secret value.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	var cfg Config
	if u := strings.TrimSpace(getenv(EnvAPIURL)); u != "" {
		cfg.BaseURL = withSlash(u)
	}
	if u := strings.TrimSpace(getenv(EnvUploadURL)); u != "" {
		cfg.UploadURL = withSlash(u)
	}
	appID := strings.TrimSpace(getenv(EnvAppID))
	if appID == "" {
		cfg.Token = strings.TrimSpace(getenv(EnvToken))
		if cfg.Token == "" {
			return Config{}, fmt.Errorf("github auth: set %s or %s with %s and %s", EnvToken, EnvAppID, EnvPrivateKeyFile, EnvInstallationID)
		}
		return cfg, nil
	}
	id, err := strconv.ParseInt(appID, 10, 64)
	if err != nil || id <= 0 {
		return Config{}, fmt.Errorf("%s: not a positive integer", EnvAppID)
	}
	cfg.AppID = id
	inst := strings.TrimSpace(getenv(EnvInstallationID))
	if inst == "" {
		return Config{}, fmt.Errorf("%s: required with %s", EnvInstallationID, EnvAppID)
	}
	if cfg.InstallationID, err = strconv.ParseInt(inst, 10, 64); err != nil || cfg.InstallationID <= 0 {
		return Config{}, fmt.Errorf("%s: not a positive integer", EnvInstallationID)
	}
	switch file, pem := getenv(EnvPrivateKeyFile), getenv(EnvPrivateKey); {
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			var pe *os.PathError
			if errors.As(err, &pe) {
				err = pe.Err // the path is in the message already
			}
			return Config{}, fmt.Errorf("%s %s: %w", EnvPrivateKeyFile, file, err)
		}
		cfg.PrivateKey = b
	case pem != "":
		cfg.PrivateKey = []byte(strings.ReplaceAll(pem, `\n`, "\n"))
	default:
		return Config{}, fmt.Errorf("%s or %s: required with %s", EnvPrivateKeyFile, EnvPrivateKey, EnvAppID)
	}
	return cfg, nil
}

func withSlash(u string) string {
	if !strings.HasSuffix(u, "/") {
		return u + "/"
	}
	return u
}
