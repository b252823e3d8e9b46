package ghclient

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// zipBlobServer serves one zip behind GitHub's 302, like blob storage: with
// Range support (http.ServeContent) unless noRanges; full, if set, replaces
// the body of whole-file GETs (a blob that changed between reads).
type zipBlobServer struct {
	data     []byte
	noRanges bool
	full     func(w http.ResponseWriter)

	mu     sync.Mutex
	ranges []string // Range header of every blob GET ("" for a whole GET)
	auth   []string
}

func (s *zipBlobServer) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /repos/o/r/actions/artifacts/1/zip", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", "/blob/1")
		w.WriteHeader(http.StatusFound)
	})
	mux.HandleFunc("GET /blob/1", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.ranges = append(s.ranges, r.Header.Get("Range"))
		s.auth = append(s.auth, r.Header.Get("Authorization"))
		s.mu.Unlock()
		switch {
		case s.full != nil && r.Header.Get("Range") == "":
			s.full(w)
		case s.noRanges:
			w.Header().Set("Content-Length", strconv.Itoa(len(s.data)))
			_, _ = w.Write(s.data)
		default:
			http.ServeContent(w, r, "a.zip", time.Time{}, bytes.NewReader(s.data))
		}
	})
	return mux
}

func (s *zipBlobServer) requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.ranges...)
}

// zipBytes builds a zip in memory (see writeZip).
func zipBytes(t *testing.T, entries []zipEntry) []byte {
	t.Helper()
	data, err := os.ReadFile(writeZip(t, entries))
	require.NoError(t, err)
	return data
}

// extractFrom serves data with s's settings and extracts it, with a first
// ranged read of 64 KiB; the artifact's size is the zip's, as GitHub reports it.
func extractFrom(t *testing.T, s *zipBlobServer, digest string, lim UnzipLimits) (Extracted, string, error) {
	t.Helper()
	return extractSized(t, s, int64(len(s.data)), digest, lim)
}

// extractSized is extractFrom with the size GitHub reports.
func extractSized(t *testing.T, s *zipBlobServer, size int64, digest string, lim UnzipLimits) (Extracted, string, error) {
	t.Helper()
	c, _, _ := newTestClient(t, s.handler())
	c.tailFetch = 64 << 10
	dest := filepath.Join(t.TempDir(), "out")
	x, err := c.ExtractArtifact(context.Background(), "o", "r", Artifact{ID: 1, Name: "art", Size: size, Digest: digest}, dest, lim)
	return x, dest, err
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func TestExtractArtifactStreams(t *testing.T) {
	t.Parallel()
	big := make([]byte, 3<<20) // several chunks, incompressible
	_, _ = rand.NewChaCha8([32]byte{1}).Read(big)
	entries := []zipEntry{
		{name: "bin/", mode: fs.ModeDir | 0o755},
		{name: "bin/tool", body: big, mode: 0o755},
		{name: "docs/readme.txt", body: bytes.Repeat([]byte("read me "), 1000), deflate: true},
		{name: "empty", body: nil},
		{name: "deflated-big", body: big, deflate: true},
	}
	data := zipBytes(t, entries)
	for _, ranged := range []bool{true, false} {
		t.Run(fmt.Sprintf("ranges=%v", ranged), func(t *testing.T) {
			t.Parallel()
			s := &zipBlobServer{data: data, noRanges: !ranged}
			x, dest, err := extractFrom(t, s, "sha256:"+sha256Hex(data), DefaultUnzipLimits())
			require.NoError(t, err)
			require.Equal(t, sha256Hex(data), x.SHA256, "download = %+v", x.Download)
			require.Equal(t, int64(len(data)), x.Size, "download = %+v", x.Download)
			got := map[string]UnzippedFile{}
			for _, f := range x.Files {
				got[f.Name] = f
			}
			for _, e := range entries {
				if e.mode.IsDir() {
					continue
				}
				f, ok := got[e.name]
				require.True(t, ok, "%s: %+v", e.name, f)
				require.Equal(t, sha256Hex(e.body), f.SHA256, "%s: %+v", e.name, f)
				require.Equal(t, int64(len(e.body)), f.Size, "%s: %+v", e.name, f)
				require.Equal(t, (e.mode&0o111 != 0), f.Executable, "%s: %+v", e.name, f)
				onDisk, err := os.ReadFile(filepath.Join(dest, filepath.FromSlash(e.name)))
				require.NoError(t, err, "%s on disk: %v", e.name, err)
				require.True(t, bytes.Equal(onDisk, e.body), "%s on disk: %v", e.name, err)
				require.Equal(t, filepath.Join(dest, filepath.FromSlash(e.name)), f.Path, "%s on disk: %v", e.name, err)
			}
			require.Len(t, x.Files, 4, "files")
			reqs := s.requests()
			if ranged {
				require.Equal(t, []string{fmt.Sprintf("bytes=%d-", len(data)-65536), ""}, reqs, "blob requests: the directory's range then one whole read")
			} else {
				require.Len(t, reqs, 1, "blob requests")
			}
			for _, a := range s.auth {
				require.Empty(t, a, "blob request carried Authorization")
			}
			// Nothing is left beside dest (the fallback's spooled zip).
			left, _ := os.ReadDir(filepath.Dir(dest))
			require.Len(t, left, 1, "left beside dest")
		})
	}
}

// An archive no longer than the first ranged read needs no second request.
func TestExtractArtifactSmallArchiveInOneRead(t *testing.T) {
	t.Parallel()
	data := zipBytes(t, []zipEntry{{name: "bin/tool", body: []byte("small"), mode: 0o755}, {name: "README", body: []byte("hi"), deflate: true}})
	s := &zipBlobServer{data: data}
	x, dest, err := extractFrom(t, s, "sha256:"+sha256Hex(data), DefaultUnzipLimits())
	require.NoError(t, err)
	got, err := os.ReadFile(filepath.Join(dest, "bin", "tool"))
	require.NoError(t, err, "extracted %+v: %q %v", x, got, err)
	require.Equal(t, "small", string(got), "extracted %+v: %q %v", x, got, err)
	require.Len(t, x.Files, 2, "extracted %+v: %q %v", x, got, err)
	require.Equal(t, sha256Hex(data), x.SHA256, "extracted %+v: %q %v", x, got, err)
	require.Len(t, s.requests(), 1, "blob requests: want the one ranged read")
	// Still checked against the directory: a corrupted entry is refused.
	bad := bytes.Clone(data)
	bad[30+len("bin/tool")] ^= 0xff // first byte of the stored entry's data
	_, _, err = extractFrom(t, &zipBlobServer{data: bad}, "", DefaultUnzipLimits())
	require.ErrorIs(t, err, ErrBadZip, "corrupted small archive")
}

// Blob storage takes no suffix ranges, so the first read starts from the
// size GitHub reported; a wrong size costs one more request, whichever way
// it is wrong, and a server that refuses the range gets read whole.
func TestExtractArtifactSizeHint(t *testing.T) {
	t.Parallel()
	filler := make([]byte, 300<<10)
	_, _ = rand.NewChaCha8([32]byte{3}).Read(filler)
	data := zipBytes(t, []zipEntry{{name: "filler", body: filler}, {name: "a.txt", body: []byte("hello")}})
	n := int64(len(data))
	tests := []struct {
		name string
		size int64
		want []string
	}{
		{"right", n, []string{fmt.Sprintf("bytes=%d-", n-65536), ""}},
		{"unknown", 0, []string{"bytes=0-", fmt.Sprintf("bytes=%d-", n-65536), ""}},
		{"too large", 10 * n, []string{fmt.Sprintf("bytes=%d-", 10*n-65536), fmt.Sprintf("bytes=%d-", n-65536), ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := &zipBlobServer{data: data}
			x, _, err := extractSized(t, s, tt.size, "sha256:"+sha256Hex(data), DefaultUnzipLimits())
			require.NoError(t, err, "%+v %v", x, err)
			require.Len(t, x.Files, 2, "%+v %v", x, err)
			got := s.requests()
			require.Equal(t, fmt.Sprint(tt.want), fmt.Sprint(got), "blob requests %q, want %q", got, tt.want)
		})
	}
	// A 416 that does not say the size: the archive is read whole (spooled).
	s := &zipBlobServer{data: data, full: func(w http.ResponseWriter) {
		w.Header().Set("Content-Length", strconv.Itoa(len(data)))
		_, _ = w.Write(data)
	}}
	h := s.handler()
	refuse := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Range") != "" {
			s.mu.Lock()
			s.ranges = append(s.ranges, r.Header.Get("Range"))
			s.mu.Unlock()
			w.WriteHeader(http.StatusRequestedRangeNotSatisfiable)
			return
		}
		h.ServeHTTP(w, r)
	})
	c, _, _ := newTestClient(t, refuse)
	x, err := c.ExtractArtifact(context.Background(), "o", "r", Artifact{ID: 1, Name: "art", Size: 5 * n}, filepath.Join(t.TempDir(), "out"), DefaultUnzipLimits())
	require.NoError(t, err, "416 without a size: %+v %v", x, err)
	require.Len(t, x.Files, 2, "416 without a size: %+v %v", x, err)
	require.Equal(t, sha256Hex(data), x.SHA256, "416 without a size: %+v %v", x, err)
}

// A central directory longer than the first ranged read is fetched in one
// more ranged read.
func TestExtractArtifactLongCentralDirectory(t *testing.T) {
	t.Parallel()
	var entries []zipEntry
	for i := range 800 {
		entries = append(entries, zipEntry{name: fmt.Sprintf("dir/%s-%04d.txt", strings.Repeat("long-name-", 10), i), body: []byte(strconv.Itoa(i))})
	}
	s := &zipBlobServer{data: zipBytes(t, entries)}
	x, _, err := extractFrom(t, s, "", DefaultUnzipLimits())
	require.NoError(t, err)
	require.Len(t, x.Files, 800, "%d files", len(x.Files))
	reqs := s.requests()
	require.Len(t, reqs, 3, "blob requests %q", reqs)
	require.True(t, strings.HasPrefix(reqs[1], "bytes="), "blob requests %q", reqs)
	require.Empty(t, reqs[2], "blob requests %q", reqs)
}

// Every unsafe archive Unzip rejects, ExtractArtifact rejects the same way,
// before writing anything (the central directory is checked first).
func TestExtractArtifactRejectsLikeUnzip(t *testing.T) {
	t.Parallel()
	zeros := make([]byte, 4<<20)
	tests := []struct {
		name    string
		entries []zipEntry
		lim     UnzipLimits
		want    error
	}{
		{"dotdot", []zipEntry{{name: "../evil", body: []byte("x")}}, DefaultUnzipLimits(), ErrUnsafeEntry},
		{"absolute", []zipEntry{{name: "/etc/evil", body: []byte("x")}}, DefaultUnzipLimits(), ErrUnsafeEntry},
		{"symlink", []zipEntry{{name: "link", body: []byte("/etc/passwd"), mode: fs.ModeSymlink | 0o777}}, DefaultUnzipLimits(), ErrUnsafeEntry},
		{"duplicate", []zipEntry{{name: "a", body: []byte("1")}, {name: "a", body: []byte("2")}}, DefaultUnzipLimits(), ErrUnsafeEntry},
		{"same path", []zipEntry{{name: "d/b", body: []byte("1")}, {name: "d//b", body: []byte("2")}}, DefaultUnzipLimits(), ErrUnsafeEntry},
		{"dot segment", []zipEntry{{name: "./x", body: []byte("x")}}, DefaultUnzipLimits(), ErrUnsafeEntry},
		{"file and folder", []zipEntry{{name: "a", body: []byte("1")}, {name: "a/b", body: []byte("2")}}, DefaultUnzipLimits(), ErrUnsafeEntry},
		{"ratio", []zipEntry{{name: "bomb", body: zeros, deflate: true}}, UnzipLimits{MaxRatio: 100}, ErrZipBomb},
		{"total", []zipEntry{{name: "a", body: make([]byte, 800)}, {name: "b", body: make([]byte, 800)}}, UnzipLimits{MaxTotal: 1000}, ErrZipBomb},
		{"count", []zipEntry{{name: "a"}, {name: "b"}, {name: "c"}}, UnzipLimits{MaxFiles: 2}, ErrZipBomb},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			entries := append([]zipEntry{{name: "ok.txt", body: []byte("fine")}}, tt.entries...)
			_, dest, err := extractFrom(t, &zipBlobServer{data: zipBytes(t, entries)}, "", tt.lim)
			require.ErrorIs(t, err, tt.want)
			require.Contains(t, err.Error(), `"art"`)
			var ge *Error
			require.False(t, errors.As(err, &ge), "a bad archive is not a GitHub error: %v", err)
			_, err = os.Stat(filepath.Join(dest, "ok.txt"))
			require.True(t, os.IsNotExist(err), "nothing may be written when the directory is unsafe")
		})
	}
}

// storedZip is one stored entry written without a data descriptor, so its
// bytes sit at known offsets: the local header at 0, the name at 30, the
// data after it.
func storedZip(t *testing.T, name string, body []byte, uncompressed uint64) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateRaw(&zip.FileHeader{Name: name, Method: zip.Store, CRC32: crc32.ChecksumIEEE(body),
		CompressedSize64: uint64(len(body)), UncompressedSize64: uncompressed})
	require.NoError(t, err)
	_, err = w.Write(body)
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

// Archives whose entries disagree with their central directory are refused:
// the directory was checked, so the data must be what it describes.
func TestExtractArtifactChecksEntriesAgainstTheDirectory(t *testing.T) {
	t.Parallel()
	body := []byte("the real content of a.txt")
	tests := []struct {
		name   string
		data   func() []byte
		lim    UnzipLimits
		want   error
		substr string
	}{
		{"local name differs", func() []byte {
			d := storedZip(t, "a.txt", body, uint64(len(body)))
			copy(d[30:], "b.txt")
			return d
		}, DefaultUnzipLimits(), ErrBadZip, "not in the central directory"},
		{"data corrupted", func() []byte {
			d := storedZip(t, "a.txt", body, uint64(len(body)))
			d[30+len("a.txt")] ^= 0xff
			return d
		}, DefaultUnzipLimits(), ErrBadZip, "CRC-32"},
		{"size lies", func() []byte { return storedZip(t, "a.txt", body, 5) }, DefaultUnzipLimits(), ErrBadZip, "central directory says 5"},
		{"lying size over the limit", func() []byte { return storedZip(t, "liar", bytes.Repeat([]byte("A"), 1<<20), 10) }, UnzipLimits{MaxEntry: 1024}, ErrZipBomb, "liar"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, _, err := extractFrom(t, &zipBlobServer{data: tt.data()}, "", tt.lim)
			require.ErrorIs(t, err, tt.want)
			require.Contains(t, err.Error(), tt.substr)
		})
	}
}

// The whole-file read must carry the directory read first; a blob that
// changed in between is refused.
func TestExtractArtifactDirectoryChangedBetweenReads(t *testing.T) {
	t.Parallel()
	filler := make([]byte, 200<<10) // past the first ranged read
	_, _ = rand.NewChaCha8([32]byte{2}).Read(filler)
	data := zipBytes(t, []zipEntry{{name: "filler", body: filler}, {name: "a.txt", body: []byte("hello")}})
	changed := bytes.Clone(data)
	changed[len(changed)-10] ^= 0xff // inside the central directory
	s := &zipBlobServer{data: data, full: func(w http.ResponseWriter) {
		w.Header().Set("Content-Length", strconv.Itoa(len(changed)))
		_, _ = w.Write(changed)
	}}
	_, _, err := extractFrom(t, s, "", DefaultUnzipLimits())
	require.ErrorIs(t, err, ErrBadZip)
	require.Contains(t, err.Error(), "changed between reads")
}

// A connection that breaks mid-body is a transient GitHub error (retry),
// not a bad archive; a wrong digest is permanent.
func TestExtractArtifactDownloadErrors(t *testing.T) {
	t.Parallel()
	data := zipBytes(t, []zipEntry{{name: "a.bin", body: bytes.Repeat([]byte("x"), 3<<20)}})
	s := &zipBlobServer{data: data, full: func(w http.ResponseWriter) {
		w.Header().Set("Content-Length", strconv.Itoa(len(data)))
		_, _ = w.Write(data[:len(data)/2])
		panic(http.ErrAbortHandler)
	}}
	_, _, err := extractFrom(t, s, "", DefaultUnzipLimits())
	var e *Error
	require.ErrorAs(t, err, &e)
	require.Equal(t, KindTransient, e.Kind)

	// A body that ends cleanly but short (no Content-Length) is the
	// download's fault too, not the archive's.
	short := &zipBlobServer{data: data, full: func(w http.ResponseWriter) {
		_, _ = w.Write(data[:len(data)/2])
	}}
	_, _, err = extractFrom(t, short, "", DefaultUnzipLimits())
	require.ErrorAs(t, err, &e)
	require.Equal(t, KindTransient, e.Kind)

	bad := "sha256:" + strings.Repeat("0", 64)
	for _, ranged := range []bool{true, false} {
		_, _, err = extractFrom(t, &zipBlobServer{data: data, noRanges: !ranged}, bad, DefaultUnzipLimits())
		require.ErrorIs(t, err, ErrDigestMismatch, "ranges=%v: digest mismatch: %v", ranged, err)
		require.True(t, IsPermanent(err), "ranges=%v: digest mismatch: %v", ranged, err)
	}
	_, _, err = extractFrom(t, &zipBlobServer{data: []byte("not a zip at all")}, "", DefaultUnzipLimits())
	require.ErrorIs(t, err, ErrBadZip, "not a zip")
}

func TestHashingReaderKeepsSourceErrors(t *testing.T) {
	t.Parallel()
	src := bytes.Repeat([]byte("abcdefgh"), 500_000) // 4 MB
	h := sha256.New()
	r := newHashingReader(&shortReads{b: src}, h)
	var out bytes.Buffer
	buf := make([]byte, 7000)
	for {
		n, err := r.Read(buf)
		out.Write(buf[:n])
		if err != nil {
			break
		}
	}
	r.Close()
	require.True(t, bytes.Equal(out.Bytes(), src), "read or hashed bytes differ")
	require.Equal(t, sha256Hex(src), hex.EncodeToString(h.Sum(nil)), "read or hashed bytes differ")
	require.Equal(t, int64(len(src)), r.n, "read or hashed bytes differ")
}

// shortReads returns at most 1000 bytes a Read.
type shortReads struct{ b []byte }

func (s *shortReads) Read(p []byte) (int, error) {
	if len(s.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), 1000)], s.b)
	s.b = s.b[n:]
	return n, nil
}

// Data descriptors come with or without their signature, and with 32-bit
// or 64-bit sizes depending on the writer; each form extracts, and one
// that disagrees with the central directory is refused.
func TestExtractArtifactDataDescriptorForms(t *testing.T) {
	t.Parallel()
	body := bytes.Repeat([]byte("descriptor "), 100)
	orig := zipBytes(t, []zipEntry{{name: "a.txt", body: body, deflate: true}}) // Go writes sig + CRC + 32-bit sizes
	zr, err := zip.NewReader(bytes.NewReader(orig), int64(len(orig)))
	require.NoError(t, err)
	at := 30 + len("a.txt") + int(zr.File[0].CompressedSize64) // the descriptor, right after the data
	require.Equal(t, uint32(0x08074b50), binary.LittleEndian.Uint32(orig[at:]), "no descriptor where expected")
	crc := orig[at+4 : at+8]
	csize, usize := uint64(binary.LittleEndian.Uint32(orig[at+8:])), uint64(binary.LittleEndian.Uint32(orig[at+12:]))
	// with replaces the 16-byte descriptor and moves the central directory.
	with := func(desc []byte) []byte {
		d := append(append(bytes.Clone(orig[:at]), desc...), orig[at+16:]...)
		end := len(d) - 22
		off := binary.LittleEndian.Uint32(d[end+16:])
		binary.LittleEndian.PutUint32(d[end+16:], off+uint32(len(desc)-16))
		return d
	}
	le64 := func(v uint64) []byte { return binary.LittleEndian.AppendUint64(nil, v) }
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	sig := []byte{0x50, 0x4b, 0x07, 0x08}
	forms := map[string][]byte{
		"no signature":         orig[at+4 : at+16],
		"64-bit sizes":         cat(sig, crc, le64(csize), le64(usize)),
		"64-bit, no signature": cat(crc, le64(csize), le64(usize)),
	}
	for name, desc := range forms {
		x, _, err := extractFrom(t, &zipBlobServer{data: with(desc)}, "", DefaultUnzipLimits())
		require.NoError(t, err, "%s: %+v %v", name, x, err)
		require.Len(t, x.Files, 1, "%s: %+v %v", name, x, err)
		require.Equal(t, sha256Hex(body), x.Files[0].SHA256, "%s: %+v %v", name, x, err)
	}
	bad := cat(sig, []byte{0, 0, 0, 0}, le64(csize), le64(usize))
	_, _, err = extractFrom(t, &zipBlobServer{data: with(bad)}, "", DefaultUnzipLimits())
	require.ErrorIs(t, err, ErrBadZip)
	require.Contains(t, err.Error(), "data descriptor")
}
