package webhook

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"go.temporal.io/sdk/client"
	"go.uber.org/zap"
)

// readyTimeout bounds /readyz's Temporal health check.
const readyTimeout = 2 * time.Second

// healthz is GET /healthz: the process is up.
func (s *Server) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

// readyz is GET /readyz: Temporal answers its health check.
func (s *Server) readyz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), readyTimeout)
	defer cancel()
	if _, err := s.temporal.CheckHealth(ctx, &client.CheckHealthRequest{}); err != nil {
		s.log.Debug("readyz: temporal not reachable", zap.Error(err))
		return echo.NewHTTPError(http.StatusServiceUnavailable, "temporal not reachable")
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "ready"})
}
