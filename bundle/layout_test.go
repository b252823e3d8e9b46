package bundle

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLayoutAssetNames(t *testing.T) {
	t.Parallel()
	entries, err := Layout([]Input{
		{Repo: "bllvm-node", Name: "linux/bllvm-node", Path: "/x/1"},
		{Repo: "commons", Name: "README.txt", Path: "/x/2"},
		{Repo: "bllvm-consensus", Name: "README.txt", Path: "/x/3"},
		{Repo: "bllvm-consensus", Name: "lib/libconsensus.a", Path: "/x/4"},
	})
	require.NoError(t, err)
	var got []string
	for _, e := range entries {
		got = append(got, e.Repo+"/"+e.Name+"="+e.Asset)
	}
	want := []string{
		"bllvm-consensus/README.txt=bllvm-consensus-README.txt",
		"bllvm-consensus/lib/libconsensus.a=libconsensus.a",
		"bllvm-node/linux/bllvm-node=bllvm-node",
		"commons/README.txt=commons-README.txt",
	}
	assert.Equal(t, strings.Join(want, "\n"), strings.Join(got, "\n"), "layout")
}

func TestLayoutErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		give []Input
		want string
	}{
		{nil, "no artifacts"},
		{[]Input{{Repo: "a", Name: "linux/x", Path: "p"}, {Repo: "a", Name: "darwin/x", Path: "p"}}, `repo "a" ships two files named "x"`},
		{[]Input{{Repo: "a", Name: "x", Path: "p"}, {Repo: "a", Name: "x", Path: "q"}}, `file "x" listed twice`},
		{[]Input{{Repo: "a", Name: "x", Path: "p"}, {Repo: "b", Name: "x", Path: "p"}, {Repo: "c", Name: "a-x", Path: "p"}}, `asset name "a-x" used by both`},
		{[]Input{{Repo: "a", Name: "SHA256SUMS", Path: "p"}}, "is reserved"},
		{[]Input{{Repo: "a", Name: "../etc/passwd", Path: "p"}}, "invalid artifact file name"},
		{[]Input{{Repo: "a", Name: "/abs", Path: "p"}}, "invalid artifact file name"},
		{[]Input{{Repo: "a", Name: "x//y", Path: "p"}}, "invalid artifact file name"},
		{[]Input{{Repo: "a", Name: "x\ny", Path: "p"}}, "invalid artifact file name"},
		{[]Input{{Repo: "a/b", Name: "x", Path: "p"}}, "invalid repo name"},
		{[]Input{{Repo: "", Name: "x", Path: "p"}}, "invalid repo name"},
		{[]Input{{Repo: "a", Name: "x"}}, "empty local path"},
	}
	for _, tt := range tests {
		_, err := Layout(tt.give)
		assert.ErrorContains(t, err, tt.want, "Layout(%v)", tt.give)
	}
	_, err := Layout(nil)
	assert.ErrorIs(t, err, ErrNoArtifacts, "Layout(nil)")
}

func TestLayoutSortsAndKeepsInput(t *testing.T) {
	t.Parallel()
	in := []Input{
		{Repo: "b", Name: "z", Path: "/b/z", Size: 3, SHA256: "abc", Executable: true},
		{Repo: "a", Name: "y", Path: "/a/y"},
	}
	entries, err := Layout(in)
	require.NoError(t, err)
	assert.Equal(t, "a", entries[0].Repo, "entries = %+v", entries)
	assert.Equal(t, in[0], entries[1].Input, "entries = %+v", entries)
}
