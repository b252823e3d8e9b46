package main

import (
	"bytes"
	"context"
	"encoding/json"
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
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
	require.NoError(t, err, "dev --demo: %v\nstdout:\n%s\nstderr:\n%s", err, out.String(), errb.String())
	var rep devstack.Report
	data2, err := os.ReadFile(reportPath)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data2, &rep))
	assert.True(t, strings.HasSuffix(rep.ReleaseURL, "/releases/tag/v9.9.9"), "release_url %q", rep.ReleaseURL)
	assert.Len(t, rep.Repos, 7, "report has %d repos, want the 7 of the BTCDecoded train", len(rep.Repos))
	for name, r := range rep.Repos {
		assert.Equal(t, 1, r.Dispatches, "%s: %+v, want one dispatch, one run, succeeded", name, r)
		assert.Equal(t, "succeeded", r.State, "%s: %+v, want one dispatch, one run, succeeded", name, r)
		assert.Len(t, r.RunIDs, 1, "%s: %+v, want one dispatch, one run, succeeded", name, r)
	}
	names := map[string]bool{}
	for _, a := range rep.Assets {
		names[a.Name] = true
	}
	for _, want := range []string{"SHA256SUMS", "SHA256SUMS.asc", "btcdecoded-v9.9.9.tar.gz", "bllvm-node", "bllvm-node-README.md"} {
		assert.True(t, names[want], "asset %s missing from %v", want, names)
	}
	assert.GreaterOrEqual(t, rep.MakespanSeconds, rep.CriticalPathSeconds)
	assert.Greater(t, rep.CriticalPathSeconds, float64(0))
	assert.GreaterOrEqual(t, rep.LayeredBoundSeconds, rep.CriticalPathSeconds)
	assert.Equal(t, "eager", rep.Schedule, "schedule %q, want the default eager", rep.Schedule)
	assert.NotZero(t, rep.GitHub.Requests, "github accounting empty: %+v", rep.GitHub)
	assert.NotZero(t, rep.GitHub.BudgetSpent, "github accounting empty: %+v", rep.GitHub)
	// The downloaded folder verifies with the standard tools.
	n, err := devstack.VerifySums(rep.AssetsDir)
	assert.NoError(t, err)
	assert.Equal(t, len(rep.Assets)-2, n)
	if gpg, err := exec.LookPath("gpg"); err == nil {
		home := t.TempDir()
		imp := exec.Command(gpg, "--homedir", home, "--batch", "--import", rep.PublicKey)
		out, err := imp.CombinedOutput()
		require.NoError(t, err, "gpg --import: %v\n%s", err, out)
		ver := exec.Command(gpg, "--homedir", home, "--batch", "--verify", "SHA256SUMS.asc", "SHA256SUMS")
		ver.Dir = rep.AssetsDir
		out, err = ver.CombinedOutput()
		assert.NoError(t, err, "gpg --verify SHA256SUMS.asc SHA256SUMS: %v\n%s", err, out)
	}
	assert.Contains(t, out.String(), "Published v9.9.9", "output does not announce the release")
	// make run's GitHub enforces immutable releases; the demo saved a draft
	// as a maintainer would, and nothing tried to change a published release.
	assert.True(t, rep.ReleaseImmutable, "release_immutable %t, github.published_release_writes %d; want true and 0", rep.ReleaseImmutable, rep.GitHub.PublishedReleaseWrites)
	assert.Zero(t, rep.GitHub.PublishedReleaseWrites, "release_immutable %t, github.published_release_writes %d; want true and 0", rep.ReleaseImmutable, rep.GitHub.PublishedReleaseWrites)
	assert.Contains(t, out.String(), "Saved a draft release v9.9.9 in BTCDecoded/bllvm-consensus as a maintainer would", "output does not say the demo saved a draft")
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
	require.NoError(t, os.WriteFile(scenario, []byte(yaml), 0o644))
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var out, errb bytes.Buffer
	err := run(ctx, []string{"dev", "--demo", "v9.9.8", "--exit", "--data", t.TempDir(), "--scenario", scenario,
		"--temporal-port", "-1", "--ui-port", "-1", "--receiver-addr", "127.0.0.1:0", "--sim-addr", "127.0.0.1:0", "--timeout", "40s"}, &out, &errb)
	require.ErrorContains(t, err, "not done within --timeout", "dev --demo with a disabled workflow: %v\n%s", err, out.String())
	for _, want := range []string{
		"The train is blocked at its preflight step:",
		"  - BTCDecoded/bllvm-node: GET /repos/BTCDecoded/bllvm-node/actions/workflows/build.yml: workflow build.yml is disabled_manually",
		"releasetrain release retry v9.9.8",
		"releasetrain release cancel v9.9.8",
	} {
		assert.Contains(t, out.String(), want, "output lacks %q:\n%s", want, out.String())
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
	err := run(ctx, []string{"verify", dir, "--keys", rep.PublicKey, "--provenance-key", rep.ProvenanceKey}, &out, &errb)
	require.NoError(t, err, "verify with the provenance key:\n%s", out.String())
	assert.Contains(t, out.String(), "provenance "+provName+": signature verified", "verify output")
	// Each member's run as verify prints it is the run the report counted.
	for name, r := range rep.Repos {
		p, ok := rep.Provenance[name]
		if !assert.True(t, ok, "%s: not in the provenance", name) || !assert.Len(t, r.RunIDs, 1, "%s: report %+v", name, r) {
			continue
		}
		assert.Equal(t, r.RunIDs[0], p.RunID, "%s: provenance %+v, report %+v", name, p, r)
		assert.Equal(t, r.Attempts, p.Attempt, "%s: provenance %+v, report %+v", name, p, r)
		assert.Len(t, p.Commit, 40, "%s: provenance %+v", name, p)
		line := fmt.Sprintf("member %s: commit %s, run %d attempt %d", name, p.Commit, p.RunID, p.Attempt)
		assert.Contains(t, out.String(), line, "verify output misses %q:\n%s", line, out.String())
	}

	// An implementation that shares no code with ours accepts the envelope.
	python := independentPython(t)
	ind, err := exec.Command(python, "../../provenance/testdata/dsse_verify.py", filepath.Join(dir, provName), rep.ProvenanceKey).CombinedOutput()
	require.NoError(t, err, "independent verifier: %v\n%s", err, ind)
	assert.Contains(t, string(ind), "btcdecoded-v9.9.9.tar.gz", "independent verifier's subjects:\n%s", ind)

	// A rebuilder downloads the release without the bundle into a fresh
	// folder, rebuilds it and signs SHA256SUMS.
	fresh := t.TempDir()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	for _, e := range entries {
		if e.Name() == "btcdecoded-v9.9.9.tar.gz" {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(fresh, e.Name()), data, 0o644))
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
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(privPath, rebuilderPriv, 0o600))
	require.NoError(t, os.WriteFile(bothKeys, append(append(trainPub, '\n'), rebuilderPub...), 0o644))
	// Before the rebuilder signs, two good signatures are one too many.
	out.Reset()
	err = run(ctx, []string{"verify", fresh, "--keys", bothKeys, "--min-good", "2"}, &out, &errb)
	assert.Equal(t, 1, exitCode(err), "min-good 2 with the train's signature alone: %v\n%s", err, out.String())
	out.Reset()
	err = run(ctx, []string{"rebuild", fresh, "--sign", privPath, "--signer", "rebuilder"}, &out, &errb)
	require.NoError(t, err, "rebuild: %v\n%s", err, out.String())
	assert.NotEmpty(t, bundleSHA, "published bundle digest")
	assert.Contains(t, out.String(), "sha256 "+bundleSHA, "rebuild output does not show the published digest")
	_, err = os.Stat(filepath.Join(fresh, "SHA256SUMS.rebuilder.asc"))
	require.NoError(t, err)
	out.Reset()
	err = run(ctx, []string{"verify", fresh, "--keys", bothKeys, "--min-good", "2", "--provenance-key", rep.ProvenanceKey}, &out, &errb)
	assert.NoError(t, err, "min-good 2 with the train's and the rebuilder's signatures: %v\n%s", err, out.String())

	// Another provenance key does not verify it.
	otherKey := filepath.Join(keyDir, "other.pem")
	require.NoError(t, provenance.GenerateKeyFiles(provenance.AlgorithmECDSAP256, otherKey, otherKey+".pub"))
	assert.ErrorIs(t, run(ctx, []string{"verify", fresh, "--keys", bothKeys, "--provenance-key", otherKey + ".pub"}, &out, &errb), provenance.ErrBadSignature, "verify with another provenance key")
	// A member file swapped after the release: rebuild and verify refuse it.
	require.NoError(t, os.WriteFile(filepath.Join(fresh, "bllvm-node"), []byte("swapped"), 0o644))
	err = run(ctx, []string{"rebuild", fresh}, &out, &errb)
	assert.Equal(t, 1, exitCode(err), "rebuild with a swapped member file: %v", err)
	assert.ErrorContains(t, err, "bllvm-node", "rebuild with a swapped member file")
	err = run(ctx, []string{"verify", fresh, "--keys", bothKeys}, &out, &errb)
	assert.Equal(t, 1, exitCode(err), "verify with a swapped member file: %v", err)
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
