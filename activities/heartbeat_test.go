package activities

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"go.uber.org/goleak"
)

func TestKeepAliveBeatsUntilStopped(t *testing.T) {
	defer goleak.VerifyNone(t)
	var n atomic.Int32
	stop := keepAlive(10*time.Millisecond, func() { n.Add(1) })
	time.Sleep(120 * time.Millisecond)
	stop()
	got := n.Load()
	assert.GreaterOrEqual(t, got, int32(5))
	time.Sleep(50 * time.Millisecond)
	assert.Equal(t, got, n.Load(), "no beat after stop")
	stop() // idempotent
}
