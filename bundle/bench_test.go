//go:build bench

package bundle

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestBenchmarkVersusTar packs RELEASETRAIN_BENCH_MIB (default 2048) MiB of
// real ELF binaries with Package+SHA256SUMS and with `tar czf` + `sha256sum`
// on the same files in the same run, and reports wall times, their ratio and
// peak memory. Run it with:
//
//	go test -tags bench -run TestBenchmarkVersusTar -v -timeout 30m ./bundle/
func TestBenchmarkVersusTar(t *testing.T) {
	total := int64(2048) << 20
	if v := os.Getenv("RELEASETRAIN_BENCH_MIB"); v != "" {
		mib, err := strconv.ParseInt(v, 10, 64)
		require.NoError(t, err, "RELEASETRAIN_BENCH_MIB")
		total = mib << 20
	}
	work := t.TempDir()
	src := filepath.Join(work, "artifacts")
	inputs := generateArtifacts(t, src, total)
	entries, err := Layout(inputs)
	require.NoError(t, err)

	// Baseline: tar czf + sha256sum of every asset and the tarball.
	baseDir := filepath.Join(work, "tar")
	require.NoError(t, os.MkdirAll(baseDir, 0o755))
	start := time.Now()
	tarball := filepath.Join(baseDir, "bench-v1.tar.gz")
	runCmd(t, src, "tar", "czf", tarball, ".")
	args := []string{tarball}
	for _, in := range inputs {
		args = append(args, in.Path)
	}
	runCmd(t, src, "sha256sum", args...)
	base := time.Since(start)
	var ru syscall.Rusage
	require.NoError(t, syscall.Getrusage(syscall.RUSAGE_CHILDREN, &ru))
	baseSize := fileSize(t, tarball)
	baseCPU := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())

	// releasetrain: Package + SHA256SUMS.
	ourDir := filepath.Join(work, "ours")
	require.NoError(t, os.MkdirAll(ourDir, 0o755))
	resetPeakRSS(t)
	before := peakRSS(t)
	cpu0 := selfCPU(t)
	start = time.Now()
	p, err := Package(ourDir, entries, TarballOptions{Name: "bench", Tag: "v1", Time: time.Unix(1700000000, 0)})
	require.NoError(t, err)
	sums := SHA256SUMS(p.Digests())
	ours := time.Since(start)
	ourCPU := selfCPU(t) - cpu0
	peak := peakRSS(t)
	require.NotEmpty(t, sums, "empty SHA256SUMS")

	mib := float64(total) / (1 << 20)
	t.Logf("input: %d files, %.0f MiB of ELF binaries, GOMAXPROCS=%d", len(inputs), mib, runtime.GOMAXPROCS(0))
	t.Logf("tar czf + sha256sum: %v (%.1f MiB/s), tarball %.0f MiB, gzip peak RSS %d MiB", base.Round(time.Millisecond), mib/base.Seconds(), float64(baseSize)/(1<<20), ru.Maxrss/1024)
	t.Logf("Package + SHA256SUMS: %v (%.1f MiB/s), tarball %.0f MiB, process peak RSS %d MiB (before %d MiB)", ours.Round(time.Millisecond), mib/ours.Seconds(), float64(p.Tarball.Size)/(1<<20), peak>>10, before>>10)
	t.Logf("CPU time: tar+gzip+sha256sum %v, Package %v (%.2fx less CPU); load average %s",
		baseCPU.Round(time.Millisecond), ourCPU.Round(time.Millisecond), baseCPU.Seconds()/ourCPU.Seconds(), loadAvg())
	t.Logf("speed-up (wall): %.2fx", base.Seconds()/ours.Seconds())
}

// generateArtifacts writes files of 16-256 MiB, each a concatenation of real
// ELF binaries from this machine, spread over seven repos.
func generateArtifacts(t *testing.T, dir string, total int64) []Input {
	t.Helper()
	var bins []string
	out, err := exec.Command("go", "env", "GOROOT").Output()
	require.NoError(t, err, "go env GOROOT")
	goroot := strings.TrimSpace(string(out))
	for _, root := range []string{"/usr/bin", "/usr/lib/x86_64-linux-gnu", filepath.Join(goroot, "pkg", "tool"), filepath.Join(goroot, "bin")} {
		_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || !d.Type().IsRegular() {
				return nil
			}
			if isELF(p) {
				bins = append(bins, p)
			}
			return nil
		})
	}
	sort.Strings(bins)
	if len(bins) == 0 {
		t.Skip("no ELF binaries found")
	}
	repos := []string{"bllvm-consensus", "bllvm-protocol", "bllvm-node", "bllvm-sdk", "bllvm", "governance-app", "commons"}
	sizes := []int64{256 << 20, 128 << 20, 64 << 20, 32 << 20, 16 << 20}
	var inputs []Input
	next := 0
	for written, i := int64(0), 0; written < total; i++ {
		size := min(sizes[i%len(sizes)], total-written)
		repo := repos[i%len(repos)]
		name := fmt.Sprintf("linux-amd64/%s-%d", repo, i)
		p := filepath.Join(dir, repo, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		f, err := os.Create(p)
		require.NoError(t, err)
		w := bufio.NewWriterSize(f, 1<<20)
		for left := size; left > 0; next = (next + 1) % len(bins) {
			b, err := os.Open(bins[next])
			if err != nil {
				continue
			}
			n, err := io.CopyN(w, b, left)
			b.Close()
			if err != io.EOF {
				require.NoError(t, err)
			}
			left -= n
		}
		require.NoError(t, w.Flush())
		require.NoError(t, f.Close())
		inputs = append(inputs, Input{Repo: repo, Name: name, Path: p, Size: size, Executable: true})
		written += size
	}
	return inputs
}

func isELF(p string) bool {
	f, err := os.Open(p)
	if err != nil {
		return false
	}
	defer f.Close()
	magic := make([]byte, 4)
	_, err = io.ReadFull(f, magic)
	return err == nil && bytes.Equal(magic, []byte("\x7fELF"))
}

func runCmd(t *testing.T, dir, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Stdout = io.Discard
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	require.NoError(t, err, "%s: %s", name, stderr.String())
}

func fileSize(t *testing.T, p string) int64 {
	t.Helper()
	st, err := os.Stat(p)
	require.NoError(t, err)
	return st.Size()
}

// selfCPU is this process's user+system CPU time so far.
func selfCPU(t *testing.T) time.Duration {
	t.Helper()
	var ru syscall.Rusage
	require.NoError(t, syscall.Getrusage(syscall.RUSAGE_SELF, &ru))
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// loadAvg is the 1-minute load average: the machine is shared.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return strings.Fields(string(b))[0]
}

// resetPeakRSS resets VmHWM (Linux: write 5 to /proc/self/clear_refs).
func resetPeakRSS(t *testing.T) {
	t.Helper()
	runtime.GC()
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		t.Logf("reset peak RSS: %v", err)
	}
}

// peakRSS returns VmHWM in KiB.
func peakRSS(t *testing.T) int64 {
	t.Helper()
	b, err := os.ReadFile("/proc/self/status")
	require.NoError(t, err)
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			require.NoError(t, err)
			return kb
		}
	}
	t.Fatal("no VmHWM in /proc/self/status")
	return 0
}
