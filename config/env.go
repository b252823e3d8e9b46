package config

import (
	"slices"
	"time"
)

// Names of the environment variables the binary reads; [EnvVars] documents
// each one and the accessors of [Env] read them.
const (
	EnvTemporalAddress      = "TEMPORAL_ADDRESS"
	EnvTemporalNamespace    = "TEMPORAL_NAMESPACE"
	EnvConfig               = "RELEASETRAIN_CONFIG"
	EnvWebhookSecret        = "RELEASETRAIN_WEBHOOK_SECRET"
	EnvAPIToken             = "RELEASETRAIN_API_TOKEN"
	EnvGitHubAPIURL         = "GITHUB_API_URL"
	EnvGitHubUploadURL      = "GITHUB_UPLOAD_URL"
	EnvGitHubAppID          = "GITHUB_APP_ID"
	EnvGitHubInstallationID = "GITHUB_INSTALLATION_ID"
	EnvGitHubPrivateKeyFile = "GITHUB_APP_PRIVATE_KEY_FILE"
	EnvGitHubPrivateKey     = "GITHUB_APP_PRIVATE_KEY"
	EnvGitHubToken          = "GITHUB_TOKEN"
	EnvArtifactStore        = "RELEASETRAIN_ARTIFACT_STORE"
	EnvDataDir              = "RELEASETRAIN_DATA_DIR"
	EnvWorkDir              = "RELEASETRAIN_WORK_DIR"
	EnvSigningKeyFile       = "RELEASETRAIN_SIGNING_KEY_FILE"
	EnvSigningKey           = "RELEASETRAIN_SIGNING_KEY"
	EnvSigningPassphrase    = "RELEASETRAIN_SIGNING_PASSPHRASE"
	EnvProvenanceKeyFile    = "RELEASETRAIN_PROVENANCE_KEY_FILE"
	EnvListingWait          = "RELEASETRAIN_LISTING_WAIT"
	EnvSourceDateEpoch      = "SOURCE_DATE_EPOCH"
	EnvTemporalCLI          = "RELEASETRAIN_TEMPORAL_CLI"
)

// Defaults of the environment's settings.
const (
	// DefaultTemporalAddress is the Temporal frontend of a local dev server.
	DefaultTemporalAddress = "127.0.0.1:7233"
	// DefaultNamespace is Temporal's default namespace.
	DefaultNamespace = "default"
	// DefaultDataDir holds the local artifact store (and dev's state).
	DefaultDataDir = ".data"
	// DefaultListingWait is how long a retried dispatch looks for a run an
	// earlier attempt may have started: GitHub lists new runs after a few seconds.
	DefaultListingWait = 10 * time.Second
)

// Subcommands (processes) that read environment variables, for [EnvVar.UsedBy].
const (
	CmdServe     = "serve"
	CmdWorker    = "worker"
	CmdRelease   = "release"
	CmdReconcile = "reconcile"
	CmdPlan      = "plan"
	CmdDev       = "dev"
	CmdRebuild   = "rebuild"
)

// EnvVar documents one environment variable the binary reads. The
// README's environment table lists exactly these, row for row.
type EnvVar struct {
	// Name is the variable, e.g. TEMPORAL_ADDRESS.
	Name string
	// UsedBy are the subcommands that read it.
	UsedBy []string
	// Meaning says what it sets (Markdown, one line).
	Meaning string
	// Default says what an unset or empty value means (Markdown, one line).
	Default string
	// Secret marks a value that is never logged nor written to a file.
	Secret bool
}

// EnvVars returns the table of every environment variable the binary
// reads, in the README's order. Each call returns a fresh slice.
func EnvVars() []EnvVar {
	temporalUsers := []string{CmdWorker, CmdServe, CmdRelease, CmdReconcile}
	return []EnvVar{
		{Name: EnvTemporalAddress, UsedBy: temporalUsers,
			Meaning: "Temporal frontend `HOST:PORT`",
			Default: "`" + DefaultTemporalAddress + "`"},
		{Name: EnvTemporalNamespace, UsedBy: temporalUsers,
			Meaning: "Temporal namespace",
			Default: "`" + DefaultNamespace + "`"},
		{Name: EnvConfig, UsedBy: []string{CmdServe, CmdWorker, CmdRelease, CmdPlan, CmdDev},
			Meaning: "the train's YAML file (`--config` wins); the worker reads it for the reconciler's schedule",
			Default: "the built-in BTCDecoded train"},
		{Name: EnvWebhookSecret, UsedBy: []string{CmdServe}, Secret: true,
			Meaning: "the GitHub webhook's secret",
			Default: "none: required (unsigned deliveries are refused)"},
		{Name: EnvAPIToken, UsedBy: []string{CmdServe}, Secret: true,
			Meaning: "bearer token of the operator API and the live graph pages",
			Default: "none: the API and the pages are off"},
		{Name: EnvGitHubAPIURL, UsedBy: []string{CmdWorker},
			Meaning: "REST base URL: `https://HOST/api/v3/` for GitHub Enterprise or the simulator",
			Default: "`https://api.github.com/`"},
		{Name: EnvGitHubUploadURL, UsedBy: []string{CmdWorker},
			Meaning: "release-asset upload base URL",
			Default: "`https://uploads.github.com/` for github.com, else `HOST/api/uploads/` of `GITHUB_API_URL`"},
		{Name: EnvGitHubAppID, UsedBy: []string{CmdWorker},
			Meaning: "the GitHub App's id (wins over `GITHUB_TOKEN`)",
			Default: "none: `GITHUB_TOKEN` authenticates"},
		{Name: EnvGitHubInstallationID, UsedBy: []string{CmdWorker},
			Meaning: "the App's installation id",
			Default: "none: required with `GITHUB_APP_ID`"},
		{Name: EnvGitHubPrivateKeyFile, UsedBy: []string{CmdWorker},
			Meaning: "file of the App's PEM private key",
			Default: "none: `GITHUB_APP_PRIVATE_KEY`; one of them is required with `GITHUB_APP_ID`"},
		{Name: EnvGitHubPrivateKey, UsedBy: []string{CmdWorker}, Secret: true,
			Meaning: "the App's PEM private key itself (`\\n` for line breaks)",
			Default: "none: `GITHUB_APP_PRIVATE_KEY_FILE`"},
		{Name: EnvGitHubToken, UsedBy: []string{CmdWorker}, Secret: true,
			Meaning: "a token, instead of the App",
			Default: "none: required without `GITHUB_APP_ID`"},
		{Name: EnvArtifactStore, UsedBy: []string{CmdWorker},
			Meaning: "content-addressed artifact store, a `gocloud.dev/blob` URL: `file:///path`, `s3://…`, `gs://…`, `azblob://…` — use a shared bucket when workers span machines",
			Default: "`file://$RELEASETRAIN_DATA_DIR/artifacts`"},
		{Name: EnvDataDir, UsedBy: []string{CmdWorker},
			Meaning: "data folder (holds the default artifact store)",
			Default: "`" + DefaultDataDir + "`"},
		{Name: EnvWorkDir, UsedBy: []string{CmdWorker},
			Meaning: "scratch folder (downloads, unzipped artifacts, packages)",
			Default: "the system's temporary folder"},
		{Name: EnvSigningKeyFile, UsedBy: []string{CmdWorker},
			Meaning: "armored OpenPGP secret key files signing `SHA256SUMS`, separated by `:`",
			Default: "none: no signatures (unless `RELEASETRAIN_SIGNING_KEY`)"},
		{Name: EnvSigningKey, UsedBy: []string{CmdWorker}, Secret: true,
			Meaning: "armored OpenPGP secret keys themselves, signing `SHA256SUMS` too",
			Default: "none"},
		{Name: EnvSigningPassphrase, UsedBy: []string{CmdWorker, CmdRebuild}, Secret: true,
			Meaning: "passphrase of the signing keys (and of `rebuild --sign`'s key)",
			Default: "none: the keys must be unprotected"},
		{Name: EnvProvenanceKeyFile, UsedBy: []string{CmdWorker},
			Meaning: "PEM private key (ECDSA P-256 or Ed25519) signing the provenance `<name>-<tag>.intoto.jsonl` (see \"Verifying a release\")",
			Default: "none: the provenance is published unsigned"},
		{Name: EnvListingWait, UsedBy: []string{CmdWorker},
			Meaning: "how long a retried dispatch looks for an earlier attempt's run before dispatching again (a Go duration)",
			Default: "`" + DefaultListingWait.String() + "`"},
		{Name: EnvSourceDateEpoch, UsedBy: []string{CmdWorker},
			Meaning: "the bundle's fixed mtime, decimal seconds since 1970",
			Default: "the release time"},
		{Name: EnvTemporalCLI, UsedBy: []string{CmdDev},
			Meaning: "a built Temporal CLI that runs the dev server",
			Default: "`bin/temporal` of the checkout, built from `tools/go.mod` on first use"},
	}
}

// LookupEnvVar returns the table's entry for name.
func LookupEnvVar(name string) (EnvVar, bool) {
	vars := EnvVars()
	i := slices.IndexFunc(vars, func(v EnvVar) bool { return v.Name == name })
	if i < 0 {
		return EnvVar{}, false
	}
	return vars[i], true
}
