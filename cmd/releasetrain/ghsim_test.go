package main

import (
	"bufio"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestGhsimCommandServesUntilCancelled(t *testing.T) {
	scenario := filepath.Join(t.TempDir(), "s.yaml")
	sc := "owner: acme\nrepos:\n  - name: app\n    artifacts:\n      - name: app-bin\n        files: [{name: app, size: 4KiB}]\n"
	require.NoError(t, os.WriteFile(scenario, []byte(sc), 0o644))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	blobs := filepath.Join(t.TempDir(), "blobs")
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- runGhsim(ctx, []string{"--addr", "127.0.0.1:0", "--scenario", scenario, "--token", "tk", "--seed", "5", "--blob-dir", blobs}, pw, io.Discard)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	require.NoError(t, err, "read banner")
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	base := regexp.MustCompile(`http://127\.0\.0\.1:\d+`).FindString(line)
	require.NotEmpty(t, base, "no base URL in %q", line)
	client := &http.Client{Timeout: 5 * time.Second}
	req, _ := http.NewRequest("GET", base+"/api/v3/repos/acme/app", nil)
	req.Header.Set("Authorization", "Bearer tk")
	resp, err := client.Do(req)
	require.NoError(t, err)
	var repo struct {
		FullName string `json:"full_name"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&repo)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "acme/app", repo.FullName)
	// A build's artifact zip is written into --blob-dir when it is listed.
	call := func(method, path, body string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer tk")
		resp, err := client.Do(req)
		require.NoError(t, err)
		return resp
	}
	resp = call("POST", "/api/v3/repos/acme/app/actions/workflows/build.yml/dispatches", `{"ref":"main","return_run_details":true}`)
	var run struct {
		ID int64 `json:"workflow_run_id"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&run)
	resp.Body.Close()
	call("POST", "/_sim/clock/advance?by=2h", "").Body.Close()
	resp = call("GET", fmt.Sprintf("/api/v3/repos/acme/app/actions/runs/%d/artifacts", run.ID), "")
	var list struct {
		TotalCount int `json:"total_count"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&list)
	resp.Body.Close()
	zips, _ := filepath.Glob(filepath.Join(blobs, "*.zip"))
	require.NotZero(t, run.ID)
	require.NotZero(t, list.TotalCount)
	require.Len(t, zips, list.TotalCount)
	client.CloseIdleConnections()
	cancel()
	select {
	case err := <-done:
		require.NoError(t, err, "runGhsim")
	case <-time.After(time.Minute):
		t.Fatal("runGhsim did not stop after cancel")
	}
	kept, _ := filepath.Glob(filepath.Join(blobs, "*.zip"))
	require.NotEmpty(t, kept, "--blob-dir emptied on exit")
}

func TestGhsimCommandRejectsBadScenario(t *testing.T) {
	scenario := filepath.Join(t.TempDir(), "s.yaml")
	require.NoError(t, os.WriteFile(scenario, []byte("repos:\n  - name: a\n    outcomes: [maybe]\n"), 0o644))
	err := runGhsim(context.Background(), []string{"--addr", "127.0.0.1:0", "--scenario", scenario}, io.Discard, io.Discard)
	var ee *exitError
	require.Error(t, err, "want a line-numbered error")
	require.Regexp(t, `line 3`, err.Error(), "want a line-numbered error")
	require.ErrorAs(t, err, &ee)
	require.Equal(t, 2, ee.code)
}

func TestGhsimCommandSendsSignedPing(t *testing.T) {
	got := make(chan string, 10)
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mac := hmac.New(sha256.New, []byte("s3"))
		mac.Write(body)
		if r.Header.Get("X-Hub-Signature-256") == "sha256="+hex.EncodeToString(mac.Sum(nil)) {
			got <- r.Header.Get("X-GitHub-Event")
		}
	}))
	defer recv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- runGhsim(ctx, []string{"--addr", "127.0.0.1:0", "--webhook-url", recv.URL, "--webhook-secret", "s3", "--time-scale", "60"}, io.Discard, io.Discard)
	}()
	select {
	case ev := <-got:
		require.Equal(t, "ping", ev, "first delivery")
	case <-time.After(time.Minute):
		t.Fatal("no signed ping within a minute")
	}
	cancel()
	require.NoError(t, <-done, "runGhsim")
}
