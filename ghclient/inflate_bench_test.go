package ghclient

import (
	"bytes"
	"compress/flate"
	"io"
	"os"
	"testing"

	kflate "github.com/klauspost/compress/flate"
	"github.com/stretchr/testify/require"
)

// BenchmarkInflater compares the inflater Unzip and ExtractArtifact use
// (klauspost's) with the standard library's on the same level-6 stream:
// 32 MiB of machine code (this test binary, repeated), as artifacts are.
func BenchmarkInflater(b *testing.B) {
	exe, err := os.Executable()
	require.NoError(b, err)
	code, err := os.ReadFile(exe)
	require.NoError(b, err)
	raw := bytes.Repeat(code, (32<<20)/len(code)+1)[:32<<20]
	var z bytes.Buffer
	w, _ := flate.NewWriter(&z, 6)
	_, err = w.Write(raw)
	require.NoError(b, err)
	require.NoError(b, w.Close())
	for _, c := range []struct {
		name string
		open func(io.Reader) io.ReadCloser
	}{{"stdlib", flate.NewReader}, {"klauspost", func(r io.Reader) io.ReadCloser { return kflate.NewReader(r) }}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(raw)))
			for b.Loop() {
				n, err := io.Copy(io.Discard, c.open(bytes.NewReader(z.Bytes())))
				require.NoError(b, err)
				require.Equal(b, int64(len(raw)), n)
			}
		})
	}
}
