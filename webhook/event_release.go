package webhook

import (
	"context"
	"net/http"
	"strings"

	"github.com/google/go-github/v62/github"

	"github.com/BTCDecoded/releasetrain/config"
	"github.com/BTCDecoded/releasetrain/operator"
)

// onRelease starts (or joins) a train for the release event the train's
// trigger.mode names: in draft mode a maintainer saving a draft in the
// release repo (action created, draft true), whose draft the train fills;
// in release mode a published release in a trigger repo. Every other
// release event — including the train's own draft and publication — is
// ignored, saying why.
func (s *Server) onRelease(ctx context.Context, ev *github.ReleaseEvent) (reply, error) {
	action := ev.GetAction()
	rel := ev.GetRelease()
	tag := rel.GetTagName()
	if tag == "" {
		return rejected(http.StatusBadRequest, "release event without release.tag_name"), nil
	}
	owner, name := repoOwnerName(ev.GetRepo())
	if !s.ownedByTrain(owner) {
		return ignored("%s/%s is not owned by %s", owner, name, s.train.Owner), nil
	}
	if !s.train.TriggeredBy(name, action, rel.GetDraft()) {
		if s.train.Trigger.Mode == config.ModeRelease {
			return ignored("trigger.mode is release: release %s (%s, draft %t) in %s/%s does not start a train", tag, action, rel.GetDraft(), owner, name), nil
		}
		return ignored("trigger.mode is draft: only a draft release saved in %s/%s starts a train; release %s (%s, draft %t) in %s/%s does not",
			s.train.Owner, s.train.Release.Repo, tag, action, rel.GetDraft(), owner, name), nil
	}
	req := operator.StartRequest{
		Tag:     tag,
		Trigger: "release webhook " + owner + "/" + name,
	}
	// GitHub always sends release.prerelease: true is the maintainer's
	// word, false (the default) leaves it to the tag, as on every surface.
	if rel.GetPrerelease() {
		req.Prerelease = rel.Prerelease
	}
	if rel.GetDraft() {
		req.DraftID = rel.GetID()
		req.Trigger = "draft release saved in " + owner + "/" + name
	}
	return s.startTrain(ctx, sourceRelease, req)
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
