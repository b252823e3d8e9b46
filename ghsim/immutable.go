package ghsim

import (
	"errors"
	"net/http"
)

// Immutable releases (GitHub, GA 2025-10-28): a release published while its
// repository's setting is on is immutable for good: no asset uploads or
// deletes, no tag change, no way back to a draft; title, notes, prerelease
// and make_latest stay editable. Turning the setting on or off later does
// not change releases already published. Deleting an immutable release burns
// its tag name: no release may use it again.

// GitHub's refusals on an immutable release.
const (
	msgImmutableUpload    = "Cannot upload assets to an immutable release"
	msgImmutableDelete    = "Cannot delete assets of an immutable release"
	msgImmutableTag       = "Cannot change the tag of an immutable release"
	msgImmutableUndraft   = "Cannot convert an immutable release to a draft"
	msgTagUsedByImmutable = "tag_name was used by an immutable release"
)

// ErrTagUsedByImmutableRelease is returned by SaveDraft and PublishRelease for
// a tag name whose immutable release was deleted.
var ErrTagUsedByImmutableRelease = errors.New(msgTagUsedByImmutable)

// immutableSettingLocked is the repo's immutable-releases setting: its own
// (RepoScenario.ImmutableReleases), else the organisation policy
// (Scenario.ImmutableReleases), which the owner enforces.
func (s *Sim) immutableSettingLocked(r *repoState) (enabled, enforcedByOwner bool) {
	if r.cfg.ImmutableReleases != nil {
		return *r.cfg.ImmutableReleases, false
	}
	return s.scenario.ImmutableReleases, s.scenario.ImmutableReleases
}

// handleImmutableReleases serves GET /repos/{o}/{r}/immutable-releases.
func (s *Sim) handleImmutableReleases(w http.ResponseWriter, req *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	repo := s.pathRepoLocked(w, req)
	if repo == nil {
		return
	}
	enabled, enforced := s.immutableSettingLocked(repo)
	writeJSON(w, http.StatusOK, map[string]bool{"enabled": enabled, "enforced_by_owner": enforced})
}

// tagBurned reports whether tag belonged to a deleted immutable release.
func (r *repoState) tagBurned(tag string) bool { return r.burnedTags[tag] }

// burnTag records that an immutable release with tag was deleted.
func (r *repoState) burnTag(tag string) {
	if r.burnedTags == nil {
		r.burnedTags = map[string]bool{}
	}
	r.burnedTags[tag] = true
}

// tagUsedByImmutable answers GitHub's 422 for a burned tag name.
func tagUsedByImmutable(w http.ResponseWriter) {
	writeJSON(w, http.StatusUnprocessableEntity, ghError{
		Message:          "Validation Failed",
		Errors:           []fieldError{{Resource: "Release", Code: "custom", Field: "tag_name", Message: msgTagUsedByImmutable}},
		DocumentationURL: docsREST,
	})
}
