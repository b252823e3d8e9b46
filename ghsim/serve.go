package ghsim

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// statusReset is handleAPI's answer for a reset connection (counted as "0").
const statusReset = -1

// secondaryConcurrency is GitHub's concurrent-request ceiling before a secondary limit.
const secondaryConcurrency = 100

// serveAPI runs one REST request through auth, faults, rate limits and ETags,
// and counts it per route template and status.
func (s *Sim) serveAPI(w http.ResponseWriter, r *http.Request) {
	_, pattern := s.api.Handler(r)
	route := routeTemplate(pattern, r.URL.Path)
	if route == "" {
		s.rateHeaders(w.Header())
		notFound(w)
		s.countRequest(r.Method+" (unknown)", http.StatusNotFound)
		return
	}
	s.mu.Lock()
	s.progressLocked()
	s.mu.Unlock()
	status := s.handleAPI(w, r, s.api, route) // the mux sets path values
	if status == statusReset {
		return // counted before the connection closed
	}
	s.countRequest(route, status)
	s.log.Debug("ghsim request", "route", route, "status", status)
}

// routeTemplate turns a mux pattern into GitHub's route template ("GET /repos/{owner}/…").
func routeTemplate(pattern, path string) string {
	if pattern == "" {
		return ""
	}
	method, p, _ := strings.Cut(pattern, " ")
	p = strings.TrimPrefix(p, "/api/v3")
	p = strings.TrimPrefix(p, "/api/uploads")
	if strings.HasSuffix(p, "/{release_id}/{sub}") && strings.HasSuffix(path, "/assets") {
		p = strings.TrimSuffix(p, "{sub}") + "assets"
	}
	return method + " " + p
}

func (s *Sim) handleAPI(w http.ResponseWriter, r *http.Request, h http.Handler, route string) int {
	if code, msg := s.authenticate(r, route); code != 0 {
		s.rateHeaders(w.Header())
		writeError(w, code, msg)
		return code
	}
	select {
	case s.inflight <- struct{}{}:
		defer func() { <-s.inflight }()
	default:
		return s.answerSecondary(w, http.StatusForbidden, 60*time.Second)
	}
	f := s.matchFault(r.Method, route)
	if f != nil && f.Latency > 0 {
		sleepCtx(r.Context(), f.Latency)
	}
	read := r.Method == http.MethodGet || r.Method == http.MethodHead
	if f != nil && !f.AfterWrite && failing(f) {
		switch {
		case f.Reset && read:
			rec := newRecorder()
			h.ServeHTTP(rec, r)
			s.resetConn(w, route, rec.status, rec.header, rec.body.Bytes())
			return statusReset
		case f.Reset:
			s.resetConn(w, route, http.StatusOK, http.Header{"Content-Type": {"application/json"}}, []byte(`{"message":"OK","documentation_url":"`+docsREST+`"}`))
			return statusReset
		}
		return s.answerFault(w, f)
	}
	if read {
		return s.serveRead(w, r, h, f, charged(route))
	}
	if !s.writeAllowed() {
		return s.answerSecondary(w, http.StatusForbidden, time.Minute)
	}
	if charged(route) && !s.spend() {
		return s.answerPrimary(w)
	}
	s.rateHeaders(w.Header())
	if f != nil && f.AfterWrite {
		rec := newRecorder()
		h.ServeHTTP(rec, r)
		if f.Reset {
			s.resetConn(w, route, rec.status, rec.header, rec.body.Bytes())
			return statusReset
		}
		return s.answerFault(w, f)
	}
	sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	h.ServeHTTP(sw, r)
	return sw.status
}

// charged reports whether a route spends the installation's primary budget:
// GET /rate_limit is free and App (JWT) routes have their own budget, as on GitHub.
func charged(route string) bool {
	_, path, _ := strings.Cut(route, " ")
	return path != "/rate_limit" && path != "/app" && !strings.HasPrefix(path, "/app/")
}

// serveRead answers a GET: 304 for a matching ETag (free), else spends budget
// when charge is set.
func (s *Sim) serveRead(w http.ResponseWriter, r *http.Request, h http.Handler, f *Fault, charge bool) int {
	rec := newRecorder()
	h.ServeHTTP(rec, r)
	if rec.status == http.StatusOK {
		sum := sha256.Sum256(rec.body.Bytes())
		etag := `W/"` + hex.EncodeToString(sum[:16]) + `"`
		rec.header.Set("ETag", etag)
		if etagMatches(r.Header.Get("If-None-Match"), etag) {
			s.mu.Lock()
			s.stats.notModified++
			s.mu.Unlock()
			s.rateHeaders(w.Header())
			w.Header().Set("ETag", etag)
			w.WriteHeader(http.StatusNotModified)
			return http.StatusNotModified
		}
	}
	if charge && !s.spend() {
		return s.answerPrimary(w)
	}
	s.rateHeaders(w.Header())
	if f != nil && f.AfterWrite {
		return s.answerFault(w, f)
	}
	for k, v := range rec.header {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(rec.body.Bytes())
	}
	return rec.status
}

func etagMatches(header, etag string) bool {
	if header == "" {
		return false
	}
	weak := func(t string) string { return strings.TrimPrefix(strings.TrimSpace(t), "W/") }
	for _, t := range strings.Split(header, ",") {
		if strings.TrimSpace(t) == "*" || weak(t) == weak(etag) {
			return true
		}
	}
	return false
}

// failing reports whether a fault answers with a failure (not latency only).
func failing(f *Fault) bool {
	return f.Reset || f.SecondaryLimit || f.Status != 0 || f.Latency == 0 || f.AfterWrite
}

// answerFault writes an injected failure.
func (s *Sim) answerFault(w http.ResponseWriter, f *Fault) int {
	if f.SecondaryLimit {
		status := f.Status
		if status == 0 {
			status = http.StatusForbidden
		}
		wait := f.RetryAfter
		if wait == 0 {
			wait = 60 * time.Second
		}
		return s.answerSecondary(w, status, wait)
	}
	status := f.Status
	if status == 0 {
		status = http.StatusInternalServerError
	}
	s.rateHeaders(w.Header())
	writeError(w, status, http.StatusText(status))
	return status
}

// answerSecondary writes a secondary rate limit with retry-after in real seconds.
func (s *Sim) answerSecondary(w http.ResponseWriter, status int, wait time.Duration) int {
	s.rateHeaders(w.Header())
	w.Header().Set("Retry-After", fmt.Sprint(ceilSeconds(s.clock.toReal(wait))))
	writeJSON(w, status, ghError{
		Message:          "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID.",
		DocumentationURL: docsSecondary,
	})
	return status
}

// answerPrimary writes the primary limit answer: 403 with remaining 0.
func (s *Sim) answerPrimary(w http.ResponseWriter) int {
	s.rateHeaders(w.Header())
	msg := "API rate limit exceeded."
	if s.opts.App != nil {
		msg = fmt.Sprintf("API rate limit exceeded for installation ID %d.", s.opts.App.InstallationID)
	}
	writeJSON(w, http.StatusForbidden, ghError{Message: msg, DocumentationURL: docsPrimary + "#about-the-primary-rate-limit"})
	return http.StatusForbidden
}

func ceilSeconds(d time.Duration) int64 {
	sec := int64((d + time.Second - 1) / time.Second)
	if sec < 1 {
		sec = 1
	}
	return sec
}

// resetConn counts the request as status 0, sends the status line, headers and
// half the body, then resets the connection.
func (s *Sim) resetConn(w http.ResponseWriter, route string, status int, header http.Header, body []byte) {
	s.countRequest(route, 0)
	if len(body) < 16 {
		body = append(body, bytes.Repeat([]byte(" "), 16)...)
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	conn, buf, err := hj.Hijack()
	if err != nil {
		return
	}
	defer conn.Close()
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	h := header.Clone()
	h.Set("Content-Length", fmt.Sprint(len(body)))
	fmt.Fprintf(buf, "HTTP/1.1 %d %s\r\n", status, http.StatusText(status))
	_ = h.Write(buf)
	_, _ = buf.WriteString("\r\n")
	_, _ = buf.Write(body[:len(body)/2])
	_ = buf.Flush()
}

// recorder buffers a handler's answer.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
	wrote  bool
}

func newRecorder() *recorder { return &recorder{header: http.Header{}, status: http.StatusOK} }

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) WriteHeader(code int) {
	if !r.wrote {
		r.status, r.wrote = code, true
	}
}
func (r *recorder) Write(p []byte) (int, error) {
	r.wrote = true
	return r.body.Write(p)
}

// statusWriter remembers the status written through it.
type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.status, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(p)
}

// ReadFrom keeps the server's zero-copy path (sendfile) for blob downloads
// when the underlying writer has one; a wrapping writer without it gets
// plain Writes.
func (w *statusWriter) ReadFrom(r io.Reader) (int64, error) {
	w.wrote = true
	if rf, ok := w.ResponseWriter.(io.ReaderFrom); ok {
		return rf.ReadFrom(r)
	}
	return io.Copy(writerOnly{w.ResponseWriter}, r)
}

// Unwrap lets http.ResponseController reach the connection.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// sleepCtx waits d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}
