package bundle

import (
	"fmt"
	"sort"
	"strings"

	"github.com/BTCDecoded/releasetrain/assetname"
)

// NotesInput is everything the release notes show.
type NotesInput struct {
	// Name and Tag name the train and the release.
	Name, Tag string
	// Prerelease marks the release a prerelease (see [releasetag.IsPrerelease]).
	Prerelease bool
	// Owner and ReleaseRepo locate the unified release on GitHub.
	Owner, ReleaseRepo string
	// Repos are the member repos, in the order to show them.
	Repos []RepoNotes
	// Assets are the published files (artifacts and bundle) with digests.
	Assets []Digest
	// Signed says SHA256SUMS.asc is published.
	Signed bool
	// GeneratedNotes is GitHub's generated notes for the release repo, if any.
	GeneratedNotes string
}

// RepoNotes is one member repo's build.
type RepoNotes struct {
	Repo, Commit, RunURL string
	// Attempts is how many build attempts it took (0: unknown).
	Attempts int
	// Skipped repos were left out on purpose; SkipReason says why.
	Skipped    bool
	SkipReason string
	// Files are the repo's artifacts (sha256 and size are filled from
	// Assets when missing).
	Files []Entry
}

// Notes renders the release notes in Markdown: the tag and prerelease flag,
// the downloads with sizes and sha256, one section per repo (commit, run
// link, attempts, artifacts; skipped repos called out), how to verify, and
// GitHub's generated notes when given.
func Notes(in NotesInput) string {
	var b strings.Builder
	title := in.Name + " " + in.Tag
	if in.Name == "" {
		title = in.Tag
	}
	fmt.Fprintf(&b, "# %s\n\n", title)
	if in.Prerelease {
		fmt.Fprintf(&b, "**Pre-release:** `%s` is a pre-release; it is not marked as the latest release.\n\n", in.Tag)
	} else {
		fmt.Fprintf(&b, "**Release:** `%s`.\n\n", in.Tag)
	}
	built, skipped := 0, 0
	for _, r := range in.Repos {
		if r.Skipped {
			skipped++
		} else {
			built++
		}
	}
	fmt.Fprintf(&b, "Built from %d %s", built, plural(built, "repository", "repositories"))
	if skipped > 0 {
		fmt.Fprintf(&b, "; %d skipped", skipped)
	}
	b.WriteString(".\n\n")

	byName := map[string]Digest{}
	for _, d := range in.Assets {
		byName[d.Name] = d
	}
	if len(in.Assets) > 0 {
		b.WriteString("## Downloads\n\n| Asset | Size | SHA-256 |\n|---|---:|---|\n")
		bundleName := assetname.Bundle(in.Name, in.Tag)
		for _, d := range sortedDigests(in.Assets) {
			note := ""
			if d.Name == bundleName {
				note = " (every artifact, by repo)"
			}
			fmt.Fprintf(&b, "| `%s`%s | %s | `%s` |\n", d.Name, note, humanSize(d.Size), d.SHA256)
		}
		b.WriteString("\n")
	}

	if len(in.Repos) > 0 {
		b.WriteString("## Repositories\n")
	}
	for _, r := range in.Repos {
		writeRepo(&b, in.Owner, r, byName)
	}

	writeVerify(&b, in)

	if g := strings.TrimSpace(in.GeneratedNotes); g != "" {
		fmt.Fprintf(&b, "\n## Changes in %s\n\n%s\n", in.ReleaseRepo, g)
	}
	return b.String()
}

func writeRepo(b *strings.Builder, owner string, r RepoNotes, byName map[string]Digest) {
	if r.Skipped {
		fmt.Fprintf(b, "\n### %s (skipped)\n\n", r.Repo)
		reason := r.SkipReason
		if reason == "" {
			reason = "no reason given"
		}
		fmt.Fprintf(b, "**Skipped:** %s. This release contains no artifacts from %s.\n", reason, r.Repo)
		return
	}
	fmt.Fprintf(b, "\n### %s\n\n", r.Repo)
	if r.Commit != "" {
		ref := r.Repo + "@" + r.Commit
		if owner != "" {
			ref = owner + "/" + ref
		}
		fmt.Fprintf(b, "- Commit: %s\n", ref)
	}
	if r.RunURL != "" {
		fmt.Fprintf(b, "- Build: %s\n", r.RunURL)
	}
	if r.Attempts > 0 {
		fmt.Fprintf(b, "- Attempts: %d\n", r.Attempts)
	}
	if len(r.Files) == 0 {
		b.WriteString("- Artifacts: none\n")
		return
	}
	b.WriteString("\n| File | Asset | Size | SHA-256 |\n|---|---|---:|---|\n")
	for _, f := range r.Files {
		size, sum := f.Size, f.SHA256
		if d, ok := byName[f.Asset]; ok {
			if size == 0 {
				size = d.Size
			}
			if sum == "" {
				sum = d.SHA256
			}
		}
		fmt.Fprintf(b, "| `%s` | `%s` | %s | `%s` |\n", f.Name, f.Asset, humanSize(size), strings.ToLower(sum))
	}
}

func writeVerify(b *strings.Builder, in NotesInput) {
	b.WriteString("\n## Verify\n\nDownload the files you need together with `" + assetname.Sums + "`")
	if in.Signed {
		b.WriteString(" and `" + assetname.SumsSignature + "`")
	}
	b.WriteString(" into one folder")
	if in.Owner != "" && in.ReleaseRepo != "" {
		fmt.Fprintf(b, " (for everything: `gh release download %s -R %s/%s`)", in.Tag, in.Owner, in.ReleaseRepo)
	}
	b.WriteString(", then run there:\n\n```sh\n")
	b.WriteString("sha256sum -c --ignore-missing " + assetname.Sums + "\n")
	if in.Signed {
		b.WriteString("gpg --verify " + assetname.SumsSignature + " " + assetname.Sums + "\n")
		b.WriteString("releasetrain verify . --keys KEYS.asc --min-good 1\n")
	}
	b.WriteString("```\n\n")
	b.WriteString("With every asset downloaded, `sha256sum -c " + assetname.Sums + "` checks them all.")
	if in.Signed {
		b.WriteString(" `gpg` needs the signers' public keys imported first (`gpg --import KEYS.asc`); " +
			"`releasetrain verify` reads them from the `--keys` file and requires `--min-good` good signatures.")
	} else {
		b.WriteString(" `" + assetname.Sums + "` is not signed for this release.")
	}
	b.WriteString("\n")
}

func sortedDigests(ds []Digest) []Digest {
	out := append([]Digest(nil), ds...)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// humanSize renders n bytes as "512 B", "1.5 KiB", "12.3 MiB", …
func humanSize(n int64) string {
	if n < 1024 {
		return fmt.Sprintf("%d B", n)
	}
	f := float64(n)
	for _, unit := range []string{"KiB", "MiB", "GiB", "TiB"} {
		f /= 1024
		if f < 1024 || unit == "TiB" {
			return fmt.Sprintf("%.1f %s", f, unit)
		}
	}
	return fmt.Sprintf("%d B", n)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
