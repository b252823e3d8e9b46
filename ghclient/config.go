package ghclient

import (
	"context"
	"net/http"
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

// withSlash ends a base URL with "/", as go-github wants.
func withSlash(u string) string {
	if !strings.HasSuffix(u, "/") {
		return u + "/"
	}
	return u
}
