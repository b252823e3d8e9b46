package bundle

import (
	"archive/tar"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/klauspost/pgzip"

	"github.com/BTCDecoded/releasetrain/assetname"
	"github.com/BTCDecoded/releasetrain/releasetag"
)

// Fixed compression settings. The gzip stream depends on the level and the
// block size only (each block is deflated on its own with the previous
// block's tail as dictionary), never on how many blocks run in parallel, so
// changing either constant changes every bundle's digest: don't.
const (
	// GzipLevel is the deflate level: the same as gzip's default.
	GzipLevel = 6
	// GzipBlockSize is the uncompressed size of each parallel gzip block.
	GzipBlockSize = 1 << 20
)

// TarballOptions names and dates a bundle.
type TarballOptions struct {
	// Name and Tag name the bundle <name>-<tag>.tar.gz and its top directory
	// <name>-<tag>/. Both are required.
	Name, Tag string
	// Time is every entry's mtime, truncated to seconds (required): the
	// release time, or the worker's SOURCE_DATE_EPOCH.
	Time time.Time
	// Concurrency is how many gzip blocks are compressed in parallel. It does
	// not change the output. Default is runtime.GOMAXPROCS(0).
	Concurrency int
}

// Packed is the result of [Package]: the tarball and one digest per entry.
type Packed struct {
	Tarball Digest
	// Assets has one digest per entry, in entry order, named by Entry.Asset.
	Assets []Digest
}

// Digests returns every published file: the assets, then the tarball.
func (p Packed) Digests() []Digest {
	return append(append([]Digest(nil), p.Assets...), p.Tarball)
}

// WriteTarball writes dir/<name>-<tag>.tar.gz holding every entry under
// <name>-<tag>/<repo>/<name> and returns its digest. The output is
// bit-for-bit reproducible (see the package documentation). Entries that
// carry a SHA256 are checked while streaming. The file appears atomically:
// it is written to a temporary name in dir and renamed.
func WriteTarball(dir string, entries []Entry, opts TarballOptions) (Digest, error) {
	p, err := Package(dir, entries, opts)
	return p.Tarball, err
}

// Package is [WriteTarball] that also returns each entry's digest, hashing
// every input once while it is packed.
func Package(dir string, entries []Entry, opts TarballOptions) (Packed, error) {
	if err := checkOptions(opts); err != nil {
		return Packed{}, err
	}
	name := assetname.Bundle(opts.Name, opts.Tag)
	for _, e := range entries {
		if e.Asset == name {
			return Packed{}, fmt.Errorf("repo %q file %q: asset name %q is the bundle's name", e.Repo, e.Name, name)
		}
	}
	members, err := tarMembers(opts.Name+"-"+opts.Tag, entries)
	if err != nil {
		return Packed{}, err
	}

	tmp, err := os.CreateTemp(dir, "."+name+".*.tmp")
	if err != nil {
		return Packed{}, fmt.Errorf("create bundle in %s: %w", dir, err)
	}
	defer func() {
		if tmp != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()

	sum := sha256.New()
	counted := &countWriter{w: io.MultiWriter(tmp, sum)}
	assets, err := writeTarGz(counted, members, len(entries), opts)
	if err != nil {
		return Packed{}, fmt.Errorf("write %s: %w", name, err)
	}
	if err := tmp.Sync(); err != nil {
		return Packed{}, fmt.Errorf("sync %s: %w", name, err)
	}
	if err := tmp.Close(); err != nil {
		return Packed{}, fmt.Errorf("close %s: %w", name, err)
	}
	final := filepath.Join(dir, name)
	if err := os.Rename(tmp.Name(), final); err != nil {
		return Packed{}, fmt.Errorf("rename %s: %w", name, err)
	}
	tmp = nil
	return Packed{
		Tarball: Digest{Name: name, Path: final, Size: counted.n, SHA256: hex.EncodeToString(sum.Sum(nil))},
		Assets:  assets,
	}, nil
}

func checkOptions(opts TarballOptions) error {
	if opts.Name == "" || opts.Name == "." || opts.Name == ".." || strings.ContainsAny(opts.Name, "/\\\x00\n\r") {
		return fmt.Errorf("bundle name %q: want a non-empty name without slashes", opts.Name)
	}
	// The same check the receiver, the API and the CLI apply, so a tag that
	// reaches packaging was never one the train could not package.
	if err := releasetag.Check(opts.Tag); err != nil {
		return fmt.Errorf("bundle %w", err)
	}
	if opts.Time.IsZero() {
		return errors.New("bundle time is zero: set the release time or SOURCE_DATE_EPOCH")
	}
	return nil
}

// member is one tar entry: a directory, or entry index >= 0 for a file.
type member struct {
	path  string
	entry int
	e     Entry
}

// tarMembers lists every directory and file of the bundle, sorted by path.
func tarMembers(root string, entries []Entry) ([]member, error) {
	dirs := map[string]bool{root + "/": true}
	files := map[string]bool{}
	var out []member
	for i, e := range entries {
		if err := validRepo(e.Repo); err != nil {
			return nil, err
		}
		if err := validName(e.Name); err != nil {
			return nil, fmt.Errorf("repo %q: %w", e.Repo, err)
		}
		p := root + "/" + e.Repo + "/" + e.Name
		if files[p] {
			return nil, fmt.Errorf("repo %q: file %q listed twice", e.Repo, e.Name)
		}
		files[p] = true
		out = append(out, member{path: p, entry: i, e: e})
		for d := path.Dir(p); d != root; d = path.Dir(d) {
			dirs[d+"/"] = true
		}
	}
	for d := range dirs {
		if files[strings.TrimSuffix(d, "/")] {
			return nil, fmt.Errorf("%s is both a file and a directory", strings.TrimSuffix(d, "/"))
		}
		out = append(out, member{path: d, entry: -1})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].path < out[j].path })
	return out, nil
}

// writeTarGz streams the members as tar.gz to w and returns the digest of
// every file entry, indexed like the entries.
func writeTarGz(w io.Writer, members []member, nEntries int, opts TarballOptions) ([]Digest, error) {
	zw, err := pgzip.NewWriterLevel(w, GzipLevel)
	if err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	blocks := opts.Concurrency
	if blocks <= 0 {
		blocks = runtime.GOMAXPROCS(0)
	}
	if err := zw.SetConcurrency(GzipBlockSize, blocks); err != nil {
		_ = zw.Close()
		return nil, fmt.Errorf("gzip: %w", err)
	}
	// No name, a zero timestamp (the zero time.Time would not encode as 0),
	// OS 255 "unknown".
	zw.Name, zw.Comment, zw.Extra = "", "", nil
	zw.ModTime = time.Unix(0, 0)
	zw.OS = 255

	tw := tar.NewWriter(zw)
	mtime := opts.Time.UTC().Truncate(time.Second)
	digests := make([]Digest, nEntries)
	buf := make([]byte, copyBufSize)
	h := sha256.New()
	for _, m := range members {
		if m.entry < 0 {
			err = tw.WriteHeader(header(m.path, tar.TypeDir, 0o755, 0, mtime))
		} else {
			digests[m.entry], err = writeFile(tw, m, mtime, h, buf)
		}
		if err != nil {
			_ = zw.Close()
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		_ = zw.Close()
		return nil, fmt.Errorf("tar: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	return digests, nil
}

func header(name string, typ byte, mode, size int64, mtime time.Time) *tar.Header {
	return &tar.Header{
		Typeflag: typ,
		Name:     name,
		Mode:     mode,
		Size:     size,
		ModTime:  mtime,
		Format:   tar.FormatPAX,
	}
}

func writeFile(tw *tar.Writer, m member, mtime time.Time, h hash.Hash, buf []byte) (Digest, error) {
	e := m.e
	if e.Open != nil {
		return writeOpened(tw, m, mtime, h, buf)
	}
	f, err := os.Open(e.Path)
	if err != nil {
		return Digest{}, fmt.Errorf("repo %q file %q: %w", e.Repo, e.Name, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return Digest{}, fmt.Errorf("repo %q file %q: %w", e.Repo, e.Name, err)
	}
	if !st.Mode().IsRegular() {
		return Digest{}, fmt.Errorf("repo %q file %q: %s is not a regular file", e.Repo, e.Name, e.Path)
	}
	size := st.Size()
	if e.Size != 0 && e.Size != size {
		return Digest{}, fmt.Errorf("repo %q file %q: size %d, want %d", e.Repo, e.Name, size, e.Size)
	}
	if err := tw.WriteHeader(header(m.path, tar.TypeReg, fileMode(e), size, mtime)); err != nil {
		return Digest{}, fmt.Errorf("tar %s: %w", m.path, err)
	}
	h.Reset()
	n, err := io.CopyBuffer(struct{ io.Writer }{tw}, io.TeeReader(io.LimitReader(f, size), h), buf)
	if err != nil {
		return Digest{}, fmt.Errorf("tar %s: %w", m.path, err)
	}
	if n != size {
		return Digest{}, fmt.Errorf("repo %q file %q: %s shrank to %d bytes while packing (want %d)", e.Repo, e.Name, e.Path, n, size)
	}
	return checkDigest(e, size, h)
}

// writeOpened packs an entry read through its Open function: the stream must
// hold exactly e.Size bytes (the tar header is written before reading it).
func writeOpened(tw *tar.Writer, m member, mtime time.Time, h hash.Hash, buf []byte) (Digest, error) {
	e := m.e
	if e.Size < 0 {
		return Digest{}, fmt.Errorf("repo %q file %q: negative size %d", e.Repo, e.Name, e.Size)
	}
	r, err := e.Open()
	if err != nil {
		return Digest{}, fmt.Errorf("repo %q file %q: open: %w", e.Repo, e.Name, err)
	}
	defer r.Close()
	size := e.Size
	if err := tw.WriteHeader(header(m.path, tar.TypeReg, fileMode(e), size, mtime)); err != nil {
		return Digest{}, fmt.Errorf("tar %s: %w", m.path, err)
	}
	h.Reset()
	n, err := io.CopyBuffer(struct{ io.Writer }{tw}, io.TeeReader(io.LimitReader(r, size), h), buf)
	if err != nil {
		return Digest{}, fmt.Errorf("repo %q file %q: read: %w", e.Repo, e.Name, err)
	}
	if n != size {
		return Digest{}, fmt.Errorf("repo %q file %q: content ended after %d bytes (want %d)", e.Repo, e.Name, n, size)
	}
	var one [1]byte
	for tries := 0; ; tries++ {
		if tries == 100 {
			return Digest{}, fmt.Errorf("repo %q file %q: read: %w", e.Repo, e.Name, io.ErrNoProgress)
		}
		k, err := r.Read(one[:])
		if k > 0 {
			return Digest{}, fmt.Errorf("repo %q file %q: content is longer than %d bytes", e.Repo, e.Name, size)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return Digest{}, fmt.Errorf("repo %q file %q: read: %w", e.Repo, e.Name, err)
		}
	}
	if err := r.Close(); err != nil {
		return Digest{}, fmt.Errorf("repo %q file %q: close: %w", e.Repo, e.Name, err)
	}
	return checkDigest(e, size, h)
}

func fileMode(e Entry) int64 {
	if e.Executable {
		return 0o755
	}
	return 0o644
}

// checkDigest compares the streamed digest with the entry's, when it has one.
func checkDigest(e Entry, size int64, h hash.Hash) (Digest, error) {
	got := hex.EncodeToString(h.Sum(nil))
	if e.SHA256 != "" && !strings.EqualFold(e.SHA256, got) {
		return Digest{}, fmt.Errorf("repo %q file %q: sha256 %s, want %s", e.Repo, e.Name, got, e.SHA256)
	}
	return Digest{Name: e.Asset, Path: e.Path, Size: size, SHA256: got}, nil
}

// countWriter counts the bytes written through it.
type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
