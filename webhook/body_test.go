package webhook

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// served runs the fixture's server on a real listener (Serve, as
// production does) and returns its base URL and a client of its own.
func served(t *testing.T, f *fixture) (string, *http.Client) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.srv.Serve(ctx, ln) }()
	hc := &http.Client{Transport: &http.Transport{}, Timeout: time.Minute}
	t.Cleanup(func() {
		hc.CloseIdleConnections()
		cancel()
		require.NoError(t, <-done)
	})
	return "http://" + ln.Addr().String(), hc
}

// ping sends a signed ping delivery and returns the status code.
func ping(t *testing.T, hc *http.Client, base string) (int, http.Header) {
	t.Helper()
	body := fixtureFile(t, "ping.json")
	req, err := http.NewRequest(http.MethodPost, base+"/webhook", bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-GitHub-Event", "ping")
	req.Header.Set("X-Hub-Signature-256", sign(testSecret, body))
	resp, err := hc.Do(req)
	require.NoError(t, err)
	_ = resp.Body.Close()
	return resp.StatusCode, resp.Header
}

// stall opens a connection that sends a delivery's headers claiming
// length bytes, then sends prefix and stops.
func stall(t *testing.T, base string, length int, prefix []byte) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	require.NoError(t, err)
	_, err = fmt.Fprintf(conn, "POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-GitHub-Event: release\r\n"+
		"X-Hub-Signature-256: sha256=00\r\nContent-Length: %d\r\n\r\n", length)
	require.NoError(t, err)
	_, err = conn.Write(prefix)
	require.NoError(t, err)
	return conn
}

func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// Hundreds of clients that claim a 25 MB body and stall cost the receiver
// no memory to speak of, and a signed delivery is still handled. Every
// stalled client is let in and none is cut off (the worst case for memory;
// the bound on pending bodies and the body deadline are tested below).
func TestStalledBodiesCostNothing(t *testing.T) {
	const stalled = 300
	f := newFixture(t, func(o *Options) { o.MaxPendingBodies = 2 * stalled; o.BodyTimeout = 10 * time.Minute })
	base, hc := served(t, f)
	code, _ := ping(t, hc, base)
	require.Equal(t, http.StatusOK, code)
	idle := heapInUse()

	var conns []net.Conn
	for range stalled {
		// Under both the old (25,000,000) and the new (25 MiB) limit.
		conns = append(conns, stall(t, base, 25_000_000, []byte(`{"action":`)))
	}
	defer func() {
		for _, c := range conns {
			_ = c.Close()
		}
	}()
	require.Eventually(t, func() bool { return f.srv.bodies.pending() == stalled }, time.Minute, 10*time.Millisecond,
		"every stalled client reached the handler")

	held := heapInUse()
	t.Logf("heap: idle %.1f MiB, with %d stalled 25 MB claims %.1f MiB (%.1f KiB each)",
		float64(idle)/(1<<20), stalled, float64(held)/(1<<20), float64(held-min(held, idle))/1024/stalled)
	assert.Less(t, held, idle+8<<20, "stalled clients must not cost what they claim")

	code, _ = ping(t, hc, base)
	assert.Equal(t, http.StatusOK, code, "a signed delivery is still handled")

	for _, c := range conns {
		_ = c.Close()
	}
	require.Eventually(t, func() bool { return f.srv.bodies.pending() == 0 }, time.Minute, 10*time.Millisecond)
}

// Beyond MaxPendingBodies a delivery is refused at once with 503 and
// Retry-After (GitHub's delivery log and the reconciler redeliver it), and
// handled again once a slot is free.
func TestBodyGateBoundsPendingBodies(t *testing.T) {
	const bound = 4
	f := newFixture(t, func(o *Options) { o.MaxPendingBodies = bound; o.BodyTimeout = 10 * time.Minute })
	base, hc := served(t, f)
	var conns []net.Conn
	for range bound {
		conns = append(conns, stall(t, base, 1000, nil))
	}
	require.Eventually(t, func() bool { return f.srv.bodies.pending() == bound }, time.Minute, time.Millisecond)

	code, hdr := ping(t, hc, base)
	require.Equal(t, http.StatusServiceUnavailable, code, "refused without waiting for the stalled bodies")
	assert.Equal(t, "10", hdr.Get("Retry-After"))
	assert.Equal(t, 1.0, testutil.ToFloat64(f.srv.metrics.bodiesRefused.WithLabelValues(refusedBusy)))

	_ = conns[0].Close()
	require.Eventually(t, func() bool { return f.srv.bodies.pending() == bound-1 }, time.Minute, time.Millisecond)
	code, _ = ping(t, hc, base)
	assert.Equal(t, http.StatusOK, code)
	for _, c := range conns[1:] {
		_ = c.Close()
	}
	require.Eventually(t, func() bool { return f.srv.bodies.pending() == 0 }, time.Minute, time.Millisecond)
}

// A body that stalls is cut off with 408 at BodyTimeout, which frees its slot.
func TestBodyGateCutsStalledBodies(t *testing.T) {
	const stalled = 4
	f := newFixture(t, func(o *Options) { o.BodyTimeout = 200 * time.Millisecond })
	base, hc := served(t, f)
	for range stalled {
		c := stall(t, base, 1000, []byte(`{"action":`))
		require.NoError(t, c.SetReadDeadline(time.Now().Add(time.Minute)))
		line, err := bufio.NewReader(c).ReadString('\n')
		require.NoError(t, err)
		assert.Contains(t, line, "408", "a stalled body is cut off")
		_ = c.Close()
	}
	assert.Equal(t, float64(stalled), testutil.ToFloat64(f.srv.metrics.bodiesRefused.WithLabelValues(refusedTimeout)))
	require.Eventually(t, func() bool { return f.srv.bodies.pending() == 0 }, time.Minute, time.Millisecond)
	code, _ := ping(t, hc, base)
	assert.Equal(t, http.StatusOK, code)
}

// The bytes unverified bodies hold together are bounded: the buffer grows
// with what arrived, and growth past MaxBufferedBytes is refused with 503.
func TestBodyGateBoundsBufferedBytes(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.MaxBufferedBytes = 64 << 10; o.BodyTimeout = 10 * time.Minute })
	base, hc := served(t, f)
	// 40 KiB arrive and the client stalls: its buffer doubled to 64 KiB.
	conn := stall(t, base, 1<<20, bytes.Repeat([]byte(" "), 40<<10))
	defer conn.Close()
	require.Eventually(t, func() bool { return f.srv.bodies.buffered.Load() == 64<<10 }, time.Minute, time.Millisecond)

	code, hdr := ping(t, hc, base)
	require.Equal(t, http.StatusServiceUnavailable, code)
	assert.Equal(t, "10", hdr.Get("Retry-After"))
	assert.Equal(t, 1.0, testutil.ToFloat64(f.srv.metrics.bodiesRefused.WithLabelValues(refusedMemory)))

	_ = conn.Close()
	require.Eventually(t, func() bool { return f.srv.bodies.buffered.Load() == 0 }, time.Minute, time.Millisecond)
	code, _ = ping(t, hc, base)
	assert.Equal(t, http.StatusOK, code)
}

// The limit is 25 MiB exactly: a body of 25 MiB is read (and then fails its
// signature), one byte more is refused.
func TestBodyLimitIs25MiB(t *testing.T) {
	f := newFixture(t)
	body := bytes.Repeat([]byte(" "), MaxBodyBytes)
	rec := f.deliver(t, "release", "d", body, "-")
	assert.Equal(t, http.StatusUnauthorized, rec.Code, rec.Body.String())
	rec = f.deliver(t, "release", "d", append(body, ' '), "-")
	assert.Equal(t, http.StatusRequestEntityTooLarge, rec.Code, rec.Body.String())
	assert.Zero(t, f.srv.bodies.buffered.Load(), "every buffered byte is given back")
}

// Headers are bounded too: 64 KiB, not net/http's 1 MiB default.
func TestHugeHeadersRefused(t *testing.T) {
	f := newFixture(t)
	base, _ := served(t, f)
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	require.NoError(t, err)
	defer conn.Close()
	_, err = fmt.Fprintf(conn, "POST /webhook HTTP/1.1\r\nHost: x\r\nX-Padding: %s\r\nContent-Length: 0\r\n\r\n", strings.Repeat("a", 100<<10))
	require.NoError(t, err)
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(time.Minute)))
	line, err := bufio.NewReader(conn).ReadString('\n')
	require.NoError(t, err)
	assert.Contains(t, line, "431")
}
