package worker

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/log"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

func TestZapLoggerKeyValues(t *testing.T) {
	core, logs := observer.New(zapcore.DebugLevel)
	l := NewLogger(zap.New(core, zap.AddCaller()))
	l.Info("started", "TaskQueue", "releasetrain", "Attempt", 2)
	l.(log.WithLogger).With("WorkflowID", "release-v1").Warn("slow")
	l.Debug("d")
	l.Error("e", "Error", "boom")

	entries := logs.AllUntimed()
	require.Len(t, entries, 4)
	assert.Equal(t, "started", entries[0].Message)
	assert.Equal(t, zapcore.InfoLevel, entries[0].Level)
	assert.Equal(t, map[string]any{"TaskQueue": "releasetrain", "Attempt": int64(2)}, entries[0].ContextMap())
	assert.Equal(t, map[string]any{"WorkflowID": "release-v1"}, entries[1].ContextMap())
	assert.Equal(t, zapcore.WarnLevel, entries[1].Level)
	assert.Equal(t, zapcore.DebugLevel, entries[2].Level)
	assert.Equal(t, zapcore.ErrorLevel, entries[3].Level)
	assert.Contains(t, entries[0].Caller.File, "logger_test.go", "the caller is the code that logged, not the adapter")
}
