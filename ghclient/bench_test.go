package ghclient_test

import (
	"archive/zip"
	"context"
	"crypto/rand"
	"encoding/binary"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/BTCDecoded/releasetrain/ghclient"
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

// BenchmarkArtifactDownload1GiB downloads a 1 GiB artifact from ghsim
// (streamed, hashed, digest-checked), unzips it (hashing every file), and
// compares the throughput with `openssl dgst -sha256` over the same zip on
// disk, measured in the same run. It also samples the peak heap for a
// 64 MiB and a 1 GiB artifact: streaming keeps it flat.
func BenchmarkArtifactDownload1GiB(b *testing.B) {
	if testing.Short() {
		b.Skip("1 GiB benchmark skipped under -short")
	}
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		b.Skip("openssl not installed: no baseline")
	}
	sizes := []struct {
		name string
		size int64
	}{{"64MiB", 64 << 20}, {"1GiB", 1 << 30}}
	for _, sz := range sizes {
		b.Run(sz.name, func(b *testing.B) {
			e := newSim(b, buildScenario(time.Minute, sz.size))
			ctx := context.Background()
			run, err := e.c.FindOrDispatch(ctx, e.request(ghclient.KindWorkflowDispatch, "bllvm-consensus", "rt-big"))
			if err != nil {
				b.Fatal(err)
			}
			e.sim.Advance(5 * time.Minute)
			arts, err := e.c.ListArtifacts(ctx, owner, "bllvm-consensus", run.ID)
			if err != nil || len(arts) != 1 {
				b.Fatalf("%v %v", arts, err)
			}
			a := arts[0]
			var clientTime, opensslTime time.Duration
			var peak uint64
			var zipBytes int64
			var kept string
			b.ResetTimer()
			for range b.N {
				dir := b.TempDir()
				zp := filepath.Join(dir, "a.zip")
				hs := sampleHeap()
				start := time.Now()
				f, err := os.Create(zp)
				if err != nil {
					b.Fatal(err)
				}
				d, err := e.c.DownloadArtifact(ctx, owner, "bllvm-consensus", a, f)
				if cerr := f.Close(); err == nil {
					err = cerr
				}
				if err != nil {
					b.Fatal(err)
				}
				files, err := ghclient.Unzip(zp, filepath.Join(dir, "out"), a.Name, ghclient.DefaultUnzipLimits())
				if err != nil || len(files) != 2 {
					b.Fatalf("unzip: %v %v", files, err)
				}
				clientTime += time.Since(start)
				peak = max(peak, hs.Stop())
				zipBytes = d.Size

				b.StopTimer()
				start = time.Now()
				if out, err := exec.Command(openssl, "dgst", "-sha256", zp).CombinedOutput(); err != nil {
					b.Fatalf("openssl: %v %s", err, out)
				}
				opensslTime += time.Since(start)
				// Keep only the last zip for the client-only pass.
				if err := os.RemoveAll(filepath.Join(dir, "out")); err != nil {
					b.Fatal(err)
				}
				if kept != "" {
					if err := os.Remove(kept); err != nil {
						b.Fatal(err)
					}
				}
				kept = zp
				b.StartTimer()
			}
			b.SetBytes(zipBytes)
			n := float64(b.N)
			b.ReportMetric(float64(zipBytes)/(1<<20)/(clientTime.Seconds()/n), "client_MiB/s")
			b.ReportMetric(float64(zipBytes)/(1<<20)/(opensslTime.Seconds()/n), "openssl_MiB/s")
			b.ReportMetric(opensslTime.Seconds()/clientTime.Seconds(), "speed_vs_openssl")
			b.ReportMetric(float64(peak)/(1<<20), "peak_heap_MiB")

			// The same bytes served from disk, without the simulator
			// generating and deflating them: the client's own throughput.
			b.StopTimer()
			only := clientOnly(b, kept, a)
			b.ReportMetric(opensslTime.Seconds()/n/only.Seconds(), "client_only_vs_openssl")
			b.Logf("%s zip %d bytes: ghsim end-to-end %v, client only %v, openssl %v",
				sz.name, zipBytes, clientTime/time.Duration(b.N), only, opensslTime/time.Duration(b.N))
		})
	}
}

// clientOnly times DownloadArtifact + Unzip of the zip at path, served by a
// plain file server behind a 302 like GitHub's.
func clientOnly(b *testing.B, path string, a ghclient.Artifact) time.Duration {
	b.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v3/repos/o/r/actions/artifacts/{id}/zip", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/blob/a.zip", http.StatusFound)
	})
	mux.HandleFunc("GET /blob/a.zip", func(w http.ResponseWriter, r *http.Request) { http.ServeFile(w, r, path) })
	srv := httptest.NewServer(mux)
	defer srv.Close()
	c, err := ghclient.New(ghclient.Config{BaseURL: srv.URL + "/api/v3/", Token: "t"})
	if err != nil {
		b.Fatal(err)
	}
	defer c.CloseIdleConnections()
	dir := b.TempDir()
	start := time.Now()
	f, err := os.Create(filepath.Join(dir, "a.zip"))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := c.DownloadArtifact(context.Background(), "o", "r", a, f); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	if _, err := ghclient.Unzip(filepath.Join(dir, "a.zip"), filepath.Join(dir, "out"), a.Name, ghclient.DefaultUnzipLimits()); err != nil {
		b.Fatal(err)
	}
	return time.Since(start)
}

// BenchmarkArtifactStored1GiB isolates the client's pipeline (download with
// hashing, unzip with hashing) from inflating: a 1 GiB stored (uncompressed)
// zip served from disk, against `openssl dgst -sha256` over the same file.
func BenchmarkArtifactStored1GiB(b *testing.B) {
	if testing.Short() {
		b.Skip("1 GiB benchmark skipped under -short")
	}
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		b.Skip("openssl not installed: no baseline")
	}
	zp := filepath.Join(b.TempDir(), "stored.zip")
	f, err := os.Create(zp)
	if err != nil {
		b.Fatal(err)
	}
	zw := zip.NewWriter(f)
	w, err := zw.CreateHeader(&zip.FileHeader{Name: "bin/node.tar.gz", Method: zip.Store})
	if err != nil {
		b.Fatal(err)
	}
	chunk := make([]byte, 1<<20)
	for i := range 1024 {
		binary.LittleEndian.PutUint64(chunk, uint64(i))
		if _, err := rand.Read(chunk[8:4096]); err != nil {
			b.Fatal(err)
		}
		if _, err := w.Write(chunk); err != nil {
			b.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	st, err := os.Stat(zp)
	if err != nil {
		b.Fatal(err)
	}
	var client, base time.Duration
	var peak uint64
	b.SetBytes(st.Size())
	b.ResetTimer()
	for range b.N {
		hs := sampleHeap()
		client += clientOnly(b, zp, ghclient.Artifact{ID: 1, Name: "stored"})
		peak = max(peak, hs.Stop())
		b.StopTimer()
		start := time.Now()
		if out, err := exec.Command(openssl, "dgst", "-sha256", zp).CombinedOutput(); err != nil {
			b.Fatalf("openssl: %v %s", err, out)
		}
		base += time.Since(start)
		b.StartTimer()
	}
	b.ReportMetric(base.Seconds()/client.Seconds(), "speed_vs_openssl")
	b.ReportMetric(float64(peak)/(1<<20), "peak_heap_MiB")
	b.Logf("stored 1 GiB zip: client %v, openssl %v per run", client/time.Duration(b.N), base/time.Duration(b.N))
}
