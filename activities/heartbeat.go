package activities

import (
	"context"
	"sync"
	"time"

	"go.temporal.io/sdk/activity"
)

// defaultBeatPeriod is how often a long step heartbeats when the activity
// has no heartbeat timeout: often enough that a cancel reaches it promptly.
const defaultBeatPeriod = 10 * time.Second

// beatPeriod is how often a long step heartbeats: a third of the heartbeat
// timeout, so one late beat never times the activity out.
func beatPeriod(ctx context.Context) time.Duration {
	hb := activity.GetInfo(ctx).HeartbeatTimeout
	if hb <= 0 {
		return defaultBeatPeriod
	}
	return max(hb/3, 100*time.Millisecond)
}

// keepAlive calls beat every period until stop is called (stop waits for
// the goroutine to end), so one long step — a 1 GiB download, a bundle, an
// upload — never misses a heartbeat.
func keepAlive(period time.Duration, beat func()) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(period)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				beat()
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() { close(done) })
		wg.Wait()
	}
}

// heartbeatDuring heartbeats details while a long step runs.
func heartbeatDuring(ctx context.Context, details any) (stop func()) {
	return keepAlive(beatPeriod(ctx), func() { activity.RecordHeartbeat(ctx, details) })
}
