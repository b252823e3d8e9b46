package assetname

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestNames(t *testing.T) {
	t.Parallel()
	require.Equal(t, "btcdecoded-v1.2.3.tar.gz", Bundle("btcdecoded", "v1.2.3"))
	require.Equal(t, "btcdecoded-v1.2.3.intoto.jsonl", Provenance("btcdecoded", "v1.2.3"))
	require.Equal(t, "SHA256SUMS.asc", SumsSignature)
	require.Equal(t, "SHA256SUMS.alice.asc", RebuilderSignature("alice"))
	for _, name := range []string{Bundle("btcdecoded", "v1.2.3+build.7"), Provenance("btcdecoded", "v1.2.3"), Sums, SumsSignature, RebuilderSignature("alice")} {
		require.NoError(t, Check(name), "GitHub keeps %s", name)
	}
}

func TestCheckSignature(t *testing.T) {
	t.Parallel()
	for _, name := range []string{RebuilderSignature("alice"), RebuilderSignature("a.b_c-d+e")} {
		require.NoError(t, CheckSignature(name, MaxSignatureSize), name)
	}
	tests := []struct {
		give string
		size int
		want string
	}{
		{give: SumsSignature, size: 100, want: "want SHA256SUMS.<signer>.asc"},
		{give: RebuilderSignature(".alice"), size: 100, want: "want SHA256SUMS.<signer>.asc"},
		{give: RebuilderSignature("al ice"), size: 100, want: "want SHA256SUMS.<signer>.asc"},
		{give: "alice.asc", size: 100, want: "want SHA256SUMS.<signer>.asc"},
		{give: RebuilderSignature("alice"), size: 0, want: "0 bytes"},
		{give: RebuilderSignature("alice"), size: MaxSignatureSize + 1, want: "want 1 to 65536"},
	}
	for _, tt := range tests {
		require.ErrorContains(t, CheckSignature(tt.give, tt.size), tt.want, tt.give)
	}
}
