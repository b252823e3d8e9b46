package chaos

import (
	"bufio"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// entry is one request the simulator answered, as the client saw it.
type entry struct {
	At         time.Time // arrival
	Method     string
	Path       string
	Status     int // 0: the connection was reset
	Remaining  string
	RetryAfter string
	Reset      string // x-ratelimit-reset (epoch seconds)
}

// route is "METHOD path" with the /api/v3 or /api/uploads prefix dropped.
func (e entry) route() string {
	p := strings.TrimPrefix(strings.TrimPrefix(e.Path, "/api/v3"), "/api/uploads")
	return e.Method + " " + p
}

// primaryLimited reports a primary rate-limit refusal.
func (e entry) primaryLimited() bool {
	return (e.Status == http.StatusForbidden || e.Status == http.StatusTooManyRequests) &&
		e.Remaining == "0" && e.RetryAfter == ""
}

// secondaryLimited reports a secondary rate-limit refusal.
func (e entry) secondaryLimited() bool {
	return (e.Status == http.StatusForbidden || e.Status == http.StatusTooManyRequests) && e.RetryAfter != ""
}

// reqLog wraps the simulator's handler: it records every request with its
// arrival time and answer, and calls the hooks before and after the
// simulator handles it (the answer is still unsent in after).
type reqLog struct {
	mu      sync.Mutex
	entries []entry
	before  func(r *http.Request)
	after   func(r *http.Request, status int)
}

func (l *reqLog) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		at := time.Now()
		if l.before != nil {
			l.before(r)
		}
		lw := &logWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(lw, r)
		status := lw.status
		if lw.hijacked {
			status = 0
		}
		if l.after != nil {
			l.after(r, status)
		}
		e := entry{At: at, Method: r.Method, Path: r.URL.Path, Status: status}
		if !lw.hijacked {
			h := w.Header()
			e.Remaining, e.RetryAfter, e.Reset = h.Get("X-RateLimit-Remaining"), h.Get("Retry-After"), h.Get("X-RateLimit-Reset")
		}
		l.mu.Lock()
		l.entries = append(l.entries, e)
		l.mu.Unlock()
	})
}

// snapshot copies the entries so far.
func (l *reqLog) snapshot() []entry {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]entry(nil), l.entries...)
}

// logWriter remembers the status and passes hijacking through (ghsim
// resets connections by hijacking them).
type logWriter struct {
	http.ResponseWriter
	status   int
	wrote    bool
	hijacked bool
}

func (w *logWriter) WriteHeader(code int) {
	if !w.wrote {
		w.status, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *logWriter) Write(p []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(p)
}

func (w *logWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	w.hijacked = true
	return http.NewResponseController(w.ResponseWriter).Hijack()
}

func (w *logWriter) Flush() { _ = http.NewResponseController(w.ResponseWriter).Flush() }
