package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

// The live page's session: a login trades the API token for a cookie, so a
// browser never holds the token itself.
const (
	// sessionCookie is the cookie's name.
	sessionCookie = "releasetrain_session"
	// sessionLifetime is how long a login lasts.
	sessionLifetime = 12 * time.Hour
	// maxLoginForm bounds the login form's body, read before any check.
	maxLoginForm = 4 << 10
)

// sessions issues and checks session cookies. A cookie is
// "<expiry unix seconds>.<hex HMAC-SHA256 of the expiry under a key derived
// from the API token>": nothing to store, and changing the token ends
// every session.
type sessions struct {
	key   []byte
	token [sha256.Size]byte
	now   func() time.Time
}

func newSessions(apiToken string) *sessions {
	mac := hmac.New(sha256.New, []byte(apiToken))
	mac.Write([]byte("releasetrain live page session v1"))
	return &sessions{key: mac.Sum(nil), token: sha256.Sum256([]byte(apiToken)), now: time.Now}
}

// tokenMatches compares a submitted token with the API token in constant time.
func (s *sessions) tokenMatches(token string) bool {
	got := sha256.Sum256([]byte(token))
	return subtle.ConstantTimeCompare(got[:], s.token[:]) == 1
}

func (s *sessions) sign(expiry int64) string {
	mac := hmac.New(sha256.New, s.key)
	mac.Write([]byte(strconv.FormatInt(expiry, 10)))
	return hex.EncodeToString(mac.Sum(nil))
}

// issue returns a new session value.
func (s *sessions) issue() (string, time.Time) {
	exp := s.now().Add(sessionLifetime).Truncate(time.Second)
	return strconv.FormatInt(exp.Unix(), 10) + "." + s.sign(exp.Unix()), exp
}

// valid checks a session value's signature (in constant time) and expiry.
func (s *sessions) valid(v string) bool {
	expText, sig, ok := strings.Cut(v, ".")
	if !ok || len(v) > 128 {
		return false
	}
	exp, err := strconv.ParseInt(expText, 10, 64)
	if err != nil {
		return false
	}
	want := s.sign(exp)
	if subtle.ConstantTimeCompare([]byte(sig), []byte(want)) != 1 {
		return false
	}
	return s.now().Before(time.Unix(exp, 0))
}

// cookie builds the session cookie (value "" and a past expiry log out).
func sessionCookieFor(c echo.Context, value string, exp time.Time) *http.Cookie {
	return &http.Cookie{
		Name:     sessionCookie,
		Value:    value,
		Path:     "/",
		Expires:  exp,
		HttpOnly: true,
		SameSite: http.SameSiteStrictMode,
		Secure:   c.Scheme() == "https",
	}
}

// requireSession lets requests with a valid session through; page loads
// without one are sent to the login form, other requests get 401.
func (s *Server) requireSession(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if ck, err := c.Cookie(sessionCookie); err == nil && s.page.sessions.valid(ck.Value) {
			return next(c)
		}
		if c.Request().Method == http.MethodGet && !strings.HasSuffix(c.Path(), "/events") {
			return c.Redirect(http.StatusSeeOther, "/login?next="+url.QueryEscape(c.Request().URL.RequestURI()))
		}
		return echo.NewHTTPError(http.StatusUnauthorized, "log in at /login")
	}
}

// loginForm is GET /login.
func (s *Server) loginForm(c echo.Context) error {
	return s.renderPage(c, http.StatusOK, "login", loginView{Next: safeNext(c.QueryParam("next"))})
}

// login is POST /login: the API token for a session cookie.
func (s *Server) login(c echo.Context) error {
	c.Request().Body = http.MaxBytesReader(c.Response(), c.Request().Body, maxLoginForm)
	token := c.FormValue("token")
	next := safeNext(c.FormValue("next"))
	if !s.page.sessions.tokenMatches(token) {
		s.log.Info("live page login refused")
		return s.renderPage(c, http.StatusUnauthorized, "login", loginView{Next: next, Failed: true})
	}
	v, exp := s.page.sessions.issue()
	c.SetCookie(sessionCookieFor(c, v, exp))
	return c.Redirect(http.StatusSeeOther, next)
}

// logout is POST /logout.
func (s *Server) logout(c echo.Context) error {
	c.SetCookie(sessionCookieFor(c, "", time.Unix(1, 0)))
	return c.Redirect(http.StatusSeeOther, "/login")
}

// safeNext keeps a redirect target on this site's pages: a path under
// /releases, never another host ("//evil", "/\evil").
func safeNext(next string) string {
	if next == "/releases" || strings.HasPrefix(next, "/releases/") && !strings.ContainsAny(next, "\\") && !strings.Contains(next, "//") {
		return next
	}
	return "/releases"
}
