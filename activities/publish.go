package activities

import (
	"context"
	"fmt"
	"io"
	"strings"

	"go.temporal.io/sdk/activity"
	"go.uber.org/zap"

	"github.com/BTCDecoded/releasetrain/assetname"
	"github.com/BTCDecoded/releasetrain/contract"
	"github.com/BTCDecoded/releasetrain/ghclient"
)

// PublishRelease fills and publishes the tag's draft, writing to nothing
// but a draft:
//  1. every asset name must be one GitHub keeps unchanged;
//  2. the draft is the maintainer's (draft mode) or one this train creates;
//     a published release of the tag is a permanent error that writes
//     nothing — unless it is this train's own, published by an earlier
//     attempt whose answer was lost;
//  3. each asset is streamed from the artifact store into its upload (no
//     local copy), heartbeating throughout, labelled with the train's marker
//     (an asset already there with the same digest is kept);
//  4. the draft's assets are verified by digest, an earlier train's
//     leftovers deleted, a person's attachments kept and named in the notes;
//  5. one update publishes it with the maintainer's title and notes and the
//     train's notes between markers; the release is read back and its
//     immutable mark returned.
//
// Prereleases are never marked latest.
func (a *Activities) PublishRelease(ctx context.Context, in PublishInput) (PublishResult, error) {
	repo := in.Owner + "/" + in.Repo
	call := fmt.Sprintf("publish %s %s", repo, in.Tag)
	if err := checkAssetNames(in.Assets); err != nil {
		return PublishResult{}, badInput(call, err)
	}
	var notes []byte
	if in.NotesSHA256 != "" {
		var err error
		if notes, err = a.getBytes(ctx, in.NotesSHA256); err != nil {
			return PublishResult{}, err
		}
	}
	found, ok, err := a.GitHub.FindRelease(ctx, in.Owner, in.Repo, in.Tag)
	if err != nil {
		return PublishResult{}, githubError(fmt.Sprintf("find release %s %s", repo, in.Tag), err)
	}
	if ok && !found.Draft && ownRelease(found, in) {
		a.logger().Info("release already published by this train", zap.String("repo", repo), zap.String("tag", in.Tag))
		return PublishResult{ReleaseID: found.ID, URL: found.HTMLURL, Immutable: found.Immutable}, nil
	}
	spec := ghclient.ReleaseSpec{
		Owner: in.Owner, Repo: in.Repo, Tag: in.Tag, Name: in.Title,
		Body: ReleaseBody("", string(notes), nil, 0), Prerelease: in.Prerelease, MakeLatest: in.MakeLatest,
	}
	rel, err := a.GitHub.EnsureDraftRelease(ctx, spec)
	if err != nil {
		return PublishResult{}, githubError(fmt.Sprintf("draft release %s %s", repo, in.Tag), err)
	}
	for i, asset := range in.Assets {
		activity.RecordHeartbeat(ctx, i)
		if hasAsset(rel, asset) {
			continue
		}
		if err := a.uploadAsset(ctx, in, rel, i, asset); err != nil {
			return PublishResult{}, err
		}
	}
	activity.RecordHeartbeat(ctx, len(in.Assets))
	if in.KeepDraft {
		a.logger().Info("release draft filled", zap.String("repo", repo), zap.String("tag", in.Tag),
			zap.String("url", rel.HTMLURL), zap.Int("assets", len(in.Assets)))
		return PublishResult{ReleaseID: rel.ID, URL: rel.HTMLURL, Draft: true}, nil
	}
	want := make([]ghclient.AssetWant, len(in.Assets))
	for i, as := range in.Assets {
		want[i] = ghclient.AssetWant{Name: as.Name, Size: as.Size, SHA256: as.SHA256}
	}
	stop := heartbeatDuring(ctx, len(in.Assets))
	check, err := a.GitHub.VerifyDraftAssets(ctx, in.Owner, in.Repo, rel.ID, want, in.Marker)
	stop()
	if err != nil {
		return PublishResult{}, githubError(fmt.Sprintf("verify assets of %s %s", repo, in.Tag), err)
	}
	foreign := make([]string, 0, min(len(check.Foreign), maxForeignNames))
	for _, f := range check.Foreign {
		if len(foreign) < maxForeignNames {
			foreign = append(foreign, f.Name)
		}
	}
	// Publishing cannot be undone: a train cancelled while its assets were
	// uploading keeps an unpublished draft instead.
	if err := ctx.Err(); err != nil {
		return PublishResult{}, err
	}
	title := rel.Name
	if strings.TrimSpace(title) == "" {
		title = in.Title
	}
	spec.Name = title
	spec.Body = ReleaseBody(rel.Body, string(notes), foreign, len(check.Foreign))
	pub, err := a.GitHub.PublishRelease(ctx, spec, rel.ID)
	if err != nil {
		return PublishResult{}, githubError(fmt.Sprintf("publish release %s %s", repo, in.Tag), err)
	}
	a.logger().Info("release published", zap.String("repo", repo), zap.String("tag", in.Tag),
		zap.String("url", pub.HTMLURL), zap.Int("assets", len(in.Assets)), zap.Bool("immutable", pub.Immutable),
		zap.Int("foreign_assets", len(check.Foreign)), zap.Int("leftovers_deleted", len(check.Deleted)))
	return PublishResult{ReleaseID: pub.ID, URL: pub.HTMLURL, Immutable: pub.Immutable,
		Foreign: foreign, ForeignCount: len(check.Foreign), Deleted: len(check.Deleted)}, nil
}

// uploadAsset streams one stored asset into its upload, heartbeating all
// the while. A store failure keeps its own classification.
func (a *Activities) uploadAsset(ctx context.Context, in PublishInput, rel ghclient.Release, i int, asset Asset) error {
	key := contract.StoreKey(asset.SHA256)
	var openErr error
	up := ghclient.AssetUpload{
		Name: asset.Name, Label: in.Marker, Size: asset.Size, SHA256: asset.SHA256,
		Open: func() (io.ReadCloser, error) {
			r, err := a.Store.NewReader(ctx, key, nil)
			if err != nil {
				openErr = storeReadError(key, err)
				return nil, openErr
			}
			if r.Size() != asset.Size {
				_ = r.Close()
				openErr = badInput("store get "+key, fmt.Errorf("object is %d bytes, want %d", r.Size(), asset.Size))
				return nil, openErr
			}
			return r, nil
		},
	}
	stop := heartbeatDuring(ctx, i)
	_, err := a.GitHub.UploadAsset(ctx, in.Owner, in.Repo, rel, up)
	stop()
	if openErr != nil {
		return openErr
	}
	if err != nil {
		return githubError(fmt.Sprintf("upload %s to %s/%s %s", asset.Name, in.Owner, in.Repo, in.Tag), err)
	}
	return nil
}

// checkAssetNames refuses names GitHub would rename, naming every one.
func checkAssetNames(assets []Asset) error {
	var bad []string
	for _, as := range assets {
		if err := assetname.Check(as.Name); err != nil {
			bad = append(bad, err.Error())
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("%s", strings.Join(bad, "; "))
	}
	return nil
}

// ownRelease reports whether a published release is this train's own:
// every asset of the train is there, with its digest and the train's label.
func ownRelease(rel ghclient.Release, in PublishInput) bool {
	if len(in.Assets) == 0 {
		return false
	}
	for _, want := range in.Assets {
		ok := false
		for _, got := range rel.Assets {
			if ghclient.OwnAsset(got, in.Marker) && sameAsset(got, want) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// hasAsset reports whether the release already holds this exact asset.
func hasAsset(rel ghclient.Release, want Asset) bool {
	for _, got := range rel.Assets {
		if sameAsset(got, want) {
			return true
		}
	}
	return false
}

func sameAsset(got ghclient.Asset, want Asset) bool {
	return got.Name == want.Name && got.Size == want.Size &&
		strings.EqualFold(strings.TrimPrefix(got.Digest, "sha256:"), want.SHA256)
}
