package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/BTCDecoded/releasetrain/config"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func env(m map[string]string) config.Env {
	return config.EnvOf(func(k string) string { return m[k] })
}

func TestParseServeRequiresSecret(t *testing.T) {
	_, err := parseServe(nil, env(nil), io.Discard)
	require.ErrorContains(t, err, "RELEASETRAIN_WEBHOOK_SECRET is required")
}

func TestParseServeDefaults(t *testing.T) {
	s, err := parseServe(nil, env(map[string]string{"RELEASETRAIN_WEBHOOK_SECRET": "s3"}), io.Discard)
	require.NoError(t, err)
	assert.Equal(t, ":8080", s.addr)
	assert.Equal(t, "127.0.0.1:7233", s.temporal)
	assert.Equal(t, "default", s.namespace)
	assert.Equal(t, "", s.configPath)
	assert.Equal(t, "", s.apiToken)

	s, err = parseServe([]string{"--addr", "127.0.0.1:9999", "--config", "a.yaml"}, env(map[string]string{
		"RELEASETRAIN_WEBHOOK_SECRET": "s3", "RELEASETRAIN_API_TOKEN": "t", "TEMPORAL_ADDRESS": "temporal:7233",
		"TEMPORAL_NAMESPACE": "rt", "RELEASETRAIN_CONFIG": "b.yaml",
	}), io.Discard)
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1:9999", s.addr)
	assert.Equal(t, "a.yaml", s.configPath, "the flag wins over RELEASETRAIN_CONFIG")
	assert.Equal(t, "t", s.apiToken)
	assert.Equal(t, "temporal:7233", s.temporal)
	assert.Equal(t, "rt", s.namespace)

	s, err = parseServe(nil, env(map[string]string{"RELEASETRAIN_WEBHOOK_SECRET": "s3", "RELEASETRAIN_CONFIG": "b.yaml"}), io.Discard)
	require.NoError(t, err)
	assert.Equal(t, "b.yaml", s.configPath)
}

func TestServeRefusesWithoutSecret(t *testing.T) {
	err := serve(context.Background(), []string{"--addr", "127.0.0.1:0"}, env(nil), io.Discard, nil)
	require.ErrorContains(t, err, "RELEASETRAIN_WEBHOOK_SECRET")
	var ee *exitError
	require.ErrorAs(t, err, &ee)
	assert.Equal(t, 2, ee.code)
}

func TestServeBadConfig(t *testing.T) {
	path := filepath.Join(t.TempDir(), "train.yaml")
	require.NoError(t, os.WriteFile(path, []byte("owner: x\nrepos: [\n"), 0o600))
	err := serve(context.Background(), []string{"--addr", "127.0.0.1:0", "--config", path},
		env(map[string]string{"RELEASETRAIN_WEBHOOK_SECRET": "s3"}), io.Discard, nil)
	require.Error(t, err)
	require.ErrorContains(t, err, path)
}

// serve starts with Temporal unreachable: /healthz is up, /readyz says not
// ready; the context ending stops it cleanly.
func TestServeStartsWithoutTemporal(t *testing.T) {
	dead, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	deadAddr := dead.Addr().String()
	require.NoError(t, dead.Close()) // nothing listens here now

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addrs := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() {
		done <- serve(ctx, []string{"--addr", "127.0.0.1:0", "--log-level", "error"}, env(map[string]string{
			"RELEASETRAIN_WEBHOOK_SECRET": "s3", "TEMPORAL_ADDRESS": deadAddr,
		}), io.Discard, func(a net.Addr) { addrs <- a })
	}()
	var base string
	select {
	case a := <-addrs:
		base = "http://" + a.String()
	case err := <-done:
		t.Fatalf("serve exited: %v", err)
	case <-time.After(time.Minute):
		t.Fatal("serve did not start")
	}
	hc := &http.Client{Timeout: time.Minute, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := hc.Get(base + "/healthz")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	resp, err = hc.Get(base + "/readyz")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	resp, err = hc.Get(base + "/api/releases")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusNotFound, resp.StatusCode, "no RELEASETRAIN_API_TOKEN: API disabled")
	resp, err = hc.Get(base + "/metrics")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)

	// A delivery while Temporal is down fails with 503, so GitHub shows it
	// as failed and it can be redelivered; it answers well within 10 s.
	body, err := os.ReadFile(filepath.Join("..", "..", "webhook", "testdata", "workflow_run.completed.json"))
	require.NoError(t, err)
	mac := hmac.New(sha256.New, []byte("s3"))
	mac.Write(body)
	req, err := http.NewRequest(http.MethodPost, base+"/webhook", bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-GitHub-Event", "workflow_run")
	req.Header.Set("X-GitHub-Delivery", "d-down")
	req.Header.Set("X-Hub-Signature-256", "sha256="+hex.EncodeToString(mac.Sum(nil)))
	start := time.Now()
	resp, err = hc.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	// The receiver's Temporal calls stop at webhook.DefaultTimeout (8 s, under
	// GitHub's 10 s); this bound is only a sanity check, safe under load.
	require.Less(t, time.Since(start), time.Minute)

	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(time.Minute):
		t.Fatal("serve did not stop")
	}
}
