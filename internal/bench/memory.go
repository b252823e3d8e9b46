package bench

import (
	"runtime"
	"sync"
	"time"
)

// PeakMemory samples this process's memory every interval until Stop.
type PeakMemory struct {
	stop chan struct{}
	wg   sync.WaitGroup

	mu sync.Mutex
	// HeapInuse and Sys are the largest values seen (runtime.MemStats).
	heapInuse, sys uint64
}

// StartPeakMemory starts sampling.
func StartPeakMemory(interval time.Duration) *PeakMemory {
	p := &PeakMemory{stop: make(chan struct{})}
	p.sample()
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-p.stop:
				return
			case <-t.C:
				p.sample()
			}
		}
	}()
	return p
}

func (p *PeakMemory) sample() {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.heapInuse = max(p.heapInuse, ms.HeapInuse)
	p.sys = max(p.sys, ms.Sys)
}

// Stop ends the sampling and returns the peaks in bytes.
func (p *PeakMemory) Stop() (heapInuse, sys uint64) {
	close(p.stop)
	p.wg.Wait()
	p.sample()
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.heapInuse, p.sys
}
