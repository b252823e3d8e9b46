package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/BTCDecoded/releasetrain/internal/devstack"
	"github.com/BTCDecoded/releasetrain/internal/testenv"
)

// TestDevDemoEndToEnd is `make run` in a test: the whole stack (Temporal dev
// server, ghsim, worker, receiver) runs the embedded BTCDecoded train for one
// tag and must publish a release whose SHA256SUMS and signature verify.
func TestDevDemoEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: starts the Temporal dev server")
	}
	t.Setenv("RELEASETRAIN_TEMPORAL_CLI", testenv.TemporalCLI(t))
	data := t.TempDir()
	reportPath := filepath.Join(t.TempDir(), "report.json")
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	var out, errb bytes.Buffer
	err := run(ctx, []string{"dev", "--demo", "v9.9.9", "--exit", "--data", data, "--report", reportPath,
		"--temporal-port", "-1", "--ui-port", "-1", "--receiver-addr", "127.0.0.1:0", "--sim-addr", "127.0.0.1:0", "--timeout", "3m"}, &out, &errb)
	if err != nil {
		t.Fatalf("dev --demo: %v\nstdout:\n%s\nstderr:\n%s", err, out.String(), errb.String())
	}
	var rep devstack.Report
	data2, err := os.ReadFile(reportPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data2, &rep); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(rep.ReleaseURL, "/releases/tag/v9.9.9") {
		t.Errorf("release_url %q", rep.ReleaseURL)
	}
	if len(rep.Repos) != 7 {
		t.Errorf("report has %d repos, want the 7 of the BTCDecoded train", len(rep.Repos))
	}
	for name, r := range rep.Repos {
		if r.Dispatches != 1 || r.State != "succeeded" || len(r.RunIDs) != 1 {
			t.Errorf("%s: %+v, want one dispatch, one run, succeeded", name, r)
		}
	}
	names := map[string]bool{}
	for _, a := range rep.Assets {
		names[a.Name] = true
	}
	for _, want := range []string{"SHA256SUMS", "SHA256SUMS.asc", "btcdecoded-v9.9.9.tar.gz", "bllvm-node", "bllvm-node-README.md"} {
		if !names[want] {
			t.Errorf("asset %s missing from %v", want, names)
		}
	}
	if rep.MakespanSeconds < rep.CriticalPathSeconds || rep.CriticalPathSeconds <= 0 || rep.LayeredBoundSeconds < rep.CriticalPathSeconds {
		t.Errorf("makespan %.0fs, critical path %.0fs, layered bound %.0fs: want makespan ≥ critical path ≤ layered bound",
			rep.MakespanSeconds, rep.CriticalPathSeconds, rep.LayeredBoundSeconds)
	}
	if rep.Schedule != "eager" {
		t.Errorf("schedule %q, want the default eager", rep.Schedule)
	}
	if rep.GitHub.Requests == 0 || rep.GitHub.BudgetSpent == 0 {
		t.Errorf("github accounting empty: %+v", rep.GitHub)
	}
	// The downloaded folder verifies with the standard tools.
	if n, err := devstack.VerifySums(rep.AssetsDir); err != nil || n != len(rep.Assets)-2 {
		t.Errorf("SHA256SUMS check: %d files, %v; want every asset but SHA256SUMS and its signature", n, err)
	}
	if gpg, err := exec.LookPath("gpg"); err == nil {
		home := t.TempDir()
		imp := exec.Command(gpg, "--homedir", home, "--batch", "--import", rep.PublicKey)
		if out, err := imp.CombinedOutput(); err != nil {
			t.Fatalf("gpg --import: %v\n%s", err, out)
		}
		ver := exec.Command(gpg, "--homedir", home, "--batch", "--verify", "SHA256SUMS.asc", "SHA256SUMS")
		ver.Dir = rep.AssetsDir
		if out, err := ver.CombinedOutput(); err != nil {
			t.Errorf("gpg --verify SHA256SUMS.asc SHA256SUMS: %v\n%s", err, out)
		}
	}
	if !strings.Contains(out.String(), "Published v9.9.9") {
		t.Errorf("output does not announce the release:\n%s", out.String())
	}
}
