package activities

import (
	"context"
	"time"

	"go.uber.org/zap"
	"gocloud.dev/blob"

	"github.com/BTCDecoded/releasetrain/bundle"
	"github.com/BTCDecoded/releasetrain/config"
	"github.com/BTCDecoded/releasetrain/ghclient"
	"github.com/BTCDecoded/releasetrain/provenance"
)

// GitHub is the part of ghclient the activities use; *ghclient.Client
// satisfies it, tests use a fake.
type GitHub interface {
	FindOrDispatch(ctx context.Context, req ghclient.DispatchRequest) (ghclient.Run, error)
	GetRun(ctx context.Context, owner, repo string, id int64, etag string) (ghclient.Run, bool, error)
	FindRun(ctx context.Context, owner, repo, correlationID string, notBefore time.Time) (ghclient.Run, bool, error)
	RerunFailedJobs(ctx context.Context, owner, repo string, id int64) error
	CancelRun(ctx context.Context, owner, repo string, id int64) error
	ListArtifacts(ctx context.Context, owner, repo string, runID int64) ([]ghclient.Artifact, error)
	ExtractArtifact(ctx context.Context, owner, repo string, a ghclient.Artifact, dest string, lim ghclient.UnzipLimits) (ghclient.Extracted, error)
	FindRelease(ctx context.Context, owner, repo, tag string) (ghclient.Release, bool, error)
	EnsureDraftRelease(ctx context.Context, spec ghclient.ReleaseSpec) (ghclient.Release, error)
	UploadAsset(ctx context.Context, owner, repo string, rel ghclient.Release, up ghclient.AssetUpload) (ghclient.Asset, error)
	VerifyDraftAssets(ctx context.Context, owner, repo string, releaseID int64, want []ghclient.AssetWant, label string) (ghclient.AssetCheck, error)
	PublishRelease(ctx context.Context, spec ghclient.ReleaseSpec, id int64) (ghclient.Release, error)
	GenerateNotes(ctx context.Context, owner, repo, tag, prev string) (string, error)
	GetRepo(ctx context.Context, owner, repo string) (ghclient.RepoAccess, error)
	GetWorkflow(ctx context.Context, owner, repo, file string) (ghclient.Workflow, error)
	GetImmutableReleases(ctx context.Context, owner, repo string) (ghclient.ImmutableReleases, bool, error)
	GetRateBudget(ctx context.Context) (ghclient.RateBudget, error)
}

var _ GitHub = (*ghclient.Client)(nil)

// Defaults for zero-valued settings.
const (
	// DefaultListingWait is how long a retried dispatch looks for a run an
	// earlier attempt may have started (config decides it).
	DefaultListingWait = config.DefaultListingWait
	// DefaultPollInterval is AwaitRun's polling period when the input has none.
	DefaultPollInterval = 15 * time.Second
)

// Activities holds the dependencies of every activity; the worker registers
// one *Activities, workflows call its methods through a nil pointer.
type Activities struct {
	// GitHub is the API client (required).
	GitHub GitHub
	// Store is the content-addressed artifact store (required); keys are "sha256/<hex>".
	Store *blob.Bucket
	// WorkDir holds temporary files (downloads, unzipped artifacts, packages).
	// Default: os.TempDir().
	WorkDir string
	// Signers sign SHA256SUMS; none means no SHA256SUMS.asc.
	Signers []bundle.Signer
	// ProvenanceSigner signs the provenance's DSSE envelope; nil publishes
	// it unsigned (still covered by SHA256SUMS and its signatures).
	ProvenanceSigner *provenance.Signer
	// Logger logs activity progress. Default: no logging.
	Logger *zap.Logger
	// Unzip bounds artifact extraction (zip bomb limits). Default ghclient.DefaultUnzipLimits().
	Unzip ghclient.UnzipLimits
	// ListingWait is passed to FindOrDispatch on retried dispatches. Default DefaultListingWait.
	ListingWait time.Duration
	// SourceDateEpoch, when not zero, is the bundle's mtime instead of the
	// release time (the worker's SOURCE_DATE_EPOCH).
	SourceDateEpoch time.Time
}

func (a *Activities) logger() *zap.Logger {
	if a.Logger == nil {
		return zap.NewNop()
	}
	return a.Logger
}

func (a *Activities) listingWait() time.Duration {
	if a.ListingWait <= 0 {
		return DefaultListingWait
	}
	return a.ListingWait
}
