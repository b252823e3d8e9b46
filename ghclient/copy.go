package ghclient

import (
	"hash"
	"io"
)

// copyBufSize is the chunk size for streaming downloads and extraction.
const copyBufSize = 1 << 20

// copyHashed copies src to dst, feeding every byte to h.
func copyHashed(dst io.Writer, h hash.Hash, src io.Reader) (int64, error) {
	buf := make([]byte, copyBufSize)
	return io.CopyBuffer(io.MultiWriter(dst, h), src, buf)
}
