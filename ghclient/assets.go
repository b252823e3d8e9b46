package ghclient

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"mime"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/google/go-github/v62/github"
	"go.uber.org/zap"
)

// ErrAssetRenamed means GitHub stored an uploaded asset under another name
// than the one sent (it renames names with characters it does not keep).
var ErrAssetRenamed = errors.New("asset stored under another name")

// emptySHA256 is the SHA-256 of no bytes.
const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// AssetLabel is the label releasetrain gives an asset it uploads. GitHub
// shows a label in place of the file name, so it starts with the name; the
// marker after it tells this tag's trains' assets from a person's.
func AssetLabel(name, marker string) string { return name + " · " + marker }

// OwnAsset reports whether an asset carries marker in its label: uploaded
// by a train of this tag (a label equal to the marker is how releasetrain
// labelled assets before AssetLabel).
func OwnAsset(a Asset, marker string) bool {
	return marker != "" && (a.Label == marker || strings.HasSuffix(a.Label, " · "+marker))
}

// AssetUpload is one asset to upload, streamed from its source.
type AssetUpload struct {
	// Name is the asset name sent to GitHub; Label is the marker of this
	// train's assets (see AssetLabel), so a retry or a later train of the
	// tag may replace or remove them, and never anyone else's.
	Name, Label string
	// Size is the exact byte count and SHA256 the hex digest of the content.
	Size   int64
	SHA256 string
	// Open returns the content from its start; it is called once per upload
	// attempt, and the stream is read straight into the request (no copy).
	Open func() (io.ReadCloser, error)
}

// AssetWant is an asset the release must carry: name, size and SHA-256 (hex).
type AssetWant struct {
	Name   string
	Size   int64
	SHA256 string
}

// AssetCheck is what VerifyDraftAssets found besides this train's assets.
type AssetCheck struct {
	// Foreign are assets a person attached (another label): kept.
	Foreign []Asset
	// Deleted are leftovers of an earlier train of the tag (this train's
	// label, not in its set): removed from the draft.
	Deleted []string
}

// listAssets pages through a release's assets.
func (c *Client) listAssets(ctx context.Context, owner, repo string, releaseID int64) ([]apiAsset, error) {
	ctx = withKind(ctx, kindListAssets)
	var out []apiAsset
	for page := 1; ; page++ {
		req, err := c.gh.NewRequest(http.MethodGet, fmt.Sprintf("repos/%s/%s/releases/%d/assets?per_page=100&page=%d", owner, repo, releaseID, page), nil)
		if err != nil {
			return nil, err
		}
		var list []apiAsset
		resp, err := c.gh.Do(ctx, req, &list)
		if err != nil {
			return nil, err
		}
		out = append(out, list...)
		if len(list) == 0 || resp.NextPage == 0 {
			return out, nil
		}
	}
}

// UploadAsset uploads one asset to the draft rel, idempotently:
//   - an asset of that name with the same SHA-256 is kept;
//   - one with different content whose label equals up.Label (this train's
//     mark) is deleted and uploaded again;
//   - one with different content and another label is left alone and
//     reported ([ErrAssetConflict], permanent);
//   - a 422 already_exists (an earlier upload landed although it answered
//     5xx) is resolved by listing the assets and comparing.
//
// The name GitHub answers with must be the name sent ([ErrAssetRenamed]),
// and the digest it reports must be ours. A published rel is refused
// before anything is sent ([ErrPublishedRelease]).
//
// rel.Assets is used as a hint; the truth is fetched when needed.
func (c *Client) UploadAsset(ctx context.Context, owner, repo string, rel Release, up AssetUpload) (Asset, error) {
	full := fullName(owner, repo)
	call := fmt.Sprintf("upload asset %q to release %s", up.Name, rel.Tag)
	if !rel.Draft {
		return Asset{}, publishedError(call, full, rel)
	}
	for _, a := range rel.Assets {
		if a.Name == up.Name {
			return c.reconcileAsset(ctx, owner, repo, rel, a, up, call)
		}
	}
	a, err := c.upload(ctx, owner, repo, rel.ID, up)
	if err == nil {
		return c.checkUploaded(ctx, owner, repo, a, up, call)
	}
	cerr := c.classify(call, full, err)
	if !hasErrorCode(err, "ReleaseAsset", "already_exists") && ErrorKind(cerr) != KindTransient {
		return Asset{}, cerr
	}
	// It may have landed: look before trying again.
	assets, lerr := c.listAssets(ctx, owner, repo, rel.ID)
	if lerr != nil {
		return Asset{}, c.classify(call, full, lerr)
	}
	for _, aa := range assets {
		if aa.Name == up.Name {
			return c.reconcileAsset(ctx, owner, repo, rel, aa.asset(), up, call)
		}
	}
	return Asset{}, cerr
}

// checkUploaded compares GitHub's answer to an upload with what was sent:
// the same name, and the same digest when GitHub reports one. A renamed or
// different asset (ours, on a draft) is deleted again.
func (c *Client) checkUploaded(ctx context.Context, owner, repo string, a Asset, up AssetUpload, call string) (Asset, error) {
	full := fullName(owner, repo)
	switch {
	case a.Name != up.Name:
		c.deleteAsset(ctx, owner, repo, a)
		return Asset{}, &Error{Kind: KindPermanent, Call: call, Repo: full, Err: ErrAssetRenamed,
			Message: fmt.Sprintf("GitHub stored asset %q as %q (deleted again): use only A-Z a-z 0-9 . _ - + and no leading or trailing period", up.Name, a.Name)}
	case a.Digest != "":
		got, err := parseDigest(a.Digest)
		if err != nil || got != up.SHA256 {
			c.deleteAsset(ctx, owner, repo, a)
			return Asset{}, &Error{Kind: KindTransient, Call: call, Repo: full, Err: ErrDigestMismatch,
				Message: fmt.Sprintf("GitHub reports digest %s for %q, want sha256:%s (deleted; the retry uploads it again)", a.Digest, up.Name, up.SHA256)}
		}
	default:
		a.Digest = "sha256:" + up.SHA256 // checked before publishing (VerifyDraftAssets)
	}
	return a, nil
}

// deleteAsset removes an asset this train just uploaded to a draft; a
// failure is logged (VerifyDraftAssets catches what remains).
func (c *Client) deleteAsset(ctx context.Context, owner, repo string, a Asset) {
	if _, err := c.gh.Repositories.DeleteReleaseAsset(withKind(ctx, kindDeleteAsset), owner, repo, a.ID); err != nil && statusCode(err) != http.StatusNotFound {
		c.log.Warn("delete release asset", zap.String("repo", fullName(owner, repo)), zap.String("asset", a.Name), zap.Error(err))
	}
}

// reconcileAsset decides about an existing asset of the same name.
func (c *Client) reconcileAsset(ctx context.Context, owner, repo string, rel Release, existing Asset, up AssetUpload, call string) (Asset, error) {
	full := fullName(owner, repo)
	same, err := c.assetMatches(ctx, owner, repo, existing, up.SHA256, up.Size)
	if err != nil {
		return Asset{}, c.classify(call, full, err)
	}
	if same {
		if existing.Digest == "" {
			existing.Digest = "sha256:" + up.SHA256
		}
		return existing, nil
	}
	if !OwnAsset(existing, up.Label) {
		return Asset{}, &Error{Kind: KindPermanent, Call: call, Repo: full, Err: ErrAssetConflict,
			Message: fmt.Sprintf("asset %q already exists with different content (label %q, not this train's %q); delete it or rename ours",
				up.Name, existing.Label, up.Label)}
	}
	c.log.Info("replacing our release asset with different content", zap.String("repo", full),
		zap.String("release", rel.Tag), zap.String("asset", up.Name))
	if _, err := c.gh.Repositories.DeleteReleaseAsset(withKind(ctx, kindDeleteAsset), owner, repo, existing.ID); err != nil && statusCode(err) != http.StatusNotFound {
		return Asset{}, c.classify(fmt.Sprintf("delete asset %q", up.Name), full, err)
	}
	a, err := c.upload(ctx, owner, repo, rel.ID, up)
	if err != nil {
		return Asset{}, c.classify(call, full, err)
	}
	return c.checkUploaded(ctx, owner, repo, a, up, call)
}

// assetMatches compares an existing asset with ours: by digest when GitHub
// reports one, else by downloading and hashing it.
func (c *Client) assetMatches(ctx context.Context, owner, repo string, a Asset, sum string, size int64) (bool, error) {
	if a.State != "" && a.State != "uploaded" {
		return false, nil // an interrupted upload: never ours to keep
	}
	if a.Size != size {
		return false, nil
	}
	if a.Digest != "" {
		want, err := parseDigest(a.Digest)
		if err != nil {
			return false, err
		}
		return want == sum, nil
	}
	got, err := c.assetSHA256(ctx, owner, repo, a.ID)
	if err != nil {
		return false, err
	}
	return got == sum, nil
}

// VerifyDraftAssets is the check before publishing. It reads rel again
// (it must still be a draft), lists its assets and requires every wanted
// asset with GitHub's digest equal to ours (downloading and hashing an
// asset GitHub gives no digest for). A wanted asset that is missing, or
// ours with other content (then deleted), is a transient error: the retry
// uploads it again. Assets with this train's label that are not wanted —
// an earlier train's leftovers — are deleted; assets with another label
// (attached by a person) are kept and returned as Foreign.
func (c *Client) VerifyDraftAssets(ctx context.Context, owner, repo string, releaseID int64, want []AssetWant, label string) (AssetCheck, error) {
	full := fullName(owner, repo)
	rel, err := c.GetRelease(ctx, owner, repo, releaseID)
	if err != nil {
		return AssetCheck{}, err
	}
	call := "verify assets of release " + rel.Tag
	if !rel.Draft {
		return AssetCheck{}, publishedError(call, full, rel)
	}
	list, err := c.listAssets(ctx, owner, repo, releaseID)
	if err != nil {
		return AssetCheck{}, c.classify(call, full, err)
	}
	wanted := make(map[string]AssetWant, len(want))
	for _, w := range want {
		wanted[w.Name] = w
	}
	var out AssetCheck
	found := map[string]bool{}
	for _, aa := range list {
		a := aa.asset()
		w, ok := wanted[a.Name]
		switch {
		case ok:
			same, err := c.assetMatches(ctx, owner, repo, a, w.SHA256, w.Size)
			if err != nil {
				return AssetCheck{}, c.classify(call, full, err)
			}
			if same {
				found[a.Name] = true
				continue
			}
			if !OwnAsset(a, label) {
				return AssetCheck{}, &Error{Kind: KindPermanent, Call: call, Repo: full, Err: ErrAssetConflict,
					Message: fmt.Sprintf("asset %q has other content than this train's (label %q, not %q); delete it from the draft", a.Name, a.Label, label)}
			}
			if _, err := c.gh.Repositories.DeleteReleaseAsset(withKind(ctx, kindDeleteAsset), owner, repo, a.ID); err != nil && statusCode(err) != http.StatusNotFound {
				return AssetCheck{}, c.classify(fmt.Sprintf("delete asset %q", a.Name), full, err)
			}
			return AssetCheck{}, &Error{Kind: KindTransient, Call: call, Repo: full, Err: ErrDigestMismatch,
				Message: fmt.Sprintf("asset %q on the draft is not this train's content (deleted; the retry uploads it again)", a.Name)}
		case OwnAsset(a, label):
			if _, err := c.gh.Repositories.DeleteReleaseAsset(withKind(ctx, kindDeleteAsset), owner, repo, a.ID); err != nil && statusCode(err) != http.StatusNotFound {
				return AssetCheck{}, c.classify(fmt.Sprintf("delete leftover asset %q", a.Name), full, err)
			}
			c.log.Info("deleted an earlier train's leftover asset", zap.String("repo", full),
				zap.String("release", rel.Tag), zap.String("asset", a.Name))
			out.Deleted = append(out.Deleted, a.Name)
		default:
			out.Foreign = append(out.Foreign, a)
		}
	}
	for _, w := range want {
		if !found[w.Name] {
			return AssetCheck{}, &Error{Kind: KindTransient, Call: call, Repo: full,
				Message: fmt.Sprintf("asset %q is missing from the draft (the retry uploads it)", w.Name)}
		}
	}
	return out, nil
}

// assetSHA256 downloads an asset (following GitHub's redirect without
// credentials) and hashes it.
func (c *Client) assetSHA256(ctx context.Context, owner, repo string, id int64) (string, error) {
	req, err := c.gh.NewRequest(http.MethodGet, fmt.Sprintf("repos/%s/%s/releases/assets/%d", owner, repo, id), nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("Accept", "application/octet-stream")
	resp, err := c.noRedirect.Do(req.WithContext(withKind(ctx, kindAssetURL)))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		loc, err := resp.Location()
		if err != nil {
			return "", fmt.Errorf("asset %d redirect: %w", id, err)
		}
		d, err := c.fetchBlob(withKind(ctx, kindAssetBlob), loc.String(), io.Discard)
		return d.SHA256, err
	case resp.StatusCode == http.StatusOK:
		h := sha256.New()
		if _, err := io.CopyBuffer(h, resp.Body, make([]byte, copyBufSize)); err != nil {
			return "", fmt.Errorf("asset %d: %w", id, err)
		}
		return hex.EncodeToString(h.Sum(nil)), nil
	}
	if err := github.CheckResponse(resp); err != nil {
		return "", err
	}
	return "", fmt.Errorf("asset %d: %s", id, resp.Status)
}

// upload streams one asset to the upload host. The stream is hashed while
// it is sent: content that is not what up says (size or SHA-256) fails the
// request instead of landing.
func (c *Client) upload(ctx context.Context, owner, repo string, releaseID int64, up AssetUpload) (Asset, error) {
	rc, err := up.Open()
	if err != nil {
		return Asset{}, fmt.Errorf("open %s: %w", up.Name, err)
	}
	defer rc.Close()
	q := url.Values{"name": {up.Name}}
	if up.Label != "" {
		q.Set("label", AssetLabel(up.Name, up.Label))
	}
	mediaType := mime.TypeByExtension(filepath.Ext(up.Name))
	if mediaType == "" {
		mediaType = "application/octet-stream"
	}
	if up.Size == 0 && up.SHA256 != emptySHA256 {
		return Asset{}, fmt.Errorf("source of %s is empty, want sha256 %s", up.Name, up.SHA256)
	}
	body := &verifyingReader{r: rc, h: sha256.New(), want: up.SHA256, size: up.Size, name: up.Name}
	req, err := c.gh.NewUploadRequest(fmt.Sprintf("repos/%s/%s/releases/%d/assets?%s", owner, repo, releaseID, q.Encode()), body, up.Size, mediaType)
	if err != nil {
		return Asset{}, err
	}
	var a apiAsset
	if _, err := c.gh.Do(withKind(ctx, kindUploadAsset), req, &a); err != nil {
		if body.err != nil {
			// A source with other bytes than announced is for good; one that
			// ended early (a store read cut short) may read fine next time.
			kind := KindTransient
			if body.mismatch {
				kind = KindPermanent
			}
			return Asset{}, &Error{Kind: kind, Call: "read source of asset " + up.Name, Message: body.err.Error(), Err: ErrDigestMismatch}
		}
		return Asset{}, err
	}
	return a.asset(), nil
}

// verifyingReader hashes what it reads. When the content turns out not to
// be the expected size and SHA-256 it fails and withholds the last byte, so
// the request body is short of its Content-Length and never lands.
type verifyingReader struct {
	r    io.Reader
	h    hash.Hash
	n    int64
	want string
	size int64
	name string
	err  error
	// mismatch: the content was complete but not the expected bytes.
	mismatch bool
}

func (v *verifyingReader) Read(p []byte) (int, error) {
	if v.err != nil {
		return 0, v.err
	}
	n, err := v.r.Read(p)
	if v.n+int64(n) > v.size {
		v.err = fmt.Errorf("source of %s is longer than %d bytes", v.name, v.size)
		v.mismatch = true
		return 0, v.err
	}
	v.h.Write(p[:n])
	v.n += int64(n)
	if n > 0 && v.n == v.size {
		if got := hex.EncodeToString(v.h.Sum(nil)); got != v.want {
			v.err = fmt.Errorf("source of %s has sha256 %s, want %s", v.name, got, v.want)
			v.mismatch = true
			return n - 1, v.err
		}
	}
	if err == io.EOF && v.n < v.size {
		v.err = fmt.Errorf("source of %s ended after %d of %d bytes", v.name, v.n, v.size)
		return n, v.err
	}
	return n, err
}
