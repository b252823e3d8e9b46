package activities

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/ProtonMail/go-crypto/openpgp"
	"go.temporal.io/sdk/temporal"
	"go.uber.org/zap"

	"github.com/BTCDecoded/releasetrain/bundle"
	"github.com/BTCDecoded/releasetrain/contract"
	"github.com/BTCDecoded/releasetrain/ghclient"
)

// CheckSignatureFile checks a rebuilder's signature file before it is
// attached: its name (SHA256SUMS.<signer>.asc), its size, and that it holds
// armored OpenPGP signatures (whose keys the users' keyrings judge).
func CheckSignatureFile(name string, data []byte) error {
	if err := contract.CheckSignatureName(name, len(data)); err != nil {
		return err
	}
	// With an empty keyring every signature counts as unknown; what fails
	// is data that is not armored OpenPGP signatures.
	if _, err := bundle.Verify(nil, data, openpgp.EntityList{}); err != nil {
		return fmt.Errorf("signature file %s: %w", name, err)
	}
	return nil
}

// AttachSignature uploads a rebuilder's signature over SHA256SUMS to the
// train's draft. A published release is refused for good (ReleasePublishedErrorType).
func (a *Activities) AttachSignature(ctx context.Context, in AttachSignatureInput) (Asset, error) {
	repo := in.Owner + "/" + in.Repo
	call := fmt.Sprintf("attach %s to %s %s", in.Name, repo, in.Tag)
	if err := CheckSignatureFile(in.Name, in.Signature); err != nil {
		return Asset{}, badInput(call, err)
	}
	rel, err := a.GitHub.EnsureDraftRelease(ctx, ghclient.ReleaseSpec{Owner: in.Owner, Repo: in.Repo, Tag: in.Tag})
	if err != nil && !errors.Is(err, ghclient.ErrPublishedRelease) {
		return Asset{}, githubError(fmt.Sprintf("find draft %s %s", repo, in.Tag), err)
	}
	if err != nil || !rel.Draft {
		why := errors.New("the release is published: releasetrain writes only to drafts, and GitHub refuses new assets on an immutable release")
		return Asset{}, temporal.NewNonRetryableApplicationError(fmt.Sprintf("%s: %v", call, why), ReleasePublishedErrorType, why)
	}
	sha, err := a.putBytes(ctx, in.Signature)
	if err != nil {
		return Asset{}, err
	}
	asset := Asset{Name: in.Name, Size: int64(len(in.Signature)), SHA256: sha}
	if hasAsset(rel, asset) {
		return asset, nil
	}
	up := ghclient.AssetUpload{Name: in.Name, Label: in.Marker, Size: asset.Size, SHA256: sha,
		Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(in.Signature)), nil }}
	if _, err := a.GitHub.UploadAsset(ctx, in.Owner, in.Repo, rel, up); err != nil {
		return Asset{}, githubError(call, err)
	}
	a.logger().Info("signature attached", zap.String("repo", repo), zap.String("tag", in.Tag), zap.String("name", in.Name))
	return asset, nil
}
