package webhook

import (
	"context"
	"net/http"
	"strings"

	"github.com/google/go-github/v62/github"

	"github.com/BTCDecoded/releasetrain/workflows"
)

// onRelease starts a train for a published release of a trigger repo.
func (s *Server) onRelease(ctx context.Context, ev *github.ReleaseEvent) (reply, error) {
	action := ev.GetAction()
	if !s.triggerActions[action] {
		return ignored("release action %q does not start a train", action), nil
	}
	rel := ev.GetRelease()
	tag := rel.GetTagName()
	if tag == "" {
		return rejected(http.StatusBadRequest, "release event without release.tag_name"), nil
	}
	if rel.GetDraft() {
		return ignored("release %s is a draft", tag), nil
	}
	owner, name := repoOwnerName(ev.GetRepo())
	if !s.ownedByTrain(owner) || !s.triggerRepos[strings.ToLower(name)] {
		return ignored("%s/%s is not a trigger repo", owner, name), nil
	}
	if strings.EqualFold(name, s.train.Release.Repo) {
		if s.isUnifiedRelease(rel, tag) {
			return ignored("release %s is the unified release", tag), nil
		}
		_, err := s.temporal.DescribeWorkflowExecution(ctx, workflows.ReleaseWorkflowID(tag), "")
		if err == nil {
			return ignored("release %s in the release repo belongs to train %s", tag, workflows.ReleaseWorkflowID(tag)), nil
		}
		if !isNotFound(err) {
			return reply{}, err
		}
	}
	if err := s.checkTag(sourceRelease, tag); err != nil {
		return rejected(http.StatusUnprocessableEntity, "release.tag_name: %v; this train cannot release it", err), nil
	}
	rep, _, err := s.startTrain(ctx, sourceRelease, workflows.ReleaseInput{
		Tag:        tag,
		Prerelease: rel.GetPrerelease(),
		Train:      *s.train,
		Trigger:    "release webhook " + owner + "/" + name,
	})
	return rep, err
}

// isUnifiedRelease reports whether a release carries the unified release's
// own assets: SHA256SUMS and the <name>-<tag>.tar.gz bundle.
func (s *Server) isUnifiedRelease(rel *github.RepositoryRelease, tag string) bool {
	bundleName := s.train.Release.Name
	if bundleName == "" {
		bundleName = strings.ToLower(s.train.Owner)
	}
	bundle := bundleName + "-" + tag + ".tar.gz"
	var sums, tarball bool
	for _, a := range rel.Assets {
		switch a.GetName() {
		case "SHA256SUMS":
			sums = true
		case bundle:
			tarball = true
		}
	}
	return sums && tarball
}

// repoOwnerName returns a webhook repository's owner login and name,
// falling back to full_name.
func repoOwnerName(r *github.Repository) (owner, name string) {
	owner, name = r.GetOwner().GetLogin(), r.GetName()
	if o, n, ok := strings.Cut(r.GetFullName(), "/"); ok {
		if owner == "" {
			owner = o
		}
		if name == "" {
			name = n
		}
	}
	return owner, name
}
