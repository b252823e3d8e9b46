package releasetag

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCheckAccepts(t *testing.T) {
	for _, tag := range []string{
		"v1.2.3", "v1.3.0-rc1", "1.0", "v2.0.0+build.7", "release_2026-01", "V", "v1.0.0-beta.1+exp.sha.5114f85",
		strings.Repeat("a", MaxLen),
	} {
		assert.NoError(t, Check(tag), "Check(%q)", tag)
	}
}

func TestCheckRefuses(t *testing.T) {
	tests := []struct {
		give string
		want Rule
	}{
		{give: "", want: RuleEmpty},
		{give: strings.Repeat("a", MaxLen+1), want: RuleLength},
		// git check-ref-format
		{give: "v1..2", want: RuleGit},
		{give: "v1.", want: RuleGit},
		{give: "v1.lock", want: RuleGit},
		{give: ".v1", want: RuleGit},
		{give: "v1 2", want: RuleGit},
		{give: "v1~1", want: RuleGit},
		{give: "v1^", want: RuleGit},
		{give: "v1:2", want: RuleGit},
		{give: "v1?", want: RuleGit},
		{give: "v1*", want: RuleGit},
		{give: "v1[2]", want: RuleGit},
		{give: `v1\2`, want: RuleGit},
		{give: "v1\x00", want: RuleGit},
		{give: "v1\n", want: RuleGit},
		{give: "v1\x7f", want: RuleGit},
		{give: "v@{1}", want: RuleGit},
		{give: "@", want: RuleGit},
		// legal in git, but not a single segment
		{give: "release/1.0", want: RuleSlash},
		{give: "v1/", want: RuleSlash},
		// legal in git, renamed by GitHub in an asset name
		{give: "v1,2", want: RuleCharset},
		{give: "v1'2", want: RuleCharset},
		{give: "v1@2", want: RuleCharset},
		{give: "v1%2F", want: RuleCharset},
		{give: "vé", want: RuleCharset},
		{give: "v\xff", want: RuleCharset},
		// a letter or digit first
		{give: "-v1", want: RuleStart},
		{give: "+1", want: RuleStart},
		{give: "_1", want: RuleStart},
	}
	for _, tt := range tests {
		err := Check(tt.give)
		got := RuleOf(err)
		assert.Equal(t, tt.want, got, "Check(%q) = %v (rule %q), want rule %q", tt.give, err, got, tt.want)
	}
}

func TestErrorNamesTagAndShortensIt(t *testing.T) {
	err := Check("release/1.0")
	require.ErrorContains(t, err, `"release/1.0"`)
	require.Contains(t, err.Error(), "'/'")
	long := strings.Repeat("x", 1<<20)
	err = Check(long)
	require.Error(t, err)
	require.LessOrEqual(t, len(err.Error()), 2*MaxLen+100)
	require.Equal(t, Rule(""), RuleOf(nil), "RuleOf(nil) is not empty")
}

// FuzzCheck asserts that every accepted tag keeps the properties the train
// relies on.
func FuzzCheck(f *testing.F) {
	for _, s := range []string{"v1.2.3", "release/1.0", "v1..2", "v1.lock", "a@{", "vé", "-x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, tag string) {
		if Check(tag) != nil {
			return
		}
		require.NotEmpty(t, tag, "Check accepted %q", tag)
		require.LessOrEqual(t, len(tag), MaxLen, "Check accepted %q", tag)
		require.False(t, strings.ContainsAny(tag, "/\\:?*[~^ '\"%@"), "Check accepted %q", tag)
		require.NotContains(t, tag, "..", "Check accepted %q", tag)
		require.False(t, strings.HasSuffix(tag, "."), "Check accepted %q", tag)
		require.False(t, strings.HasSuffix(tag, ".lock"), "Check accepted %q", tag)
		require.True(t, alnum(rune(tag[0])), "Check accepted %q", tag)
		for _, r := range tag {
			require.True(t, assetRune(r), "Check accepted %q with %q", tag, r)
		}
	})
}
