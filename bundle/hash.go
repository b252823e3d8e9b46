package bundle

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/BTCDecoded/releasetrain/assetname"
)

// Digest describes one published file.
type Digest struct {
	// Name is the release asset name.
	Name string
	// Path is the local file.
	Path string
	// Size is the file size in bytes.
	Size int64
	// SHA256 is the lowercase hex digest.
	SHA256 string
}

// copyBufSize is the streaming buffer: large enough for throughput, small
// enough that memory stays flat whatever the file size.
const copyBufSize = 1 << 20

// HashFile returns the SHA-256 (lowercase hex) and size of the file at path,
// streaming it so memory does not depend on the file size.
func HashFile(path string) (sha256hex string, size int64, err error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, fmt.Errorf("hash %s: %w", path, err)
	}
	defer f.Close()
	h := sha256.New()
	size, err = io.CopyBuffer(h, f, make([]byte, copyBufSize))
	if err != nil {
		return "", 0, fmt.Errorf("hash %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), size, nil
}

// SHA256SUMS renders files in sha256sum format ("<hex>  <name>\n"), sorted
// by name, so `sha256sum -c SHA256SUMS` checks them.
func SHA256SUMS(files []Digest) []byte {
	sorted := append([]Digest(nil), files...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	var b bytes.Buffer
	for _, d := range sorted {
		b.WriteString(strings.ToLower(d.SHA256))
		b.WriteString("  ")
		b.WriteString(d.Name)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// SumLine is one line of a SHA256SUMS file.
type SumLine struct {
	Name   string
	SHA256 string
}

// ParseSHA256SUMS reads sha256sum output: "<hex>  <name>" (text mode) or
// "<hex> *<name>" (binary mode), one per line. Blank lines are ignored.
func ParseSHA256SUMS(sums []byte) ([]SumLine, error) {
	var out []SumLine
	sc := bufio.NewScanner(bytes.NewReader(sums))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), "\r")
		if line == "" {
			continue
		}
		sum, name, ok := strings.Cut(line, " ")
		if !ok || len(sum) != sha256.Size*2 || len(name) < 2 || (name[0] != ' ' && name[0] != '*') {
			return nil, fmt.Errorf("%s line %d: want \"<sha256 hex>  <name>\"", assetname.Sums, n)
		}
		if _, err := hex.DecodeString(sum); err != nil {
			return nil, fmt.Errorf("%s line %d: %w", assetname.Sums, n, err)
		}
		out = append(out, SumLine{Name: name[1:], SHA256: strings.ToLower(sum)})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", assetname.Sums, err)
	}
	return out, nil
}
