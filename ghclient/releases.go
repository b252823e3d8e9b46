package ghclient

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/google/go-github/v62/github"
)

// ErrPublishedRelease means the tag's release is already published.
// releasetrain uploads to, deletes from and edits only drafts: a published
// release (immutable or not) is never written to, and a person must decide
// what happens to it.
var ErrPublishedRelease = errors.New("release is already published")

// ErrTagBurned means the tag belonged to an immutable release that was
// deleted: GitHub never lets a release use that tag name again.
var ErrTagBurned = errors.New("tag was used by an immutable release")

// apiRelease decodes a release including asset digests and the immutable
// mark, which go-github v62 lacks.
type apiRelease struct {
	ID         int64      `json:"id"`
	TagName    string     `json:"tag_name"`
	Name       *string    `json:"name"`
	Body       *string    `json:"body"`
	HTMLURL    string     `json:"html_url"`
	Draft      bool       `json:"draft"`
	Prerelease bool       `json:"prerelease"`
	Immutable  bool       `json:"immutable"`
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
	rel := Release{ID: r.ID, Tag: r.TagName, HTMLURL: r.HTMLURL, Draft: r.Draft, Prerelease: r.Prerelease, Immutable: r.Immutable}
	if r.Name != nil {
		rel.Name = *r.Name
	}
	if r.Body != nil {
		rel.Body = *r.Body
	}
	for _, a := range r.Assets {
		rel.Assets = append(rel.Assets, a.asset())
	}
	return rel
}

func (a apiAsset) asset() Asset {
	as := Asset{ID: a.ID, Name: a.Name, Size: a.Size, State: a.State}
	if a.Label != nil {
		as.Label = *a.Label
	}
	if a.Digest != nil {
		as.Digest = *a.Digest
	}
	return as
}

// publishedError is the permanent refusal to write to a published release:
// it says what a person must do.
func publishedError(call, repo string, rel Release) error {
	fix := "delete that release on GitHub (then retry), or release under a new tag"
	if rel.Immutable {
		fix = "it is immutable, so its assets can never change and a deleted immutable release's tag can never be used again: release under a new tag"
	}
	return &Error{Kind: KindPermanent, Call: call, Repo: repo, Err: ErrPublishedRelease,
		Message: fmt.Sprintf("release %s (%s) is already published; releasetrain writes only to drafts and changed nothing: %s",
			rel.Tag, rel.HTMLURL, fix)}
}

// FindRelease returns the release for tag, draft or published, found by
// listing (get-by-tag sees published releases only).
func (c *Client) FindRelease(ctx context.Context, owner, repo, tag string) (Release, bool, error) {
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

// GetRelease reads a release by id (drafts included).
func (c *Client) GetRelease(ctx context.Context, owner, repo string, id int64) (Release, error) {
	call := fmt.Sprintf("get release %d", id)
	req, err := c.gh.NewRequest(http.MethodGet, fmt.Sprintf("repos/%s/%s/releases/%d", owner, repo, id), nil)
	if err != nil {
		return Release{}, c.classify(call, fullName(owner, repo), err)
	}
	var ar apiRelease
	if _, err := c.gh.Do(withKind(ctx, kindGetRelease), req, &ar); err != nil {
		return Release{}, c.classify(call, fullName(owner, repo), err)
	}
	return ar.release(), nil
}

// EnsureDraftRelease returns the draft for spec.Tag — a maintainer's, or one
// an earlier attempt created — or creates one with spec's title and notes.
// A published release for the tag is never used: that is a permanent
// [ErrPublishedRelease]. A 422 already_exists on create (another attempt
// won the race, or a 5xx hid a create that landed) is answered by listing
// again; a tag burned by a deleted immutable release is [ErrTagBurned].
func (c *Client) EnsureDraftRelease(ctx context.Context, spec ReleaseSpec) (Release, error) {
	full := fullName(spec.Owner, spec.Repo)
	call := "create release " + spec.Tag
	found := func() (Release, bool, error) {
		r, ok, err := c.FindRelease(ctx, spec.Owner, spec.Repo, spec.Tag)
		if err != nil || !ok {
			return r, ok, err
		}
		if !r.Draft {
			return r, true, publishedError("draft release "+spec.Tag, full, r)
		}
		return r, true, nil
	}
	if r, ok, err := found(); err != nil || ok {
		return r, err
	}
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
		if r, ok, lerr := found(); lerr != nil || ok {
			return r, lerr
		}
	}
	cerr := c.classify(call, full, err)
	var e *Error
	if errors.As(cerr, &e) && e.Status == http.StatusUnprocessableEntity && strings.Contains(strings.ToLower(e.Message), "used by an immutable release") {
		e.Err = ErrTagBurned
		e.Message = fmt.Sprintf("%s: tag %s belonged to an immutable release that was deleted, and GitHub never lets a release use it again: release under a new tag",
			e.Message, spec.Tag)
	}
	return Release{}, cerr
}

// PublishRelease publishes a draft with one update (draft false,
// prerelease, make_latest, spec's title and notes), then reads it back. It
// checks first that the release is still a draft: a release someone
// published meanwhile is never written to ([ErrPublishedRelease]).
// Prereleases are published with make_latest "false".
func (c *Client) PublishRelease(ctx context.Context, spec ReleaseSpec, releaseID int64) (Release, error) {
	owner, repo := spec.Owner, spec.Repo
	full := fullName(owner, repo)
	call := fmt.Sprintf("publish release %d", releaseID)
	cur, err := c.GetRelease(ctx, owner, repo, releaseID)
	if err != nil {
		return Release{}, err
	}
	if !cur.Draft {
		return Release{}, publishedError(call, full, cur)
	}
	latest := spec.MakeLatest
	if latest == "" {
		latest = "true"
	}
	if spec.Prerelease {
		latest = "false"
	}
	body := map[string]any{"draft": false, "prerelease": spec.Prerelease, "make_latest": latest, "name": spec.Name, "body": spec.Body}
	req, err := c.gh.NewRequest(http.MethodPatch, fmt.Sprintf("repos/%s/%s/releases/%d", owner, repo, releaseID), body)
	if err != nil {
		return Release{}, c.classify(call, full, err)
	}
	if _, err := c.gh.Do(withKind(ctx, kindUpdateRelease), req, nil); err != nil {
		return Release{}, c.classify(call, full, err)
	}
	// Read back: the answer to the update may come from before GitHub made
	// the release immutable, and the caller records what GitHub keeps.
	return c.GetRelease(ctx, owner, repo, releaseID)
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
