package webhook

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
	"go.uber.org/zap"

	"github.com/BTCDecoded/releasetrain/operator"
)

//go:embed pageassets
var pageAssets embed.FS

// Limits of the live pages.
const (
	// maxLiveStreams bounds the event streams open at once.
	maxLiveStreams = 512
	// liveWriteTimeout bounds one write to a stream (the server's write
	// timeout would end a stream after two minutes).
	liveWriteTimeout = 30 * time.Second
	// pageListSize is how many trains /releases lists.
	pageListSize = 50
)

// livePage serves /releases and /releases/{tag}: the train's DAG drawn as
// SVG, coloured by state, with live updates by server-sent events.
type livePage struct {
	sessions *sessions
	statuses *statusCache
	tmpl     *template.Template
	streams  atomic.Int64
	every    time.Duration // how often a stream sends; pageQueryEvery
	now      func() time.Time
	// closing ends every event stream when the server shuts down (a
	// graceful shutdown would otherwise wait for viewers to leave).
	closing   chan struct{}
	closeOnce sync.Once
}

// closeStreams ends the open event streams; the server calls it when it
// starts shutting down.
func (s *Server) closeStreams() {
	if s.page != nil {
		s.page.closeOnce.Do(func() { close(s.page.closing) })
	}
}

// loginView is the login form's data.
type loginView struct {
	Next   string
	Failed bool
}

// listView is /releases' data.
type listView struct {
	Releases []ReleaseSummary
	Error    string
}

// pageRoutes mounts the live pages. Like the API they need the API token:
// without one they answer 404; with one, a login trades it for a session
// cookie.
func (s *Server) pageRoutes(e *echo.Echo) {
	if s.apiToken == "" {
		disabled := func(echo.Context) error {
			return echo.NewHTTPError(http.StatusNotFound, "live pages disabled: set RELEASETRAIN_API_TOKEN")
		}
		for _, p := range []string{"/releases", "/releases/*", "/login"} {
			e.Any(p, disabled)
		}
		return
	}
	tmpl := template.Must(template.New("").Funcs(template.FuncMap{
		"join": strings.Join,
	}).ParseFS(pageAssets, "pageassets/*.html"))
	s.page = &livePage{
		sessions: newSessions(s.apiToken),
		statuses: newStatusCache(s.queryStatus),
		tmpl:     tmpl,
		every:    pageQueryEvery,
		now:      time.Now,
		closing:  make(chan struct{}),
	}
	static, _ := fs.Sub(pageAssets, "pageassets")
	e.GET("/assets/*", echo.WrapHandler(http.StripPrefix("/assets/", http.FileServer(http.FS(staticOnly{static})))), pageHeaders)
	e.GET("/login", s.loginForm, pageHeaders)
	e.POST("/login", s.login, pageHeaders)
	e.POST("/logout", s.logout, pageHeaders)
	g := e.Group("/releases", pageHeaders, s.requireSession)
	g.GET("", s.listPage)
	g.GET("/:tag", s.releasePage)
	g.GET("/:tag/events", s.releaseEvents)
}

// staticOnly serves the assets but not the templates.
type staticOnly struct{ fs.FS }

func (s staticOnly) Open(name string) (fs.File, error) {
	if !strings.HasSuffix(name, ".css") && !strings.HasSuffix(name, ".js") {
		return nil, fs.ErrNotExist
	}
	return s.FS.Open(name)
}

// pageHeaders forbids framing, inline scripts and caching on every page.
func pageHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		h.Set("X-Frame-Options", "DENY")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-store")
		return next(c)
	}
}

// renderPage renders a whole page.
func (s *Server) renderPage(c echo.Context, code int, name string, data any) error {
	var buf bytes.Buffer
	if err := s.page.tmpl.ExecuteTemplate(&buf, name, data); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	return c.HTMLBlob(code, buf.Bytes())
}

// listPage is GET /releases: the latest trains.
func (s *Server) listPage(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), s.timeout)
	defer cancel()
	list, err := s.ops.List(ctx, operator.ListRequest{PageSize: pageListSize})
	view := listView{}
	if err != nil {
		s.log.Warn("live page: list releases", zap.Error(err))
		view.Error = "Temporal did not answer; reload in a moment."
		return s.renderPage(c, http.StatusServiceUnavailable, "list", view)
	}
	for _, sum := range list.Releases {
		if validTag(sum.Tag) != nil {
			continue
		}
		view.Releases = append(view.Releases, sum)
	}
	return s.renderPage(c, http.StatusOK, "list", view)
}

// releasePage is GET /releases/:tag.
func (s *Server) releasePage(c echo.Context) error {
	tag := c.Param("tag")
	if validTag(tag) != nil {
		return echo.NewHTTPError(http.StatusNotFound, "unknown release")
	}
	st, err := s.page.statuses.get(c.Request().Context(), tag)
	if err != nil {
		return apiError(err)
	}
	return s.renderPage(c, http.StatusOK, "release", buildView(s.train, st, s.page.now()))
}

// releaseEvents is GET /releases/:tag/events: a server-sent event stream
// of the page's live part, one "update" per second from the shared cache
// (so Temporal sees one query per second per tag however many watch), and
// "done" once the train has ended.
func (s *Server) releaseEvents(c echo.Context) error {
	tag := c.Param("tag")
	if validTag(tag) != nil {
		return echo.NewHTTPError(http.StatusNotFound, "unknown release")
	}
	if s.page.streams.Add(1) > maxLiveStreams {
		s.page.streams.Add(-1)
		return echo.NewHTTPError(http.StatusServiceUnavailable, "too many live pages open")
	}
	defer s.page.streams.Add(-1)
	ctx := c.Request().Context()
	w := c.Response()
	rc := http.NewResponseController(w.Writer)
	h := w.Header()
	h.Set(echo.HeaderContentType, "text/event-stream")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	tick := time.NewTicker(s.page.every)
	defer tick.Stop()
	for {
		event, data := "update", ""
		st, err := s.page.statuses.get(ctx, tag)
		switch {
		case ctx.Err() != nil:
			return nil
		case errors.Is(err, operator.ErrNotFound):
			event, data = "problem", "No release "+tag+" (yet); looking again every second."
		case err != nil:
			event, data = "problem", "Temporal did not answer; retrying."
		default:
			var buf bytes.Buffer
			if err := s.page.tmpl.ExecuteTemplate(&buf, "live", buildView(s.train, st, s.page.now())); err != nil {
				return fmt.Errorf("render live %s: %w", tag, err)
			}
			data = buf.String()
		}
		_ = rc.SetWriteDeadline(time.Now().Add(liveWriteTimeout))
		if err := writeEvent(w, event, data); err != nil {
			return nil // the viewer left
		}
		if err := rc.Flush(); err != nil {
			return nil
		}
		if st != nil && st.State.Final() {
			_ = writeEvent(w, "done", string(st.State))
			_ = rc.Flush()
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-s.page.closing:
			return nil
		case <-tick.C:
		}
	}
}

// writeEvent writes one server-sent event; each line of data is its own
// data: field.
func writeEvent(w http.ResponseWriter, event, data string) error {
	var b strings.Builder
	b.WriteString("event: " + event + "\n")
	for _, line := range strings.Split(data, "\n") {
		b.WriteString("data: " + strings.TrimSuffix(line, "\r") + "\n")
	}
	b.WriteString("\n")
	_, err := w.Write([]byte(b.String()))
	return err
}
