package ghclient

import (
	"archive/zip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf8"

	kflate "github.com/klauspost/compress/flate"
)

// ErrUnsafeEntry marks a zip entry that could write outside the destination
// (absolute path, "..", backslash, symlink, device), whose name is not a
// canonical path ("./x", "d//b", not UTF-8), or that collides with another
// entry (a duplicate, or a file where another entry needs a folder).
var ErrUnsafeEntry = errors.New("unsafe zip entry")

// ErrZipBomb marks an archive over the size, ratio or file-count limits.
var ErrZipBomb = errors.New("zip over limits")

// UnzipLimits bound what Unzip will extract.
type UnzipLimits struct {
	// MaxTotal caps the uncompressed bytes of all entries.
	MaxTotal int64
	// MaxEntry caps the uncompressed bytes of one entry.
	MaxEntry int64
	// MaxRatio caps uncompressed/compressed size for entries over 1 MiB.
	MaxRatio float64
	// MaxFiles caps the number of entries.
	MaxFiles int
}

// ratioFloor exempts small entries from MaxRatio: a few KB of zeros compress
// a thousandfold and are harmless.
const ratioFloor = 1 << 20

// DefaultUnzipLimits: 16 GiB total, 8 GiB per entry, ratio 200, 10,000
// entries (folders included). Every collected file becomes a release asset
// and a GitHub release holds 1,000, so ten times that is only a bound on
// the work a hostile archive can cause before the train refuses it.
func DefaultUnzipLimits() UnzipLimits {
	return UnzipLimits{MaxTotal: 16 << 30, MaxEntry: 8 << 30, MaxRatio: 200, MaxFiles: 10_000}
}

// UnzippedFile is one extracted regular file.
type UnzippedFile struct {
	// Name is the slash-separated path inside the zip.
	Name string
	// Path is where it was written.
	Path string
	Size int64
	// SHA256 is the hex SHA-256 of the content.
	SHA256     string
	Executable bool
}

// Unzip extracts zipPath into dest (created if missing) and hashes each file
// while writing it. It rejects absolute paths, ".." components, backslashes,
// symlinks and other special files, duplicate names and archives over lim,
// all before writing anything; sizes are enforced again while extracting,
// since headers can lie. Writes go through an os.Root, so nothing can land
// outside dest. Errors name the artifact and the entry. On error dest may
// hold a partial extraction.
func Unzip(zipPath, dest, artifactName string, lim UnzipLimits) ([]UnzippedFile, error) {
	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		return nil, unzipError(artifactName, err)
	}
	defer zr.Close()
	zr.RegisterDecompressor(zip.Deflate, inflater)
	if err := checkEntries(zr.File, lim); err != nil {
		return nil, unzipError(artifactName, err)
	}
	root, err := openDest(dest)
	if err != nil {
		return nil, unzipError(artifactName, err)
	}
	defer root.Close()

	var (
		out   []UnzippedFile
		total int64
	)
	for _, f := range zr.File {
		name := strings.TrimSuffix(f.Name, "/")
		if f.Mode().IsDir() {
			if err := root.MkdirAll(name, 0o755); err != nil {
				return nil, fmt.Errorf("unzip artifact %q entry %q: %w", artifactName, f.Name, err)
			}
			continue
		}
		uf, err := extract(root, f, name, lim, lim.MaxTotal-total)
		if err != nil {
			return nil, fmt.Errorf("unzip artifact %q entry %q: %w", artifactName, f.Name, err)
		}
		total += uf.Size
		uf.Path = filepath.Join(dest, filepath.FromSlash(name))
		out = append(out, uf)
	}
	return out, nil
}

// unzipError names the artifact in an archive error.
func unzipError(artifact string, err error) error {
	return fmt.Errorf("unzip artifact %q: %w", artifact, err)
}

// inflater reads a deflated entry: klauspost's inflater, 1.3–1.4× the
// standard library's speed on machine code (BenchmarkInflater).
func inflater(r io.Reader) io.ReadCloser { return kflate.NewReader(r) }

// checkEntries validates names, types and declared sizes of all entries.
// Names must already be canonical (see checkName), so two entries that
// would land on the same path are refused as duplicates, and so is a file
// whose path another entry uses as a folder ("a" and "a/b").
func checkEntries(files []*zip.File, lim UnzipLimits) error {
	if lim.MaxFiles > 0 && len(files) > lim.MaxFiles {
		return fmt.Errorf("%w: %d entries, at most %d allowed", ErrZipBomb, len(files), lim.MaxFiles)
	}
	isDir := make(map[string]bool, len(files)) // canonical path -> entry is a directory
	var total uint64
	for _, f := range files {
		name := strings.TrimSuffix(f.Name, "/")
		if err := checkName(name); err != nil {
			return fmt.Errorf("entry %q: %w", f.Name, err)
		}
		mode := f.Mode()
		if !mode.IsRegular() && !mode.IsDir() {
			return fmt.Errorf("entry %q: %w: %s, not a regular file or directory", f.Name, ErrUnsafeEntry, entryKind(mode))
		}
		if _, dup := isDir[name]; dup {
			return fmt.Errorf("entry %q: %w: duplicate name", f.Name, ErrUnsafeEntry)
		}
		isDir[name] = mode.IsDir()
		if mode.IsDir() {
			continue
		}
		size := f.UncompressedSize64
		if lim.MaxEntry > 0 && size > uint64(lim.MaxEntry) {
			return fmt.Errorf("entry %q: %w: %d bytes, at most %d per entry", f.Name, ErrZipBomb, size, lim.MaxEntry)
		}
		total += size
		if lim.MaxTotal > 0 && total > uint64(lim.MaxTotal) {
			return fmt.Errorf("entry %q: %w: over %d bytes in total", f.Name, ErrZipBomb, lim.MaxTotal)
		}
		if lim.MaxRatio > 0 && size > ratioFloor && float64(size) > lim.MaxRatio*float64(max(f.CompressedSize64, 1)) {
			return fmt.Errorf("entry %q: %w: compression ratio over %g", f.Name, ErrZipBomb, lim.MaxRatio)
		}
	}
	for _, f := range files {
		for dir := path.Dir(strings.TrimSuffix(f.Name, "/")); dir != "."; dir = path.Dir(dir) {
			if d, ok := isDir[dir]; ok && !d {
				return fmt.Errorf("entry %q: %w: %q is a file in this archive, not a folder", f.Name, ErrUnsafeEntry, dir)
			}
		}
	}
	return nil
}

// entryKind names a special file's type in words ("symlink", "device", …).
func entryKind(mode fs.FileMode) string {
	switch {
	case mode&fs.ModeSymlink != 0:
		return "symlink"
	case mode&fs.ModeDevice != 0:
		return "device"
	case mode&fs.ModeNamedPipe != 0:
		return "named pipe"
	case mode&fs.ModeSocket != 0:
		return "socket"
	}
	return "special file " + mode.Type().String()
}

// checkName accepts only canonical relative slash paths: valid UTF-8, no
// backslash, NUL or other control character, not absolute, no empty, "."
// or ".." segment (so "d//b", "./x" and "d/./b" are refused, not cleaned:
// a name is the path it lands on, and two entries can only collide by
// being equal), and equal to its path.Clean.
func checkName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("%w: empty name", ErrUnsafeEntry)
	case !utf8.ValidString(name):
		return fmt.Errorf("%w: name is not UTF-8", ErrUnsafeEntry)
	case strings.Contains(name, `\`):
		return fmt.Errorf("%w: backslash in path", ErrUnsafeEntry)
	case strings.ContainsRune(name, 0):
		return fmt.Errorf("%w: NUL in path", ErrUnsafeEntry)
	case strings.ContainsFunc(name, unicode.IsControl):
		return fmt.Errorf("%w: control character in path", ErrUnsafeEntry)
	case path.IsAbs(name) || filepath.IsAbs(name) || (len(name) >= 2 && name[1] == ':'):
		return fmt.Errorf("%w: absolute path", ErrUnsafeEntry)
	}
	for _, part := range strings.Split(name, "/") {
		switch part {
		case "..":
			return fmt.Errorf("%w: \"..\" in path", ErrUnsafeEntry)
		case ".":
			return fmt.Errorf("%w: \".\" segment in path", ErrUnsafeEntry)
		case "":
			return fmt.Errorf("%w: empty segment in path", ErrUnsafeEntry)
		}
	}
	if path.Clean(name) != name || !filepath.IsLocal(filepath.FromSlash(name)) {
		return fmt.Errorf("%w: path not canonical", ErrUnsafeEntry)
	}
	return nil
}

// extract writes one regular file of an opened archive under root.
func extract(root *os.Root, f *zip.File, name string, lim UnzipLimits, totalLeft int64) (UnzippedFile, error) {
	rc, err := f.Open()
	if err != nil {
		return UnzippedFile{}, err
	}
	defer rc.Close()
	return writeEntry(root, name, f.Mode(), rc, allowance(&f.FileHeader, lim, totalLeft))
}

// allowance is how many bytes an entry may inflate to: the smallest of the
// per-entry limit, what is left of the total, and the ratio limit applied to
// its compressed size; -1 when nothing limits it.
func allowance(h *zip.FileHeader, lim UnzipLimits, totalLeft int64) int64 {
	allowed := int64(-1)
	if lim.MaxEntry > 0 {
		allowed = lim.MaxEntry
	}
	if lim.MaxTotal > 0 && (allowed < 0 || totalLeft < allowed) {
		allowed = totalLeft
	}
	if lim.MaxRatio > 0 {
		byRatio := max(int64(lim.MaxRatio*float64(max(h.CompressedSize64, 1))), ratioFloor)
		if allowed < 0 || byRatio < allowed {
			allowed = byRatio
		}
	}
	return allowed
}

// writeEntry writes one regular file under root from its inflated content,
// hashing it on the way, and fails once more than allowed bytes (≥ 0) come:
// sizes are enforced on the bytes, since headers can lie.
func writeEntry(root *os.Root, name string, mode fs.FileMode, src io.Reader, allowed int64) (UnzippedFile, error) {
	if dir := path.Dir(name); dir != "." {
		if err := root.MkdirAll(dir, 0o755); err != nil {
			return UnzippedFile{}, err
		}
	}
	exec := mode&0o111 != 0
	perm := fs.FileMode(0o644)
	if exec {
		perm = 0o755
	}
	w, err := root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, perm)
	if err != nil {
		return UnzippedFile{}, err
	}
	h := sha256.New()
	if allowed >= 0 {
		src = io.LimitReader(src, allowed+1)
	}
	n, err := copyHashed(w, h, src)
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return UnzippedFile{}, err
	}
	if allowed >= 0 && n > allowed {
		return UnzippedFile{}, fmt.Errorf("%w: inflates past %d bytes", ErrZipBomb, allowed)
	}
	return UnzippedFile{Name: name, Size: n, SHA256: hex.EncodeToString(h.Sum(nil)), Executable: exec}, nil
}
