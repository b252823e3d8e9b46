package devstack

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/BTCDecoded/releasetrain/webhook"
)

// Receiver is the stack's webhook receiver on a fixed local address. A
// test can stop it (GitHub's deliveries then fail: connection refused) and
// start it again.
type Receiver struct {
	addr string
	srv  *webhook.Server

	mu      sync.Mutex
	pending net.Listener // reserved by Start of the stack, not yet served
	cancel  context.CancelFunc
	done    chan error
}

// reserve picks the receiver's address: addr, or a free port of its host
// when addr is taken. keep holds the listener for the first Start; without
// it the address stays closed (connection refused) until Start.
func reserve(addr string, keep bool) (*Receiver, error) {
	ln, err := listen(addr)
	if err != nil {
		return nil, err
	}
	r := &Receiver{addr: ln.Addr().String()}
	if keep {
		r.pending = ln
	} else if err := ln.Close(); err != nil {
		return nil, err
	}
	return r, nil
}

// URL is where GitHub delivers.
func (r *Receiver) URL() string { return "http://" + r.addr + "/webhook" }

// Start serves on the receiver's address; it waits up to ten seconds for
// the address to be free again after a Stop.
func (r *Receiver) Start() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cancel != nil {
		return nil
	}
	ln := r.pending
	r.pending = nil
	if ln == nil {
		var err error
		deadline := time.Now().Add(10 * time.Second)
		for {
			if ln, err = net.Listen("tcp", r.addr); err == nil || time.Now().After(deadline) {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		if err != nil {
			return fmt.Errorf("webhook receiver: listen %s: %w", r.addr, err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel, r.done = cancel, make(chan error, 1)
	go func(done chan<- error) { done <- r.srv.Serve(ctx, ln) }(r.done)
	return nil
}

// Stop shuts the receiver down (it answers the requests under way) and
// closes its address; it returns what went wrong while it served.
func (r *Receiver) Stop() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.pending != nil {
		err := r.pending.Close()
		r.pending = nil
		return err
	}
	if r.cancel == nil {
		return nil
	}
	r.cancel()
	err := <-r.done
	r.cancel, r.done = nil, nil
	if errors.Is(err, http.ErrServerClosed) || errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}
