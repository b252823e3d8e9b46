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
