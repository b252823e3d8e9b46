package worker

import (
	"go.temporal.io/sdk/log"
	"go.uber.org/zap"
)

// zapLogger adapts zap to Temporal's log.Logger (key/value pairs).
type zapLogger struct {
	z *zap.SugaredLogger
}

var (
	_ log.Logger     = (*zapLogger)(nil)
	_ log.WithLogger = (*zapLogger)(nil)
)

// NewLogger wraps z for the Temporal SDK; the caller skip makes zap report
// the SDK's call site rather than this adapter.
func NewLogger(z *zap.Logger) log.Logger {
	return &zapLogger{z: z.WithOptions(zap.AddCallerSkip(1)).Sugar()}
}

func (l *zapLogger) Debug(msg string, keyvals ...any) { l.z.Debugw(msg, keyvals...) }
func (l *zapLogger) Info(msg string, keyvals ...any)  { l.z.Infow(msg, keyvals...) }
func (l *zapLogger) Warn(msg string, keyvals ...any)  { l.z.Warnw(msg, keyvals...) }
func (l *zapLogger) Error(msg string, keyvals ...any) { l.z.Errorw(msg, keyvals...) }

// With returns a logger that adds keyvals to every line.
func (l *zapLogger) With(keyvals ...any) log.Logger {
	return &zapLogger{z: l.z.With(keyvals...)}
}
