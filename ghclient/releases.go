package ghclient

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path/filepath"

	"github.com/google/go-github/v62/github"
	"go.uber.org/zap"
)

// apiRelease decodes a release including asset digests, which go-github v62 lacks.
type apiRelease struct {
	ID         int64      `json:"id"`
	TagName    string     `json:"tag_name"`
	HTMLURL    string     `json:"html_url"`
	Draft      bool       `json:"draft"`
	Prerelease bool       `json:"prerelease"`
	Assets     []apiAsset `json:"assets"`
}

type apiAsset struct {
	ID     int64   `json:"id"`
	Name   string  `json:"name"`
	Label  *string `json:"label"`
	Size   int64   `json:"size"`
	State  string  `json:"state"`
	Digest *string `json:"digest"`
}

func (r apiRelease) release() Release {
	rel := Release{ID: r.ID, Tag: r.TagName, HTMLURL: r.HTMLURL, Draft: r.Draft, Prerelease: r.Prerelease}
	for _, a := range r.Assets {
		rel.Assets = append(rel.Assets, a.asset())
	}
	return rel
}

func (a apiAsset) asset() Asset {
	as := Asset{ID: a.ID, Name: a.Name, Size: a.Size}
	if a.Label != nil {
		as.Label = *a.Label
	}
	if a.Digest != nil {
		as.Digest = *a.Digest
	}
	return as
}

// EnsureDraftRelease returns the release for spec.Tag, draft or published,
// found by listing (get-by-tag sees published releases only), or creates a
// draft. A 422 already_exists on create (another attempt won the race, or a
// 5xx hid a create that landed) is answered by listing again.
func (c *Client) EnsureDraftRelease(ctx context.Context, spec ReleaseSpec) (Release, error) {
	full := fullName(spec.Owner, spec.Repo)
	if r, ok, err := c.findRelease(ctx, spec.Owner, spec.Repo, spec.Tag); err != nil || ok {
		return r, err
	}
	call := "create release " + spec.Tag
	body := map[string]any{
		"tag_name":   spec.Tag,
		"name":       spec.Name,
		"body":       spec.Body,
		"draft":      true,
		"prerelease": spec.Prerelease,
	}
	if spec.TargetCommitish != "" {
		body["target_commitish"] = spec.TargetCommitish
	}
	req, err := c.gh.NewRequest(http.MethodPost, fmt.Sprintf("repos/%s/%s/releases", spec.Owner, spec.Repo), body)
	if err != nil {
		return Release{}, c.classify(call, full, err)
	}
	var ar apiRelease
	_, err = c.gh.Do(withKind(ctx, kindCreateRelease), req, &ar)
	switch {
	case err == nil:
		return ar.release(), nil
	case hasErrorCode(err, "Release", "already_exists"):
		if r, ok, lerr := c.findRelease(ctx, spec.Owner, spec.Repo, spec.Tag); lerr != nil || ok {
			return r, lerr
		}
	}
	return Release{}, c.classify(call, full, err)
}

// findRelease pages through the releases looking for tag.
func (c *Client) findRelease(ctx context.Context, owner, repo, tag string) (Release, bool, error) {
	ctx = withKind(ctx, kindListReleases)
	for page := 1; ; page++ {
		req, err := c.gh.NewRequest(http.MethodGet, fmt.Sprintf("repos/%s/%s/releases?per_page=100&page=%d", owner, repo, page), nil)
		if err != nil {
			return Release{}, false, c.classify("list releases", fullName(owner, repo), err)
		}
		var list []apiRelease
		resp, err := c.gh.Do(ctx, req, &list)
		if err != nil {
			return Release{}, false, c.classify("list releases", fullName(owner, repo), err)
		}
		for _, r := range list {
			if r.TagName == tag {
				return r.release(), true, nil
			}
		}
		if len(list) == 0 || resp.NextPage == 0 {
			return Release{}, false, nil
		}
	}
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

// UploadAsset uploads the file at path as asset name, idempotently:
//   - an asset of that name with the same SHA-256 is kept;
//   - one with different content whose label equals label (this train's
//     mark) is deleted and uploaded again;
//   - one with different content and another label is left alone and
//     reported ([ErrAssetConflict], permanent);
//   - a 422 already_exists (an earlier upload landed although it answered
//     5xx) is resolved by listing the assets and comparing.
//
// rel.Assets is used as a hint; the truth is fetched when needed.
func (c *Client) UploadAsset(ctx context.Context, owner, repo string, rel Release, name, label, path string) (Asset, error) {
	full := fullName(owner, repo)
	call := fmt.Sprintf("upload asset %q to release %s", name, rel.Tag)
	sum, size, err := fileSHA256(path)
	if err != nil {
		return Asset{}, &Error{Kind: KindPermanent, Call: call, Repo: full, Message: err.Error(), Err: err}
	}
	for _, a := range rel.Assets {
		if a.Name == name {
			return c.reconcileAsset(ctx, owner, repo, rel, a, "uploaded", name, label, path, sum, size, call)
		}
	}
	a, err := c.upload(ctx, owner, repo, rel.ID, name, label, path, size)
	if err == nil {
		return a, nil
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
		if aa.Name == name {
			return c.reconcileAsset(ctx, owner, repo, rel, aa.asset(), aa.State, name, label, path, sum, size, call)
		}
	}
	return Asset{}, cerr
}

// reconcileAsset decides about an existing asset of the same name.
func (c *Client) reconcileAsset(ctx context.Context, owner, repo string, rel Release, existing Asset, state, name, label, path, sum string, size int64, call string) (Asset, error) {
	full := fullName(owner, repo)
	same, err := c.assetMatches(ctx, owner, repo, existing, state, sum, size)
	if err != nil {
		return Asset{}, c.classify(call, full, err)
	}
	if same {
		if existing.Digest == "" {
			existing.Digest = "sha256:" + sum
		}
		return existing, nil
	}
	if label == "" || existing.Label != label {
		return Asset{}, &Error{Kind: KindPermanent, Call: call, Repo: full, Err: ErrAssetConflict,
			Message: fmt.Sprintf("asset %q already exists with different content (label %q, not this train's %q); delete it or rename ours",
				name, existing.Label, label)}
	}
	c.log.Info("replacing our release asset with different content", zap.String("repo", full),
		zap.String("release", rel.Tag), zap.String("asset", name))
	if _, err := c.gh.Repositories.DeleteReleaseAsset(withKind(ctx, kindDeleteAsset), owner, repo, existing.ID); err != nil && statusCode(err) != http.StatusNotFound {
		return Asset{}, c.classify(fmt.Sprintf("delete asset %q", name), full, err)
	}
	a, err := c.upload(ctx, owner, repo, rel.ID, name, label, path, size)
	if err != nil {
		return Asset{}, c.classify(call, full, err)
	}
	return a, nil
}

// assetMatches compares an existing asset with our file: by digest when
// GitHub reports one, else by downloading and hashing it.
func (c *Client) assetMatches(ctx context.Context, owner, repo string, a Asset, state, sum string, size int64) (bool, error) {
	if state != "" && state != "uploaded" {
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

// upload POSTs the file to the upload host.
func (c *Client) upload(ctx context.Context, owner, repo string, releaseID int64, name, label, path string, size int64) (Asset, error) {
	f, err := os.Open(path)
	if err != nil {
		return Asset{}, err
	}
	defer f.Close()
	q := url.Values{"name": {name}}
	if label != "" {
		q.Set("label", label)
	}
	mediaType := mime.TypeByExtension(filepath.Ext(name))
	if mediaType == "" {
		mediaType = "application/octet-stream"
	}
	req, err := c.gh.NewUploadRequest(fmt.Sprintf("repos/%s/%s/releases/%d/assets?%s", owner, repo, releaseID, q.Encode()), f, size, mediaType)
	if err != nil {
		return Asset{}, err
	}
	var a apiAsset
	if _, err := c.gh.Do(withKind(ctx, kindUploadAsset), req, &a); err != nil {
		return Asset{}, err
	}
	return a.asset(), nil
}

// PublishRelease publishes a draft (draft:false) with spec's title and notes,
// which also replaces those of a draft an earlier attempt left behind.
// Prereleases are published with make_latest "false"; others become the latest release.
func (c *Client) PublishRelease(ctx context.Context, spec ReleaseSpec, releaseID int64) (Release, error) {
	owner, repo := spec.Owner, spec.Repo
	call := fmt.Sprintf("publish release %d", releaseID)
	latest := "true"
	if spec.Prerelease {
		latest = "false"
	}
	body := map[string]any{"draft": false, "prerelease": spec.Prerelease, "make_latest": latest, "name": spec.Name, "body": spec.Body}
	req, err := c.gh.NewRequest(http.MethodPatch, fmt.Sprintf("repos/%s/%s/releases/%d", owner, repo, releaseID), body)
	if err != nil {
		return Release{}, c.classify(call, fullName(owner, repo), err)
	}
	var ar apiRelease
	if _, err := c.gh.Do(withKind(ctx, kindUpdateRelease), req, &ar); err != nil {
		return Release{}, c.classify(call, fullName(owner, repo), err)
	}
	return ar.release(), nil
}

// GenerateNotes asks GitHub to write release notes for tag since previousTag
// ("" lets GitHub pick). It returns the notes' body.
func (c *Client) GenerateNotes(ctx context.Context, owner, repo, tag, previousTag string) (string, error) {
	opts := &github.GenerateNotesOptions{TagName: tag}
	if previousTag != "" {
		opts.PreviousTagName = &previousTag
	}
	notes, _, err := c.gh.Repositories.GenerateReleaseNotes(withKind(ctx, kindNotes), owner, repo, opts)
	if err != nil {
		return "", c.classify("generate notes for "+tag, fullName(owner, repo), err)
	}
	return notes.Body, nil
}

// fileSHA256 hashes a local file.
func fileSHA256(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.CopyBuffer(h, f, make([]byte, copyBufSize))
	if err != nil {
		return "", 0, fmt.Errorf("hash %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}
