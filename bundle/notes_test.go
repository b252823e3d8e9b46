package bundle

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func notesFixture() NotesInput {
	sum := func(c string) string { return strings.Repeat(c, 64) }
	return NotesInput{
		Name: "bllvm", Tag: "v1.2.0-rc.1", Prerelease: true,
		Owner: "BTCDecoded", ReleaseRepo: "bllvm",
		Repos: []RepoNotes{
			{Repo: "bllvm-consensus", Commit: "0123456789abcdef0123456789abcdef01234567", RunURL: "https://github.com/BTCDecoded/bllvm-consensus/actions/runs/42", Attempts: 2,
				Files: []Entry{{Input: Input{Repo: "bllvm-consensus", Name: "lib/libconsensus.a", Size: 1536, SHA256: sum("a")}, Asset: "libconsensus.a"}}},
			{Repo: "bllvm-node", Commit: "fedcba", RunURL: "https://github.com/BTCDecoded/bllvm-node/actions/runs/43", Attempts: 1,
				Files: []Entry{{Input: Input{Repo: "bllvm-node", Name: "bllvm-node"}, Asset: "bllvm-node"}}},
			{Repo: "governance-app", Skipped: true, SkipReason: "skipped by operator alice"},
		},
		Assets: []Digest{
			{Name: "libconsensus.a", Size: 1536, SHA256: sum("a")},
			{Name: "bllvm-node", Size: 3 << 20, SHA256: sum("b")},
			{Name: "bllvm-v1.2.0-rc.1.tar.gz", Size: 1 << 20, SHA256: sum("c")},
		},
		Signed:         true,
		GeneratedNotes: "## What's Changed\n* Fix things by @dev in #7\n",
	}
}

func TestNotes(t *testing.T) {
	t.Parallel()
	got := Notes(notesFixture())
	for _, want := range []string{
		"# bllvm v1.2.0-rc.1\n",
		"**Pre-release:** `v1.2.0-rc.1` is a pre-release; it is not marked as the latest release.",
		"Built from 2 repositories; 1 skipped.",
		"| `bllvm-v1.2.0-rc.1.tar.gz` (every artifact, by repo) | 1.0 MiB | `" + strings.Repeat("c", 64) + "` |",
		"### bllvm-consensus\n\n- Commit: BTCDecoded/bllvm-consensus@0123456789abcdef0123456789abcdef01234567\n- Build: https://github.com/BTCDecoded/bllvm-consensus/actions/runs/42\n- Attempts: 2\n",
		"| `lib/libconsensus.a` | `libconsensus.a` | 1.5 KiB | `" + strings.Repeat("a", 64) + "` |",
		// Size and digest filled from the assets.
		"| `bllvm-node` | `bllvm-node` | 3.0 MiB | `" + strings.Repeat("b", 64) + "` |",
		"### governance-app (skipped)\n\n**Skipped:** skipped by operator alice. This release contains no artifacts from governance-app.",
		"gh release download v1.2.0-rc.1 -R BTCDecoded/bllvm",
		"```sh\nsha256sum -c --ignore-missing SHA256SUMS\ngpg --verify SHA256SUMS.asc SHA256SUMS\nreleasetrain verify . --keys KEYS.asc --min-good 1\n```",
		"`sha256sum -c SHA256SUMS` checks them all",
		"## Changes in bllvm\n\n## What's Changed\n* Fix things by @dev in #7\n",
	} {
		assert.Contains(t, got, want, "notes miss %q:\n%s", want, got)
	}
	// Downloads are sorted by name.
	i, j := strings.Index(got, "| `bllvm-node` | 3.0"), strings.Index(got, "| `libconsensus.a` | 1.5")
	assert.True(t, i >= 0 && j >= 0 && i <= j, "downloads not sorted:\n%s", got)
}

func TestNotesUnsignedRelease(t *testing.T) {
	t.Parallel()
	in := notesFixture()
	in.Tag, in.Prerelease, in.Signed, in.GeneratedNotes = "v1.2.0", false, false, ""
	got := Notes(in)
	for _, want := range []string{"**Release:** `v1.2.0`.", "`SHA256SUMS` is not signed for this release."} {
		assert.Contains(t, got, want, "notes miss %q:\n%s", want, got)
	}
	for _, bad := range []string{"Pre-release", "gpg --verify", "SHA256SUMS.asc", "## Changes"} {
		assert.NotContains(t, got, bad, "unsigned release notes mention %q:\n%s", bad, got)
	}
}

func TestHumanSize(t *testing.T) {
	t.Parallel()
	for give, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1024: "1.0 KiB", 5 << 30: "5.0 GiB", 3 << 40: "3.0 TiB"} {
		assert.Equal(t, want, humanSize(give), "humanSize(%d)", give)
	}
}
