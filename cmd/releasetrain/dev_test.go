package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/BTCDecoded/releasetrain/internal/devstack"
	"github.com/BTCDecoded/releasetrain/internal/testenv"
	"github.com/BTCDecoded/releasetrain/provenance"
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
	// make run's GitHub enforces immutable releases; the demo saved a draft
	// as a maintainer would, and nothing tried to change a published release.
	if !rep.ReleaseImmutable || rep.GitHub.PublishedReleaseWrites != 0 {
		t.Errorf("release_immutable %t, github.published_release_writes %d; want true and 0", rep.ReleaseImmutable, rep.GitHub.PublishedReleaseWrites)
	}
	if !strings.Contains(out.String(), "Saved a draft release v9.9.9 in BTCDecoded/bllvm-consensus as a maintainer would") {
		t.Errorf("output does not say the demo saved a draft:\n%s", out.String())
	}
	checkDemoProvenance(t, rep)
}

// A blocked train does not wait silently: `dev` prints why (each preflight
// problem) and the commands that unblock it.
func TestDevDemoSaysWhyBlocked(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: starts the Temporal dev server")
	}
	t.Setenv("RELEASETRAIN_TEMPORAL_CLI", testenv.TemporalCLI(t))
	scenario := filepath.Join(t.TempDir(), "disabled.yaml")
	yaml := "owner: BTCDecoded\nimmutable_releases: true\nrepos:\n"
	for _, n := range []string{"bllvm-consensus", "bllvm-protocol", "bllvm-node", "bllvm-sdk", "bllvm", "governance-app", "commons"} {
		yaml += "  - name: " + n + "\n"
		if n == "bllvm-node" {
			yaml += "    disabled_workflows: [build.yml]\n"
		}
	}
	if err := os.WriteFile(scenario, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var out, errb bytes.Buffer
	err := run(ctx, []string{"dev", "--demo", "v9.9.8", "--exit", "--data", t.TempDir(), "--scenario", scenario,
		"--temporal-port", "-1", "--ui-port", "-1", "--receiver-addr", "127.0.0.1:0", "--sim-addr", "127.0.0.1:0", "--timeout", "40s"}, &out, &errb)
	if err == nil || !strings.Contains(err.Error(), "not done within --timeout") {
		t.Fatalf("dev --demo with a disabled workflow: %v\n%s", err, out.String())
	}
	for _, want := range []string{
		"The train is blocked at its preflight step:",
		"  - BTCDecoded/bllvm-node: GET /repos/BTCDecoded/bllvm-node/actions/workflows/build.yml: workflow build.yml is disabled_manually",
		"releasetrain release retry v9.9.8",
		"releasetrain release cancel v9.9.8",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

// checkDemoProvenance walks the README's verification section on the demo
// release: releasetrain verify with the provenance key, the same envelope
// accepted by an independent verifier, the provenance's run ids equal to the
// report's, an independent rebuild in a fresh folder giving the same bundle,
// and verify --min-good 2 passing with the train's and a rebuilder's
// signatures and failing with the train's alone.
func checkDemoProvenance(t *testing.T, rep devstack.Report) {
	t.Helper()
	ctx := context.Background()
	dir := rep.AssetsDir
	provName := "btcdecoded-v9.9.9.intoto.jsonl"
	var out, errb bytes.Buffer
	if err := run(ctx, []string{"verify", dir, "--keys", rep.PublicKey, "--provenance-key", rep.ProvenanceKey}, &out, &errb); err != nil {
		t.Fatalf("verify with the provenance key: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "provenance "+provName+": signature verified") {
		t.Errorf("verify output:\n%s", out.String())
	}
	// Each member's run as verify prints it is the run the report counted.
	for name, r := range rep.Repos {
		p, ok := rep.Provenance[name]
		if !ok || len(r.RunIDs) != 1 || p.RunID != r.RunIDs[0] || p.Attempt != r.Attempts || len(p.Commit) != 40 {
			t.Errorf("%s: provenance %+v, report %+v", name, p, r)
			continue
		}
		line := fmt.Sprintf("member %s: commit %s, run %d attempt %d", name, p.Commit, p.RunID, p.Attempt)
		if !strings.Contains(out.String(), line) {
			t.Errorf("verify output misses %q:\n%s", line, out.String())
		}
	}

	// An implementation that shares no code with ours accepts the envelope.
	python := independentPython(t)
	ind, err := exec.Command(python, "../../provenance/testdata/dsse_verify.py", filepath.Join(dir, provName), rep.ProvenanceKey).CombinedOutput()
	if err != nil {
		t.Fatalf("independent verifier: %v\n%s", err, ind)
	}
	if !strings.Contains(string(ind), "btcdecoded-v9.9.9.tar.gz") {
		t.Errorf("independent verifier's subjects:\n%s", ind)
	}

	// A rebuilder downloads the release without the bundle into a fresh
	// folder, rebuilds it and signs SHA256SUMS.
	fresh := t.TempDir()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() == "btcdecoded-v9.9.9.tar.gz" {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(fresh, e.Name()), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var bundleSHA string
	for _, a := range rep.Assets {
		if a.Name == "btcdecoded-v9.9.9.tar.gz" {
			bundleSHA = a.SHA256
		}
	}
	rebuilderPriv, rebuilderPub := verifyKey(t, "Rebuilder")
	keyDir := t.TempDir()
	privPath, bothKeys := filepath.Join(keyDir, "rebuilder.asc"), filepath.Join(keyDir, "keys.asc")
	trainPub, err := os.ReadFile(rep.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(privPath, rebuilderPriv, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bothKeys, append(append(trainPub, '\n'), rebuilderPub...), 0o644); err != nil {
		t.Fatal(err)
	}
	// Before the rebuilder signs, two good signatures are one too many.
	out.Reset()
	if err := run(ctx, []string{"verify", fresh, "--keys", bothKeys, "--min-good", "2"}, &out, &errb); exitCode(err) != 1 {
		t.Errorf("min-good 2 with the train's signature alone: %v\n%s", err, out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"rebuild", fresh, "--sign", privPath, "--signer", "rebuilder"}, &out, &errb); err != nil {
		t.Fatalf("rebuild: %v\n%s", err, out.String())
	}
	if bundleSHA == "" || !strings.Contains(out.String(), "sha256 "+bundleSHA) {
		t.Errorf("rebuild output does not show the published digest %s:\n%s", bundleSHA, out.String())
	}
	if _, err := os.Stat(filepath.Join(fresh, "SHA256SUMS.rebuilder.asc")); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := run(ctx, []string{"verify", fresh, "--keys", bothKeys, "--min-good", "2", "--provenance-key", rep.ProvenanceKey}, &out, &errb); err != nil {
		t.Errorf("min-good 2 with the train's and the rebuilder's signatures: %v\n%s", err, out.String())
	}

	// Another provenance key does not verify it.
	otherKey := filepath.Join(keyDir, "other.pem")
	if err := provenance.GenerateKeyFiles(provenance.AlgorithmECDSAP256, otherKey, otherKey+".pub"); err != nil {
		t.Fatal(err)
	}
	if err := run(ctx, []string{"verify", fresh, "--keys", bothKeys, "--provenance-key", otherKey + ".pub"}, &out, &errb); !errors.Is(err, provenance.ErrBadSignature) {
		t.Errorf("verify with another provenance key: %v", err)
	}
	// A member file swapped after the release: rebuild and verify refuse it.
	if err := os.WriteFile(filepath.Join(fresh, "bllvm-node"), []byte("swapped"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := run(ctx, []string{"rebuild", fresh}, &out, &errb); exitCode(err) != 1 || !strings.Contains(err.Error(), "bllvm-node") {
		t.Errorf("rebuild with a swapped member file: %v", err)
	}
	if err := run(ctx, []string{"verify", fresh, "--keys", bothKeys}, &out, &errb); exitCode(err) != 1 {
		t.Errorf("verify with a swapped member file: %v", err)
	}
}

// independentPython finds a Python 3 with securesystemslib (Debian's
// python3-securesystemslib; .ci/run installs it).
func independentPython(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/usr/bin/python3", "python3"} {
		if exec.Command(p, "-c", "import securesystemslib.signer, cryptography").Run() == nil {
			return p
		}
	}
	t.Fatal("no python3 with securesystemslib: apt-get install python3-securesystemslib (.ci/run installs it)")
	return ""
}
