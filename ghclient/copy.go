package ghclient

import (
	"hash"
	"io"
)

const (
	// copyBufSize is the chunk size for streaming downloads and extraction.
	copyBufSize = 1 << 20
	// copyBufs chunks are in flight between the copier and the hasher.
	copyBufs = 4
)

// copyHashed copies src to dst and feeds every byte to h. Hashing runs on a
// second goroutine, overlapping with reading and writing; it ends before
// copyHashed returns. Memory is copyBufs chunks whatever the size.
func copyHashed(dst io.Writer, h hash.Hash, src io.Reader) (int64, error) {
	free := make(chan []byte, copyBufs)
	full := make(chan []byte, copyBufs)
	done := make(chan struct{})
	for range copyBufs {
		free <- make([]byte, copyBufSize)
	}
	go func() {
		defer close(done)
		for b := range full {
			h.Write(b) // hash.Hash.Write never fails
			free <- b[:cap(b)]
		}
	}()
	var (
		n   int64
		err error
	)
	for {
		buf := <-free
		m, rerr := io.ReadFull(src, buf)
		if m > 0 {
			if _, werr := dst.Write(buf[:m]); werr != nil {
				err = werr
				break
			}
			n += int64(m)
			full <- buf[:m]
		}
		if rerr == io.EOF || rerr == io.ErrUnexpectedEOF {
			break
		}
		if rerr != nil {
			err = rerr
			break
		}
	}
	close(full)
	<-done
	return n, err
}
