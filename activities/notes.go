package activities

import (
	"github.com/BTCDecoded/releasetrain/bundle"
)

// notesInput gathers what the release notes show: every repo in input order
// (skipped ones called out), its files as laid out, and the published assets.
func notesInput(in PackageInput, entries []bundle.Entry, assets []Asset, generated string, signed bool) bundle.NotesInput {
	byRepo := map[string][]bundle.Entry{}
	for _, e := range entries {
		byRepo[e.Repo] = append(byRepo[e.Repo], e)
	}
	repos := make([]bundle.RepoNotes, 0, len(in.Repos))
	for _, r := range in.Repos {
		repos = append(repos, bundle.RepoNotes{
			Repo:       r.Repo,
			Commit:     r.Run.HeadSHA,
			RunURL:     r.Run.URL,
			Attempts:   r.Attempts,
			Skipped:    r.Skipped,
			SkipReason: r.SkipReason,
			Files:      byRepo[r.Repo],
		})
	}
	digests := make([]bundle.Digest, 0, len(assets))
	for _, a := range assets {
		digests = append(digests, bundle.Digest{Name: a.Name, Size: a.Size, SHA256: a.SHA256})
	}
	return bundle.NotesInput{
		Name:           in.Name,
		Tag:            in.Tag,
		Prerelease:     in.Prerelease,
		Owner:          in.Owner,
		ReleaseRepo:    in.ReleaseRepo,
		Repos:          repos,
		Assets:         digests,
		Signed:         signed,
		GeneratedNotes: generated,
	}
}
