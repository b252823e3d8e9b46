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
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func pack(t *testing.T, entries []Entry, opts TarballOptions) Packed {
	t.Helper()
	p, err := Package(t.TempDir(), entries, opts)
	if err != nil {
		t.Fatal(err)
	}
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
		if err != nil {
			t.Fatal(err)
		}
		e.Path = put(t, other, fmt.Sprintf("in-%d", i), data)
		if err := os.Chmod(e.Path, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(e.Path, time.Now(), time.Now().Add(-time.Duration(i)*time.Hour)); err != nil {
			t.Fatal(err)
		}
		moved = append(moved, e)
	}
	for _, c := range []int{1, 2, 4} {
		o := opts
		o.Concurrency = c
		again := pack(t, moved, o)
		if again.Tarball.SHA256 != first.Tarball.SHA256 || again.Tarball.Size != first.Tarball.Size {
			t.Errorf("concurrency %d: %s (%d bytes), first %s (%d bytes)", c,
				again.Tarball.SHA256, again.Tarball.Size, first.Tarball.SHA256, first.Tarball.Size)
		}
	}

	// Another time gives another bundle: the time is really in it.
	o := opts
	o.Time = releaseTime.Add(time.Hour)
	if pack(t, entries, o).Tarball.SHA256 == first.Tarball.SHA256 {
		t.Error("a different release time gave the same bundle")
	}
}

func TestPackageDigests(t *testing.T) {
	t.Parallel()
	entries := mustLayout(t, testFiles(t, t.TempDir(), smallSize))
	p := pack(t, entries, TarballOptions{Name: "bllvm", Tag: "v1.2.0", Time: releaseTime})
	if p.Tarball.Name != "bllvm-v1.2.0.tar.gz" || filepath.Base(p.Tarball.Path) != p.Tarball.Name {
		t.Errorf("tarball = %+v", p.Tarball)
	}
	if sum, size, err := HashFile(p.Tarball.Path); err != nil || sum != p.Tarball.SHA256 || size != p.Tarball.Size {
		t.Errorf("tarball digest %+v, file %s %d %v", p.Tarball, sum, size, err)
	}
	if len(p.Assets) != len(entries) {
		t.Fatalf("%d assets for %d entries", len(p.Assets), len(entries))
	}
	for i, d := range p.Assets {
		sum, size, err := HashFile(entries[i].Path)
		if err != nil {
			t.Fatal(err)
		}
		if d.Name != entries[i].Asset || d.SHA256 != sum || d.Size != size || d.Path != entries[i].Path {
			t.Errorf("asset %d = %+v, want %s %s %d", i, d, entries[i].Asset, sum, size)
		}
	}
	if got := p.Digests(); len(got) != len(entries)+1 || got[len(got)-1] != p.Tarball {
		t.Errorf("Digests() = %+v", got)
	}
}

func TestTarballMetadata(t *testing.T) {
	t.Parallel()
	entries := mustLayout(t, testFiles(t, t.TempDir(), smallSize))
	p := pack(t, entries, TarballOptions{Name: "bllvm", Tag: "v1.2.0", Time: releaseTime})
	f, err := os.Open(p.Tarball.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	if zr.Name != "" || zr.Comment != "" || !zr.ModTime.IsZero() || zr.OS != 255 {
		t.Errorf("gzip header = %+v, want no name, no time, OS 255", zr.Header)
	}
	tr := tar.NewReader(zr)
	var got []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Uid != 0 || h.Gid != 0 || h.Uname != "" || h.Gname != "" {
			t.Errorf("%s: owner %d/%d %q/%q", h.Name, h.Uid, h.Gid, h.Uname, h.Gname)
		}
		if !h.ModTime.Equal(releaseTime.Truncate(time.Second)) {
			t.Errorf("%s: mtime %v", h.Name, h.ModTime)
		}
		if h.Format != tar.FormatUSTAR && h.Format != tar.FormatPAX {
			t.Errorf("%s: format %v", h.Name, h.Format)
		}
		got = append(got, fmt.Sprintf("%c %o %s", h.Typeflag, h.Mode, h.Name))
		if h.Typeflag == tar.TypeReg {
			data, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			want := entryData(t, entries, h.Name)
			if !bytes.Equal(data, want) {
				t.Errorf("%s: content differs (%d bytes, want %d)", h.Name, len(data), len(want))
			}
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
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("entries:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func entryData(t *testing.T, entries []Entry, name string) []byte {
	t.Helper()
	for _, e := range entries {
		if "bllvm-v1.2.0/"+e.Repo+"/"+e.Name == name {
			data, err := os.ReadFile(e.Path)
			if err != nil {
				t.Fatal(err)
			}
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
	if err != nil {
		t.Fatalf("tar -tzvf: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 12 {
		t.Fatalf("tar lists %d entries:\n%s", len(lines), out)
	}
	for _, l := range lines {
		f := strings.Fields(l)
		if len(f) != 6 {
			t.Fatalf("unexpected tar line %q", l)
		}
		mode, owner, date, clock := f[0], f[1], f[3], f[4]
		if owner != "0/0" || date != "2024-03-01" || clock != "12:30" {
			t.Errorf("tar line %q: want owner 0/0 and mtime 2024-03-01 12:30", l)
		}
		if mode != "drwxr-xr-x" && mode != "-rw-r--r--" && mode != "-rwxr-xr-x" {
			t.Errorf("tar line %q: mode %s", l, mode)
		}
	}
	if !strings.Contains(strings.Join(strings.Fields(out), " "), "-rwxr-xr-x 0/0 100000 2024-03-01 12:30 bllvm-v1.2.0/bllvm-node/linux-amd64/bllvm-node") {
		t.Errorf("tar -tzvf misses the executable:\n%s", out)
	}
}

func TestTarballExtractedByTar(t *testing.T) {
	t.Parallel()
	entries := mustLayout(t, testFiles(t, t.TempDir(), smallSize))
	p := pack(t, entries, TarballOptions{Name: "bllvm", Tag: "v1.2.0", Time: releaseTime})
	dst := t.TempDir()
	if out, err := tool(t, dst, nil, "tar", "-xzf", p.Tarball.Path); err != nil {
		t.Fatalf("tar -xzf: %v\n%s", err, out)
	}
	for _, e := range entries {
		got := filepath.Join(dst, "bllvm-v1.2.0", e.Repo, filepath.FromSlash(e.Name))
		sum, _, err := HashFile(got)
		if err != nil {
			t.Fatal(err)
		}
		want, _, _ := HashFile(e.Path)
		st, _ := os.Stat(got)
		if sum != want || (st.Mode().Perm()&0o100 != 0) != e.Executable {
			t.Errorf("%s: extracted sha256 %s mode %v, want %s executable=%v", got, sum, st.Mode(), want, e.Executable)
		}
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
	if p.Tarball.SHA256 != goldenBundleSHA256 {
		t.Errorf("bundle sha256 %s, golden %s: the output format changed", p.Tarball.SHA256, goldenBundleSHA256)
	}
}

func TestSha256sumChecksAssets(t *testing.T) {
	t.Parallel()
	entries := mustLayout(t, testFiles(t, t.TempDir(), smallSize))
	p := pack(t, entries, TarballOptions{Name: "bllvm", Tag: "v1.2.0", Time: releaseTime})
	// A folder of downloaded assets: every file under its asset name.
	dl := t.TempDir()
	for _, d := range p.Digests() {
		data, err := os.ReadFile(d.Path)
		if err != nil {
			t.Fatal(err)
		}
		put(t, dl, d.Name, data)
	}
	put(t, dl, assetname.Sums, SHA256SUMS(p.Digests()))
	out, err := tool(t, dl, nil, "sha256sum", "-c", assetname.Sums)
	if err != nil {
		t.Fatalf("sha256sum -c: %v\n%s", err, out)
	}
	if n := strings.Count(out, ": OK"); n != len(entries)+1 {
		t.Errorf("sha256sum checked %d files, want %d:\n%s", n, len(entries)+1, out)
	}
	put(t, dl, "bllvm-node-README.md", []byte("tampered"))
	if out, err := tool(t, dl, nil, "sha256sum", "-c", assetname.Sums); err == nil || !strings.Contains(out, "bllvm-node-README.md: FAILED") {
		t.Errorf("sha256sum -c accepted a tampered file: %v\n%s", err, out)
	}
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
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("case %d: err = %v, want %q", i, err, tt.want)
		}
		if left, _ := os.ReadDir(dir); len(left) != 0 {
			t.Errorf("case %d: left %d files behind", i, len(left))
		}
	}
	// A right digest is accepted, in either case.
	e := good
	e.SHA256 = "2CF24DBA5FB0A30E26E83B2AC5B9E29E1B161E5C1FA7425E73043362938B9824"
	if _, err := WriteTarball(t.TempDir(), []Entry{e}, opts); err != nil {
		t.Errorf("matching sha256: %v", err)
	}
	// A file and a directory of the same name cannot both exist.
	clash := []Entry{good, {Input: Input{Repo: "r", Name: "a/b", Path: path}, Asset: "b"}}
	if _, err := WriteTarball(t.TempDir(), clash, opts); err == nil || !strings.Contains(err.Error(), "both a file and a directory") {
		t.Errorf("file/dir clash: %v", err)
	}
}
