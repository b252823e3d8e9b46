package ghclient

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

const testToken = "ghp_TESTSECRETtoken0123456789abcdef"

// newTestClient serves h at /api/v3/ and returns a token client for it.
func newTestClient(t *testing.T, h http.Handler, mods ...func(*Config)) (*Client, *httptest.Server, *observer.ObservedLogs) {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle("/api/v3/", http.StripPrefix("/api/v3", h))
	mux.Handle("/api/uploads/", http.StripPrefix("/api/uploads", h))
	mux.Handle("/blob/", h)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	core, logs := observer.New(zapcore.DebugLevel)
	cfg := Config{
		BaseURL:        srv.URL + "/api/v3/",
		Token:          testToken,
		Logger:         zap.New(core),
		ListingTimeout: 10 * time.Second,
		Sleep:          func(context.Context, time.Duration) error { return nil },
	}
	for _, m := range mods {
		m(&cfg)
	}
	c, err := New(cfg)
	require.NoError(t, err)
	t.Cleanup(c.CloseIdleConnections)
	return c, srv, logs
}

// writeJSON answers status with a JSON body and rate-limit headers.
func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Ratelimit-Limit", "5000")
	w.Header().Set("X-Ratelimit-Remaining", "4999")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

func fmtAny(v any) string { return fmt.Sprint(v) }

// TestMain checks that no goroutine (the hashing pipeline, servers,
// simulator clocks) outlives the tests.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
