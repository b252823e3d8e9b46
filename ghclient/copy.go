package ghclient

import (
	"io"
	"sync"
)

const (
	// copyBufSize is the chunk size for streaming downloads and extraction.
	copyBufSize = 1 << 20
	// copyBufs chunks are in flight between the reader and the hasher.
	copyBufs = 4
)

// chunks recycles hashingReader chunks: an artifact of thousands of small
// files would otherwise allocate (and clear) copyBufs MiB per file.
var chunks = sync.Pool{New: func() any { b := make([]byte, copyBufSize); return &b }}

// copyHashed copies src to dst and feeds every byte to h, hashing on a second
// goroutine that overlaps with reading and writing; it ends before copyHashed
// returns. Memory is copyBufs chunks whatever the size.
func copyHashed(dst io.Writer, h io.Writer, src io.Reader) (int64, error) {
	hr := newHashingReader(src, h)
	n, err := hr.WriteTo(dst)
	hr.Close()
	return n, err
}

// hashingReader reads src in chunks and feeds each chunk to h on a second
// goroutine while the caller consumes it, so hashing costs no time on the
// caller's goroutine. A chunk is reused only after the hasher has hashed it
// and the caller has moved past it. Close stops the hasher (always call it);
// h holds every byte read once Close returns.
type hashingReader struct {
	src  io.Reader
	free chan []byte
	full chan []byte
	done chan struct{}
	cur  []byte // unread part of the current chunk
	err  error  // src's error, returned once cur is drained
	n    int64  // bytes read from src
	shut bool
}

func newHashingReader(src io.Reader, h io.Writer) *hashingReader {
	r := &hashingReader{src: src, free: make(chan []byte, copyBufs), full: make(chan []byte, copyBufs), done: make(chan struct{})}
	for range copyBufs {
		r.free <- *chunks.Get().(*[]byte)
	}
	go func() {
		defer close(r.done)
		for b := range r.full {
			_, _ = h.Write(b) // hashes never fail
			r.free <- b[:cap(b)]
		}
	}()
	return r
}

// refill makes cur non-empty, or returns src's error (io.EOF at the end).
func (r *hashingReader) refill() error {
	for len(r.cur) == 0 {
		if r.err != nil {
			return r.err
		}
		buf := <-r.free
		n, err := fill(r.src, buf)
		r.n += int64(n)
		r.err = err
		if n == 0 {
			r.free <- buf
			continue
		}
		r.full <- buf[:n]
		r.cur = buf[:n]
	}
	return nil
}

// fill reads into buf until it is full or src fails, keeping src's error
// as is (unlike io.ReadFull, which turns a short read's EOF into
// io.ErrUnexpectedEOF — the error a truncated HTTP body reports).
func fill(src io.Reader, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := src.Read(buf[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

func (r *hashingReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if err := r.refill(); err != nil {
		return 0, err
	}
	n := copy(p, r.cur)
	r.cur = r.cur[n:]
	return n, nil
}

// WriteTo writes everything left to dst, chunk by chunk (no extra copy).
func (r *hashingReader) WriteTo(dst io.Writer) (int64, error) {
	var n int64
	for {
		if err := r.refill(); err != nil {
			if err == io.EOF {
				err = nil
			}
			return n, err
		}
		m, err := dst.Write(r.cur)
		n += int64(m)
		r.cur = r.cur[m:]
		if err != nil {
			return n, err
		}
	}
}

// Close waits for the hasher to finish what was read, stops it and
// recycles the chunks: nothing may be read after it.
func (r *hashingReader) Close() {
	if r.shut {
		return
	}
	r.shut = true
	close(r.full)
	<-r.done
	// Every chunk is back in free: the hasher returned each one it got.
	r.cur = nil
	for range copyBufs {
		b := <-r.free
		chunks.Put(&b)
	}
}
