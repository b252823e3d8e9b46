package ghclient

import (
	"context"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestClassifyAnswers(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_800_000_000, 0)
	tests := []struct {
		name      string
		status    int
		headers   map[string]string
		body      string
		wantKind  Kind
		wantDelay time.Duration
		wantText  string
	}{
		{name: "5xx", status: 502, body: `{"message":"Bad Gateway"}`, wantKind: KindTransient, wantText: "get run 7 o/r: 502 Bad Gateway"},
		{name: "401", status: 401, body: `{"message":"Bad credentials"}`, wantKind: KindPermanent, wantText: "get run 7 o/r: 401 Bad credentials"},
		{name: "403 permission", status: 403, body: `{"message":"Resource not accessible by integration"}`, wantKind: KindPermanent},
		{name: "404", status: 404, body: `{"message":"Not Found"}`, wantKind: KindPermanent, wantText: "get run 7 o/r: 404 Not Found"},
		{name: "410", status: 410, body: `{"message":"Gone"}`, wantKind: KindPermanent},
		{name: "422", status: 422, body: `{"message":"Validation Failed","errors":[{"resource":"Release","code":"already_exists","field":"tag_name"}]}`,
			wantKind: KindPermanent, wantText: "get run 7 o/r: 422 Validation Failed (Release.tag_name already_exists)"},
		{name: "403 primary", status: 403, headers: map[string]string{"X-Ratelimit-Remaining": "0", "X-Ratelimit-Reset": strconv.FormatInt(now.Unix()+120, 10)},
			body: `{"message":"API rate limit exceeded"}`, wantKind: KindPrimaryRateLimit, wantDelay: 120 * time.Second},
		{name: "429 primary", status: 429, headers: map[string]string{"X-Ratelimit-Remaining": "0", "X-Ratelimit-Reset": strconv.FormatInt(now.Unix()+300, 10)},
			body: `{"message":"API rate limit exceeded"}`, wantKind: KindPrimaryRateLimit, wantDelay: 300 * time.Second},
		{name: "429 retry-after", status: 429, headers: map[string]string{"Retry-After": "30"},
			body: `{"message":"You have exceeded a secondary rate limit"}`, wantKind: KindSecondaryRateLimit, wantDelay: 30 * time.Second},
		{name: "429 bare", status: 429, body: `{"message":"Too many"}`, wantKind: KindSecondaryRateLimit, wantDelay: 60 * time.Second},
		{name: "403 secondary retry-after", status: 403, headers: map[string]string{"Retry-After": "45"},
			body:     `{"message":"You have exceeded a secondary rate limit","documentation_url":"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"}`,
			wantKind: KindSecondaryRateLimit, wantDelay: 45 * time.Second},
		{name: "403 secondary bare", status: 403,
			body:     `{"message":"You have exceeded a secondary rate limit","documentation_url":"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"}`,
			wantKind: KindSecondaryRateLimit, wantDelay: 60 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				for k, v := range tt.headers {
					w.Header().Set(k, v)
				}
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte(tt.body))
			})
			c, _, _ := newTestClient(t, h, func(cfg *Config) { cfg.Now = func() time.Time { return now } })
			_, _, err := c.GetRun(context.Background(), "o", "r", 7, "")
			var e *Error
			require.ErrorAs(t, err, &e, "err = %v (%T), want *Error", err, err)
			require.Equal(t, tt.wantKind, e.Kind, "kind/status = %v/%d, want %v/%d (%v)", e.Kind, e.Status, tt.wantKind, tt.status, err)
			require.Equal(t, tt.status, e.Status, "kind/status = %v/%d, want %v/%d (%v)", e.Kind, e.Status, tt.wantKind, tt.status, err)
			d, _ := RetryDelay(err)
			require.Equal(t, tt.wantDelay, d, "RetryDelay")
			require.Equal(t, (tt.wantKind == KindPermanent), IsPermanent(err), "IsPermanent")
			if tt.wantText != "" {
				require.EqualError(t, err, tt.wantText)
			}
		})
	}
}

func TestSecondaryBackoffDoublesAndResets(t *testing.T) {
	t.Parallel()
	var fail atomic.Bool
	fail.Store(true)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if fail.Load() {
			writeJSON(w, 429, `{"message":"slow down"}`)
			return
		}
		writeJSON(w, 200, `{"id":7,"status":"queued"}`)
	})
	c, _, _ := newTestClient(t, h)
	var got []time.Duration
	for range 4 {
		_, _, err := c.GetRun(context.Background(), "o", "r", 7, "")
		d, _ := RetryDelay(err)
		got = append(got, d)
	}
	want := []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute}
	for i := range want {
		require.Equal(t, want[i], got[i], "delays = %v, want %v", got, want)
	}
	fail.Store(false)
	_, _, err := c.GetRun(context.Background(), "o", "r", 7, "")
	require.NoError(t, err)
	fail.Store(true)
	_, _, err = c.GetRun(context.Background(), "o", "r", 7, "")
	d, _ := RetryDelay(err)
	require.Equal(t, time.Minute, d, "after a success the wait restarts at 1m")
}

func TestTransportErrorIsTransient(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ln.Close() // nothing listens: connection refused
	c, err := New(Config{BaseURL: "http://" + addr + "/api/v3/", Token: testToken})
	require.NoError(t, err)
	_, _, err = c.GetRun(context.Background(), "o", "r", 1, "")
	var e *Error
	require.ErrorAs(t, err, &e)
	require.Equal(t, KindTransient, e.Kind)
	require.Zero(t, e.Status)
	require.False(t, IsPermanent(err), "connection refused must be retryable")
}

func TestKindString(t *testing.T) {
	t.Parallel()
	require.Equal(t, "secondary rate limit", KindSecondaryRateLimit.String())
	require.Equal(t, "kind(9)", Kind(9).String())
}
