package webhook

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
)

// Limits on what a client can make the receiver hold before its delivery's
// signature is checked.
const (
	// MaxBodyBytes is the largest request body, 25 MiB (GitHub does not send
	// payloads over 25 MB); a larger one gets 413, refused on its
	// Content-Length before a byte is read, or while reading without one.
	MaxBodyBytes = 25 << 20
	// DefaultMaxPendingBodies is how many deliveries may be reading their
	// bodies at once; the next gets 503 (GitHub's delivery log and the
	// reconciler redeliver it) instead of waiting.
	DefaultMaxPendingBodies = 256
	// DefaultMaxBufferedBytes bounds the body bytes held by all unverified
	// deliveries together: four of the largest.
	DefaultMaxBufferedBytes = 4 * MaxBodyBytes
	// DefaultBodyTimeout is how long a delivery may take to send its body
	// after its headers: GitHub itself gives a delivery 10 s in all.
	DefaultBodyTimeout = 10 * time.Second
	// readHeaderTimeout is how long a client may take to send its headers.
	readHeaderTimeout = 5 * time.Second
	// maxHeaderBytes bounds the request headers (net/http's default is 1 MiB).
	maxHeaderBytes = 64 << 10
	// firstChunk is the first read buffer; it doubles as bytes arrive, so
	// memory follows what was received, never what was claimed.
	firstChunk = 512
)

// Why a body was refused, the "reason" label of releasetrain_webhook_bodies_refused_total.
const (
	refusedTooLarge = "too_large"
	refusedBusy     = "busy"
	refusedMemory   = "memory"
	refusedTimeout  = "timeout"
)

// errBodyBudget is a body that would take the buffered bytes over their bound.
var errBodyBudget = errors.New("too many delivery bytes buffered; redeliver later")

// bodyGate bounds the unverified bodies being read: how many at once and how
// many bytes they hold together.
type bodyGate struct {
	slots    chan struct{}
	buffered atomic.Int64
	maxBytes int64
	timeout  time.Duration
}

func newBodyGate(maxBodies int, maxBytes int64, timeout time.Duration) *bodyGate {
	if maxBodies <= 0 {
		maxBodies = DefaultMaxPendingBodies
	}
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBufferedBytes
	}
	if timeout <= 0 {
		timeout = DefaultBodyTimeout
	}
	return &bodyGate{slots: make(chan struct{}, maxBodies), maxBytes: maxBytes, timeout: timeout}
}

// enter takes a slot without waiting; false means the receiver is full.
func (g *bodyGate) enter() bool {
	select {
	case g.slots <- struct{}{}:
		return true
	default:
		return false
	}
}

// leave gives a slot back.
func (g *bodyGate) leave() { <-g.slots }

// pending is how many bodies are being read now.
func (g *bodyGate) pending() int { return len(g.slots) }

// reserve counts n more buffered bytes, or fails with errBodyBudget.
func (g *bodyGate) reserve(n int64) error {
	if g.buffered.Add(n) > g.maxBytes {
		g.buffered.Add(-n)
		return errBodyBudget
	}
	return nil
}

// read reads r (already limited to MaxBodyBytes) into a buffer that grows
// only as bytes arrive, each growth reserved against the byte bound. The
// caller calls release once it is done with the bytes.
func (g *bodyGate) read(r io.Reader) (body []byte, release func(), err error) {
	var held int64
	release = func() { g.buffered.Add(-held) }
	buf := make([]byte, 0)
	for {
		if len(buf) == cap(buf) {
			grow := max(int64(cap(buf)), firstChunk)
			grow = min(grow, MaxBodyBytes+1-int64(cap(buf)))
			if grow <= 0 {
				return nil, release, &http.MaxBytesError{Limit: MaxBodyBytes}
			}
			if err := g.reserve(grow); err != nil {
				return nil, release, err
			}
			held += grow
			next := make([]byte, len(buf), int64(cap(buf))+grow)
			copy(next, buf)
			buf = next
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		switch {
		case errors.Is(err, io.EOF):
			return buf, release, nil
		case err != nil:
			return nil, release, err
		}
	}
}

// bodyLimit refuses a body over limit: on its Content-Length at once, and
// while reading when there is none.
func bodyLimit(limit int64) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			r := c.Request()
			if r.ContentLength > limit {
				return echo.NewHTTPError(http.StatusRequestEntityTooLarge, fmt.Sprintf("body of %d bytes is over %d", r.ContentLength, limit))
			}
			r.Body = http.MaxBytesReader(c.Response(), r.Body, limit)
			return next(c)
		}
	}
}

// readDelivery reads a delivery's body under the gate: a slot, the body
// deadline and the byte bound. A refusal comes back as a reply.
func (s *Server) readDelivery(c echo.Context) (body []byte, release func(), refusal *reply) {
	release = func() {}
	if !s.bodies.enter() {
		s.metrics.bodiesRefused.WithLabelValues(refusedBusy).Inc()
		c.Response().Header().Set("Retry-After", "10")
		rep := rejected(http.StatusServiceUnavailable, "%d deliveries are being received; redeliver later", cap(s.bodies.slots))
		return nil, release, &rep
	}
	defer s.bodies.leave()
	// The server's read deadline would otherwise be its whole ReadTimeout;
	// a stalled body holds its slot for BodyTimeout at most. Handlers
	// served without a real connection (tests) cannot set it.
	_ = http.NewResponseController(c.Response()).SetReadDeadline(time.Now().Add(s.bodies.timeout))
	body, release, err := s.bodies.read(c.Request().Body)
	if err == nil {
		// The body is in; a slow Temporal call must not meet the deadline.
		_ = http.NewResponseController(c.Response()).SetReadDeadline(time.Time{})
		return body, release, nil
	}
	release()
	var rep reply
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		s.metrics.bodiesRefused.WithLabelValues(refusedTooLarge).Inc()
		rep = rejected(http.StatusRequestEntityTooLarge, "payload over %d bytes", MaxBodyBytes)
	case errors.Is(err, errBodyBudget):
		s.metrics.bodiesRefused.WithLabelValues(refusedMemory).Inc()
		c.Response().Header().Set("Retry-After", "10")
		rep = rejected(http.StatusServiceUnavailable, "%v", err)
	case errors.Is(err, os.ErrDeadlineExceeded):
		s.metrics.bodiesRefused.WithLabelValues(refusedTimeout).Inc()
		rep = rejected(http.StatusRequestTimeout, "body not received within %s", s.bodies.timeout)
	default:
		rep = rejected(http.StatusBadRequest, "read body: %v", err)
	}
	return nil, func() {}, &rep
}
