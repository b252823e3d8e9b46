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
	if err != nil || n != int64(len(src)) || !bytes.Equal(dst.Bytes(), src) || hex.EncodeToString(h.Sum(nil)) != hex.EncodeToString(want[:]) {
		t.Fatalf("n=%d err=%v", n, err)
	}
	// A failing writer and a failing reader both stop the pipeline (goleak
	// in TestMain checks the hashing goroutine ended).
	if _, err := copyHashed(&failingWriter{left: 3 << 20}, sha256.New(), bytes.NewReader(src)); err == nil || err.Error() != "disk full" {
		t.Fatalf("write error: %v", err)
	}
	boom := errors.New("connection reset")
	r := io.MultiReader(bytes.NewReader(src[:2<<20]), iotest.ErrReader(boom))
	if n, err := copyHashed(io.Discard, sha256.New(), r); !errors.Is(err, boom) || n != 2<<20 {
		t.Fatalf("read error: n=%d err=%v", n, err)
	}
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
		if n, err := copyHashed(io.Discard, h, bytes.NewReader(small)); err != nil || n != 64 {
			t.Fatalf("copy: %d bytes, %v", n, err)
		}
	}
	runtime.ReadMemStats(&after)
	perFile := (after.TotalAlloc - before.TotalAlloc) / files
	if perFile > copyBufs*copyBufSize/2 {
		t.Fatalf("%d bytes allocated per 64-byte file, want the chunks reused", perFile)
	}
	t.Logf("%d bytes allocated per 64-byte file", perFile)
}
