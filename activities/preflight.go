package activities

import (
	"context"
	"errors"
	"fmt"

	"go.uber.org/zap"

	"github.com/BTCDecoded/releasetrain/config"
	"github.com/BTCDecoded/releasetrain/ghclient"
)

// Preflight checks, before anything is dispatched, that the train can run:
// every member repo exists and (workflow_dispatch) its workflow file exists
// and is active; the release repo takes writes; the tag has no published
// release there (and, for a train a maintainer's draft started, the draft
// still exists); the release repo's immutable-releases setting is read;
// and the rate budget covers the train's estimate, else WaitUntil is the
// budget's reset. Each refusal is a Problem naming the repo, the call and
// what a person must do; only transient GitHub failures are errors.
func (a *Activities) Preflight(ctx context.Context, in PreflightInput) (PreflightResult, error) {
	var res PreflightResult
	stop := heartbeatDuring(ctx, in.Tag)
	defer stop()
	add := func(repo, call, fix string) {
		res.Problems = append(res.Problems, Problem{Repo: repo, Call: call, Fix: fix})
	}
	// refusal turns a permanent GitHub error into a problem; anything else
	// (transient, rate limited) is returned for the retry policy.
	refusal := func(repo, call string, err error, fix func(status int) string) error {
		var ge *ghclient.Error
		if !ghclient.IsPermanent(err) || !errors.As(err, &ge) {
			return githubError(call+" "+repo, err)
		}
		add(repo, call, fmt.Sprintf("%d %s: %s", ge.Status, ge.Message, fix(ge.Status)))
		return nil
	}
	releaseChecked := false
	for _, r := range in.Repos {
		full := in.Owner + "/" + r.Name
		access, err := a.GitHub.GetRepo(ctx, in.Owner, r.Name)
		if err != nil {
			if err := refusal(full, "GET /repos/"+full, err, func(int) string {
				return "the repository does not exist or the GitHub App is not installed on it: install the App on " + full + " (or fix its name in the train config)"
			}); err != nil {
				return res, err
			}
			continue
		}
		if r.Name == in.ReleaseRepo {
			releaseChecked = true
			checkWrites(&res, full, access)
		}
		if r.Dispatch != config.DispatchWorkflow {
			continue
		}
		path := "GET /repos/" + full + "/actions/workflows/" + r.Workflow
		wf, err := a.GitHub.GetWorkflow(ctx, in.Owner, r.Name, r.Workflow)
		if err != nil {
			if err := refusal(full, path, err, func(int) string {
				return "no workflow " + r.Workflow + " on the default branch: add it (examples/build.yml shows the contract) or set workflow: in the train config"
			}); err != nil {
				return res, err
			}
			continue
		}
		if wf.State != "active" {
			add(full, path, fmt.Sprintf("workflow %s is %s, and GitHub refuses to dispatch it: enable it (gh workflow enable %s -R %s)",
				r.Workflow, wf.State, r.Workflow, full))
		}
	}
	release := in.Owner + "/" + in.ReleaseRepo
	if !releaseChecked {
		access, err := a.GitHub.GetRepo(ctx, in.Owner, in.ReleaseRepo)
		if err != nil {
			if err := refusal(release, "GET /repos/"+release, err, func(int) string {
				return "the release repository does not exist or the GitHub App is not installed on it"
			}); err != nil {
				return res, err
			}
		} else {
			checkWrites(&res, release, access)
		}
	}
	if err := a.checkTag(ctx, in, &res); err != nil {
		return res, err
	}
	setting, known, err := a.GitHub.GetImmutableReleases(ctx, in.Owner, in.ReleaseRepo)
	if err != nil && !ghclient.IsPermanent(err) {
		return res, githubError("get immutable-releases setting "+release, err)
	}
	res.ImmutableKnown, res.ReleaseImmutable = known, setting.Enabled
	if !known {
		res.Notes = append(res.Notes, release+": GitHub did not report the immutable-releases setting")
	}
	budget, err := a.GitHub.GetRateBudget(ctx)
	if err != nil {
		return res, githubError("get rate limit", err)
	}
	res.RateRemaining, res.RateLimit = budget.Remaining, budget.Limit
	if need := min(in.Calls, budget.Limit); budget.Remaining < need {
		res.WaitUntil = budget.Reset
	}
	a.logger().Info("preflight", zap.String("tag", in.Tag), zap.Int("problems", len(res.Problems)),
		zap.Bool("release_immutable", res.ReleaseImmutable), zap.Int("rate_remaining", res.RateRemaining),
		zap.Int("calls_needed", in.Calls))
	return res, nil
}

// checkWrites records whether the credentials may write to the release repo.
func checkWrites(res *PreflightResult, full string, access ghclient.RepoAccess) {
	switch {
	case access.Archived:
		res.Problems = append(res.Problems, Problem{Repo: full, Call: "GET /repos/" + full,
			Fix: "the release repository is archived and takes no releases: unarchive it or pick another release.repo"})
	case access.Push != nil && !*access.Push:
		res.Problems = append(res.Problems, Problem{Repo: full, Call: "GET /repos/" + full,
			Fix: "these credentials cannot write to the release repository: give the GitHub App (or token) Contents: read and write on it"})
	case access.Push == nil:
		res.Notes = append(res.Notes, full+": GitHub did not report write access; the first release write will tell")
	}
}

// checkTag looks for the tag's release in the release repo: a published one
// blocks (releasetrain never writes to it); a draft is what the train fills.
func (a *Activities) checkTag(ctx context.Context, in PreflightInput, res *PreflightResult) error {
	release := in.Owner + "/" + in.ReleaseRepo
	call := "GET /repos/" + release + "/releases"
	rel, ok, err := a.GitHub.FindRelease(ctx, in.Owner, in.ReleaseRepo, in.Tag)
	switch {
	case err != nil && ghclient.IsPermanent(err):
		res.Problems = append(res.Problems, Problem{Repo: release, Call: call, Fix: err.Error()})
	case err != nil:
		return githubError("list releases "+release, err)
	case ok && !rel.Draft:
		fix := "delete it on GitHub if it was published by mistake, or release under a new tag"
		if rel.Immutable {
			fix = "it is immutable (its assets can never change, and a deleted immutable release's tag can never be used again): release under a new tag"
		}
		res.Problems = append(res.Problems, Problem{Repo: release, Call: call,
			Fix: fmt.Sprintf("release %s is already published (%s); releasetrain fills only drafts: %s", in.Tag, rel.HTMLURL, fix)})
	case ok:
		res.DraftFound = true
	case in.RequireDraft:
		res.Problems = append(res.Problems, Problem{Repo: release, Call: call,
			Fix: fmt.Sprintf("the draft release %s that started this train is gone: save a draft release with tag %s in %s again, or start the train by hand (releasetrain release start %s), which creates its own draft",
				in.Tag, in.Tag, release, in.Tag)})
	default:
		res.Notes = append(res.Notes, fmt.Sprintf("%s has no draft release %s yet: the train creates its own", release, in.Tag))
	}
	return nil
}
