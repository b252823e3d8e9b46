package ghsim

import (
	"archive/zip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"github.com/klauspost/compress/flate"
)

// Hostile artifact kinds (HostileSpec.Kind): zips a careless extractor would
// let write outside its folder, or fill the disk, or whose bytes do not match
// the digest GitHub reports.
const (
	// HostileZipSlip adds an entry named Target (default "../../evil"), a
	// relative path climbing out of the extraction folder.
	HostileZipSlip = "zip_slip"
	// HostileAbsolutePath adds an entry named Target (default "/tmp/evil").
	HostileAbsolutePath = "absolute_path"
	// HostileSymlink adds a symlink entry "link" pointing at Target
	// (default "/tmp"), then a file "link/evil" written through it.
	HostileSymlink = "symlink"
	// HostileZipBomb adds an entry "bomb.bin" of Size zero bytes (default
	// 64 MiB), deflated about a thousandfold.
	HostileZipBomb = "zip_bomb"
	// HostileDigestMismatch serves the artifact's normal zip, but the API
	// reports the digest of other bytes.
	HostileDigestMismatch = "digest_mismatch"
)

// defaultBombSize is a zip bomb's inflated size when HostileSpec.Size is 0.
const defaultBombSize = 64 << 20

// hostileContent is what the hostile entries hold.
const hostileContent = "written outside the extraction folder\n"

// HostileSpec makes an artifact hostile: its zip carries the artifact's
// files and then one hostile entry of Kind.
type HostileSpec struct {
	// Kind is one of the Hostile* constants.
	Kind string `yaml:"kind" json:"kind"`
	// Target is the zip-slip or absolute entry name, or the symlink target.
	Target string `yaml:"target" json:"target,omitempty"`
	// Size is a zip bomb's inflated size. Default 64 MiB.
	Size ByteSize `yaml:"size" json:"size,omitempty"`
}

// validate checks the kind.
func (h *HostileSpec) validate() error {
	switch h.Kind {
	case HostileZipSlip, HostileAbsolutePath, HostileSymlink, HostileZipBomb, HostileDigestMismatch:
		return nil
	}
	return fmt.Errorf("unknown hostile kind %q", h.Kind)
}

// target is Target or the kind's default.
func (h *HostileSpec) target() string {
	if h.Target != "" {
		return h.Target
	}
	switch h.Kind {
	case HostileZipSlip:
		return "../../evil"
	case HostileAbsolutePath:
		return "/tmp/evil"
	default:
		return "/tmp"
	}
}

// writeHostileZip streams the artifact's files, then its hostile entry.
func writeHostileZip(w io.Writer, seed int64, repo string, spec ArtifactSpec) error {
	zw := zip.NewWriter(w)
	zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(out, flate.BestCompression)
	})
	for _, f := range spec.Files {
		hdr := &zip.FileHeader{Name: f.Name, Method: spec.zipMethod(), Modified: zipModTime}
		hdr.SetMode(0o644)
		fw, err := zw.CreateHeader(hdr)
		if err != nil {
			return err
		}
		if err := writeContent(fw, seed, repo, spec.Name, f.Name, int64(f.Size)); err != nil {
			return err
		}
	}
	if err := writeHostileEntry(zw, spec.Hostile); err != nil {
		return err
	}
	return zw.Close()
}

// writeHostileEntry adds the hostile entry of h's kind (none for a digest mismatch).
func writeHostileEntry(zw *zip.Writer, h *HostileSpec) error {
	file := func(name string, mode fs.FileMode, body io.Reader) error {
		hdr := &zip.FileHeader{Name: name, Method: zip.Deflate, Modified: zipModTime}
		hdr.SetMode(mode)
		fw, err := zw.CreateHeader(hdr)
		if err != nil {
			return err
		}
		_, err = io.Copy(fw, body)
		return err
	}
	switch h.Kind {
	case HostileZipSlip, HostileAbsolutePath:
		return file(h.target(), 0o644, strings.NewReader(hostileContent))
	case HostileSymlink:
		if err := file("link", fs.ModeSymlink|0o777, strings.NewReader(h.target())); err != nil {
			return err
		}
		return file("link/evil", 0o644, strings.NewReader(hostileContent))
	case HostileZipBomb:
		size := int64(h.Size)
		if size == 0 {
			size = defaultBombSize
		}
		return file("bomb.bin", 0o644, io.LimitReader(zeroReader{}, size))
	}
	return nil
}

// reportedDigest is the digest the API shows for an artifact whose zip hashes to digest.
func (h *HostileSpec) reportedDigest(digest string) string {
	if h == nil || h.Kind != HostileDigestMismatch {
		return digest
	}
	sum := sha256.Sum256([]byte("not the artifact's bytes: " + digest))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// zeroReader reads zero bytes for ever.
type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}
