package bundle

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/BTCDecoded/releasetrain/assetname"
)

var releaseTime = time.Date(2024, 3, 1, 12, 30, 45, 123456789, time.UTC)

// Sizes of the big test artifact: several gzip blocks where parallelism and
// the exact output matter, small elsewhere to keep -race runs quick.
const (
	bigSize   = 2*GzipBlockSize + 12345
	smallSize = 100_000
)

// testFiles returns artifacts in dir: a file of size bytes, two files with
// the same base name in different repos, nested files, an empty file.
func testFiles(t *testing.T, dir string, size int) []Input {
	t.Helper()
	// Compressible but not trivial, like code: 16 letters at random, a
	// 96 KiB pattern (longer than deflate's window) tiled with a change per tile.
	var seed [32]byte
	tile := make([]byte, 96<<10)
	_, _ = rand.NewChaCha8(seed).Read(tile)
	for i := range tile {
		tile[i] = tile[i]%16 + 'a'
	}
	var big []byte
	for i := 0; len(big) < size; i++ {
		tile[i] = 'Z'
		big = append(big, tile...)
	}
	big = big[:size]
	return []Input{
		{Repo: "bllvm-node", Name: "linux-amd64/bllvm-node", Path: put(t, dir, "node/bllvm-node", big), Executable: true},
		{Repo: "bllvm-node", Name: "README.md", Path: put(t, dir, "node/README.md", []byte("# node\n"))},
		{Repo: "commons", Name: "README.md", Path: put(t, dir, "commons/README.md", []byte("# commons\n"))},
		{Repo: "bllvm-consensus", Name: "lib/x86_64/libconsensus.so", Path: put(t, dir, "cons/lib.so", []byte("\x7fELF fake library")), Executable: true},
		{Repo: "bllvm-consensus", Name: "empty.txt", Path: put(t, dir, "cons/empty.txt", nil)},
	}
}

func mustLayout(t *testing.T, in []Input) []Entry {
	t.Helper()
	e, err := Layout(in)
	require.NoError(t, err)
	return e
}

func pack(t *testing.T, entries []Entry, opts TarballOptions) Packed {
	t.Helper()
	p, err := Package(t.TempDir(), entries, opts)
	require.NoError(t, err)
	return p
}

func TestTarballReproducible(t *testing.T) {
	t.Parallel()
	opts := TarballOptions{Name: "bllvm", Tag: "v1.2.0", Time: releaseTime}
	entries := mustLayout(t, testFiles(t, t.TempDir(), bigSize))
	first := pack(t, entries, opts)

	// The same inputs copied elsewhere, with other permissions and mtimes,
	// passed in reverse order, with every parallelism setting.
	other := t.TempDir()
	moved := make([]Entry, 0, len(entries))
	for i := len(entries) - 1; i >= 0; i-- {
		e := entries[i]
		data, err := os.ReadFile(e.Path)
		require.NoError(t, err)
		e.Path = put(t, other, fmt.Sprintf("in-%d", i), data)
		require.NoError(t, os.Chmod(e.Path, 0o600))
		require.NoError(t, os.Chtimes(e.Path, time.Now(), time.Now().Add(-time.Duration(i)*time.Hour)))
		moved = append(moved, e)
	}
	for _, c := range []int{1, 2, 4} {
		o := opts
		o.Concurrency = c
		again := pack(t, moved, o)
		assert.Equal(t, first.Tarball.SHA256, again.Tarball.SHA256, "concurrency %d: %s (%d bytes), first %s (%d bytes)", c, again.Tarball.SHA256, again.Tarball.Size, first.Tarball.SHA256, first.Tarball.Size)
		assert.Equal(t, first.Tarball.Size, again.Tarball.Size, "concurrency %d: %s (%d bytes), first %s (%d bytes)", c, again.Tarball.SHA256, again.Tarball.Size, first.Tarball.SHA256, first.Tarball.Size)
	}

	// Another time gives another bundle: the time is really in it.
	o := opts
	o.Time = releaseTime.Add(time.Hour)
	assert.NotEqual(t, first.Tarball.SHA256, pack(t, entries, o).Tarball.SHA256, "a different release time gave the same bundle")
}

func TestPackageDigests(t *testing.T) {
	t.Parallel()
	entries := mustLayout(t, testFiles(t, t.TempDir(), smallSize))
	p := pack(t, entries, TarballOptions{Name: "bllvm", Tag: "v1.2.0", Time: releaseTime})
	assert.Equal(t, "bllvm-v1.2.0.tar.gz", p.Tarball.Name, "tarball = %+v", p.Tarball)
	assert.Equal(t, p.Tarball.Name, filepath.Base(p.Tarball.Path), "tarball = %+v", p.Tarball)
	sum, size, err := HashFile(p.Tarball.Path)
	assert.NoError(t, err, "tarball digest %+v, file %s %d %v", p.Tarball, sum, size, err)
	assert.Equal(t, p.Tarball.SHA256, sum, "tarball digest %+v, file %s %d %v", p.Tarball, sum, size, err)
	assert.Equal(t, p.Tarball.Size, size, "tarball digest %+v, file %s %d %v", p.Tarball, sum, size, err)
	require.Len(t, p.Assets, len(entries), "%d assets for %d entries", len(p.Assets), len(entries))
	for i, d := range p.Assets {
		sum, size, err := HashFile(entries[i].Path)
		require.NoError(t, err)
		assert.Equal(t, entries[i].Asset, d.Name, "asset %d", i)
		assert.Equal(t, sum, d.SHA256, "asset %d", i)
		assert.Equal(t, size, d.Size, "asset %d", i)
		assert.Equal(t, entries[i].Path, d.Path, "asset %d", i)
	}
	got := p.Digests()
	if assert.Len(t, got, len(entries)+1, "Digests() = %+v", got) {
		assert.Equal(t, p.Tarball, got[len(got)-1], "Digests() ends with the tarball")
	}
}

func TestTarballMetadata(t *testing.T) {
	t.Parallel()
	entries := mustLayout(t, testFiles(t, t.TempDir(), smallSize))
	p := pack(t, entries, TarballOptions{Name: "bllvm", Tag: "v1.2.0", Time: releaseTime})
	f, err := os.Open(p.Tarball.Path)
	require.NoError(t, err)
	defer f.Close()
	zr, err := gzip.NewReader(f)
	require.NoError(t, err)
	assert.Empty(t, zr.Name, "gzip header name")
	assert.Empty(t, zr.Comment, "gzip header comment")
	assert.True(t, zr.ModTime.IsZero(), "gzip header time %v, want none", zr.ModTime)
	assert.Equal(t, byte(255), zr.OS, "gzip header OS")
	tr := tar.NewReader(zr)
	var got []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		assert.Zero(t, h.Uid, "%s: uid", h.Name)
		assert.Zero(t, h.Gid, "%s: gid", h.Name)
		assert.Empty(t, h.Uname, "%s: user name", h.Name)
		assert.Empty(t, h.Gname, "%s: group name", h.Name)
		assert.True(t, h.ModTime.Equal(releaseTime.Truncate(time.Second)), "%s: mtime %v", h.Name, h.ModTime)
		assert.Contains(t, []tar.Format{tar.FormatUSTAR, tar.FormatPAX}, h.Format, "%s: format", h.Name)
		got = append(got, fmt.Sprintf("%c %o %s", h.Typeflag, h.Mode, h.Name))
		if h.Typeflag == tar.TypeReg {
			data, err := io.ReadAll(tr)
			require.NoError(t, err)
			want := entryData(t, entries, h.Name)
			assert.True(t, bytes.Equal(data, want), "%s: content differs (%d bytes, want %d)", h.Name, len(data), len(want))
		}
	}
	want := []string{
		"5 755 bllvm-v1.2.0/",
		"5 755 bllvm-v1.2.0/bllvm-consensus/",
		"0 644 bllvm-v1.2.0/bllvm-consensus/empty.txt",
		"5 755 bllvm-v1.2.0/bllvm-consensus/lib/",
		"5 755 bllvm-v1.2.0/bllvm-consensus/lib/x86_64/",
		"0 755 bllvm-v1.2.0/bllvm-consensus/lib/x86_64/libconsensus.so",
		"5 755 bllvm-v1.2.0/bllvm-node/",
		"0 644 bllvm-v1.2.0/bllvm-node/README.md",
		"5 755 bllvm-v1.2.0/bllvm-node/linux-amd64/",
		"0 755 bllvm-v1.2.0/bllvm-node/linux-amd64/bllvm-node",
		"5 755 bllvm-v1.2.0/commons/",
		"0 644 bllvm-v1.2.0/commons/README.md",
	}
	assert.Equal(t, strings.Join(want, "\n"), strings.Join(got, "\n"), "entries")
}

func entryData(t *testing.T, entries []Entry, name string) []byte {
	t.Helper()
	for _, e := range entries {
		if "bllvm-v1.2.0/"+e.Repo+"/"+e.Name == name {
			data, err := os.ReadFile(e.Path)
			require.NoError(t, err)
			return data
		}
	}
	t.Fatalf("no entry for %s", name)
	return nil
}

func TestTarballListedByTar(t *testing.T) {
	t.Parallel()
	entries := mustLayout(t, testFiles(t, t.TempDir(), smallSize))
	p := pack(t, entries, TarballOptions{Name: "bllvm", Tag: "v1.2.0", Time: releaseTime})
	out, err := tool(t, t.TempDir(), []string{"TZ=UTC"}, "tar", "-tzvf", p.Tarball.Path)
	require.NoError(t, err, "tar -tzvf: %v\n%s", err, out)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 12, "tar lists %d entries:\n%s", len(lines), out)
	for _, l := range lines {
		f := strings.Fields(l)
		require.Len(t, f, 6, "unexpected tar line %q", l)
		mode, owner, date, clock := f[0], f[1], f[3], f[4]
		assert.Equal(t, "0/0", owner, "tar line %q: want owner 0/0 and mtime 2024-03-01 12:30", l)
		assert.Equal(t, "2024-03-01", date, "tar line %q: want owner 0/0 and mtime 2024-03-01 12:30", l)
		assert.Equal(t, "12:30", clock, "tar line %q: want owner 0/0 and mtime 2024-03-01 12:30", l)
		assert.Contains(t, []string{"drwxr-xr-x", "-rw-r--r--", "-rwxr-xr-x"}, mode, "tar line %q", l)
	}
	assert.Contains(t, strings.Join(strings.Fields(out), " "), "-rwxr-xr-x 0/0 100000 2024-03-01 12:30 bllvm-v1.2.0/bllvm-node/linux-amd64/bllvm-node", "tar -tzvf misses the executable:\n%s", out)
}

func TestTarballExtractedByTar(t *testing.T) {
	t.Parallel()
	entries := mustLayout(t, testFiles(t, t.TempDir(), smallSize))
	p := pack(t, entries, TarballOptions{Name: "bllvm", Tag: "v1.2.0", Time: releaseTime})
	dst := t.TempDir()
	out, err := tool(t, dst, nil, "tar", "-xzf", p.Tarball.Path)
	require.NoError(t, err, "tar -xzf: %v\n%s", err, out)
	for _, e := range entries {
		got := filepath.Join(dst, "bllvm-v1.2.0", e.Repo, filepath.FromSlash(e.Name))
		sum, _, err := HashFile(got)
		require.NoError(t, err)
		want, _, _ := HashFile(e.Path)
		st, _ := os.Stat(got)
		assert.Equal(t, want, sum, "%s: extracted sha256", got)
		assert.Equal(t, e.Executable, st.Mode().Perm()&0o100 != 0, "%s: extracted mode %v", got, st.Mode())
	}
}

// goldenBundleSHA256 pins the fixture's bundle digest: if a Go or pgzip
// upgrade changes it, bundles are no longer reproducible across versions of
// releasetrain, which users must be told about.
const goldenBundleSHA256 = "6d4150ef223d5d89101284f2ba5f200966b5f1593dc84b7822b019a4c8189896"

func TestTarballGoldenDigest(t *testing.T) {
	t.Parallel()
	entries := mustLayout(t, testFiles(t, t.TempDir(), bigSize))
	p := pack(t, entries, TarballOptions{Name: "bllvm", Tag: "v1.2.0", Time: releaseTime})
	assert.Equal(t, goldenBundleSHA256, p.Tarball.SHA256, "bundle sha256 %s, golden %s: the output format changed", p.Tarball.SHA256, goldenBundleSHA256)
}

func TestSha256sumChecksAssets(t *testing.T) {
	t.Parallel()
	entries := mustLayout(t, testFiles(t, t.TempDir(), smallSize))
	p := pack(t, entries, TarballOptions{Name: "bllvm", Tag: "v1.2.0", Time: releaseTime})
	// A folder of downloaded assets: every file under its asset name.
	dl := t.TempDir()
	for _, d := range p.Digests() {
		data, err := os.ReadFile(d.Path)
		require.NoError(t, err)
		put(t, dl, d.Name, data)
	}
	put(t, dl, assetname.Sums, SHA256SUMS(p.Digests()))
	out, err := tool(t, dl, nil, "sha256sum", "-c", assetname.Sums)
	require.NoError(t, err, "sha256sum -c: %v\n%s", err, out)
	n := strings.Count(out, ": OK")
	assert.Equal(t, len(entries)+1, n, "sha256sum checked %d files, want %d:\n%s", n, len(entries)+1, out)
	put(t, dl, "bllvm-node-README.md", []byte("tampered"))
	out, err = tool(t, dl, nil, "sha256sum", "-c", assetname.Sums)
	assert.Error(t, err, "sha256sum -c accepted a tampered file:\n%s", out)
	assert.Contains(t, out, "bllvm-node-README.md: FAILED", "sha256sum -c accepted a tampered file")
}

func TestTarballErrors(t *testing.T) {
	t.Parallel()
	src := t.TempDir()
	path := put(t, src, "a", []byte("hello"))
	good := Entry{Input: Input{Repo: "r", Name: "a", Path: path}, Asset: "a"}
	opts := TarballOptions{Name: "n", Tag: "v1", Time: releaseTime}
	with := func(f func(*Entry, *TarballOptions)) ([]Entry, TarballOptions) {
		e, o := good, opts
		f(&e, &o)
		return []Entry{e}, o
	}
	tests := []struct {
		give func(*Entry, *TarballOptions)
		want string
	}{
		{func(e *Entry, _ *TarballOptions) { e.SHA256 = strings.Repeat("0", 64) }, "sha256 2cf24dba"},
		{func(e *Entry, _ *TarballOptions) { e.Size = 6 }, "size 5, want 6"},
		{func(e *Entry, _ *TarballOptions) { e.Path = filepath.Join(src, "missing") }, "no such file"},
		{func(e *Entry, _ *TarballOptions) { e.Path = src }, "not a regular file"},
		{func(e *Entry, _ *TarballOptions) { e.Asset = "n-v1.tar.gz" }, "is the bundle's name"},
		{func(e *Entry, _ *TarballOptions) { e.Name = "../a" }, "invalid artifact file name"},
		{func(_ *Entry, o *TarballOptions) { o.Time = time.Time{} }, "time is zero"},
		{func(_ *Entry, o *TarballOptions) { o.Tag = "a/b" }, `bundle tag "a/b"`},
		{func(_ *Entry, o *TarballOptions) { o.Tag = "v1,2" }, `bundle tag "v1,2": ',' at byte 2: GitHub renames`},
		{func(_ *Entry, o *TarballOptions) { o.Tag = "v1.lock" }, `bundle tag "v1.lock": ends with ".lock"`},
		{func(_ *Entry, o *TarballOptions) { o.Name = "" }, `bundle name ""`},
	}
	for i, tt := range tests {
		entries, o := with(tt.give)
		dir := t.TempDir()
		_, err := WriteTarball(dir, entries, o)
		assert.ErrorContains(t, err, tt.want, "case %d: err", i)
		left, _ := os.ReadDir(dir)
		assert.Empty(t, left, "case %d: left %d files behind", i, len(left))
	}
	// A right digest is accepted, in either case.
	e := good
	e.SHA256 = "2CF24DBA5FB0A30E26E83B2AC5B9E29E1B161E5C1FA7425E73043362938B9824"
	_, err := WriteTarball(t.TempDir(), []Entry{e}, opts)
	assert.NoError(t, err, "matching sha256")
	// A file and a directory of the same name cannot both exist.
	clash := []Entry{good, {Input: Input{Repo: "r", Name: "a/b", Path: path}, Asset: "b"}}
	_, err = WriteTarball(t.TempDir(), clash, opts)
	assert.ErrorContains(t, err, "both a file and a directory", "file/dir clash")
}
