package traintest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/BTCDecoded/releasetrain/ghsim"
	"github.com/BTCDecoded/releasetrain/internal/devstack"
	"github.com/BTCDecoded/releasetrain/internal/testenv"
)

// BuildReleasetrain builds the releasetrain binary once into a temp folder.
func BuildReleasetrain(t testing.TB) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "releasetrain")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/releasetrain")
	cmd.Dir = testenv.RepoRoot(t)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/releasetrain: %v: %s", err, out)
	}
	return bin
}

// WorkerEnv is the environment of a `releasetrain worker` process serving
// the stack's Temporal against its simulator, with a fresh artifact store
// and work folder, plus extra variables. The stack must have started
// Temporal itself (with Options.Client it does not know the address).
func WorkerEnv(t testing.TB, s *devstack.Stack, extra ...string) []string {
	t.Helper()
	require.NotEmpty(t, s.TemporalAddr, "WorkerEnv: the stack started no Temporal dev server")
	require.NotEmpty(t, s.APIURL, "WorkerEnv: the stack started no simulator")
	return append([]string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + t.TempDir(),
		"TEMPORAL_ADDRESS=" + s.TemporalAddr,
		"GITHUB_API_URL=" + s.APIURL,
		"GITHUB_TOKEN=" + ghsim.StaticToken,
		"RELEASETRAIN_ARTIFACT_STORE=file://" + t.TempDir() + "?create_dir=1&no_tmp_dir=1",
		"RELEASETRAIN_WORK_DIR=" + t.TempDir(),
		"RELEASETRAIN_LISTING_WAIT=1s",
	}, extra...)
}

// StartWorker starts `releasetrain worker` with env, appending its output to
// logPath; the test's cleanup kills it if it still runs.
func StartWorker(t testing.TB, bin string, env []string, logPath string) *exec.Cmd {
	t.Helper()
	f, err := os.OpenFile(logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = f.Close() })
	fmt.Fprintf(f, "--- worker start %s\n", time.Now().Format(time.RFC3339Nano))
	cmd := exec.Command(bin, "worker")
	cmd.Env = env
	cmd.Stdout = f
	cmd.Stderr = f
	if err := cmd.Start(); err != nil {
		t.Fatalf("start worker: %v", err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	return cmd
}

// Tail returns the last n lines of data.
func Tail(data []byte, n int) string {
	lines := bytes.Split(bytes.TrimRight(data, "\n"), []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.ToValidUTF8(string(bytes.Join(lines, []byte("\n"))), "?")
}
