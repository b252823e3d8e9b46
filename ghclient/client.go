package ghclient

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/bradleyfalzon/ghinstallation/v2"
	"github.com/google/go-github/v62/github"
	"go.uber.org/zap"
)

const (
	defaultBaseURL        = "https://api.github.com/"
	defaultUploadURL      = "https://uploads.github.com/"
	defaultListingTimeout = 2 * time.Minute
	defaultMaxBackoff     = 15 * time.Second
	userAgent             = "releasetrain"
)

// Client talks to one GitHub (github.com, an Enterprise server or ghsim) as
// one identity. It is safe for concurrent use.
type Client struct {
	gh *github.Client
	// app is authenticated as the GitHub App itself (JWT), for /app routes;
	// nil with a token.
	app *github.Client
	// noRedirect is the authenticated client that stops at a 302 (artifact zip).
	noRedirect *http.Client
	// blob fetches redirect targets without the Authorization header.
	blob *http.Client
	log  *zap.Logger
	m    *metrics

	listingTimeout time.Duration
	maxBackoff     time.Duration
	// tailFetch is ExtractArtifact's first ranged read (tests shrink it).
	tailFetch int64
	sleep     func(ctx context.Context, d time.Duration) error
	now       func() time.Time

	remaining       atomic.Int64
	budget          atomic.Int64
	secondaryStreak atomic.Int64
	// noRunDetails is set once the server rejected return_run_details.
	noRunDetails atomic.Bool
	// idle closes the base transport's idle connections.
	idle func()
}

// New builds a client. It makes no request.
func New(cfg Config) (*Client, error) {
	c := &Client{
		log:            cfg.Logger,
		listingTimeout: cfg.ListingTimeout,
		maxBackoff:     cfg.MaxListingBackoff,
		sleep:          cfg.Sleep,
		now:            cfg.Now,
		tailFetch:      defaultTailFetch,
	}
	if c.log == nil {
		c.log = zap.NewNop()
	}
	if c.listingTimeout <= 0 {
		c.listingTimeout = defaultListingTimeout
	}
	if c.maxBackoff <= 0 {
		c.maxBackoff = defaultMaxBackoff
	}
	if c.sleep == nil {
		c.sleep = sleepCtx
	}
	if c.now == nil {
		c.now = time.Now
	}
	c.remaining.Store(-1)

	baseURL, uploadURL, err := urls(cfg.BaseURL, cfg.UploadURL)
	if err != nil {
		return nil, err
	}
	if c.m, err = newMetrics(cfg.Registerer); err != nil {
		return nil, fmt.Errorf("github metrics: %w", err)
	}

	base := cfg.Transport
	if base == nil {
		base = http.DefaultTransport.(*http.Transport).Clone()
	}
	if ic, ok := base.(interface{ CloseIdleConnections() }); ok {
		c.idle = ic.CloseIdleConnections
	}
	acct := &accounting{next: base, m: c.m, log: c.log, remaining: &c.remaining, budget: &c.budget, streak: &c.secondaryStreak}

	var auth http.RoundTripper
	switch {
	case cfg.AppID != 0 || cfg.InstallationID != 0 || len(cfg.PrivateKey) > 0:
		if cfg.AppID <= 0 || cfg.InstallationID <= 0 || len(cfg.PrivateKey) == 0 {
			return nil, fmt.Errorf("github app auth: app id, installation id and private key are all required")
		}
		itr, err := ghinstallation.New(acct, cfg.AppID, cfg.InstallationID, cfg.PrivateKey)
		if err != nil {
			// The parse error names the problem, never the key bytes.
			return nil, fmt.Errorf("github app private key: %w", err)
		}
		itr.BaseURL = strings.TrimSuffix(baseURL.String(), "/")
		auth = itr
		atr, err := ghinstallation.NewAppsTransport(acct, cfg.AppID, cfg.PrivateKey)
		if err != nil {
			return nil, fmt.Errorf("github app private key: %w", err)
		}
		atr.BaseURL = itr.BaseURL
		c.app = github.NewClient(&http.Client{Transport: atr})
		c.app.BaseURL = baseURL
		c.app.UploadURL = uploadURL
		c.app.UserAgent = userAgent
	case cfg.Token != "":
		auth = &tokenAuth{next: acct, token: cfg.Token}
	default:
		return nil, fmt.Errorf("github auth: no token and no app configured")
	}

	c.gh = github.NewClient(&http.Client{Transport: auth})
	c.gh.BaseURL = baseURL
	c.gh.UploadURL = uploadURL
	c.gh.UserAgent = userAgent
	c.noRedirect = &http.Client{
		Transport:     auth,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	c.blob = &http.Client{
		Transport: acct,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 10 {
				return fmt.Errorf("stopped after 10 redirects")
			}
			req.Header.Del("Authorization")
			return nil
		},
	}
	return c, nil
}

// CloseIdleConnections closes the keep-alive connections of the base
// transport, ending their goroutines (call it when done with the client).
func (c *Client) CloseIdleConnections() {
	if c.idle != nil {
		c.idle()
	}
}

// RateRemaining is the last seen x-ratelimit-remaining, -1 before any answer.
func (c *Client) RateRemaining() int { return int(c.remaining.Load()) }

// BudgetSpent counts this client's requests that spent rate-limit budget.
func (c *Client) BudgetSpent() int64 { return c.budget.Load() }

// urls resolves the API and upload roots.
func urls(base, upload string) (*url.URL, *url.URL, error) {
	if base == "" {
		base = defaultBaseURL
	}
	b, err := url.Parse(withSlash(base))
	if err != nil || b.Scheme == "" || b.Host == "" {
		return nil, nil, fmt.Errorf("github base url %q: not an absolute URL", base)
	}
	if upload == "" {
		if b.Host == "api.github.com" {
			upload = defaultUploadURL
		} else {
			upload = b.Scheme + "://" + b.Host + "/api/uploads/"
		}
	}
	u, err := url.Parse(withSlash(upload))
	if err != nil || u.Scheme == "" || u.Host == "" {
		return nil, nil, fmt.Errorf("github upload url %q: not an absolute URL", upload)
	}
	return b, u, nil
}

// sleepCtx waits d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func fullName(owner, repo string) string { return owner + "/" + repo }
