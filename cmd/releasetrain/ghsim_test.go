package main

import (
	"bufio"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
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
)

func TestGhsimCommandServesUntilCancelled(t *testing.T) {
	scenario := filepath.Join(t.TempDir(), "s.yaml")
	sc := "owner: acme\nrepos:\n  - name: app\n    artifacts:\n      - name: app-bin\n        files: [{name: app, size: 4KiB}]\n"
	if err := os.WriteFile(scenario, []byte(sc), 0o644); err != nil {
		t.Fatal(err)
	}
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
	if err != nil {
		t.Fatalf("read banner: %v", err)
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	base := regexp.MustCompile(`http://127\.0\.0\.1:\d+`).FindString(line)
	if base == "" {
		t.Fatalf("no base URL in %q", line)
	}
	client := &http.Client{Timeout: 5 * time.Second}
	req, _ := http.NewRequest("GET", base+"/api/v3/repos/acme/app", nil)
	req.Header.Set("Authorization", "Bearer tk")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var repo struct {
		FullName string `json:"full_name"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&repo)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || repo.FullName != "acme/app" {
		t.Fatalf("GET repo: %d %q", resp.StatusCode, repo.FullName)
	}
	// A build's artifact zip is written into --blob-dir when it is listed.
	call := func(method, path, body string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer tk")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
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
	if run.ID == 0 || list.TotalCount == 0 || len(zips) != list.TotalCount {
		t.Fatalf("run %d: %d artifacts listed, zips in --blob-dir: %v", run.ID, list.TotalCount, zips)
	}
	client.CloseIdleConnections()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("runGhsim: %v", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("runGhsim did not stop after cancel")
	}
	if kept, _ := filepath.Glob(filepath.Join(blobs, "*.zip")); len(kept) == 0 {
		t.Fatal("--blob-dir emptied on exit")
	}
}

func TestGhsimCommandRejectsBadScenario(t *testing.T) {
	scenario := filepath.Join(t.TempDir(), "s.yaml")
	if err := os.WriteFile(scenario, []byte("repos:\n  - name: a\n    outcomes: [maybe]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := runGhsim(context.Background(), []string{"--addr", "127.0.0.1:0", "--scenario", scenario}, io.Discard, io.Discard)
	var ee *exitError
	if err == nil || !regexp.MustCompile(`line 3`).MatchString(err.Error()) {
		t.Fatalf("want a line-numbered error, got %v", err)
	}
	if !errors.As(err, &ee) || ee.code != 2 {
		t.Fatalf("want exit status 2, got %v", err)
	}
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
		if ev != "ping" {
			t.Fatalf("first delivery %q, want ping", ev)
		}
	case <-time.After(time.Minute):
		t.Fatal("no signed ping within a minute")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("runGhsim: %v", err)
	}
}
