package webhook

import (
	"errors"
	"net/http"

	"github.com/google/go-github/v62/github"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// ctxOutcome is the echo.Context key where handlers leave a delivery's outcome for the request log.
const ctxOutcome = "releasetrain.outcome"

// middleware installs request ids, request logging, panic recovery and the body limit.
func (s *Server) middleware(e *echo.Echo) {
	e.Use(middleware.RequestID())
	e.Use(middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
		LogStatus:    true,
		LogLatency:   true,
		LogMethod:    true,
		LogURIPath:   true,
		LogRequestID: true,
		LogValuesFunc: func(c echo.Context, v middleware.RequestLoggerValues) error {
			level := zapcore.InfoLevel
			switch {
			case v.Status >= http.StatusInternalServerError:
				level = zapcore.WarnLevel
			case v.URIPath == "/healthz" || v.URIPath == "/readyz" || v.URIPath == "/metrics":
				level = zapcore.DebugLevel
			}
			ce := s.log.Check(level, "request")
			if ce == nil {
				return nil
			}
			fields := []zap.Field{
				zap.String("request_id", v.RequestID),
				zap.String("method", v.Method),
				zap.String("path", v.URIPath),
				zap.Int("status", v.Status),
				zap.Duration("duration", v.Latency),
			}
			if id := c.Request().Header.Get(github.DeliveryIDHeader); id != "" {
				fields = append(fields, zap.String("delivery", id), zap.String("event", c.Request().Header.Get(github.EventTypeHeader)))
			}
			if o, ok := c.Get(ctxOutcome).(string); ok {
				fields = append(fields, zap.String("outcome", o))
			}
			ce.Write(fields...)
			return nil
		},
	}))
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{
		LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			s.log.Error("panic in handler", zap.String("request_id", c.Response().Header().Get(echo.HeaderXRequestID)),
				zap.String("path", c.Path()), zap.Error(err), zap.ByteString("stack", stack))
			return err
		},
	}))
	e.Use(bodyLimit(MaxBodyBytes))
}

// errorMessage is every JSON error body.
type errorMessage struct {
	Message string `json:"message"`
}

// errorHandler answers every error as JSON {"message": ...}; unexpected
// errors become 500 without their text, which is logged instead.
func (s *Server) errorHandler(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	code := http.StatusInternalServerError
	msg := http.StatusText(code)
	var he *echo.HTTPError
	if errors.As(err, &he) {
		code = he.Code
		if m, ok := he.Message.(string); ok {
			msg = m
		} else {
			msg = http.StatusText(code)
		}
	} else {
		s.log.Error("request failed", zap.String("request_id", c.Response().Header().Get(echo.HeaderXRequestID)), zap.Error(err))
	}
	if c.Request().Method == http.MethodHead {
		err = c.NoContent(code)
	} else {
		err = c.JSON(code, errorMessage{Message: msg})
	}
	if err != nil {
		s.log.Debug("write error answer", zap.Error(err))
	}
}
