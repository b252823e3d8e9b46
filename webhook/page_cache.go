package webhook

import (
	"context"
	"sync"
	"time"

	"github.com/BTCDecoded/releasetrain/contract"
)

// Defaults of the live page's status cache.
const (
	// pageQueryEvery is the least time between two status queries of one
	// tag, however many people watch it: the page's whole load on Temporal.
	pageQueryEvery = time.Second
	// pageCacheTags bounds how many tags the cache remembers; the oldest
	// entry is dropped to make room.
	pageCacheTags = 256
)

// statusFetch is one status query's outcome.
type statusFetch struct {
	st  *contract.Status
	err error
	at  time.Time // when the query started
}

// statusEntry is one tag's cached status; ready closes when the query in
// flight (if any) has answered.
type statusEntry struct {
	last  statusFetch
	ready chan struct{}
	used  time.Time
}

// statusCache shares the status query of a tag among every viewer of its
// page: a tag is queried at most once per pageQueryEvery, and viewers
// arriving while a query is in flight wait for that one.
type statusCache struct {
	query func(ctx context.Context, tag string) (*contract.Status, error)
	every time.Duration
	now   func() time.Time

	mu   sync.Mutex
	tags map[string]*statusEntry
}

func newStatusCache(query func(context.Context, string) (*contract.Status, error)) *statusCache {
	return &statusCache{query: query, every: pageQueryEvery, now: time.Now, tags: map[string]*statusEntry{}}
}

// get returns the tag's status, no older than every (plus one query's
// time); ctx bounds only this caller's wait.
func (c *statusCache) get(ctx context.Context, tag string) (*contract.Status, error) {
	c.mu.Lock()
	e := c.tags[tag]
	if e == nil {
		c.makeRoom()
		e = &statusEntry{}
		c.tags[tag] = e
	}
	now := c.now()
	e.used = now
	if e.ready == nil && !e.last.at.IsZero() && now.Sub(e.last.at) < c.every {
		last := e.last
		c.mu.Unlock()
		return last.st, last.err
	}
	ready := e.ready
	if ready == nil {
		ready = make(chan struct{})
		e.ready = ready
		go c.fetch(tag, e, now)
	}
	c.mu.Unlock()
	select {
	case <-ready:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return e.last.st, e.last.err
}

// fetch runs one query for e with its own deadline (the viewer who caused
// it may leave), stores the answer and wakes the waiters.
func (c *statusCache) fetch(tag string, e *statusEntry, at time.Time) {
	ctx, cancel := context.WithTimeout(context.Background(), DefaultTimeout)
	defer cancel()
	st, err := c.query(ctx, tag)
	c.mu.Lock()
	e.last = statusFetch{st: st, err: err, at: at}
	close(e.ready)
	e.ready = nil
	c.mu.Unlock()
}

// makeRoom drops the least recently used idle entry when the cache is
// full. Call with mu held.
func (c *statusCache) makeRoom() {
	if len(c.tags) < pageCacheTags {
		return
	}
	oldest := ""
	for tag, e := range c.tags {
		if e.ready == nil && (oldest == "" || e.used.Before(c.tags[oldest].used)) {
			oldest = tag
		}
	}
	delete(c.tags, oldest)
}
