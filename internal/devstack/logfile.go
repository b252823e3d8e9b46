package devstack

import (
	"io"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// zapFileCore logs JSON at info level to w (the stack's log file), keeping the
// terminal for the progress view.
func zapFileCore(w io.Writer) zapcore.Core {
	enc := zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig())
	return zapcore.NewCore(enc, zapcore.AddSync(w), zap.InfoLevel)
}
