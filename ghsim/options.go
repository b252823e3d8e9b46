package ghsim

import (
	"crypto/rsa"
	"log/slog"
	"time"
)

// StaticToken is the token a Sim accepts when Options.Token is empty: what
// clients of the simulator (the worker, tests, `releasetrain dev`) send as
// "token X" or "Bearer X".
const StaticToken = "ghsim-token"

// Options configure a Sim; zero values give the defaults.
type Options struct {
	// Scenario describes the repos and their builds. Default is DefaultScenario().
	Scenario *Scenario
	// Seed makes faults, tokens, ids of deliveries and artifact content deterministic.
	Seed int64
	// TimeScale is simulated seconds per real second. Default is the scenario's
	// time_scale, else 1.
	TimeScale float64
	// ManualClock freezes simulated time; it moves only through Advance.
	ManualClock bool
	// Token is the static token accepted as "token X" or "Bearer X".
	// Default is StaticToken.
	Token string
	// App enables GitHub App authentication (JWT exchange for installation tokens).
	App *App
	// WebhookURL receives webhook deliveries; "" disables them.
	WebhookURL string
	// WebhookSecret signs deliveries (X-Hub-Signature-256); "" sends them unsigned.
	WebhookSecret string
	// WebhookTimeout is how long a delivery waits for the receiver's answer
	// before it is recorded as failed (real time). Default is
	// DefaultWebhookTimeout, GitHub's 10 s; tests shorten it.
	WebhookTimeout time.Duration
	// RateLimit is the primary budget per simulated hour. Default is the
	// scenario's rate_limit, else 5000.
	RateLimit int
	// BaseURL is used for URLs in webhook payloads and Go API answers before any
	// request has been seen. Default is learnt from the first request's Host.
	BaseURL string
	// BlobDir holds the artifact zips, each written once on first need (listing,
	// getting or downloading the artifact) and then served from its file, with
	// Range support. Files are named by content and left in place, directory
	// included, on Close. Default: a temporary directory made on first need
	// and removed by Close.
	BlobDir string
	// Logger receives debug logs. Default discards.
	Logger *slog.Logger
}

// App is the GitHub App whose JWTs the simulator accepts.
type App struct {
	// ID is the app id; a JWT's iss must equal it (or ClientID).
	ID int64
	// ClientID is optional; when set, it is accepted as iss too.
	ClientID string
	// InstallationID is the only installation that exists.
	InstallationID int64
	// PublicKey verifies RS256 JWT signatures.
	PublicKey *rsa.PublicKey
}

// Fault injects a failure into matching API requests.
type Fault struct {
	// Route is a route template, with or without the method
	// ("POST /repos/{owner}/{repo}/dispatches"), or "*" for every route.
	Route string `json:"route"`
	// Method restricts the fault to one HTTP method ("" = any).
	Method string `json:"method,omitempty"`
	// Status is the answer (500, 502, 503, 403, 429, …). Default is 500, or 403
	// for SecondaryLimit. 0 with only Latency set means latency only.
	Status int `json:"status,omitempty"`
	// Probability fires the fault on that share of matching calls (seeded).
	Probability float64 `json:"probability,omitempty"`
	// Nth fires the fault on the Nth matching call only (1-based).
	Nth int `json:"nth,omitempty"`
	// Every fires the fault on every Every-th matching call.
	Every int `json:"every,omitempty"`
	// Latency delays the answer by this real duration.
	Latency time.Duration `json:"latency,omitempty"`
	// Reset hijacks the connection and closes it in the middle of the body.
	Reset bool `json:"reset,omitempty"`
	// AfterWrite applies the request (the write lands) and then answers Status.
	AfterWrite bool `json:"after_write,omitempty"`
	// SecondaryLimit answers a secondary rate limit (403 or 429 with retry-after).
	SecondaryLimit bool `json:"secondary_limit,omitempty"`
	// RetryAfter is the simulated wait a secondary limit announces. Default 60s.
	RetryAfter time.Duration `json:"retry_after,omitempty"`
	// Count caps how many times the fault fires (0 = unlimited).
	Count int `json:"count,omitempty"`
}
