package ghsim

import (
	"archive/zip"
	"encoding/binary"
	"hash/fnv"
	"io"
	"io/fs"
	"math/rand/v2"
	"time"

	"github.com/klauspost/compress/flate"
)

// contentBlock is the period of generated file content. It is larger than
// deflate's 32 KiB window, so files compress like binaries, not like repeats.
const contentBlock = 64 << 10

// artifactLevel is the deflate level of artifact zips.
const artifactLevel = 6

// zipModTime is the fixed modification time of every file in artifact zips.
var zipModTime = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// writeArtifactZip streams the artifact's zip: deterministic for (seed, repo, spec).
// Deflate is level 6, upload-artifact's default compression-level (the
// content ends at about half its size; inflating it costs what inflating a
// real binary's artifact does). Each zip is written once (blobstore.go).
func writeArtifactZip(w io.Writer, seed int64, repo string, spec ArtifactSpec) error {
	zw := zip.NewWriter(w)
	// One deflater for every entry (they are written one after another):
	// a new one per entry cost more than the content of a small file.
	var fw *flate.Writer
	zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
		if fw == nil {
			var err error
			fw, err = flate.NewWriter(out, artifactLevel)
			return fw, err
		}
		fw.Reset(out)
		return fw, nil
	})
	for _, f := range spec.Files {
		hdr := &zip.FileHeader{Name: f.Name, Method: spec.zipMethod(), Modified: zipModTime}
		mode := fs.FileMode(0o644)
		if f.Executable {
			mode = 0o755
		}
		hdr.SetMode(mode)
		fw, err := zw.CreateHeader(hdr)
		if err != nil {
			return err
		}
		if err := writeContent(fw, seed, repo, spec.Name, f.Name, int64(f.Size)); err != nil {
			return err
		}
	}
	return zw.Close()
}

// writeContent writes size bytes of a pseudo-ELF pattern: an ELF header, then a
// 64 KiB block of zeros, opcode-like bytes, symbol strings and noise, repeated
// with the block number stamped in, so the content is deterministic and
// compresses roughly like a real binary.
func writeContent(w io.Writer, seed int64, repo, artifact, file string, size int64) error {
	h := fnv.New64a()
	for _, s := range []string{repo, artifact, file} {
		_, _ = h.Write([]byte(s))
		_, _ = h.Write([]byte{0})
	}
	rng := rand.New(rand.NewPCG(h.Sum64(), uint64(seed)))
	block := make([]byte, contentBlock)
	opcodes := []byte{0x48, 0x89, 0x8b, 0xe8, 0xc3, 0x0f, 0x1f, 0x44, 0x00, 0x83, 0xc4, 0x5d, 0x41, 0x55, 0xff, 0x74}
	words := []string{"main", "init", "consensus", "validate_block", "script", "verify", "_ZN4core3fmt", "alloc", "tx_in", "serialize", ".text", ".rodata"}
	for i := 0; i < len(block); {
		n := 16 + rng.IntN(240)
		end := min(i+n, len(block))
		switch k := rng.IntN(20); {
		case k < 5: // zero padding
		case k < 13:
			for j := i; j < end; j++ {
				block[j] = opcodes[rng.IntN(len(opcodes))]
			}
		case k < 17:
			for j := i; j < end; {
				j += copy(block[j:end], words[rng.IntN(len(words))]+"\x00")
			}
		default:
			for j := i; j < end; j++ {
				block[j] = byte(rng.Uint32())
			}
		}
		i = end
	}
	copy(block, "\x7fELF\x02\x01\x01\x00")
	buf := make([]byte, contentBlock)
	for n := int64(0); n < size; n += contentBlock {
		copy(buf, block)
		binary.LittleEndian.PutUint64(buf[8:], uint64(n/contentBlock))
		if _, err := w.Write(buf[:min(int64(contentBlock), size-n)]); err != nil {
			return err
		}
	}
	return nil
}

// countWriter counts bytes written through it.
type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
