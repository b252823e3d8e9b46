package ghsim

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"
)

// release is a GitHub release.
type release struct {
	id         int64
	repo       *repoState
	tag        string
	target     string
	name       string
	body       string
	draft      bool
	prerelease bool
	makeLatest string
	created    time.Time
	published  time.Time
	assets     []*asset
	// immutable is fixed when the release is published: the repo's
	// immutable-releases setting at that moment.
	immutable bool
	author    userJSON
}

// ReleaseInfo is a release as stored, for tests and the control API.
type ReleaseInfo struct {
	ID          int64       `json:"id"`
	Tag         string      `json:"tag"`
	Name        string      `json:"name"`
	Body        string      `json:"body"`
	Draft       bool        `json:"draft"`
	Prerelease  bool        `json:"prerelease"`
	Immutable   bool        `json:"immutable"`
	HTMLURL     string      `json:"html_url"`
	CreatedAt   time.Time   `json:"created_at"`
	PublishedAt time.Time   `json:"published_at"`
	Assets      []AssetInfo `json:"assets"`
}

func (rl *release) htmlURL() string {
	return fmt.Sprintf("https://github.com/%s/releases/tag/%s", rl.repo.fullName(), rl.tag)
}

// releaseJSON is GitHub's release object.
type releaseJSON struct {
	ID              int64       `json:"id"`
	NodeID          string      `json:"node_id"`
	URL             string      `json:"url"`
	HTMLURL         string      `json:"html_url"`
	AssetsURL       string      `json:"assets_url"`
	UploadURL       string      `json:"upload_url"`
	TarballURL      string      `json:"tarball_url"`
	ZipballURL      string      `json:"zipball_url"`
	TagName         string      `json:"tag_name"`
	TargetCommitish string      `json:"target_commitish"`
	Name            string      `json:"name"`
	Body            string      `json:"body"`
	Draft           bool        `json:"draft"`
	Prerelease      bool        `json:"prerelease"`
	Immutable       bool        `json:"immutable"`
	CreatedAt       string      `json:"created_at"`
	PublishedAt     *string     `json:"published_at"`
	Author          userJSON    `json:"author"`
	Assets          []assetJSON `json:"assets"`
}

func (s *Sim) releaseJSONLocked(rl *release) releaseJSON {
	api := fmt.Sprintf("%s/api/v3/repos/%s/releases/%d", s.baseURL, rl.repo.fullName(), rl.id)
	assets := []assetJSON{}
	for _, a := range rl.assets {
		assets = append(assets, s.assetJSONLocked(a))
	}
	return releaseJSON{
		ID: rl.id, NodeID: fmt.Sprintf("RE_sim%d", rl.id), URL: api, HTMLURL: rl.htmlURL(), AssetsURL: api + "/assets",
		UploadURL:  fmt.Sprintf("%s/api/uploads/repos/%s/releases/%d/assets{?name,label}", s.baseURL, rl.repo.fullName(), rl.id),
		TarballURL: fmt.Sprintf("%s/api/v3/repos/%s/tarball/%s", s.baseURL, rl.repo.fullName(), rl.tag),
		ZipballURL: fmt.Sprintf("%s/api/v3/repos/%s/zipball/%s", s.baseURL, rl.repo.fullName(), rl.tag),
		TagName:    rl.tag, TargetCommitish: rl.target, Name: rl.name, Body: rl.body, Draft: rl.draft,
		Prerelease: rl.prerelease, Immutable: rl.immutable,
		CreatedAt: ts(rl.created), PublishedAt: tsPtr(rl.published), Author: rl.author, Assets: assets,
	}
}

func (s *Sim) info(rl *release) ReleaseInfo {
	ri := ReleaseInfo{ID: rl.id, Tag: rl.tag, Name: rl.name, Body: rl.body, Draft: rl.draft, Prerelease: rl.prerelease,
		Immutable: rl.immutable, HTMLURL: rl.htmlURL(), CreatedAt: rl.created, PublishedAt: rl.published, Assets: []AssetInfo{}}
	key := rl.repo.fullName() + "@" + rl.tag
	for _, a := range rl.assets {
		ri.Assets = append(ri.Assets, AssetInfo{ID: a.id, Name: a.name, Label: a.label, ContentType: a.contentType,
			Size: int64(len(a.data)), Digest: a.digest, Uploads: s.stats.uploads[key][a.name]})
	}
	return ri
}

// releaseByTagLocked finds a release (drafts included) by tag.
func (r *repoState) releaseByTag(tag string) *release {
	for _, rl := range r.releases {
		if rl.tag == tag {
			return rl
		}
	}
	return nil
}

// markPublishedLocked publishes rl: immutable if its repo's setting is on now.
func (s *Sim) markPublishedLocked(rl *release) {
	rl.draft = false
	rl.published = s.clock.Now()
	rl.immutable, _ = s.immutableSettingLocked(rl.repo)
}

// publishDraftLocked publishes a draft and sends published, and released when
// it is not a prerelease (GitHub sends no prereleased for a prerelease
// published from a draft).
func (s *Sim) publishDraftLocked(rl *release, sender userJSON) {
	s.markPublishedLocked(rl)
	s.queueReleaseEventLocked(rl, "published", sender)
	if !rl.prerelease {
		s.queueReleaseEventLocked(rl, "released", sender)
	}
}

// addReleaseLocked stores a new release in repo and sends its webhooks: a
// draft sends created (draft: true); a release published without being a
// draft first sends created, published and released or prereleased.
func (s *Sim) addReleaseLocked(repo *repoState, rl *release, sender userJSON) {
	rl.id, rl.repo, rl.created, rl.author = s.newID("release"), repo, s.clock.Now(), sender
	if rl.target == "" {
		rl.target = "main"
	}
	if rl.makeLatest == "" {
		rl.makeLatest = "true"
	}
	if !rl.draft {
		s.markPublishedLocked(rl)
	}
	repo.releases = append(repo.releases, rl)
	s.releases[rl.id] = rl
	s.queueReleaseEventLocked(rl, "created", sender)
	if rl.draft {
		return
	}
	s.queueReleaseEventLocked(rl, "published", sender)
	if rl.prerelease {
		s.queueReleaseEventLocked(rl, "prereleased", sender)
	} else {
		s.queueReleaseEventLocked(rl, "released", sender)
	}
}

// countPublishedWriteLocked counts a request that tried to change a
// published release (Stats.PublishedReleaseWrites), refused or not.
func (s *Sim) countPublishedWriteLocked(rl *release) {
	s.stats.publishedWrites[rl.repo.fullName()+"@"+rl.tag]++
}

// releaseRequest is the body of create and edit.
type releaseRequest struct {
	TagName              *string `json:"tag_name"`
	TargetCommitish      *string `json:"target_commitish"`
	Name                 *string `json:"name"`
	Body                 *string `json:"body"`
	Draft                *bool   `json:"draft"`
	Prerelease           *bool   `json:"prerelease"`
	MakeLatest           *string `json:"make_latest"`
	GenerateReleaseNotes bool    `json:"generate_release_notes"`
}

// changesPublished reports whether an edit of a published release tries to
// change more than its prerelease and latest flags: its tag, target, title or
// notes (even to the same value), or turning it back into a draft.
func (b *releaseRequest) changesPublished() bool {
	return b.TagName != nil || b.TargetCommitish != nil || b.Name != nil || b.Body != nil ||
		(b.Draft != nil && *b.Draft)
}

func deref[T any](p *T, def T) T {
	if p == nil {
		return def
	}
	return *p
}

// handleCreateRelease serves POST /repos/{o}/{r}/releases: 201 with Location,
// or 422 already_exists when the tag has a release, or 422 for a tag name a
// deleted immutable release used.
func (s *Sim) handleCreateRelease(w http.ResponseWriter, req *http.Request) {
	if s.repoOr404(w, req) == nil {
		return
	}
	var body releaseRequest
	if !readJSON(w, req, &body) {
		return
	}
	if deref(body.TagName, "") == "" {
		validationFailed(w, "Release", "missing_field", "tag_name")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	repo := s.repo(req.PathValue("owner"), req.PathValue("repo"))
	if repo.releaseByTag(*body.TagName) != nil {
		validationFailed(w, "Release", "already_exists", "tag_name")
		return
	}
	if repo.tagBurned(*body.TagName) {
		tagUsedByImmutable(w)
		return
	}
	rl := &release{
		tag: *body.TagName, target: deref(body.TargetCommitish, "main"),
		name: deref(body.Name, ""), body: deref(body.Body, ""), draft: deref(body.Draft, false),
		prerelease: deref(body.Prerelease, false), makeLatest: deref(body.MakeLatest, "true"),
	}
	if body.GenerateReleaseNotes && rl.body == "" {
		rl.body = s.notesLocked(repo, rl.tag, "")
	}
	s.addReleaseLocked(repo, rl, botUser)
	rj := s.releaseJSONLocked(rl)
	w.Header().Set("Location", rj.URL)
	writeJSON(w, http.StatusCreated, rj)
}

// handleListReleases serves GET /repos/{o}/{r}/releases, newest first, drafts included.
func (s *Sim) handleListReleases(w http.ResponseWriter, req *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	repo := s.pathRepoLocked(w, req)
	if repo == nil {
		return
	}
	out := []releaseJSON{}
	for i := len(repo.releases) - 1; i >= 0; i-- {
		out = append(out, s.releaseJSONLocked(repo.releases[i]))
	}
	lo, hi := paginate(w, req, s.baseURL, len(out))
	writeJSON(w, http.StatusOK, out[lo:hi])
}

// pathReleaseLocked is the release named by {release_id} in the request
// path's repo, or nil after answering GitHub's 404 (an unknown repo, an id
// that is not a number, or a release of another repo). Every handler of one
// release starts with it. The caller holds s.mu.
func (s *Sim) pathReleaseLocked(w http.ResponseWriter, req *http.Request) *release {
	return pathOwnedLocked(s, w, req, "release_id", s.releases, func(rl *release) *repoState { return rl.repo })
}

func (s *Sim) handleGetRelease(w http.ResponseWriter, req *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rl := s.pathReleaseLocked(w, req)
	if rl == nil {
		return
	}
	writeJSON(w, http.StatusOK, s.releaseJSONLocked(rl))
}

// handleGetReleaseByTag serves GET …/releases/tags/{tag}: published releases only.
func (s *Sim) handleGetReleaseByTag(w http.ResponseWriter, req *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	repo := s.pathRepoLocked(w, req)
	if repo == nil {
		return
	}
	rl := repo.releaseByTag(req.PathValue("tag"))
	if rl == nil || rl.draft {
		notFound(w)
		return
	}
	writeJSON(w, http.StatusOK, s.releaseJSONLocked(rl))
}

// handleLatestRelease serves GET …/releases/latest.
func (s *Sim) handleLatestRelease(w http.ResponseWriter, req *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	repo := s.pathRepoLocked(w, req)
	if repo == nil {
		return
	}
	var latest *release
	for _, rl := range repo.releases {
		if rl.draft || rl.prerelease || rl.makeLatest == "false" {
			continue
		}
		if latest == nil || !rl.published.Before(latest.published) {
			latest = rl
		}
	}
	if latest == nil {
		notFound(w)
		return
	}
	writeJSON(w, http.StatusOK, s.releaseJSONLocked(latest))
}

// handleEditRelease serves PATCH …/releases/{id}; draft:false publishes. On
// an immutable release the tag can't change and it can't become a draft
// again; title, notes, prerelease and make_latest stay editable.
func (s *Sim) handleEditRelease(w http.ResponseWriter, req *http.Request) {
	if s.repoOr404(w, req) == nil {
		return
	}
	var body releaseRequest
	if !readJSON(w, req, &body) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rl := s.pathReleaseLocked(w, req)
	if rl == nil {
		return
	}
	if !rl.draft && body.changesPublished() {
		s.countPublishedWriteLocked(rl)
	}
	if body.TagName != nil && *body.TagName != rl.tag {
		switch {
		case *body.TagName == "":
			validationFailed(w, "Release", "missing_field", "tag_name")
		case rl.immutable:
			writeError(w, http.StatusUnprocessableEntity, msgImmutableTag)
		case rl.repo.releaseByTag(*body.TagName) != nil:
			validationFailed(w, "Release", "already_exists", "tag_name")
		case rl.repo.tagBurned(*body.TagName):
			tagUsedByImmutable(w)
		default:
			rl.tag = *body.TagName
		}
		if rl.tag != *body.TagName {
			return
		}
	}
	if rl.immutable && body.Draft != nil && *body.Draft {
		writeError(w, http.StatusUnprocessableEntity, msgImmutableUndraft)
		return
	}
	wasPrerelease := rl.prerelease
	rl.target = deref(body.TargetCommitish, rl.target)
	rl.name = deref(body.Name, rl.name)
	rl.body = deref(body.Body, rl.body)
	rl.prerelease = deref(body.Prerelease, rl.prerelease)
	rl.makeLatest = deref(body.MakeLatest, rl.makeLatest)
	switch {
	case rl.draft && body.Draft != nil && !*body.Draft:
		s.publishDraftLocked(rl, botUser)
	case !rl.draft && body.Draft != nil && *body.Draft:
		rl.draft, rl.published = true, time.Time{}
		s.queueReleaseEventLocked(rl, "unpublished", botUser)
		s.queueReleaseEventLocked(rl, "edited", botUser)
	default:
		s.queueReleaseEventLocked(rl, "edited", botUser)
		if !rl.draft && wasPrerelease && !rl.prerelease {
			s.queueReleaseEventLocked(rl, "released", botUser) // a prerelease became a release
		}
	}
	writeJSON(w, http.StatusOK, s.releaseJSONLocked(rl))
}

// handleDeleteRelease serves DELETE …/releases/{id}: 204. Deleting an
// immutable release burns its tag name.
func (s *Sim) handleDeleteRelease(w http.ResponseWriter, req *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rl := s.pathReleaseLocked(w, req)
	if rl == nil {
		return
	}
	if !rl.draft {
		s.countPublishedWriteLocked(rl)
	}
	if rl.immutable {
		rl.repo.burnTag(rl.tag)
	}
	rl.repo.releases = slices.DeleteFunc(rl.repo.releases, func(x *release) bool { return x == rl })
	delete(s.releases, rl.id)
	for _, a := range rl.assets {
		delete(s.assets, a.id)
	}
	s.queueReleaseEventLocked(rl, "deleted", botUser)
	w.WriteHeader(http.StatusNoContent)
}

// handleGenerateNotes serves POST …/releases/generate-notes.
func (s *Sim) handleGenerateNotes(w http.ResponseWriter, req *http.Request) {
	if s.repoOr404(w, req) == nil {
		return
	}
	var body struct {
		TagName         string `json:"tag_name"`
		PreviousTagName string `json:"previous_tag_name"`
		TargetCommitish string `json:"target_commitish"`
	}
	if !readJSON(w, req, &body) {
		return
	}
	if body.TagName == "" {
		validationFailed(w, "Release", "missing_field", "tag_name")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	repo := s.repo(req.PathValue("owner"), req.PathValue("repo"))
	writeJSON(w, http.StatusOK, map[string]string{"name": body.TagName, "body": s.notesLocked(repo, body.TagName, body.PreviousTagName)})
}

// notesLocked writes GitHub-style generated notes.
func (s *Sim) notesLocked(repo *repoState, tag, prev string) string {
	if prev == "" {
		for i := len(repo.releases) - 1; i >= 0; i-- {
			if rl := repo.releases[i]; !rl.draft && rl.tag != tag {
				prev = rl.tag
				break
			}
		}
	}
	link := fmt.Sprintf("https://github.com/%s/commits/%s", repo.fullName(), tag)
	if prev != "" {
		link = fmt.Sprintf("https://github.com/%s/compare/%s...%s", repo.fullName(), prev, tag)
	}
	return fmt.Sprintf("## What's Changed\n* Build %s of %s by @%s\n\n\n**Full Changelog**: %s", tag, repo.name, botUser.Login, link)
}

// ErrNotFound is returned by the Go API for an unknown repo or release.
var ErrNotFound = errors.New("not found")

// ErrAlreadyExists is returned by PublishRelease for a tag that is already
// published, and by SaveDraft for a tag that already has a release.
var ErrAlreadyExists = errors.New("already exists")

// maintainer is the person who saves drafts and publishes releases in the UI.
var maintainer = userJSON{Login: "maintainer", ID: 3, Type: "User"}

// PublishRelease publishes a release as a maintainer clicking "Publish" would:
// it publishes the tag's draft (webhooks published, and released unless a
// prerelease), or creates a published release titled tag (created with draft
// false, published, released or prereleased).
func (s *Sim) PublishRelease(owner, repoName, tag string, prerelease bool) (int64, error) {
	return s.publishAsMaintainer(owner, repoName, tag, DraftOptions{Name: tag, Prerelease: prerelease})
}

// publishAsMaintainer is PublishRelease with a title and notes for a new
// release (a draft keeps its own).
func (s *Sim) publishAsMaintainer(owner, repoName, tag string, opts DraftOptions) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	repo := s.repo(owner, repoName)
	if repo == nil {
		return 0, fmt.Errorf("publish %s/%s@%s: repo %w", owner, repoName, tag, ErrNotFound)
	}
	rl := repo.releaseByTag(tag)
	switch {
	case rl != nil && !rl.draft:
		return 0, fmt.Errorf("publish %s@%s: release %w", repo.fullName(), tag, ErrAlreadyExists)
	case rl != nil:
		rl.prerelease = opts.Prerelease
		s.publishDraftLocked(rl, maintainer)
	case repo.tagBurned(tag):
		return 0, fmt.Errorf("publish %s@%s: %w", repo.fullName(), tag, ErrTagUsedByImmutableRelease)
	default:
		rl = &release{tag: tag, name: opts.Name, body: opts.Body, prerelease: opts.Prerelease}
		s.addReleaseLocked(repo, rl, maintainer)
	}
	return rl.id, nil
}

// DraftOptions are what a maintainer types when saving a draft release.
type DraftOptions struct {
	Name, Body string
	Prerelease bool
}

// SaveDraft saves a draft release for tag as a maintainer does in the UI
// (sender and author: a User), and sends the release webhook created with
// release.draft true. A tag with a release is ErrAlreadyExists; a tag a
// deleted immutable release used is ErrTagUsedByImmutableRelease.
func (s *Sim) SaveDraft(owner, repoName, tag string, opts DraftOptions) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	repo := s.repo(owner, repoName)
	switch {
	case repo == nil:
		return 0, fmt.Errorf("save draft %s/%s@%s: repo %w", owner, repoName, tag, ErrNotFound)
	case tag == "":
		return 0, fmt.Errorf("save draft %s: empty tag", repo.fullName())
	case repo.releaseByTag(tag) != nil:
		return 0, fmt.Errorf("save draft %s@%s: release %w", repo.fullName(), tag, ErrAlreadyExists)
	case repo.tagBurned(tag):
		return 0, fmt.Errorf("save draft %s@%s: %w", repo.fullName(), tag, ErrTagUsedByImmutableRelease)
	}
	rl := &release{tag: tag, name: opts.Name, body: opts.Body, draft: true, prerelease: opts.Prerelease}
	s.addReleaseLocked(repo, rl, maintainer)
	return rl.id, nil
}

// Release returns a stored release by tag (drafts included).
func (s *Sim) Release(owner, repoName, tag string) (ReleaseInfo, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	repo := s.repo(owner, repoName)
	if repo == nil {
		return ReleaseInfo{}, false
	}
	rl := repo.releaseByTag(tag)
	if rl == nil {
		return ReleaseInfo{}, false
	}
	return s.info(rl), true
}
