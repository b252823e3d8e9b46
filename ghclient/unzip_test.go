package ghclient

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"hash/crc32"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

type zipEntry struct {
	name    string
	body    []byte
	mode    fs.FileMode
	deflate bool
}

func writeZip(t *testing.T, entries []zipEntry) string {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		h := &zip.FileHeader{Name: e.name, Method: zip.Store}
		if e.deflate {
			h.Method = zip.Deflate
		}
		if e.mode != 0 {
			h.SetMode(e.mode)
		}
		w, err := zw.CreateHeader(h)
		require.NoError(t, err)
		_, err = w.Write(e.body)
		require.NoError(t, err)
	}
	require.NoError(t, zw.Close())
	p := filepath.Join(t.TempDir(), "a.zip")
	require.NoError(t, os.WriteFile(p, buf.Bytes(), 0o644))
	return p
}

func TestUnzipExtractsAndHashes(t *testing.T) {
	t.Parallel()
	zp := writeZip(t, []zipEntry{
		{name: "bin/", mode: fs.ModeDir | 0o755},
		{name: "bin/tool", body: []byte("#!/bin/sh\necho hi\n"), mode: 0o755},
		{name: "docs/readme.txt", body: bytes.Repeat([]byte("read me "), 1000), deflate: true},
	})
	dest := filepath.Join(t.TempDir(), "out")
	files, err := Unzip(zp, dest, "linux-amd64", DefaultUnzipLimits())
	require.NoError(t, err)
	require.Len(t, files, 2)
	for _, f := range files {
		b, err := os.ReadFile(f.Path)
		require.NoError(t, err)
		sum := sha256.Sum256(b)
		require.Equal(t, hex.EncodeToString(sum[:]), f.SHA256, "%s: hash/size mismatch", f.Name)
		require.Equal(t, int64(len(b)), f.Size, "%s: hash/size mismatch", f.Name)
		require.Equal(t, filepath.Join(dest, filepath.FromSlash(f.Name)), f.Path, "path %s for %s", f.Path, f.Name)
	}
	require.Equal(t, "bin/tool", files[0].Name, "executable bits: %+v", files)
	require.True(t, files[0].Executable, "executable bits: %+v", files)
	require.False(t, files[1].Executable, "executable bits: %+v", files)
	st, _ := os.Stat(files[0].Path)
	require.NotEqual(t, fs.FileMode(0), st.Mode().Perm()&0o100, "tool mode %v, want executable", st.Mode())
}

func TestUnzipRejectsUnsafeEntries(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		entry zipEntry
	}{
		{"dotdot", zipEntry{name: "../evil", body: []byte("x")}},
		{"nested dotdot", zipEntry{name: "a/../../evil", body: []byte("x")}},
		{"absolute", zipEntry{name: "/etc/evil", body: []byte("x")}},
		{"drive", zipEntry{name: "C:/evil", body: []byte("x")}},
		{"backslash", zipEntry{name: `..\evil`, body: []byte("x")}},
		{"symlink", zipEntry{name: "link", body: []byte("/etc/passwd"), mode: fs.ModeSymlink | 0o777}},
		{"device", zipEntry{name: "dev", body: nil, mode: fs.ModeDevice | 0o644}},
		{"dot segment", zipEntry{name: "./x", body: []byte("x")}},
		{"inner dot segment", zipEntry{name: "d/./b", body: []byte("x")}},
		{"empty segment", zipEntry{name: "d//b", body: []byte("x")}},
		{"empty segment in folder", zipEntry{name: "d//", mode: fs.ModeDir | 0o755}},
		{"not UTF-8", zipEntry{name: "caf\xe9", body: []byte("x")}},
		{"control character", zipEntry{name: "a\nb", body: []byte("x")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			zp := writeZip(t, []zipEntry{{name: "ok.txt", body: []byte("fine")}, tt.entry})
			dest := filepath.Join(t.TempDir(), "out")
			_, err := Unzip(zp, dest, "art", DefaultUnzipLimits())
			require.ErrorIs(t, err, ErrUnsafeEntry)
			require.Contains(t, err.Error(), `"art"`, "error %q must name artifact and entry", err)
			require.Contains(t, err.Error(), strconv.Quote(tt.entry.name), "error %q must name artifact and entry", err)
			_, err = os.Stat(filepath.Join(dest, "ok.txt"))
			require.True(t, os.IsNotExist(err), "nothing may be written when an entry is unsafe")
		})
	}
}

func TestUnzipRejectsDuplicates(t *testing.T) {
	t.Parallel()
	tests := []struct {
		give []zipEntry
		want string // the entry the error names
	}{
		{[]zipEntry{{name: "a", body: []byte("1")}, {name: "a", body: []byte("2")}}, `"a"`},
		// "d//b" lands on "d/b": once it overwrote the first entry's bytes
		// after they were hashed, and the store kept them under that digest.
		{[]zipEntry{{name: "d/b", body: []byte("1")}, {name: "d//b", body: []byte("2")}}, `"d//b"`},
		{[]zipEntry{{name: "d", mode: fs.ModeDir | 0o755}, {name: "d", body: []byte("2")}}, `"d"`},
		{[]zipEntry{{name: "a", body: []byte("1")}, {name: "a/b", body: []byte("2")}}, `"a/b"`},
		{[]zipEntry{{name: "a/b/c", body: []byte("1")}, {name: "a", body: []byte("2")}}, `"a/b/c"`},
	}
	for _, tt := range tests {
		dest := filepath.Join(t.TempDir(), "out")
		_, err := Unzip(writeZip(t, tt.give), dest, "art", DefaultUnzipLimits())
		require.ErrorIs(t, err, ErrUnsafeEntry, "%v: err = %v, want ErrUnsafeEntry naming %s", tt.give, err, tt.want)
		require.Contains(t, err.Error(), tt.want, "%v: err = %v, want ErrUnsafeEntry naming %s", tt.give, err, tt.want)
		_, err = os.Stat(dest)
		require.True(t, os.IsNotExist(err), "%v: nothing may be written when two entries collide", tt.give)
	}
}

func TestUnzipLimits(t *testing.T) {
	t.Parallel()
	zeros := make([]byte, 4<<20) // deflates ~1000:1
	tests := []struct {
		name    string
		entries []zipEntry
		lim     UnzipLimits
	}{
		{"ratio", []zipEntry{{name: "bomb", body: zeros, deflate: true}}, UnzipLimits{MaxRatio: 100}},
		{"entry size", []zipEntry{{name: "big", body: make([]byte, 2048)}}, UnzipLimits{MaxEntry: 1024}},
		{"total size", []zipEntry{{name: "a", body: make([]byte, 800)}, {name: "b", body: make([]byte, 800)}}, UnzipLimits{MaxTotal: 1000}},
		{"file count", []zipEntry{{name: "a"}, {name: "b"}, {name: "c"}}, UnzipLimits{MaxFiles: 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			zp := writeZip(t, tt.entries)
			_, err := Unzip(zp, t.TempDir(), "art", tt.lim)
			require.ErrorIs(t, err, ErrZipBomb)
		})
	}
	// Small entries are exempt from the ratio limit.
	zp := writeZip(t, []zipEntry{{name: "small", body: make([]byte, 64<<10), deflate: true}})
	_, err := Unzip(zp, t.TempDir(), "art", UnzipLimits{MaxRatio: 10})
	require.NoError(t, err, "small compressible file rejected")
}

// TestUnzipLyingHeader: the central directory claims 10 bytes, the data
// inflates to 1 MiB; extraction stops at the limit instead of trusting it.
func TestUnzipLyingHeader(t *testing.T) {
	t.Parallel()
	body := bytes.Repeat([]byte("A"), 1<<20)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateRaw(&zip.FileHeader{
		Name: "liar", Method: zip.Store, CRC32: crc32.ChecksumIEEE(body),
		CompressedSize64: uint64(len(body)), UncompressedSize64: 10,
	})
	require.NoError(t, err)
	_, err = w.Write(body)
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	zp := filepath.Join(t.TempDir(), "liar.zip")
	require.NoError(t, os.WriteFile(zp, buf.Bytes(), 0o644))
	dest := t.TempDir()
	_, err = Unzip(zp, dest, "art", UnzipLimits{MaxEntry: 1024})
	require.ErrorContains(t, err, "liar")
	st, err := os.Stat(filepath.Join(dest, "liar"))
	if err == nil {
		require.LessOrEqual(t, st.Size(), int64(1025), "bytes written past the limit")
	}
}

func TestUnzipStaysInsideDestThroughSymlinkedDir(t *testing.T) {
	t.Parallel()
	dest := t.TempDir()
	outside := t.TempDir()
	require.NoError(t, os.Symlink(outside, filepath.Join(dest, "sub")))
	zp := writeZip(t, []zipEntry{{name: "sub/escape", body: []byte("x")}})
	_, err := Unzip(zp, dest, "art", DefaultUnzipLimits())
	require.Error(t, err, "extraction followed a symlink out of dest")
	_, err = os.Stat(filepath.Join(outside, "escape"))
	require.True(t, os.IsNotExist(err), "file landed outside dest")
}
