package ghclient

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"runtime"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/require"
)

type failingWriter struct{ left int }

func (w *failingWriter) Write(p []byte) (int, error) {
	if len(p) > w.left {
		return 0, errors.New("disk full")
	}
	w.left -= len(p)
	return len(p), nil
}

func TestCopyHashed(t *testing.T) {
	t.Parallel()
	src := bytes.Repeat([]byte("0123456789abcdef"), 300_000) // 4.8 MB: several chunks
	var dst bytes.Buffer
	h := sha256.New()
	n, err := copyHashed(&dst, h, iotest.HalfReader(bytes.NewReader(src)))
	want := sha256.Sum256(src)
	require.NoError(t, err, "n=%d err=%v", n, err)
	require.Equal(t, int64(len(src)), n, "n=%d err=%v", n, err)
	require.True(t, bytes.Equal(dst.Bytes(), src), "n=%d err=%v", n, err)
	require.Equal(t, hex.EncodeToString(want[:]), hex.EncodeToString(h.Sum(nil)), "n=%d err=%v", n, err)
	// A failing writer and a failing reader both stop the pipeline (goleak
	// in TestMain checks the hashing goroutine ended).
	_, err = copyHashed(&failingWriter{left: 3 << 20}, sha256.New(), bytes.NewReader(src))
	require.Error(t, err)
	require.Equal(t, "disk full", err.Error())
	boom := errors.New("connection reset")
	r := io.MultiReader(bytes.NewReader(src[:2<<20]), iotest.ErrReader(boom))
	n, err = copyHashed(io.Discard, sha256.New(), r)
	require.ErrorIs(t, err, boom)
	require.Equal(t, int64(2<<20), n)
}

// Copying many small files reuses the chunks instead of allocating
// copyBufs MiB for each (a docs artifact holds thousands of files). The
// bound is loose: the race detector's pool drops a share of what is put.
func TestCopyHashedReusesChunks(t *testing.T) {
	const files = 200
	small := bytes.Repeat([]byte("x"), 64)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range files {
		h := sha256.New()
		n, err := copyHashed(io.Discard, h, bytes.NewReader(small))
		require.NoError(t, err)
		require.Equal(t, int64(64), n)
	}
	runtime.ReadMemStats(&after)
	perFile := (after.TotalAlloc - before.TotalAlloc) / files
	require.LessOrEqual(t, perFile, uint64(copyBufs*copyBufSize/2), "%d bytes allocated per 64-byte file, want the chunks reused", perFile)
	t.Logf("%d bytes allocated per 64-byte file", perFile)
}
