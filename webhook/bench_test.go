package webhook

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/stretchr/testify/require"
)

// instantTemporal answers every signal at once, as a healthy cluster would
// from the receiver's point of view (no network).
type instantTemporal struct {
	Temporal
	signals atomic.Int64
}

func (c *instantTemporal) SignalWorkflow(context.Context, string, string, string, any) error {
	c.signals.Add(1)
	return nil
}

// serveLoopback serves h on a loopback port until the benchmark ends.
func serveLoopback(b *testing.B, h http.Handler) string {
	b.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(b, err)
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ln)
	}()
	b.Cleanup(func() {
		_ = srv.Close()
		<-done
	})
	return "http://" + ln.Addr().String() + "/webhook"
}

// loader posts signed workflow_run deliveries over keep-alive connections.
type loader struct {
	hc   *http.Client
	body []byte
	sig  string
	seq  atomic.Int64
}

func newLoader(b *testing.B) *loader {
	body, err := readTestdata("workflow_run.completed.json")
	require.NoError(b, err)
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	b.Cleanup(tr.CloseIdleConnections)
	return &loader{hc: &http.Client{Transport: tr}, body: body, sig: sign(testSecret, body)}
}

func (l *loader) post(url string, want int) error {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(l.body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-GitHub-Event", "workflow_run")
	req.Header.Set("X-GitHub-Delivery", "bench-"+strconv.FormatInt(l.seq.Add(1), 10))
	req.Header.Set("X-Hub-Signature-256", l.sig)
	resp, err := l.hc.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != want {
		return &statusError{got: resp.StatusCode, want: want}
	}
	return nil
}

type statusError struct{ got, want int }

func (e *statusError) Error() string {
	return "status " + strconv.Itoa(e.got) + ", want " + strconv.Itoa(e.want)
}

// burst sends n deliveries from workers parallel clients and returns the elapsed time.
func (l *loader) burst(url string, want, n, workers int) (time.Duration, error) {
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	start := time.Now()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(n) {
				if err := l.post(url, want); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(errs)
	return elapsed, <-errs
}

// targets starts the bare Echo 204 handler and the receiver (Temporal
// answering instantly) on loopback.
func targets(b *testing.B) (bare, receiver string, tc *instantTemporal) {
	e := echo.New()
	e.POST("/webhook", func(c echo.Context) error { return c.NoContent(http.StatusNoContent) })
	tc = &instantTemporal{}
	srv, err := New(Options{Secret: []byte(testSecret), Train: testTrain(), Temporal: tc})
	require.NoError(b, err)
	return serveLoopback(b, e), serveLoopback(b, srv.Handler()), tc
}

const benchWorkers = 8

// BenchmarkDeliveries measures valid signed workflow_run deliveries per
// second over loopback, the Temporal client answering instantly, against a
// bare Echo handler answering 204 to the same requests. Each iteration is a
// burst of 256 deliveries to each, interleaved so load from other processes
// hits both alike; "ratio" is receiver/bare throughput (goal: at least 0.5).
func BenchmarkDeliveries(b *testing.B) {
	bare, receiver, tc := targets(b)
	l := newLoader(b)
	const n = 256
	var tBare, tRecv time.Duration
	b.ResetTimer()
	for range b.N {
		d, err := l.burst(bare, http.StatusNoContent, n, benchWorkers)
		require.NoError(b, err)
		tBare += d
		d, err = l.burst(receiver, http.StatusOK, n, benchWorkers)
		require.NoError(b, err)
		tRecv += d
	}
	bareRate := float64(b.N*n) / tBare.Seconds()
	recvRate := float64(b.N*n) / tRecv.Seconds()
	b.ReportMetric(bareRate, "bare-deliveries/s")
	b.ReportMetric(recvRate, "deliveries/s")
	b.ReportMetric(recvRate/bareRate, "ratio")
	require.Equal(b, int64(b.N*n), tc.signals.Load(), "signals for %d deliveries", b.N*n)
}
