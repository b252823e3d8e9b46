package bench

import (
	"os"
	"sort"
	"strconv"
	"testing"
	"time"
)

// benchEnv turns on the full measurements (make bench).
const benchEnv = "RELEASETRAIN_BENCH"

// full reports whether the full measurement runs; otherwise the short one.
func full() bool { return os.Getenv(benchEnv) != "" }

// integration skips a test that needs the dev server under -short.
func integration(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("integration: Temporal dev server")
	}
}

// repeats is how many times a full measurement is repeated (median reported);
// RELEASETRAIN_BENCH_REPEATS overrides it.
func repeats(def int) int {
	if n, err := strconv.Atoi(os.Getenv("RELEASETRAIN_BENCH_REPEATS")); err == nil && n > 0 {
		return n
	}
	return def
}

// median of xs (xs is sorted in place).
func median(xs []float64) float64 {
	sort.Float64s(xs)
	n := len(xs)
	if n == 0 {
		return 0
	}
	if n%2 == 1 {
		return xs[n/2]
	}
	return (xs[n/2-1] + xs[n/2]) / 2
}

// loadavg is the 1-minute load average, for the log ("?" when unknown).
func loadavg() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil || len(data) < 4 {
		return "?"
	}
	for i, b := range data {
		if b == ' ' {
			return string(data[:i])
		}
	}
	return "?"
}

// minutes formats a simulated duration.
func minutes(d time.Duration) string { return d.Round(time.Second).String() }
