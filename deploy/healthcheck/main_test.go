package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"go.uber.org/goleak"
)

func TestRun(t *testing.T) {
	defer goleak.VerifyNone(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/healthz":
			_, _ = w.Write([]byte("ok"))
		case "/slow":
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		default:
			http.Error(w, "down", http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	defer http.DefaultClient.CloseIdleConnections()

	tests := []struct {
		name       string
		args       []string
		want       int
		wantStderr string
	}{
		{"healthy", []string{srv.URL + "/healthz"}, 0, ""},
		{"unhealthy status", []string{srv.URL + "/readyz"}, 1, "status 503 Service Unavailable"},
		{"timeout", []string{"--timeout", "50ms", srv.URL + "/slow"}, 1, "context deadline exceeded"},
		{"refused", []string{"http://127.0.0.1:1/healthz"}, 1, "connection refused"},
		{"no url", nil, 2, "usage: healthcheck"},
		{"bad flag", []string{"--nope", "x"}, 2, "flag provided but not defined"},
	}
	for _, tt := range tests {
		var stderr bytes.Buffer
		got := run(context.Background(), tt.args, &stderr)
		assert.Equal(t, tt.want, got, tt.name)
		assert.Contains(t, stderr.String(), tt.wantStderr, tt.name)
	}
}
