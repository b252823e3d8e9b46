package bundle

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHashFile(t *testing.T) {
	t.Parallel()
	p := put(t, t.TempDir(), "f", []byte("hello"))
	sum, size, err := HashFile(p)
	assert.NoError(t, err)
	assert.Equal(t, int64(5), size)
	assert.Equal(t, "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824", sum)
	_, _, err = HashFile(p + ".missing")
	assert.ErrorContains(t, err, "f.missing", "missing file")
}

func TestSHA256SUMSRoundTrip(t *testing.T) {
	t.Parallel()
	a, b := strings.Repeat("a", 64), strings.Repeat("B", 64)
	got := string(SHA256SUMS([]Digest{{Name: "z.tar.gz", SHA256: b}, {Name: "a-bin", SHA256: a}}))
	want := a + "  a-bin\n" + strings.Repeat("b", 64) + "  z.tar.gz\n"
	assert.Equal(t, want, got, "SHA256SUMS")
	lines, err := ParseSHA256SUMS([]byte(got + "\n" + a + " *binary-mode\n"))
	require.NoError(t, err)
	if assert.Len(t, lines, 3, "parsed %+v", lines) {
		assert.Equal(t, SumLine{"a-bin", a}, lines[0])
		assert.Equal(t, strings.Repeat("b", 64), lines[1].SHA256)
		assert.Equal(t, "binary-mode", lines[2].Name)
	}
	for _, bad := range []string{"xyz  name\n", a + "name\n", a + "  \n", strings.Repeat("g", 64) + "  n\n"} {
		_, err := ParseSHA256SUMS([]byte(bad))
		assert.ErrorContains(t, err, "line 1", "ParseSHA256SUMS(%q)", bad)
	}
}
