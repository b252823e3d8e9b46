package webhook

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// apiRoutes mounts the operator API under /api: behind the bearer token, or,
// without a token, answering 404 "API disabled" everywhere.
func (s *Server) apiRoutes(e *echo.Echo) {
	if s.apiToken == "" {
		disabled := func(echo.Context) error { return echo.NewHTTPError(http.StatusNotFound, "API disabled") }
		e.Any("/api", disabled)
		e.Any("/api/*", disabled)
		return
	}
	want := sha256.Sum256([]byte(s.apiToken))
	g := e.Group("/api", middleware.KeyAuthWithConfig(middleware.KeyAuthConfig{
		KeyLookup:  "header:" + echo.HeaderAuthorization,
		AuthScheme: "Bearer",
		Validator: func(key string, _ echo.Context) (bool, error) {
			got := sha256.Sum256([]byte(key))
			return subtle.ConstantTimeCompare(got[:], want[:]) == 1, nil
		},
		ErrorHandler: func(_ error, c echo.Context) error {
			c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="releasetrain"`)
			return echo.NewHTTPError(http.StatusUnauthorized, "missing or invalid bearer token")
		},
	}))
	g.GET("/releases", s.listReleases)
	g.POST("/releases", s.startRelease)
	g.GET("/releases/:tag", s.getRelease)
	g.POST("/releases/:tag/signatures", s.attachSignature)
	g.POST("/releases/:tag/:action", s.releaseAction)
	g.POST("/releases/:tag/builds/:repo/:action", s.buildAction)
}
