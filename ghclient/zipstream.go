package ghclient

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// ErrBadZip marks an archive that is malformed, or whose entries disagree
// with its central directory.
var ErrBadZip = errors.New("malformed zip")

// Zip record signatures (APPNOTE 4.3).
const (
	sigLocal      = 0x04034b50
	sigDescriptor = 0x08074b50
	sigDirectory  = 0x02014b50
	sigEnd64      = 0x06064b50
	sigEnd        = 0x06054b50
)

// localHeaderLen is a local file header's fixed part after its signature.
const localHeaderLen = 26

// zipStream extracts an archive read front to back, once, with its central
// directory (read beforehand from the end) as the authority on names,
// sizes, CRCs and modes: every local entry must be in the directory, once,
// with the same method; its bytes must inflate to the directory's size and
// CRC; and the bytes after the last entry must be the directory that was
// read. Data descriptors (sizes after the data, as GitHub's artifact zips
// and Go's archive/zip write them) are fine, stored or deflated, because
// the sizes come from the directory.
type zipStream struct {
	r         *countingReader
	dir       []*zip.File
	byName    map[string]int
	seen      []bool
	tail      []byte // the archive's bytes from tailStart to the end
	tailStart int64
	root      *os.Root
	dest      string
	lim       UnzipLimits
	total     int64  // bytes extracted so far
	next      []byte // the next record's signature, already read by descriptor
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// extractStream extracts the archive read from r into root (dest is its
// path, for the results); dir is its central directory and tail the
// archive's last bytes from tailStart, which include the directory.
func extractStream(r io.Reader, dir []*zip.File, tail []byte, tailStart int64, root *os.Root, dest string, lim UnzipLimits) ([]UnzippedFile, error) {
	s := &zipStream{r: &countingReader{r: r}, dir: dir, byName: make(map[string]int, len(dir)), seen: make([]bool, len(dir)),
		tail: tail, tailStart: tailStart, root: root, dest: dest, lim: lim}
	for i, f := range dir {
		s.byName[f.Name] = i
	}
	var out []UnzippedFile
	for {
		at := s.r.n
		var sig [4]byte
		if s.next != nil {
			at -= int64(copy(sig[:], s.next))
			s.next = nil
		} else if _, err := io.ReadFull(s.r, sig[:]); err != nil {
			return nil, err
		}
		switch binary.LittleEndian.Uint32(sig[:]) {
		case sigLocal:
			uf, err := s.entry()
			if err != nil {
				return nil, err
			}
			if uf != nil {
				out = append(out, *uf)
			}
		case sigDirectory, sigEnd64, sigEnd:
			return out, s.finish(at, sig[:])
		default:
			return nil, fmt.Errorf("%w: unexpected bytes at offset %d", ErrBadZip, at)
		}
	}
}

// entry extracts the entry whose local header signature was just read; a
// directory entry returns nil.
func (s *zipStream) entry() (*UnzippedFile, error) {
	var h [localHeaderLen]byte
	if _, err := io.ReadFull(s.r, h[:]); err != nil {
		return nil, err
	}
	flags := binary.LittleEndian.Uint16(h[2:])
	method := binary.LittleEndian.Uint16(h[4:])
	nameLen := int(binary.LittleEndian.Uint16(h[22:]))
	extraLen := int(binary.LittleEndian.Uint16(h[24:]))
	nameExtra := make([]byte, nameLen+extraLen)
	if _, err := io.ReadFull(s.r, nameExtra); err != nil {
		return nil, err
	}
	name := string(nameExtra[:nameLen])
	i, ok := s.byName[name]
	switch {
	case !ok:
		return nil, fmt.Errorf("entry %q: %w: in the data but not in the central directory", name, ErrBadZip)
	case s.seen[i]:
		return nil, fmt.Errorf("entry %q: %w: twice in the data", name, ErrBadZip)
	}
	s.seen[i] = true
	f := s.dir[i]
	if err := s.checkLocal(f, flags, method, h[:]); err != nil {
		return nil, fmt.Errorf("entry %q: %w", name, err)
	}
	data := io.LimitReader(s.r, int64(f.CompressedSize64))
	var content io.Reader = data
	if method == zip.Deflate {
		fr := inflater(data)
		defer fr.Close()
		content = fr
	}
	var uf *UnzippedFile
	clean := strings.TrimSuffix(name, "/")
	if f.Mode().IsDir() {
		if err := s.root.MkdirAll(clean, 0o755); err != nil {
			return nil, fmt.Errorf("entry %q: %w", name, err)
		}
	} else {
		crc := crc32.NewIEEE()
		got, err := writeEntry(s.root, clean, f.Mode(), io.TeeReader(content, crc), allowance(&f.FileHeader, s.lim, s.lim.MaxTotal-s.total))
		if err != nil {
			return nil, fmt.Errorf("entry %q: %w", name, err)
		}
		if uint64(got.Size) != f.UncompressedSize64 {
			return nil, fmt.Errorf("entry %q: %w: %d bytes, the central directory says %d", name, ErrBadZip, got.Size, f.UncompressedSize64)
		}
		if crc.Sum32() != f.CRC32 {
			return nil, fmt.Errorf("entry %q: %w: CRC-32 %08x, the central directory says %08x", name, ErrBadZip, crc.Sum32(), f.CRC32)
		}
		s.total += got.Size
		got.Path = filepath.Join(s.dest, filepath.FromSlash(clean))
		uf = &got
	}
	// A deflate stream may end before its compressed size: skip the rest.
	if _, err := io.Copy(io.Discard, data); err != nil {
		return nil, err
	}
	if flags&0x8 != 0 {
		if err := s.descriptor(f); err != nil {
			return nil, fmt.Errorf("entry %q: %w", name, err)
		}
	}
	return uf, nil
}

// checkLocal compares a local header with the entry's directory record.
func (s *zipStream) checkLocal(f *zip.File, flags, method uint16, h []byte) error {
	switch {
	case flags&0x1 != 0:
		return fmt.Errorf("%w: encrypted", ErrBadZip)
	case method != f.Method:
		return fmt.Errorf("%w: method %d here, %d in the central directory", ErrBadZip, method, f.Method)
	case method != zip.Store && method != zip.Deflate:
		return fmt.Errorf("%w: unsupported compression method %d", ErrBadZip, method)
	case flags&0x8 != 0:
		return nil // sizes and CRC follow the data
	}
	crc := binary.LittleEndian.Uint32(h[10:])
	csize := binary.LittleEndian.Uint32(h[14:])
	usize := binary.LittleEndian.Uint32(h[18:])
	if crc != f.CRC32 || !sameSize(csize, f.CompressedSize64) || !sameSize(usize, f.UncompressedSize64) {
		return fmt.Errorf("%w: local header disagrees with the central directory", ErrBadZip)
	}
	return nil
}

// sameSize compares a 32-bit header size with the directory's (0xFFFFFFFF
// defers to a zip64 extra field).
func sameSize(local uint32, dir uint64) bool {
	return local == 0xFFFFFFFF || uint64(local) == dir
}

// descriptor reads and checks the data descriptor after an entry's data:
// an optional signature, the CRC, then the sizes, 32-bit or 64-bit. Writers
// disagree on when to use 64-bit sizes (archive/zip, like this, does not
// trust them), so what follows tells: the next record's signature after 8
// bytes of sizes, else after 16. It is left in s.next.
func (s *zipStream) descriptor(f *zip.File) error {
	var b [24]byte
	if _, err := io.ReadFull(s.r, b[:4]); err != nil {
		return err
	}
	if binary.LittleEndian.Uint32(b[:4]) == sigDescriptor {
		if _, err := io.ReadFull(s.r, b[:4]); err != nil {
			return err
		}
	}
	crc := binary.LittleEndian.Uint32(b[:4])
	if _, err := io.ReadFull(s.r, b[4:16]); err != nil {
		return err
	}
	var csize, usize uint64
	if isSignature(b[12:16]) {
		csize, usize = uint64(binary.LittleEndian.Uint32(b[4:])), uint64(binary.LittleEndian.Uint32(b[8:]))
		s.next = b[12:16]
	} else {
		if _, err := io.ReadFull(s.r, b[16:24]); err != nil {
			return err
		}
		csize, usize = binary.LittleEndian.Uint64(b[4:]), binary.LittleEndian.Uint64(b[12:])
		s.next = b[20:24]
	}
	if crc != f.CRC32 || csize != f.CompressedSize64 || usize != f.UncompressedSize64 {
		return fmt.Errorf("%w: data descriptor disagrees with the central directory", ErrBadZip)
	}
	return nil
}

// isSignature reports whether b starts a record that may follow an entry.
func isSignature(b []byte) bool {
	switch binary.LittleEndian.Uint32(b) {
	case sigLocal, sigDirectory, sigEnd64, sigEnd:
		return true
	}
	return false
}

// finish checks that every entry was in the data and that the rest of the
// stream, from offset at (whose first bytes sig were already read), is
// exactly the tail read before: the directory the entries were checked
// against is the one in the archive.
func (s *zipStream) finish(at int64, sig []byte) error {
	for i, f := range s.dir {
		if !s.seen[i] {
			return fmt.Errorf("entry %q: %w: in the central directory but not in the data", f.Name, ErrBadZip)
		}
	}
	if at < s.tailStart {
		return fmt.Errorf("%w: %d bytes before the central directory belong to no entry", ErrBadZip, s.tailStart-at)
	}
	want := s.tail[at-s.tailStart:]
	if !bytes.HasPrefix(want, sig) {
		return fmt.Errorf("%w: the central directory is not where its end record says", ErrBadZip)
	}
	want = want[len(sig):]
	buf := make([]byte, 32<<10)
	for {
		n, err := s.r.Read(buf)
		if n > len(want) || !bytes.Equal(buf[:n], want[:n]) {
			return fmt.Errorf("%w: the central directory changed between reads", ErrBadZip)
		}
		want = want[n:]
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
	}
	if len(want) != 0 {
		return io.ErrUnexpectedEOF
	}
	return nil
}

// tailReaderAt serves ReadAt from an archive's last bytes; a read before
// them fails with a *needBytes naming the offset, so the caller can fetch
// more and try again.
type tailReaderAt struct {
	start int64
	b     []byte
}

// needBytes asks for the archive's bytes from off on.
type needBytes struct{ off int64 }

func (e *needBytes) Error() string { return fmt.Sprintf("zip bytes from offset %d not fetched", e.off) }

func (t *tailReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if off < t.start {
		return 0, &needBytes{off: off}
	}
	if off-t.start >= int64(len(t.b)) {
		return 0, io.EOF
	}
	n := copy(p, t.b[off-t.start:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}
