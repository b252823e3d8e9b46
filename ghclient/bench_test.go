package ghclient_test

import (
	"archive/zip"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	kflate "github.com/klauspost/compress/flate"
	"github.com/stretchr/testify/require"

	"github.com/BTCDecoded/releasetrain/ghclient"
	"github.com/BTCDecoded/releasetrain/ghsim"
)

// BenchmarkBuildBudget reports the rate-limit budget one build spends from
// dispatch through a 20-minute run polled every 15 s to the artifact download.
func BenchmarkBuildBudget(b *testing.B) {
	for _, kind := range []string{ghclient.KindWorkflowDispatch, ghclient.KindRepositoryDispatch} {
		b.Run(kind, func(b *testing.B) {
			var spent, free int
			for range b.N {
				e := newSim(b, buildScenario(20*time.Minute, 64<<10))
				runBuild(b, e, kind, "rt-bench")
				st := e.sim.Stats()
				spent += st.BudgetSpent
				free += st.NotModified
			}
			b.ReportMetric(float64(spent)/float64(b.N), "budget/build")
			b.ReportMetric(float64(free)/float64(b.N), "free304/build")
		})
	}
}

// heapSampler records the peak HeapInuse until stopped.
type heapSampler struct {
	stop chan struct{}
	wg   sync.WaitGroup
	peak uint64
}

func sampleHeap() *heapSampler {
	runtime.GC()
	h := &heapSampler{stop: make(chan struct{})}
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			h.peak = max(h.peak, ms.HeapInuse)
			select {
			case <-h.stop:
				return
			case <-t.C:
			}
		}
	}()
	return h
}

func (h *heapSampler) Stop() uint64 {
	close(h.stop)
	h.wg.Wait()
	return h.peak
}

// BenchmarkArtifactDownload1GiB extracts a 1 GiB artifact from ghsim with
// ExtractArtifact (one pass: download, SHA-256 of the zip and digest check,
// inflate, CRC, SHA-256 of every file, write) and compares the throughput
// with `openssl dgst -sha256` over the same zip on disk, measured in the same
// run. Two artifacts: stored (upload-artifact's compression-level: 0, or
// already-compressed files) and deflated. For the deflated one it also times
// inflating alone (archive/zip with klauspost's inflater, one goroutine, to
// io.Discard): the floor no extractor gets under. It samples the peak heap
// for 64 MiB and 1 GiB: streaming keeps it flat.
func BenchmarkArtifactDownload1GiB(b *testing.B) {
	if testing.Short() {
		b.Skip("1 GiB benchmark skipped under -short")
	}
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		b.Skip("openssl not installed: no baseline")
	}
	for _, compression := range []string{ghsim.CompressionStore, ghsim.CompressionDeflate} {
		for _, sz := range []struct {
			name string
			size int64
		}{{"64MiB", 64 << 20}, {"1GiB", 1 << 30}} {
			b.Run(compression+"/"+sz.name, func(b *testing.B) {
				sc := buildScenario(time.Minute, sz.size)
				sc.Repos[0].Artifacts[0].Compression = compression
				e := newSim(b, sc)
				ctx := context.Background()
				run, err := e.c.FindOrDispatch(ctx, e.request(ghclient.KindWorkflowDispatch, "bllvm-consensus", "rt-big"))
				require.NoError(b, err)
				e.sim.Advance(5 * time.Minute)
				arts, err := e.c.ListArtifacts(ctx, owner, "bllvm-consensus", run.ID) // ghsim writes the zip once, here
				require.NoError(b, err)
				require.Len(b, arts, 1)
				a := arts[0]
				// The same bytes on disk, for the baselines.
				zp := filepath.Join(b.TempDir(), "a.zip")
				f, err := os.Create(zp)
				require.NoError(b, err)
				_, err = e.c.DownloadArtifact(ctx, owner, "bllvm-consensus", a, f)
				require.NoError(b, err)
				require.NoError(b, f.Close())
				var clientTime, opensslTime, inflateTime time.Duration
				var peak uint64
				b.SetBytes(a.Size)
				b.ResetTimer()
				for range b.N {
					dest := filepath.Join(b.TempDir(), "out")
					hs := sampleHeap()
					start := time.Now()
					x, err := e.c.ExtractArtifact(ctx, owner, "bllvm-consensus", a, dest, ghclient.DefaultUnzipLimits())
					require.NoError(b, err)
					require.Len(b, x.Files, 2)
					clientTime += time.Since(start)
					peak = max(peak, hs.Stop())

					b.StopTimer()
					require.NoError(b, os.RemoveAll(dest))
					start = time.Now()
					out, err := exec.Command(openssl, "dgst", "-sha256", zp).CombinedOutput()
					require.NoError(b, err, "openssl: %v %s", err, out)
					opensslTime += time.Since(start)
					if compression == ghsim.CompressionDeflate {
						inflateTime += inflateOnly(b, zp)
					}
					b.StartTimer()
				}
				n := float64(b.N)
				b.ReportMetric(float64(a.Size)/(1<<20)/(clientTime.Seconds()/n), "client_MiB/s")
				b.ReportMetric(float64(a.Size)/(1<<20)/(opensslTime.Seconds()/n), "openssl_MiB/s")
				b.ReportMetric(opensslTime.Seconds()/clientTime.Seconds(), "speed_vs_openssl")
				b.ReportMetric(float64(peak)/(1<<20), "peak_heap_MiB")
				if inflateTime > 0 {
					b.ReportMetric(opensslTime.Seconds()/inflateTime.Seconds(), "inflate_only_vs_openssl")
				}
				b.Logf("%s %s: zip %d bytes; extract %v, openssl %v, inflate alone %v (per run)",
					compression, sz.name, a.Size, clientTime/time.Duration(b.N), opensslTime/time.Duration(b.N), inflateTime/time.Duration(b.N))
			})
		}
	}
}

// inflateOnly times reading every entry of the zip at path to io.Discard
// with klauspost's inflater (as Unzip and ExtractArtifact use), nothing else.
func inflateOnly(b *testing.B, path string) time.Duration {
	b.Helper()
	start := time.Now()
	zr, err := zip.OpenReader(path)
	require.NoError(b, err)
	defer zr.Close()
	zr.RegisterDecompressor(zip.Deflate, func(r io.Reader) io.ReadCloser { return kflate.NewReader(r) })
	for _, f := range zr.File {
		rc, err := f.Open()
		require.NoError(b, err)
		_, err = io.Copy(io.Discard, rc)
		require.NoError(b, err)
		rc.Close()
	}
	return time.Since(start)
}
