package webhook

import "sync"

// deliverySet remembers the most recent handled delivery ids (FIFO-bounded),
// so a redelivery of a handled delivery does nothing.
type deliverySet struct {
	mu   sync.Mutex
	ids  map[string]struct{}
	ring []string
	next int
}

func newDeliverySet(size int) *deliverySet {
	if size <= 0 {
		size = DefaultDedupeSize
	}
	return &deliverySet{ids: make(map[string]struct{}, size), ring: make([]string, size)}
}

// contains reports whether id was handled.
func (d *deliverySet) contains(id string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	_, ok := d.ids[id]
	return ok
}

// add records id, forgetting the oldest id when full.
func (d *deliverySet) add(id string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.ids[id]; ok {
		return
	}
	if old := d.ring[d.next]; old != "" {
		delete(d.ids, old)
	}
	d.ring[d.next] = id
	d.ids[id] = struct{}{}
	d.next = (d.next + 1) % len(d.ring)
}
