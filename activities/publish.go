package activities

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"go.temporal.io/sdk/activity"
	"go.uber.org/zap"

	"github.com/BTCDecoded/releasetrain/ghclient"
)

// PublishRelease publishes the unified release idempotently: find or create
// the draft, upload every asset (labelled with the train's marker; an asset
// already there with the same digest is kept), then publish. Prereleases are
// never marked latest.
func (a *Activities) PublishRelease(ctx context.Context, in PublishInput) (PublishResult, error) {
	repo := in.Owner + "/" + in.Repo
	var notes []byte
	if in.NotesSHA256 != "" {
		var err error
		if notes, err = a.getBytes(ctx, in.NotesSHA256); err != nil {
			return PublishResult{}, err
		}
	}
	spec := ghclient.ReleaseSpec{
		Owner: in.Owner, Repo: in.Repo, Tag: in.Tag, Name: in.Title,
		Body: string(notes), Prerelease: in.Prerelease,
	}
	rel, err := a.GitHub.EnsureDraftRelease(ctx, spec)
	if err != nil {
		return PublishResult{}, githubError(fmt.Sprintf("draft release %s %s", repo, in.Tag), err)
	}
	tmp, err := os.MkdirTemp(a.WorkDir, "publish-")
	if err != nil {
		return PublishResult{}, fmt.Errorf("publish %s %s: work dir: %w", repo, in.Tag, err)
	}
	defer os.RemoveAll(tmp)
	for i, asset := range in.Assets {
		activity.RecordHeartbeat(ctx, i)
		if hasAsset(rel, asset) {
			continue
		}
		p := filepath.Join(tmp, fmt.Sprintf("%d", i))
		if err := a.materialise(ctx, asset.SHA256, p, false); err != nil {
			return PublishResult{}, err
		}
		stop := heartbeatDuring(ctx, i)
		_, err := a.GitHub.UploadAsset(ctx, in.Owner, in.Repo, rel, asset.Name, in.Marker, p)
		stop()
		if err != nil {
			return PublishResult{}, githubError(fmt.Sprintf("upload %s to %s %s", asset.Name, repo, in.Tag), err)
		}
		if err := os.Remove(p); err != nil {
			return PublishResult{}, fmt.Errorf("publish %s %s: %w", repo, in.Tag, err)
		}
	}
	activity.RecordHeartbeat(ctx, len(in.Assets))
	if in.KeepDraft {
		a.logger().Info("release draft filled", zap.String("repo", repo), zap.String("tag", in.Tag),
			zap.String("url", rel.HTMLURL), zap.Int("assets", len(in.Assets)))
		return PublishResult{ReleaseID: rel.ID, URL: rel.HTMLURL, Draft: true}, nil
	}
	// Publishing cannot be undone: a train cancelled while its assets were
	// uploading keeps an unpublished draft instead.
	if err := ctx.Err(); err != nil {
		return PublishResult{}, err
	}
	pub, err := a.GitHub.PublishRelease(ctx, spec, rel.ID)
	if err != nil {
		return PublishResult{}, githubError(fmt.Sprintf("publish release %s %s", repo, in.Tag), err)
	}
	a.logger().Info("release published", zap.String("repo", repo), zap.String("tag", in.Tag),
		zap.String("url", pub.HTMLURL), zap.Int("assets", len(in.Assets)))
	return PublishResult{ReleaseID: pub.ID, URL: pub.HTMLURL}, nil
}

// hasAsset reports whether the release already holds this exact asset.
func hasAsset(rel ghclient.Release, want Asset) bool {
	for _, got := range rel.Assets {
		if got.Name == want.Name && got.Size == want.Size &&
			strings.EqualFold(strings.TrimPrefix(got.Digest, "sha256:"), want.SHA256) {
			return true
		}
	}
	return false
}
